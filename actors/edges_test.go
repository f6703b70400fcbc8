package actors

import (
	"context"
	"slices"
	"testing"
	"testing/synctest"
	"time"

	"github.com/tickroom/tickroom/games/arena"
	"github.com/tickroom/tickroom/netcode"
	"github.com/tickroom/tickroom/world"
)

// attemptPanics is an arena whose join hook panics for a player named "boom".
type attemptPanics struct{ *arena.Game }

func (g attemptPanics) JoinAttempt(w *world.World, a world.JoinAttempt) error {
	if a.Name == "boom" {
		panic("join hook bug")
	}
	return nil
}

// A panic in the join hook closes the room; the join being decided and every
// join behind it in the same step are answered (room_closed), and their
// sessions can join elsewhere.
func TestPanicInJoinHookAnswersTheJoin(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		modes := map[string]Mode{"ap": {NewGame: func() world.Game { return attemptPanics{arena.New()} }}}
		h := newTestHub(t, Options{Modes: modes, DefaultMode: "ap"})
		boom, behind := connect(t, h), connect(t, h)
		boom.send(&netcode.Join{Version: netcode.ProtocolVersion, Room: "x", Name: "boom"})
		synctest.Wait() // boom's admit is queued first; no tick has run yet
		behind.send(&netcode.Join{Version: netcode.ProtocolVersion, Room: "x", Name: "fine"})
		tickUntil(func() bool { return false }, nil)
		if got := h.Stats().Panics; got != 1 {
			t.Fatalf("panics = %d, want 1", got)
		}
		for name, c := range map[string]*testClient{"panicking joiner": boom, "joiner behind it": behind} {
			if got := c.refusals(); len(got) != 1 {
				t.Errorf("%s: errors %v, want one answer (room_closed) to its join", name, got)
			}
			// Back in the lobby: a new join must be taken, not already_joined.
			c.send(&netcode.Join{Version: netcode.ProtocolVersion, Room: "y", Name: "again"})
			tickUntil(func() bool { return c.welcome() != nil }, nil)
			if c.welcome() == nil {
				t.Errorf("%s: no welcome to another room after the failed one; errors %v", name, c.refusals())
			}
		}
		closeAll(boom, behind)
	})
}

// With room.empty_timeout "0s" (at once), a room whose last player leaves
// goes: the lobby hears it is empty before it hears it is idle.
func TestEmptyRoomAtOnceIsDisposed(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newTestHub(t, Options{Room: RoomOptions{EmptyTimeout: -1}})
		c := connect(t, h)
		c.join("r")
		c.run(300*time.Millisecond, 50*time.Millisecond)
		if c.welcome() == nil {
			t.Fatal("no welcome")
		}
		c.send(&netcode.Leave{})
		time.Sleep(2 * time.Second)
		synctest.Wait()
		rooms, err := h.Rooms(context.Background(), netcode.List{})
		if err != nil {
			t.Fatal(err)
		}
		if rooms.Total != 0 {
			t.Errorf("2 s after the last player left, the lobby lists %+v: the empty room was never disposed", rooms.Rooms)
		}
		closeAll(c)
	})
}

// noisyJoin is an arena that sends a new player many events in its Join.
type noisyJoin struct {
	*arena.Game
	room world.Room
}

func (g *noisyJoin) Attach(r world.Room) { g.room = r }
func (g *noisyJoin) Join(w *world.World, p world.PlayerID, name string) (world.EntityID, error) {
	for range maxEarly + 1 {
		_ = g.room.Send(p, "spam", 1)
	}
	return g.Game.Join(w, p, name)
}

// A seat whose game sends it more than maxEarly frames before its first
// state leaves as a slow consumer: the client is told (its link closes)
// and its session may join again.
func TestEarlyOverflowTellsTheClient(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		modes := map[string]Mode{"noisy": {NewGame: func() world.Game { return &noisyJoin{Game: arena.New()} }}}
		h := newTestHub(t, Options{Modes: modes, DefaultMode: "noisy"})
		c := connect(t, h)
		c.join("r")
		c.run(500*time.Millisecond, 50*time.Millisecond)
		closed, code := c.link.closeState()
		codes := c.errorCodes()
		if !closed && len(codes) == 0 {
			t.Errorf("seat dropped as a slow consumer, but the client got no error and no close (frames: %d, seated: %v)",
				len(c.link.messages(t)), c.seated() != nil)
		}
		_ = code
		c.send(&netcode.Join{Version: netcode.ProtocolVersion, Room: "other", Name: "p"})
		c.run(200*time.Millisecond, 50*time.Millisecond)
		if got := c.errorCodes(); slices.Contains(got, netcode.CodeAlreadyJoined) {
			t.Errorf("after its seat was dropped the session still holds it: a new join got %v", got)
		}
		closeAll(c)
	})
}

