#!/bin/sh
# Copyright (c) 2026 Quay Scripts.
# SPDX-License-Identifier: BSD-3-Clause

echo "mooring the evening ferry"
