package loadtest

import (
	"sync"
	"time"

	"github.com/HdrHistogram/hdrhistogram-go"
)

// Histograms hold microseconds, from 1µs to a minute, to 3 significant
// digits; longer values count as a minute.
const (
	histMax    = int64(time.Minute / time.Microsecond)
	histDigits = 3
	nShards    = 16 // histogram shards: readers of different clients rarely share a lock
)

func newHistogram() *hdrhistogram.Histogram { return hdrhistogram.New(1, histMax, histDigits) }

// recordNS records a duration given in nanoseconds, clamped into range.
func recordNS(h *hdrhistogram.Histogram, ns int64) {
	us := min(max(ns/int64(time.Microsecond), 1), histMax)
	_ = h.RecordValue(us) // in range by construction
}

// recorder collects latencies and tick gaps from every client's reader
// goroutine. HDR histograms are not safe for concurrent use, so each shard
// has its own histograms and lock, and a client always records into the
// shard of its id; the sampler and the report merge the shards.
type recorder struct {
	shards [nShards]shard
}

type shard struct {
	mu     sync.Mutex
	recent *hdrhistogram.Histogram // latencies since the last sample: charts, progress
	lat    *hdrhistogram.Histogram // latencies in the measured window
	gap    *hdrhistogram.Histogram // state arrival gaps in the measured window
	_      [64]byte                // keep shards' locks on separate cache lines
}

func newRecorder() *recorder {
	r := &recorder{}
	for i := range r.shards {
		s := &r.shards[i]
		s.recent, s.lat, s.gap = newHistogram(), newHistogram(), newHistogram()
	}
	return r
}

func (r *recorder) shard(id int) *shard { return &r.shards[id%nShards] }

// takeRecent merges every shard's recent latencies into dst (after
// resetting it) and starts the shards afresh.
func (r *recorder) takeRecent(dst *hdrhistogram.Histogram) {
	dst.Reset()
	for i := range r.shards {
		s := &r.shards[i]
		s.mu.Lock()
		dst.Merge(s.recent)
		s.recent.Reset()
		s.mu.Unlock()
	}
}

// window returns the measured window's latency and gap histograms, merged.
func (r *recorder) window() (lat, gap *hdrhistogram.Histogram) {
	lat, gap = newHistogram(), newHistogram()
	for i := range r.shards {
		s := &r.shards[i]
		s.mu.Lock()
		lat.Merge(s.lat)
		gap.Merge(s.gap)
		s.mu.Unlock()
	}
	return lat, gap
}

// Quantiles summarise a histogram, in milliseconds.
type Quantiles struct {
	Count int64   `json:"count"`
	Mean  float64 `json:"mean_ms"`
	P50   float64 `json:"p50_ms"`
	P90   float64 `json:"p90_ms"`
	P99   float64 `json:"p99_ms"`
	P999  float64 `json:"p999_ms"`
	Max   float64 `json:"max_ms"`
}

func quantilesOf(h *hdrhistogram.Histogram) Quantiles {
	if h.TotalCount() == 0 {
		return Quantiles{}
	}
	ms := func(us int64) float64 { return float64(us) / 1000 }
	return Quantiles{
		Count: h.TotalCount(),
		Mean:  h.Mean() / 1000,
		P50:   ms(h.ValueAtQuantile(50)),
		P90:   ms(h.ValueAtQuantile(90)),
		P99:   ms(h.ValueAtQuantile(99)),
		P999:  ms(h.ValueAtQuantile(99.9)),
		Max:   ms(h.Max()),
	}
}
