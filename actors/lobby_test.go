package actors

import (
	"slices"
	"testing"
	"testing/synctest"
	"time"

	"github.com/tickroom/tickroom/games/arena"
	"github.com/tickroom/tickroom/netcode"
	"github.com/tickroom/tickroom/world"
)

// A matchmade room never takes the name of a room a player named: two rooms
// under one name would answer each other's counts, and the lobby would
// dispose of the wrong one.
func TestMatchmadeRoomNameDoesNotCollide(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newTestHub(t, Options{Room: RoomOptions{MaxPlayers: 1, EmptyTimeout: time.Second}})
		a, b := connect(t, h), connect(t, h)
		a.join("arena-1") // the name matchmaking would pick first
		synctest.Wait()
		b.send(&netcode.Join{Version: netcode.ProtocolVersion})
		a.run(200*time.Millisecond, 50*time.Millisecond)
		wb := b.welcome()
		if wb == nil || wb.Room == "arena-1" {
			t.Fatalf("matchmade welcome = %+v, want a room not named arena-1", wb)
		}
		// a leaves; its room goes away, b's stays.
		a.send(&netcode.Leave{})
		for range 40 {
			time.Sleep(50 * time.Millisecond)
			synctest.Wait()
			b.send(&netcode.Ack{Tick: b.lastTick()})
		}
		synctest.Wait()
		if got := h.Stats().Rooms; got != 1 {
			t.Errorf("rooms = %d, want 1 (b's)", got)
		}
		if got := b.errorCodes(); len(got) != 0 {
			t.Errorf("b got errors %v while playing", got)
		}
		closeAll(a, b)
	})
}

func TestMaxRooms(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newTestHub(t, Options{MaxRooms: 2})
		a, b, c := connect(t, h), connect(t, h), connect(t, h)
		a.join("one")
		b.join("two")
		synctest.Wait()
		c.join("three")
		a.run(200*time.Millisecond, 50*time.Millisecond)
		if got := c.errorCodes(); !slices.Equal(got, []netcode.Code{netcode.CodeTooManyRooms}) {
			t.Errorf("third room's errors = %v, want [too_many_rooms]", got)
		}
		if closed, _ := c.link.closeState(); closed {
			t.Error("refusal closed the link")
		}
		c.join("one") // an existing room is still open to it
		a.run(200*time.Millisecond, 50*time.Millisecond)
		if w := c.welcome(); w == nil || w.Room != "one" {
			t.Errorf("welcome = %+v, want room one", w)
		}
		closeAll(a, b, c)
	})
}

// sleepy is an arena whose Step stalls once when a player presses button 2,
// as a room under a long GC pause or a heavy step would.
type sleepy struct {
	*arena.Game
	stall bool
}

func (s *sleepy) Input(w *world.World, id world.PlayerID, in world.Input) {
	if in.Buttons == 2 {
		s.stall = true
	}
	s.Game.Input(w, id, in)
}

func (s *sleepy) Step(w *world.World, dt time.Duration) {
	if s.stall {
		s.stall = false
		time.Sleep(400 * time.Millisecond)
	}
	s.Game.Step(w, dt)
}

// Frames a room sends before it handles a player's leave may arrive after
// the next room's welcome (hollywood orders messages per sender only). The
// session drops them, so the client's stream after the welcome is the new
// room's alone and applies cleanly from its first snapshot.
func TestFramesOfALeftRoomDoNotReachTheNextRoom(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newTestHub(t, Options{})
		c := connect(t, h)
		c.send(&netcode.Join{Version: netcode.ProtocolVersion, Room: "a", Mode: "sleepy"})
		c.run(time.Second, 50*time.Millisecond) // room a is well past tick 20
		c.seq++
		c.send(&netcode.Input{Seq: c.seq, Ack: c.lastTick(), Input: world.Input{Buttons: 2}})
		time.Sleep(60 * time.Millisecond) // a's next step stalls 400ms
		c.send(&netcode.Leave{})
		c.join("b")
		synctest.Wait()
		c.run(time.Second, 50*time.Millisecond)

		msgs := c.link.messages(t)
		i := slices.IndexFunc(msgs, func(m netcode.Frame) bool {
			w, ok := m.(*netcode.Welcome)
			return ok && w.Room == "b"
		})
		if i < 0 {
			t.Fatal("no welcome to room b")
		}
		w := msgs[i].(*netcode.Welcome)
		var st world.State
		first := true
		for _, m := range msgs[i+1:] {
			s, ok := m.(*netcode.State)
			if !ok {
				continue
			}
			if first && !s.Delta.Full() {
				t.Fatalf("first state after b's welcome is a diff from %d (tick %d), want b's snapshot", s.Delta.Base, s.Delta.Tick)
			}
			first = false
			next, err := world.Apply(w.Schemas, st, &s.Delta)
			if err != nil {
				t.Fatalf("state tick %d base %d after b's welcome: %v", s.Delta.Tick, s.Delta.Base, err)
			}
			st = next
		}
		if _, ok := st.Find(world.EntityID(w.Entity)); first || !ok {
			t.Errorf("no state of room b with the player's entity %d", w.Entity)
		}
		if p := h.Stats().Panics; p != 0 {
			t.Errorf("%d panics", p)
		}
		closeAll(c)
	})
}
