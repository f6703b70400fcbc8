package actors

import (
	"context"
	"slices"
	"testing"
	"testing/synctest"
	"time"

	"github.com/tickroom/tickroom/netcode"
	"github.com/tickroom/tickroom/world"
)

// newTestHub starts a hub inside a synctest bubble and shuts it down (all
// actors stopped, every repeater ended) before the bubble ends, which
// synctest checks: a leaked goroutine fails the test.
func newTestHub(t *testing.T, o Options) *Hub {
	t.Helper()
	if o.Logger == nil {
		o.Logger = quietLogger()
	}
	if o.Modes == nil {
		o.Modes, o.DefaultMode = testModes(), "arena"
	}
	h, err := NewHub(o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		if err := h.Shutdown(ctx); err != nil {
			t.Errorf("Shutdown: %v", err)
		}
	})
	return h
}

// closeAll ends the clients' links, as the transport does at shutdown.
func closeAll(cs ...*testClient) {
	for _, c := range cs {
		c.disconnect()
	}
	synctest.Wait()
}

// run advances fake time by d, with the client acknowledging every tick
// like a real client does.
func (c *testClient) run(d time.Duration, every time.Duration) {
	for end := time.Now().Add(d); time.Now().Before(end); {
		time.Sleep(every)
		synctest.Wait()
		c.send(&netcode.Ack{Tick: c.lastTick()})
	}
	synctest.Wait()
}

func TestRoomTicksAtConfiguredRate(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newTestHub(t, Options{Room: RoomOptions{TickRate: 20, SendRate: 20}})
		c := connect(t, h)
		c.join("r")
		c.run(time.Second, 50*time.Millisecond)
		first := c.lastTick()
		c.run(2*time.Second, 50*time.Millisecond)
		if got, want := c.lastTick()-first, uint32(40); got != want {
			t.Errorf("ticks in 2s at 20 Hz = %d, want %d", got, want)
		}

		o := *h.opts.Load()
		o.Room.TickRate, o.Room.SendRate = 40, 40
		if err := h.Reconfigure(o); err != nil {
			t.Fatal(err)
		}
		c.run(time.Second, 25*time.Millisecond)
		first = c.lastTick()
		c.run(2*time.Second, 25*time.Millisecond)
		if got, want := c.lastTick()-first, uint32(80); got != want {
			t.Errorf("ticks in 2s after reload to 40 Hz = %d, want %d", got, want)
		}
		closeAll(c)
	})
}

func TestSendRateBelowTickRate(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newTestHub(t, Options{Room: RoomOptions{TickRate: 30, SendRate: 10}})
		c := connect(t, h)
		c.join("r")
		c.run(time.Second, 100*time.Millisecond)
		n := len(c.states())
		first := c.lastTick()
		c.run(time.Second, 100*time.Millisecond)
		if got, want := len(c.states())-n, 10; got != want {
			t.Errorf("state frames in 1s at send_rate 10 = %d, want %d", got, want)
		}
		if got, want := c.lastTick()-first, uint32(30); got != want {
			t.Errorf("ticks in 1s at tick_rate 30 = %d, want %d", got, want)
		}
		closeAll(c)
	})
}

func TestJoinWelcomesThenSnapshotThenDiffs(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newTestHub(t, Options{})
		c := connect(t, h)
		c.join("r")
		c.run(500*time.Millisecond, 50*time.Millisecond)
		msgs := c.link.messages(t)
		w, ok := msgs[0].(*netcode.Welcome)
		if !ok {
			t.Fatalf("first frame is %T, want welcome", msgs[0])
		}
		if w.Room != "r" || w.Mode != "arena" || w.TickRate != 20 || len(w.Schemas) != 2 {
			t.Errorf("welcome = %+v", w)
		}
		states := c.states()
		if len(states) < 5 {
			t.Fatalf("got %d state frames in 500ms, want about 10", len(states))
		}
		if !states[0].Delta.Full() {
			t.Errorf("first state is a diff from %d, want a full snapshot", states[0].Delta.Base)
		}
		// The client acknowledges every tick, so later frames are diffs
		// against a tick it has, and the mirror follows exactly.
		mirror := map[uint32]world.State{}
		var cur world.State
		for i, s := range states {
			base := mirror[s.Delta.Base]
			next, err := world.Apply(w.Schemas, base, &s.Delta)
			if err != nil {
				t.Fatalf("state %d (tick %d base %d): %v", i, s.Delta.Tick, s.Delta.Base, err)
			}
			mirror[next.Tick], cur = next, next
		}
		if diffs := len(states) - 1; slices.ContainsFunc(states[1:], func(s *netcode.State) bool { return s.Delta.Full() }) {
			t.Errorf("a later frame of %d was a full snapshot though the client acknowledged every tick", diffs)
		}
		if _, ok := cur.Find(world.EntityID(w.Entity)); !ok {
			t.Errorf("own entity %d missing from the mirror", w.Entity)
		}
		closeAll(c)
	})
}

