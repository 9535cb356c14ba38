#!/usr/bin/env python3
# -*- coding: utf-8 -*-
# Copyright 2026 Tide Table authors.
# Licensed under the Apache License, Version 2.0.

def tide_height(hour_of_day):
    """Height of the tide in metres at a given hour."""
    return abs(twelve_hours() - hour_of_day) / 2.0
