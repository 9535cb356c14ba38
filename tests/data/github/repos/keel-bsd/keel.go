// Copyright 2026 The Lighthouse Authors. All rights reserved.
// Use of this source code is governed by a BSD-style license.

package lighthouse

func BeamInterval(seconds int) int {
	return seconds * rotationsPerMinute
}
