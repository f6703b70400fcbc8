package loadtest

import (
	"context"
	"math"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/tickroom/tickroom/internal/metricname"
)

// exposition is hand-written text format: buckets out of order, a
// timestamp, escaped label values and an untyped series.
const exposition = `# HELP process_cpu_seconds_total Total user and system CPU time spent in seconds.
# TYPE process_cpu_seconds_total counter
process_cpu_seconds_total 12.5
process_resident_memory_bytes 3.2e+07
# TYPE tickroom_sessions gauge
tickroom_sessions{transport="longpoll"} 3
tickroom_sessions{transport="websocket"} 12
# TYPE tickroom_tick_duration_seconds histogram
tickroom_tick_duration_seconds_bucket{le="0.001"} 50
tickroom_tick_duration_seconds_bucket{le="0.0001"} 10
tickroom_tick_duration_seconds_bucket{le="0.01"} 99
tickroom_tick_duration_seconds_bucket{le="+Inf"} 100
tickroom_tick_duration_seconds_sum 0.2
tickroom_tick_duration_seconds_count 100
tickroom_other{a="x\"y\\z\n",b="z"} 1 1700000000000
`

func TestParseMetrics(t *testing.T) {
	ms, err := parseMetrics(strings.NewReader(exposition))
	if err != nil {
		t.Fatal(err)
	}
	if ms.cpu != 12.5 || ms.rss != 32e6 {
		t.Errorf("cpu %g rss %g, want 12.5 and 3.2e7", ms.cpu, ms.rss)
	}
	if ms.sessions["websocket"] != 12 || ms.sessions["longpoll"] != 3 || len(ms.sessions) != 2 {
		t.Errorf("sessions %v, want websocket 12, longpoll 3", ms.sessions)
	}
	checkBuckets(t, ms.buckets, []bucket{{0.0001, 10}, {0.001, 50}, {0.01, 99}, {math.Inf(1), 100}})
}

// A series the server does not export reads as NaN or empty, and a
// histogram without its +Inf bucket gets it from the count.
func TestParseMetricsMissing(t *testing.T) {
	ms, err := parseMetrics(strings.NewReader(`# TYPE tickroom_tick_duration_seconds histogram
tickroom_tick_duration_seconds_bucket{le="0.5"} 3
tickroom_tick_duration_seconds_sum 4
tickroom_tick_duration_seconds_count 7
`))
	if err != nil {
		t.Fatal(err)
	}
	if !math.IsNaN(ms.cpu) || !math.IsNaN(ms.rss) || len(ms.sessions) != 0 {
		t.Errorf("cpu %g rss %g sessions %v, want NaN, NaN and none", ms.cpu, ms.rss, ms.sessions)
	}
	checkBuckets(t, ms.buckets, []bucket{{0.5, 3}, {math.Inf(1), 7}})

	ms, err = parseMetrics(strings.NewReader(""))
	if err != nil || !math.IsNaN(ms.cpu) || !math.IsNaN(ms.rss) || len(ms.sessions) != 0 || ms.buckets != nil {
		t.Errorf("empty exposition: %+v, %v; want NaN, NaN, no sessions, no buckets", ms, err)
	}
}

func TestParseMetricsMalformed(t *testing.T) {
	for _, in := range []string{
		"process_cpu_seconds_total twelve\n",
		"tickroom_sessions{transport=\"websocket\" 3\n",
		"# TYPE tickroom_sessions gauge\n# TYPE tickroom_sessions counter\n",
	} {
		if _, err := parseMetrics(strings.NewReader(in)); err == nil {
			t.Errorf("parseMetrics(%q) = nil error, want one", in)
		}
	}
}

