package loadtest

import (
	"context"
	"math"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tickroom/tickroom/client"
	"github.com/tickroom/tickroom/netcode"
)

// seen is what one client saw in the measured window, counted by the test
// from the frames themselves, apart from the run's own counters.
type seen struct {
	states, bytes, acks int64
	lastBytes           int64
	lastAck             uint32
}

// counter counts, per client, the frames the observe hook sees.
type counter struct {
	mu sync.Mutex
	by map[int]*seen
}

func (c *counter) observe(id int, cl *client.Client, m netcode.Frame, measuring bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	s := c.by[id]
	if s == nil {
		s = &seen{}
		c.by[id] = s
	}
	b := cl.Stats().Bytes
	if measuring {
		s.bytes += b - s.lastBytes
	}
	s.lastBytes = b
	st, ok := m.(*netcode.State)
	if !ok {
		return
	}
	if measuring {
		s.states++
		if st.InputAck > s.lastAck {
			s.acks += int64(st.InputAck - s.lastAck)
		}
	}
	s.lastAck = max(s.lastAck, st.InputAck)
}

// A short run's report agrees, field by field, with what the test counted
// from the frames every client received.
func TestRunReportMatchesWhatClientsSaw(t *testing.T) {
	srv := startServer(t, 4)
	const clients, d = 8, 3 * time.Second
	cnt := &counter{by: map[int]*seen{}}
	rep := runScenario(t, shortScenario(srv.url, clients, 4, d), Options{observe: cnt.observe})

	if rep.Joins.Attempted != clients || rep.Joins.Succeeded != clients || rep.Joins.Failed != 0 {
		t.Errorf("joins = %+v, want %d of %d", rep.Joins, clients, clients)
	}
	if rep.Joins.Time.Count != clients || rep.Joins.Time.Max <= 0 {
		t.Errorf("join time = %+v, want %d samples", rep.Joins.Time, clients)
	}
	if rep.Errors.Total != 0 || rep.Disconnects.Total != 0 {
		t.Errorf("errors = %+v, disconnects = %+v, want none", rep.Errors, rep.Disconnects)
	}
	if rep.Interrupted || rep.Window.Clients != clients {
		t.Errorf("window = %+v interrupted %v, want %d clients, not interrupted", rep.Window, rep.Interrupted, clients)
	}
	if got := rep.Window.Seconds; got < d.Seconds() || got > d.Seconds()+0.5 {
		t.Errorf("window is %.2fs, want about %v", got, d)
	}
	if rep.Server.TickRate != 20 || rep.Server.SendRate != 20 {
		t.Errorf("server = %+v, want 20 Hz ticks and sends", rep.Server)
	}

	// Per client: the run's record against the test's own count.
	if len(rep.Clients) != clients {
		t.Fatalf("%d client records, want %d", len(rep.Clients), clients)
	}
	var states, bytes, acks int64
	rooms := map[string]int{}
	for _, cr := range rep.Clients {
		s := cnt.by[cr.ID]
		if s == nil {
			t.Fatalf("client %d: no frames seen", cr.ID)
		}
		if cr.States != s.states || cr.Bytes != s.bytes || cr.Acks != s.acks {
			t.Errorf("client %d: report states %d bytes %d acks %d, counted %d %d %d",
				cr.ID, cr.States, cr.Bytes, cr.Acks, s.states, s.bytes, s.acks)
		}
		if want := float64(s.states) / rep.Window.Seconds; !near(cr.UpdateRate, want, 1e-9) {
			t.Errorf("client %d: update rate %g, want %g", cr.ID, cr.UpdateRate, want)
		}
		if want := float64(s.bytes) / rep.Window.Seconds; !near(cr.BytesPerSec, want, 1e-9) {
			t.Errorf("client %d: bytes/s %g, want %g", cr.ID, cr.BytesPerSec, want)
		}
		// The room sends 20 states a second; allow for a loaded test machine.
		if cr.UpdateRate < 10 || cr.UpdateRate > 25 {
			t.Errorf("client %d: %.1f updates/s, want about 20", cr.ID, cr.UpdateRate)
		}
		if !cr.Joined || cr.Transport != client.TransportWebSocket || cr.Disconnects != 0 {
			t.Errorf("client %d: %+v", cr.ID, cr)
		}
		rooms[cr.Room]++
		states, bytes, acks = states+s.states, bytes+s.bytes, acks+s.acks
	}
	if len(rooms) != 2 {
		t.Errorf("rooms = %v, want 2 rooms of 4", rooms)
	}
	for room, n := range rooms {
		if n != 4 {
			t.Errorf("room %s has %d clients, want 4", room, n)
		}
	}

	// Totals and means.
	if rep.Updates.Total != states || rep.Bytes.Total != bytes || rep.Latency.Count != acks {
		t.Errorf("totals: states %d bytes %d acks %d, counted %d %d %d",
			rep.Updates.Total, rep.Bytes.Total, rep.Latency.Count, states, bytes, acks)
	}
	if want := float64(states) / rep.Window.Seconds / clients; !near(rep.Updates.PerClient, want, 1e-9) {
		t.Errorf("updates per client %g, want %g", rep.Updates.PerClient, want)
	}
	if want := float64(bytes) / rep.Window.Seconds / clients; !near(rep.Bytes.PerClient, want, 1e-9) {
		t.Errorf("bytes per client %g, want %g", rep.Bytes.PerClient, want)
	}
	if want := float64(bytes) / rep.Window.Seconds; !near(rep.Bytes.TotalPerSec, want, 1e-9) {
		t.Errorf("bytes per second %g, want %g", rep.Bytes.TotalPerSec, want)
	}
	slowest := math.Inf(1)
	for _, cr := range rep.Clients {
		slowest = min(slowest, cr.UpdateRate)
	}
	if sl := rep.Updates.Slowest; sl == nil || sl.Rate != slowest || rep.Clients[sl.Client].UpdateRate != slowest {
		t.Errorf("slowest = %+v, want rate %g", sl, slowest)
	}

	// Every state in the window had a state before it at its client.
	if rep.Gaps.Arrival.Count != states {
		t.Errorf("%d arrival gaps, want %d (one per state)", rep.Gaps.Arrival.Count, states)
	}
	if rep.Gaps.Arrival.P50 < 25 || rep.Gaps.Arrival.P50 > 100 {
		t.Errorf("gap p50 %.1fms, want about 50ms at 20 Hz", rep.Gaps.Arrival.P50)
	}
	q := rep.Latency
	if !(0 < q.P50 && q.P50 <= q.P90 && q.P90 <= q.P99 && q.P99 <= q.P999 && q.P999 <= q.Max) {
		t.Errorf("latency quantiles out of order: %+v", q)
	}

	if len(rep.Transports) != 1 || rep.Transports[0].Joined != clients || rep.Transports[0].States != states {
		t.Errorf("transports = %+v", rep.Transports)
	}

	// The server's metrics over the window.
	sm := rep.ServerMetrics
	if sm == nil {
		t.Fatal("no server metrics")
	}
	if sm.Tick.Count <= 0 || sm.PeakRSSBytes <= 0 || sm.CPUSeconds < 0 {
		t.Errorf("server metrics = %+v", sm)
	}
	var inBuckets int64
	for _, b := range sm.Tick.Buckets {
		inBuckets += b.Count
	}
	if inBuckets != sm.Tick.Count || sm.Tick.Buckets[len(sm.Tick.Buckets)-1].Le != "+Inf" {
		t.Errorf("tick buckets %+v add up to %d, want %d", sm.Tick.Buckets, inBuckets, sm.Tick.Count)
	}
	if sm.PeakSessions["websocket"] != clients {
		t.Errorf("peak server sessions = %v, want %d websocket", sm.PeakSessions, clients)
	}
	if rep.Tester.CPUSeconds <= 0 || rep.Tester.Schedulers < 1 {
		t.Errorf("tester = %+v", rep.Tester)
	}

	// One sample a second, through every phase.
	if n := len(rep.Series); n < int(d.Seconds()) {
		t.Fatalf("%d samples, want at least %v", n, d.Seconds())
	}
	measured := 0
	for _, s := range rep.Series {
		if s.Phase == phaseMeasuring {
			measured++
			if s.Clients != clients {
				t.Errorf("sample %+v: want %d clients", s, clients)
			}
		}
	}
	if measured < int(d.Seconds())-1 {
		t.Errorf("%d samples while measuring, want about %v", measured, d.Seconds())
	}
	if len(rep.Gates) != 1 || rep.Gates[0].Name != "joined" || !rep.Passed {
		t.Errorf("gates %+v passed %v, want only the joined gate, passed", rep.Gates, rep.Passed)
	}
}

// A run whose context ends inside the window stops at once and still
// reports, marked interrupted, with every goroutine ended (TestMain checks).
func TestRunInterrupted(t *testing.T) {
	srv := startServer(t, 4)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var once sync.Once
	observe := func(_ int, _ *client.Client, _ netcode.Frame, measuring bool) {
		if measuring {
			once.Do(cancel)
		}
	}
	s := shortScenario(srv.url, 4, 4, time.Minute)
	start := time.Now()
	rep, err := Run(ctx, s, Options{observe: observe})
	if err != nil {
		t.Fatal(err)
	}
	if took := time.Since(start); took > 20*time.Second {
		t.Errorf("an interrupted run took %v", took)
	}
	if !rep.Interrupted || rep.Window.Seconds > 10 || rep.Joins.Succeeded != 4 {
		t.Errorf("report: interrupted %v, window %+v, joins %+v", rep.Interrupted, rep.Window, rep.Joins)
	}
	if len(rep.Warnings) == 0 || !strings.Contains(rep.Warnings[0], "stopped early") {
		t.Errorf("warnings = %q", rep.Warnings)
	}
}
