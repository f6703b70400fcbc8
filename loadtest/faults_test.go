package loadtest

import (
	"testing"
	"time"
)

// The faults do what they say: dropped clients come back, delayed inputs
// show in the latency, slow readers receive fewer states, and none of it
// counts as an error or a disconnect.
func TestRunWithFaults(t *testing.T) {
	srv := startServer(t, 4)
	s := shortScenario(srv.url, 8, 4, 3*time.Second)
	s.DropPercent, s.DropEvery = 50, Duration{time.Second}
	s.SlowPercent, s.SlowDelay = 25, Duration{150 * time.Millisecond}
	s.Latency, s.Jitter = Duration{30 * time.Millisecond}, Duration{10 * time.Millisecond}
	rep := runScenario(t, s, Options{})

	if rep.Drops.Dropped < 4 || rep.Drops.Rejoined != rep.Drops.Dropped {
		t.Errorf("drops = %+v, want at least one round of 4, all rejoined", rep.Drops)
	}
	reconnects := 0
	for _, cr := range rep.Clients {
		reconnects += cr.Reconnects
	}
	if int64(reconnects) != rep.Drops.Rejoined {
		t.Errorf("client records show %d reconnects, drops %+v", reconnects, rep.Drops)
	}
	if rep.Errors.Total != 0 || rep.Disconnects.Total != 0 {
		t.Errorf("errors %+v, disconnects %+v; want none", rep.Errors, rep.Disconnects)
	}
	if rep.Latency.Count == 0 || rep.Latency.P50 < 30 {
		t.Errorf("latency %+v: want the 30ms input delay in it", rep.Latency)
	}
	var slow, fast []float64
	for _, cr := range rep.Clients {
		if !cr.Slow {
			fast = append(fast, cr.UpdateRate)
			continue
		}
		slow = append(slow, cr.UpdateRate)
		// A slow reader takes at most 1/SlowDelay (6.7) states a second;
		// one that was dropped and rejoined also drained its backlog at once,
		// so only the others are held to that.
		if cr.Reconnects == 0 && cr.UpdateRate > 9 {
			t.Errorf("slow client that was never dropped received %.1f states/s", cr.UpdateRate)
		}
	}
	if len(slow) != 2 {
		t.Fatalf("%d slow clients, want 2 (25%% of 8)", len(slow))
	}
	if mean(slow) >= mean(fast) {
		t.Errorf("slow clients %v not slower than the others %v", slow, fast)
	}
}

func mean(xs []float64) float64 {
	sum := 0.0
	for _, x := range xs {
		sum += x
	}
	return sum / float64(len(xs))
}