// The load tester reads what client_golang writes, under the names the
// server exports: this is the server's /metrics in miniature.
func TestScrapeClientGolang(t *testing.T) {
	reg := prometheus.NewRegistry()
	ticks := prometheus.NewHistogram(prometheus.HistogramOpts{
		Name:    metricname.TickDuration,
		Buckets: prometheus.ExponentialBuckets(10e-6, 2, 15),
	})
	sessions := prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: metricname.Sessions}, []string{metricname.LabelTransport})
	reg.MustRegister(ticks, sessions, collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	for _, d := range []time.Duration{5 * time.Microsecond, 30 * time.Microsecond, time.Second} {
		ticks.Observe(d.Seconds())
	}
	sessions.WithLabelValues("websocket").Set(12)
	sessions.WithLabelValues("poll").Set(2)
	srv := httptest.NewServer(promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
	defer srv.Close()
	s := newScraper(srv.URL)
	defer s.close()

	ms, ok := s.scrape(context.Background(), 5*time.Second)
	if !ok {
		t.Fatal("scrape failed")
	}
	if !(ms.cpu >= 0) || !(ms.rss > 0) {
		t.Errorf("cpu %g rss %g, want this process's", ms.cpu, ms.rss)
	}
	if ms.sessions["websocket"] != 12 || ms.sessions["poll"] != 2 || len(ms.sessions) != 2 {
		t.Errorf("sessions %v, want websocket 12, poll 2", ms.sessions)
	}
	if n := len(ms.buckets); n != 16 {
		t.Fatalf("%d buckets, want 15 and +Inf", n)
	}
	if first, last := ms.buckets[0], ms.buckets[15]; first != (bucket{10e-6, 1}) || last != (bucket{math.Inf(1), 3}) {
		t.Errorf("buckets from %v to %v, want {1e-05 1} to {+Inf 3}", first, last)
	}
	if got, ok := s.latest(time.Minute); !ok || got.cpu != ms.cpu {
		t.Errorf("latest = %+v, %v; want the scrape", got, ok)
	}
}

// A server without metrics answers 404 once; the scraper then stops
// asking. Any other failure is skipped and tried again next time.
func TestScrapeOff(t *testing.T) {
	for _, tc := range []struct {
		status int
		want   int32 // requests after two scrapes
	}{
		{http.StatusNotFound, 1},
		{http.StatusServiceUnavailable, 2},
	} {
		var hits atomic.Int32
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
			hits.Add(1)
			w.WriteHeader(tc.status)
		}))
		s := newScraper(srv.URL)
		for range 2 {
			if _, ok := s.scrape(context.Background(), 5*time.Second); ok {
				t.Errorf("status %d: scrape succeeded", tc.status)
			}
		}
		if got := hits.Load(); got != tc.want {
			t.Errorf("status %d: %d requests, want %d", tc.status, got, tc.want)
		}
		if _, ok := s.latest(time.Minute); ok {
			t.Errorf("status %d: latest has a scrape", tc.status)
		}
		s.close()
		srv.Close()
	}
}

func checkBuckets(t *testing.T, got, want []bucket) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("buckets %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("bucket %d = %v, want %v", i, got[i], want[i])
		}
	}
}

func TestBucketQuantile(t *testing.T) {
	bs := []bucket{{0.0001, 10}, {0.001, 50}, {0.01, 99}, {math.Inf(1), 100}}
	for _, tc := range []struct{ q, want float64 }{
		{0.05, 0.00005},                     // inside the first bucket, from 0
		{0.5, 0.001},                        // the 50th of 100 is the first bucket's top
		{0.3, 0.0001 + 0.0009*(30-10)/40.0}, // interpolated
		{0.99, 0.01},                        //
		{0.995, 0.01},                       // in +Inf: the largest finite bound
	} {
		if got := bucketQuantile(tc.q, bs); math.Abs(got-tc.want) > 1e-12 {
			t.Errorf("q%g = %g, want %g", tc.q, got, tc.want)
		}
	}
	if got := bucketQuantile(0.5, []bucket{{1, 0}, {math.Inf(1), 0}}); !math.IsNaN(got) {
		t.Errorf("empty histogram: %g, want NaN", got)
	}
	d := bucketDelta([]bucket{{1, 5}, {math.Inf(1), 7}}, []bucket{{1, 8}, {math.Inf(1), 12}})
	if d[0].count != 3 || d[1].count != 5 {
		t.Errorf("delta %v", d)
	}
}