func TestInputBufferDropsOldestAndAcksNewest(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newTestHub(t, Options{Room: RoomOptions{InputBuffer: 4}, Session: SessionOptions{InputRate: 1000, InputBurst: 1000}})
		c := connect(t, h)
		c.join("r")
		c.run(200*time.Millisecond, 50*time.Millisecond)
		before := h.Stats()
		for range 20 {
			c.input(world.MaxAxis)
		}
		synctest.Wait()
		c.run(100*time.Millisecond, 50*time.Millisecond)
		st := h.Stats()
		if got, want := st.InputsDropped-before.InputsDropped, int64(16); got != want {
			t.Errorf("inputs dropped = %d, want %d", got, want)
		}
		if got, want := st.InputsApplied-before.InputsApplied, int64(4); got != want {
			t.Errorf("inputs applied = %d, want %d", got, want)
		}
		s := c.states()
		if got, want := s[len(s)-1].InputAck, c.seq; got != want {
			t.Errorf("input ack = %d, want the newest seq %d", got, want)
		}
		closeAll(c)
	})
}

func TestReplayedInputIsDropped(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newTestHub(t, Options{})
		c := connect(t, h)
		c.join("r")
		c.run(200*time.Millisecond, 50*time.Millisecond)
		c.send(&netcode.Input{Seq: 5, Ack: c.lastTick()})
		c.run(100*time.Millisecond, 50*time.Millisecond)
		before := h.Stats().InputsDropped
		c.send(&netcode.Input{Seq: 5, Ack: c.lastTick()})
		c.send(&netcode.Input{Seq: 3, Ack: c.lastTick()})
		c.run(100*time.Millisecond, 50*time.Millisecond)
		if got := h.Stats().InputsDropped - before; got != 2 {
			t.Errorf("replayed inputs dropped = %d, want 2", got)
		}
		closeAll(c)
	})
}

func TestRoomFull(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newTestHub(t, Options{Room: RoomOptions{MaxPlayers: 2}})
		a, b, c := connect(t, h), connect(t, h), connect(t, h)
		for _, x := range []*testClient{a, b, c} { // in this order
			x.join("r")
			synctest.Wait()
		}
		a.run(200*time.Millisecond, 50*time.Millisecond)
		if got := c.errorCodes(); !slices.Equal(got, []netcode.Code{netcode.CodeRoomFull}) {
			t.Errorf("third player's errors = %v, want [room_full]", got)
		}
		if closed, _ := c.link.closeState(); closed {
			t.Error("a refused join closed the link; the client may try another room")
		}
		if a.welcome() == nil || b.welcome() == nil {
			t.Error("the first two players were not welcomed")
		}
		// Matchmaking (no room name) puts the third player in a new room.
		c.send(&netcode.Join{Version: netcode.ProtocolVersion})
		a.run(200*time.Millisecond, 50*time.Millisecond)
		if w := c.welcome(); w == nil || w.Room == "r" {
			t.Errorf("matchmade welcome = %+v, want a room other than r", w)
		}
		closeAll(a, b, c)
	})
}

