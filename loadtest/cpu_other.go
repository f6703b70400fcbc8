//go:build !unix

package loadtest

import "time"

// processCPU returns 0 where getrusage does not exist: the report then shows
// no tester CPU rather than a wrong one.
func processCPU() time.Duration { return 0 }