// Under visibility, a client whose baseline is old but within the room's
// history gets a diff, as it would without a visibility hook: a seat
// remembers the views of the room's whole history.
func TestVisibilityDiffsForAnOldBaseline(t *testing.T) {
	for _, mode := range []string{"arena", "fog"} {
		t.Run(mode, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				modes := map[string]Mode{
					"fog":   {NewGame: func() world.Game { return &fog{} }},
					"arena": {NewGame: func() world.Game { return arena.New() }},
				}
				h := newTestHub(t, Options{Modes: modes, DefaultMode: mode, Room: RoomOptions{TickRate: 20, History: 128}})
				c := connect(t, h)
				c.join("r")
				c.run(300*time.Millisecond, 50*time.Millisecond) // acks every state
				base := c.lastTick()
				// Lag: no ack for 40 ticks (2 s at 20 Hz), then the ack of base.
				time.Sleep(2 * time.Second)
				synctest.Wait()
				c.send(&netcode.Ack{Tick: base})
				time.Sleep(50 * time.Millisecond)
				synctest.Wait()
				s := c.states()
				last := s[len(s)-1]
				if last.Delta.Full() {
					t.Errorf("after acking tick %d, the state of tick %d (%d ticks later) is a snapshot, want a diff from %d",
						base, last.Delta.Tick, last.Delta.Tick-base, base)
				}
				closeAll(c)
			})
		})
	}
}

// With a send rate below the tick rate, a new player's first state goes at
// once, so events sent before it never come behind a state of a later tick.
func TestEarlyEventsBeforeLaterStates(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		log := new(callLog)
		h := newTestHub(t, Options{Modes: probeModes(log), DefaultMode: "probe", Room: RoomOptions{TickRate: 20, SendRate: 2}})
		a := connect(t, h)
		a.joinHow(netcode.JoinMatch, "r", nil)
		a.run(time.Second, 50*time.Millisecond)
		b := connect(t, h)
		b.joinHow(netcode.JoinMatch, "r", nil)
		// a chats every tick while b waits for its first state.
		for range 12 {
			a.message("echo", "x")
			time.Sleep(50 * time.Millisecond)
			synctest.Wait()
			a.send(&netcode.Ack{Tick: a.lastTick()})
			b.send(&netcode.Ack{Tick: b.lastTick()})
		}
		var newest uint32
		for _, m := range b.link.messages(t) {
			switch m := m.(type) {
			case *netcode.State:
				newest = max(newest, m.Delta.Tick)
			case *netcode.Event:
				if m.Tick < newest {
					t.Errorf("event %q of tick %d after the state of tick %d", m.Type, m.Tick, newest)
				}
			}
		}
		closeAll(a, b)
	})
}

// After the game kicks a player, the rest of that player's inputs and
// messages of the same tick do not reach the game.
func TestKickedPlayersLaterMessagesDoNotReachTheGame(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		log := new(callLog)
		_, cs := startProbe(t, log, 2)
		a, b := cs[0], cs[1]
		tickUntil(func() bool { return false }, ackAll(a, b))
		a.message("kick", a.welcome().Player)
		a.message("echo", "after the kick")
		tickUntil(func() bool { return false }, ackAll(b))
		if got := b.events(); slices.Contains(got, "echo:after the kick") {
			t.Errorf("b got %v: the game took a message of a player it had kicked", got)
		}
		closeAll(a, b)
	})
}

// duel is an arena for two: it locks its room when the second player joins.
type duel struct {
	*arena.Game
	room world.Room
	n    int
}

func (g *duel) Attach(r world.Room) { g.room = r }
func (g *duel) Join(w *world.World, p world.PlayerID, name string) (world.EntityID, error) {
	g.n++
	if g.n == 2 {
		g.room.Lock()
	}
	return g.Game.Join(w, p, name)
}

// Lock takes effect for joins already pending in the same step: a game that
// locks when its second player joins never gets a third.
func TestLockStopsJoinsPendingInTheSameStep(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		modes := map[string]Mode{"duel": {NewGame: func() world.Game { return &duel{Game: arena.New()} }}}
		h := newTestHub(t, Options{Modes: modes, DefaultMode: "duel"})
		var cs []*testClient
		for range 3 {
			c := connect(t, h)
			c.join("d")
			synctest.Wait()
			cs = append(cs, c)
		}
		tickUntil(func() bool { return false }, nil)
		seated := 0
		for _, c := range cs {
			if c.welcome() != nil {
				seated++
			}
		}
		if seated != 2 {
			t.Errorf("%d players seated in a room its game locked at the second; want 2 (the third refused room_locked)", seated)
		}
		closeAll(cs...)
	})
}
