package actors

import (
	"testing"
	"testing/synctest"
	"time"

	"github.com/tickroom/tickroom/netcode"
	"github.com/tickroom/tickroom/world"
)

// peek reports what waits in the seat for the room, without taking it.
func (s *seat) peek() (inputs int, reset bool, ack uint32, state seatState) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.queue), s.ackReset, s.ackTick, s.state
}

// seated returns the seat the client's receiver pushes into; nil when the
// session is seated nowhere.
func (c *testClient) seated() *seat { return c.recv.(*receiver).seat.Load() }

// tickUntil lets rooms tick, one 50 ms tick at a time and at most 10, until
// done holds; each, if set, runs after every tick (to keep a client acking).
func tickUntil(done func() bool, each func()) {
	for range 10 {
		time.Sleep(50 * time.Millisecond)
		synctest.Wait()
		if each != nil {
			each()
		}
		if done() {
			return
		}
	}
}

// nextState waits one tick (20 Hz, one send per tick) and returns the state
// it sent.
func (c *testClient) nextState() *netcode.State {
	c.t.Helper()
	n := len(c.states())
	time.Sleep(50 * time.Millisecond)
	synctest.Wait()
	s := c.states()
	if len(s) != n+1 {
		c.t.Fatalf("%d state frames in one tick, want 1", len(s)-n)
	}
	return s[n]
}

// A seated client's input goes into its seat, not through any actor,
// and the room applies it at its next tick: that tick's state acknowledges
// its seq.
func TestSeatedInputIsAppliedAtTheNextTick(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newTestHub(t, Options{})
		c := connect(t, h)
		c.join("r")
		c.run(200*time.Millisecond, 50*time.Millisecond)
		box := c.seated()
		if box == nil {
			t.Fatal("a welcomed session holds no seat")
		}
		before := h.Stats()
		for range 3 {
			c.input(world.MaxAxis)
			synctest.Wait()
			if n, _, _, _ := box.peek(); n != 1 {
				t.Fatalf("box holds %d inputs after the push, want 1", n)
			}
			if got, want := c.nextState().InputAck, c.seq; got != want {
				t.Errorf("input ack at the next tick = %d, want %d", got, want)
			}
			if n, _, _, _ := box.peek(); n != 0 {
				t.Errorf("box holds %d inputs after the tick, want 0", n)
			}
		}
		st := h.Stats()
		if got := st.InputsReceived - before.InputsReceived; got != 3 {
			t.Errorf("inputs received = %d, want 3", got)
		}
		if got := st.InputsApplied - before.InputsApplied; got != 3 {
			t.Errorf("inputs applied = %d, want 3", got)
		}
		if got := st.InputsDropped - before.InputsDropped; got != 0 {
			t.Errorf("inputs dropped = %d, want 0", got)
		}
		closeAll(c)
	})
}

// An ack-only frame of a seated client moves its baseline through the seat:
// the next state is a diff from the acknowledged tick, and an ack of tick 0
// asks for a full snapshot.
func TestAckFramesMoveTheBaseline(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newTestHub(t, Options{})
		c := connect(t, h)
		c.join("r")
		c.run(200*time.Millisecond, 50*time.Millisecond)
		box := c.seated()

		tick := c.lastTick()
		c.send(&netcode.Ack{Tick: tick})
		synctest.Wait()
		if _, reset, ack, _ := box.peek(); reset || ack != tick {
			t.Fatalf("box ack = %d (reset %v), want %d", ack, reset, tick)
		}
		if s := c.nextState(); s.Delta.Base != tick {
			t.Errorf("state after ack %d has baseline %d", tick, s.Delta.Base)
		}

		c.send(&netcode.Ack{Tick: 0})
		if s := c.nextState(); !s.Delta.Full() {
			t.Errorf("state after ack 0 is a diff from %d, want a full snapshot", s.Delta.Base)
		}
		// An input's ack counts the same way.
		tick = c.lastTick()
		c.input(0)
		if s := c.nextState(); s.Delta.Base != tick || s.InputAck != c.seq {
			t.Errorf("state after input acking %d: baseline %d input ack %d, want %d and %d",
				tick, s.Delta.Base, s.InputAck, tick, c.seq)
		}
		closeAll(c)
	})
}

// An input the receiver handed to the session (it read the seat before the
// session stored it) reaches the same seat.
func TestInputThroughTheSessionReachesTheSeat(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newTestHub(t, Options{})
		c := connect(t, h)
		c.join("r")
		c.run(200*time.Millisecond, 50*time.Millisecond)
		c.seq++
		h.engine.Send(c.recv.(*receiver).pid, &netcode.Input{Seq: c.seq, Ack: c.lastTick()})
		synctest.Wait()
		if n, _, _, _ := c.seated().peek(); n != 1 {
			t.Fatalf("seat holds %d inputs, want the session's 1", n)
		}
		if got, want := c.nextState().InputAck, c.seq; got != want {
			t.Errorf("input ack = %d, want %d", got, want)
		}
		closeAll(c)
	})
}

