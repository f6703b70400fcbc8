package actors

import (
	"math"
	"runtime/metrics"
	"testing"
	"time"
)

func TestQuantileSince(t *testing.T) {
	// Buckets: [-inf,0) [0,1ms) [1ms,10ms) [10ms,100ms) [100ms,+inf).
	h := &metrics.Float64Histogram{
		Buckets: []float64{math.Inf(-1), 0, 0.001, 0.010, 0.100, math.Inf(1)},
		Counts:  []uint64{0, 1000, 100, 50, 10},
	}
	zero := make([]uint64, len(h.Counts))
	for _, tc := range []struct {
		name string
		last []uint64
		q    float64
		want time.Duration
	}{
		{"median of all", zero, 0.5, 0},
		{"p90 of all", zero, 0.9, time.Millisecond},
		{"p99 of all", zero, 0.99, 10 * time.Millisecond},
		// Since a sample that had seen the first 1000 short waits, the 160
		// new ones are mostly long.
		{"p50 since", []uint64{0, 1000, 0, 0, 0}, 0.5, time.Millisecond},
		{"p90 since", []uint64{0, 1000, 0, 0, 0}, 0.9, 10 * time.Millisecond},
		{"p99 since", []uint64{0, 1000, 0, 0, 0}, 0.99, 100 * time.Millisecond},
		{"too few since", []uint64{0, 1000, 100, 0, 0}, 0.9, 0},
	} {
		if got := quantileSince(h, tc.last, tc.q); got != tc.want {
			t.Errorf("%s: %v, want %v", tc.name, got, tc.want)
		}
	}
}

// The runtime has the metric, and take counts only what came since the
// last take.
func TestSchedLatencyTake(t *testing.T) {
	s := newSchedLatency()
	s.take(0.9)
	if s.sample[0].Value.Kind() != metrics.KindFloat64Histogram {
		t.Fatalf("%s is not a histogram in this runtime", schedLatencyMetric)
	}
	if got := s.take(0.9); got != 0 {
		t.Errorf("with no goroutine run in between: %v, want 0 (fewer than %d waits)", got, minWaits)
	}
}
