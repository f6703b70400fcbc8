package actors

import (
	"runtime/metrics"
	"time"
)

// The rooms' tick lateness misses one way a server falls behind: a room's
// tick is a timer, and a goroutine woken by a timer runs next on its
// processor, ahead of those the network woke. On a saturated core the
// rooms tick on time while the goroutines that read the players' inputs
// wait in the run queue, and inputs queue in the sockets behind them: at
// twice what half a core holds, the rooms ran less than a third of a tick
// late while the players' input→ack p99 was over 3 s. The runtime's
// scheduling latency (how long goroutines wait to run once runnable) sees
// every goroutine, readers included; the governor takes the larger of the
// two signals.

// schedLatencyMetric is the runtime's histogram of the time goroutines
// spend runnable before they run.
const schedLatencyMetric = "/sched/latencies:seconds"

// schedLatency turns the runtime's cumulative histogram into a quantile of
// the waits since the last sample. The governor owns it.
type schedLatency struct {
	sample []metrics.Sample
	last   []uint64 // the counts at the last sample
}

func newSchedLatency() *schedLatency {
	return &schedLatency{sample: []metrics.Sample{{Name: schedLatencyMetric}}}
}

// take returns the q-quantile of the waits since the last take (0 when
// there were fewer than minWaits, or the runtime has no such metric).
func (s *schedLatency) take(q float64) time.Duration {
	metrics.Read(s.sample)
	if s.sample[0].Value.Kind() != metrics.KindFloat64Histogram {
		return 0
	}
	h := s.sample[0].Value.Float64Histogram()
	if len(s.last) != len(h.Counts) {
		s.last = make([]uint64, len(h.Counts)) // the first take counts since start
	}
	wait := quantileSince(h, s.last, q)
	copy(s.last, h.Counts)
	return wait
}

// quantileSince is the q-quantile of what histogram h counted since it
// counted last: the lower bound of the bucket that holds it, so a wait at
// least that long. Fewer than minWaits waits are 0.
func quantileSince(h *metrics.Float64Histogram, last []uint64, q float64) time.Duration {
	var total uint64
	for i, c := range h.Counts {
		total += c - last[i]
	}
	if total < minWaits {
		return 0
	}
	rank := uint64(q * float64(total))
	var seen uint64
	for i, c := range h.Counts {
		seen += c - last[i]
		if seen > rank {
			return time.Duration(max(h.Buckets[i], 0) * float64(time.Second))
		}
	}
	return 0
}

// minWaits is the fewest waits of which a quantile is taken: an idle
// server's few goroutines say nothing about its load.
const minWaits = 100

// schedQuantile is the quantile of the waits that the governor weighs
// against the rooms' lateness.
const schedQuantile = 0.9
