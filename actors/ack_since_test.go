package actors

import (
	"testing"
	"testing/synctest"
	"time"

	"github.com/tickroom/tickroom/netcode"
)

// With SendRate < TickRate, the first state a player gets can be of a tick
// after the one Game.Join ran at. An ack (from the previous room) of a tick
// between the two must not become the baseline either: the room would send
// a diff from a tick this client never received. Each try shifts the join by
// half a send, so that some join lands between two sends.
func TestAckBeforeTheFirstStateIsIgnored(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newTestHub(t, Options{Room: RoomOptions{TickRate: 20, SendRate: 10}})
		a := connect(t, h)
		a.join("r")
		a.run(300*time.Millisecond, 50*time.Millisecond)
		reproduced := false
		var cs []*testClient
		for try := 0; try < 4 && !reproduced; try++ {
			// shift the join by one tick each try
			time.Sleep(time.Duration(25*(try+1)) * time.Millisecond)
			synctest.Wait()
			a.send(&netcode.Ack{Tick: a.lastTick()})
			b := connect(t, h)
			cs = append(cs, b)
			b.join("r")
			tickUntil(func() bool { return len(b.states()) > 0 }, func() { a.send(&netcode.Ack{Tick: a.lastTick()}) })
			first := b.states()[0]
			if !first.Delta.Full() {
				t.Fatalf("first state not full")
			}
			f := first.Delta.Tick
			n := len(b.states())
			b.send(&netcode.Ack{Tick: f - 1}) // stale: from the previous room
			for len(b.states()) == n {
				time.Sleep(50 * time.Millisecond)
				synctest.Wait()
				a.send(&netcode.Ack{Tick: a.lastTick()})
			}
			next := b.states()[n]
			t.Logf("try %d: first state tick %d; after stale ack %d next state tick %d base %d", try, f, f-1, next.Delta.Tick, next.Delta.Base)
			if next.Delta.Base == f-1 {
				reproduced = true
				t.Errorf("stale ack of tick %d (before the first state %d the client got) became the baseline: diff from %d sent", f-1, f, f-1)
			}
		}
		closeAll(append(cs, a)...)
	})
}
