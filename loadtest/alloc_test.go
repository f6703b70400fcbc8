package loadtest

import (
	"testing"

	"github.com/tickroom/tickroom/netcode"
)

// Counting and timing a state costs no allocation: with 20,000 clients at
// 20 Hz the tester handles 400,000 of them a second.
func TestOnFrameDoesNotAllocate(t *testing.T) {
	s := DefaultScenario()
	s.URL, s.Clients = "http://127.0.0.1:1", 1
	r := newRun(s, Options{})
	r.measuring.Store(true)
	ss := newSession(r, r.players[0])
	st := &netcode.State{}
	allocs := testing.AllocsPerRun(1000, func() {
		seq := ss.sent.Add(1)
		ss.due[seq%ackRing].Store(r.now())
		st.Delta.Tick++
		st.InputAck = seq
		ss.onFrame(st)
	})
	if allocs != 0 {
		t.Errorf("onFrame allocates %v times per state", allocs)
	}
	if got := r.players[0].winAcks.Load(); got != r.players[0].winStates.Load() || got == 0 {
		t.Errorf("%d acks timed for %d states", got, r.players[0].winStates.Load())
	}
}

// The schedulers' heap allocates nothing once it has grown.
func TestSchedulerHeap(t *testing.T) {
	sc := &scheduler{}
	for _, at := range []int64{5, 3, 9, 1, 7, 3} {
		sc.push(event{at: at})
	}
	var got []int64
	for len(sc.heap) > 0 {
		got = append(got, sc.pop().at)
	}
	want := []int64{1, 3, 3, 5, 7, 9}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("popped %v, want %v", got, want)
		}
	}
	sc.push(event{at: 1})
	allocs := testing.AllocsPerRun(1000, func() { sc.push(sc.pop()) })
	if allocs != 0 {
		t.Errorf("push+pop allocates %v times", allocs)
	}
}
