package loadtest

import (
	"bytes"
	"strings"
	"testing"

	"github.com/tickroom/tickroom/netcode"
	"github.com/tickroom/tickroom/world"
)

// Sends fall a whole number of ticks apart, step on average: a gap up to
// step rounded up skipped nothing, a longer one the sends it spans.
func TestSkippedSends(t *testing.T) {
	for _, tc := range []struct {
		gap  uint32
		step float64
		want uint32
	}{
		{1, 1, 0}, {2, 1, 1}, {5, 1, 4},
		{1, 4.0 / 3, 0}, {2, 4.0 / 3, 0}, {3, 4.0 / 3, 1}, // 20 ticks, 15 sends a second
		{3, 10.0 / 3, 0}, {4, 10.0 / 3, 0}, {6, 10.0 / 3, 1}, {7, 10.0 / 3, 1}, // 6 sends
		{4, 4, 0}, {8, 4, 1}, {12, 4, 2},
	} {
		if got := skippedSends(tc.gap, tc.step); got != tc.want {
			t.Errorf("skippedSends(%d, %.2f) = %d, want %d", tc.gap, tc.step, got, tc.want)
		}
	}
}

// A player follows the send rates the server announces: the run counts
// the rates frames and the lowest rate, and the states at the lowered
// rate skip nothing.
func TestRatesFramesFollowed(t *testing.T) {
	s := DefaultScenario()
	s.Clients, s.RoomSize = 2, 2
	r := newRun(s, Options{})
	r.measuring.Store(true)
	p := r.players[0]
	ss := newSession(r, p)
	p.sess.Store(ss)
	state := func(tick uint32) *netcode.State {
		return &netcode.State{Delta: world.Delta{Tick: tick, Base: tick - 1}}
	}

	ss.onFrame(&netcode.Welcome{TickRate: 20, SendRate: 20})
	for tick := uint32(1); tick <= 10; tick++ {
		ss.onFrame(state(tick))
	}
	ss.onFrame(&netcode.Rates{Tick: 12, TickRate: 20, SendRate: 15})
	ss.onFrame(state(11))
	for _, tick := range []uint32{12, 14, 15, 16, 18, 19, 20} { // 15 of 20 ticks
		ss.onFrame(state(tick))
	}
	ss.onFrame(&netcode.Rates{Tick: 22, TickRate: 20, SendRate: 5})
	for _, tick := range []uint32{22, 26, 30, 38} { // one send skipped: 34
		ss.onFrame(state(tick))
	}
	if got := p.winSkipped.Load(); got != 1 {
		t.Errorf("%d sends skipped, want 1", got)
	}
	sr := r.sendRates(20, r.meanSendRate())
	if sr.Frames != 2 || sr.Lowering != 2 || sr.Lowest != 5 || sr.AtEnd != 5 {
		t.Errorf("send rates %+v, want 2 lowering frames, lowest 5, 5 at the end", sr)
	}

	rep := &Report{SendRates: sr, Server: ServerInfo{SendRate: 20}, ServerMetrics: &ServerMetrics{
		PeakOverloaded: 1, PeakSendLevel: 5, Answers: map[string]float64{"refused overloaded_join": 3},
	}}
	rep.Joins.Attempted, rep.Joins.Succeeded, rep.Joins.Failed = 4, 3, 1
	rep.Errors = Counts{Total: 1, ByKind: map[string]int64{"join: server_busy": 1}}
	var out bytes.Buffer
	if err := WriteSummary(&out, rep); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"3 admitted of 4; refused 1: join: server_busy ×1; dropped 0",
		"20/s at welcome; lowest announced 5/s; mean 5.0/s at the window's end; 2 rates frames (2 lowering); server overloaded: yes, send level peak 5",
		"refused overloaded_join ×3",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("the summary lacks %q:\n%s", want, out.String())
		}
	}
}
