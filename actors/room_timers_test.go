package actors

import (
	"math"
	"testing"
	"time"
)

// TestTicksFor: a timer is at least one tick away, rounds up, and a huge
// duration neither wraps nor fires at once.
func TestTicksFor(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		d    time.Duration
		want uint32
	}{
		{0, 1},
		{-time.Second, 1},
		{time.Nanosecond, 1},
		{time.Second / 60, 1},
		{time.Second/60 + 1, 2},
		{time.Second / 30, 2},
		{time.Second, 60},
		{math.MaxInt64, maxTimerTicks},
		{math.MaxInt64 - 1, maxTimerTicks},
	} {
		if got := ticksFor(tc.d, 60); got != tc.want {
			t.Errorf("ticksFor(%v) = %d, want %d", tc.d, got, tc.want)
		}
	}
}
