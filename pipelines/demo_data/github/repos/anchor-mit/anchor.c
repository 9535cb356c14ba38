/*
 * Copyright (c) 2026 Harbour Tools contributors.
 * SPDX-License-Identifier: MIT
 */
#include <stdio.h>

int main(void) {
    printf("harbour lights are shining tonight\n");
    return 0;
}
