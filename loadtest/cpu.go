package loadtest

import "time"

// percentOfCore is cpu over wall as a percentage of one core.
func percentOfCore(cpu, wall time.Duration) float64 {
	if wall <= 0 {
		return 0
	}
	return 100 * cpu.Seconds() / wall.Seconds()
}
