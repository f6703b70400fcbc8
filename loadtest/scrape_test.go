package loadtest

import (
	"math"
	"strings"
	"testing"
)

const exposition = `# HELP process_cpu_seconds_total Total user and system CPU time spent in seconds.
# TYPE process_cpu_seconds_total counter
process_cpu_seconds_total 12.5
process_resident_memory_bytes 3.2e+07
tickroom_sessions{transport="longpoll"} 3
tickroom_sessions{transport="websocket"} 12
tickroom_tick_duration_seconds_bucket{le="0.001"} 50
tickroom_tick_duration_seconds_bucket{le="0.0001"} 10
tickroom_tick_duration_seconds_bucket{le="0.01"} 99
tickroom_tick_duration_seconds_bucket{le="+Inf"} 100
tickroom_tick_duration_seconds_sum 0.2
tickroom_tick_duration_seconds_count 100
tickroom_other{a="x\"y",b="z"} 1 1700000000000
`

func TestParseMetrics(t *testing.T) {
	ms, err := parseMetrics(strings.NewReader(exposition))
	if err != nil {
		t.Fatal(err)
	}
	if ms.cpu != 12.5 || ms.rss != 32e6 {
		t.Errorf("cpu %g rss %g", ms.cpu, ms.rss)
	}
	if ms.sessions["websocket"] != 12 || ms.sessions["longpoll"] != 3 || len(ms.sessions) != 2 {
		t.Errorf("sessions %v", ms.sessions)
	}
	want := []bucket{{0.0001, 10}, {0.001, 50}, {0.01, 99}, {math.Inf(1), 100}}
	if len(ms.buckets) != len(want) {
		t.Fatalf("buckets %v, want %v", ms.buckets, want)
	}
	for i := range want {
		if ms.buckets[i] != want[i] {
			t.Errorf("bucket %d = %v, want %v", i, ms.buckets[i], want[i])
		}
	}
	if _, labels, v, ok := parseSample(`tickroom_other{a="x\"y",b="z"} 1 1700000000000`); !ok || v != 1 || labels["a"] != `x"y` || labels["b"] != "z" {
		t.Errorf("labels %v value %g ok %v", labels, v, ok)
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
