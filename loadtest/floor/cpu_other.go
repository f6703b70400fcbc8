//go:build !unix

package main

import "time"

// processCPU returns 0 where getrusage does not exist; the floor is measured
// on Linux.
func processCPU() time.Duration { return 0 }