// After a leave the seat takes nothing: a reader still holding it pushes
// into nothing, nothing is counted, and the room closes it.
func TestSeatAfterLeaveTakesNothing(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newTestHub(t, Options{})
		c := connect(t, h)
		c.join("r")
		c.run(200*time.Millisecond, 50*time.Millisecond)
		box := c.seated()
		c.send(&netcode.Leave{})
		synctest.Wait()
		if c.seated() != nil {
			t.Fatal("session still holds the seat after the leave")
		}
		if _, _, _, state := box.peek(); state != seatLeaving {
			t.Fatalf("seat is %v after the leave, want leaving", state)
		}
		time.Sleep(50 * time.Millisecond)
		synctest.Wait()
		if _, _, _, state := box.peek(); state != seatClosed {
			t.Fatalf("seat is %v a step after the leave, want closed", state)
		}
		before := h.Stats()
		for seq := uint32(100); seq < 200; seq++ {
			box.push(seq, 1, world.Input{})
			box.acknowledge(seq)
		}
		time.Sleep(200 * time.Millisecond)
		synctest.Wait()
		if n, _, ack, _ := box.peek(); n != 0 || ack != 0 {
			t.Errorf("closed seat holds %d inputs and ack %d", n, ack)
		}
		st := h.Stats()
		if st.InputsReceived != before.InputsReceived || st.InputsDropped != before.InputsDropped {
			t.Errorf("pushes into a closed seat counted: received %d → %d, dropped %d → %d",
				before.InputsReceived, st.InputsReceived, before.InputsDropped, st.InputsDropped)
		}
		// Rejoining gets a fresh seat.
		c.join("r")
		c.run(200*time.Millisecond, 50*time.Millisecond)
		if nb := c.seated(); nb == nil || nb == box {
			t.Errorf("seat after rejoin = %p, want a new one (old %p)", nb, box)
		}
		closeAll(c)
	})
}

// A player's first snapshot goes out in the same send as its welcome: the
// room welcomes the seat when it runs Game.Join, so the send of that tick
// already reaches it, followed by the event the arena sent in Join.
func TestWelcomeAndFirstSnapshotInOneTick(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newTestHub(t, Options{})
		a := connect(t, h)
		a.join("r")
		a.run(200*time.Millisecond, 50*time.Millisecond)

		b := connect(t, h)
		b.join("r")
		tickUntil(func() bool { return b.welcome() != nil }, nil)
		msgs := b.link.messages(t)
		if len(msgs) != 3 {
			t.Fatalf("after the tick that seated it the client got %d frames %v, want the welcome, a snapshot and the rules", len(msgs), msgs)
		}
		if _, ok := msgs[0].(*netcode.Welcome); !ok {
			t.Errorf("first frame %#v, want the welcome", msgs[0])
		}
		if s, ok := msgs[1].(*netcode.State); !ok || !s.Delta.Full() {
			t.Errorf("second frame %#v, want a full snapshot", msgs[1])
		}
		if e, ok := msgs[2].(*netcode.Event); !ok || e.Type != "rules" {
			t.Errorf("third frame %#v, want the rules event", msgs[2])
		}
		closeAll(a, b)
	})
}

// An ack of a tick from before the player joined (one its previous room
// sent, still on its way when it switched rooms) is not taken as a baseline.
func TestAckFromBeforeTheJoinIsIgnored(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newTestHub(t, Options{})
		a := connect(t, h)
		a.join("r")
		a.run(300*time.Millisecond, 50*time.Millisecond)

		b := connect(t, h)
		b.join("r")
		tickUntil(func() bool { return len(b.states()) > 0 }, nil)
		first := b.lastTick()
		if first < 3 {
			t.Fatalf("joined at tick %d, want a room that ran a few ticks first", first)
		}
		b.send(&netcode.Ack{Tick: first - 2}) // from the previous room
		if s := b.nextState(); !s.Delta.Full() {
			t.Errorf("after an ack of tick %d from before the join (at %d) the room sent a diff from %d, want a snapshot", first-2, first, s.Delta.Base)
		}
		b.send(&netcode.Ack{Tick: b.lastTick()})
		if s := b.nextState(); s.Delta.Full() {
			t.Error("after a real ack the room still sends snapshots")
		}
		closeAll(a, b)
	})
}