func TestEmptyRoomIsDisposed(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newTestHub(t, Options{Room: RoomOptions{EmptyTimeout: 2 * time.Second}})
		c := connect(t, h)
		c.join("r")
		c.run(300*time.Millisecond, 50*time.Millisecond)
		if got := h.Stats().Rooms; got != 1 {
			t.Fatalf("rooms = %d, want 1", got)
		}
		c.send(&netcode.Leave{})
		time.Sleep(1500 * time.Millisecond)
		synctest.Wait()
		if got := h.Stats().Rooms; got != 1 {
			t.Errorf("rooms 1.5s after the last player left = %d, want 1 (timeout is 2s)", got)
		}
		time.Sleep(time.Second)
		synctest.Wait()
		if got := h.Stats().Rooms; got != 0 {
			t.Errorf("rooms 2.5s after the last player left = %d, want 0", got)
		}
		// The name is free again: joining creates a fresh room.
		c.join("r")
		c.run(200*time.Millisecond, 50*time.Millisecond)
		if got := h.Stats().Rooms; got != 1 {
			t.Errorf("rooms after rejoin = %d, want 1", got)
		}
		closeAll(c)
	})
}

func TestSilentClientIsDroppedAsSlowConsumer(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newTestHub(t, Options{Room: RoomOptions{AckTimeout: time.Second}})
		good, silent := connect(t, h), connect(t, h)
		good.join("r")
		silent.join("r")
		good.run(3*time.Second, 50*time.Millisecond)
		if got := silent.errorCodes(); !slices.Equal(got, []netcode.Code{netcode.CodeSlowConsumer}) {
			t.Errorf("silent client's errors = %v, want [slow_consumer]", got)
		}
		if closed, code := silent.link.closeState(); !closed || code != uint16(netcode.CodeSlowConsumer) {
			t.Errorf("silent link closed=%v code=%d, want closed with %d", closed, code, netcode.CodeSlowConsumer)
		}
		if got := good.errorCodes(); len(got) != 0 {
			t.Errorf("well-behaved client got errors %v", got)
		}
		if n := len(good.states()); n < 55 {
			t.Errorf("well-behaved client got %d frames in 3s, want about 60", n)
		}
		closeAll(good, silent)
	})
}

// Clients with the same baseline get the same encoded body: the room encodes
// once per distinct baseline per send, not once per client.
func TestClientsWithSameBaselineShareOneBody(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newTestHub(t, Options{})
		a, b, lagging := connect(t, h), connect(t, h), connect(t, h)
		for _, c := range []*testClient{a, b, lagging} {
			c.join("r")
			synctest.Wait()
		}
		// a and b acknowledge every tick; lagging acknowledges nothing after
		// its first state, so its baseline differs.
		for range 10 {
			time.Sleep(50 * time.Millisecond)
			synctest.Wait()
			a.send(&netcode.Ack{Tick: a.lastTick()})
			b.send(&netcode.Ack{Tick: b.lastTick()})
		}
		synctest.Wait()
		// Compare sends by tick, not by position, so that the comparison
		// does not depend on the tick each client joined at.
		sa, sb, sl := a.sentByTick(), b.sentByTick(), lagging.sentByTick()
		shared, compared := 0, 0
		for tick, x := range sa {
			y, ok := sb[tick]
			if !ok || x.base != y.base || x.base == 0 {
				continue
			}
			compared++
			if x.body == y.body {
				shared++
			}
			if z, ok := sl[tick]; ok && z.base != x.base && z.body == x.body {
				t.Errorf("tick %d: a client with another baseline got the same body", tick)
			}
		}
		if compared < 5 || shared != compared {
			t.Errorf("%d of %d sends with a common baseline shared one body, want all (at least 5)", shared, compared)
		}
		closeAll(a, b, lagging)
	})
}

type sentState struct {
	base uint32
	body *byte // first byte of the body, to see sharing
}

// sentByTick returns the client's state frames by tick.
func (c *testClient) sentByTick() map[uint32]sentState {
	states, bodies := c.states(), c.link.bodyPtrs()
	out := make(map[uint32]sentState, len(states))
	for i, s := range states {
		out[s.Delta.Tick] = sentState{base: s.Delta.Base, body: bodies[i]}
	}
	return out
}
