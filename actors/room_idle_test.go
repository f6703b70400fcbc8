package actors

import (
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/tickroom/tickroom/games/arena"
	"github.com/tickroom/tickroom/netcode"
	"github.com/tickroom/tickroom/world"
)

// tickCounter is an Observer that counts the tick messages rooms handle,
// steps or none.
type tickCounter struct{ n atomic.Int64 }

func (c *tickCounter) TickDuration(time.Duration) { c.n.Add(1) }

// idleGame is an arena that asks to tick at rate while its room is empty.
type idleGame struct {
	*arena.Game
	rate int
}

func (g idleGame) IdleRate() int { return g.rate }

var _ world.IdleHook = idleGame{}

// emptyAfterPlay starts a hub, plays in room "r" for a moment and leaves
// it, and returns once the room has seen the leave.
func emptyAfterPlay(t *testing.T, o Options) (*Hub, *tickCounter, *testClient) {
	t.Helper()
	obs := new(tickCounter)
	o.Observer = obs
	h := newTestHub(t, o)
	c := connect(t, h)
	c.join("r")
	c.run(300*time.Millisecond, 50*time.Millisecond)
	c.send(&netcode.Leave{})
	time.Sleep(100 * time.Millisecond) // the step that frees the seat, and one more
	synctest.Wait()
	return h, obs, c
}

// An empty room does no work until it is disposed: no tick message at all
// while it waits, then the one that finds the empty timeout passed.
func TestEmptyRoomDoesNoWork(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h, obs, c := emptyAfterPlay(t, Options{Room: RoomOptions{EmptyTimeout: 30 * time.Second}})
		ticks, msgs := h.Stats().Ticks, obs.n.Load()
		if got := h.Stats().RoomsIdle; got != 1 {
			t.Errorf("idle rooms = %d, want 1", got)
		}
		time.Sleep(20 * time.Second)
		synctest.Wait()
		if got := h.Stats().Ticks - ticks; got != 0 {
			t.Errorf("an empty room ran %d steps in 20s, want 0", got)
		}
		if got := obs.n.Load() - msgs; got != 0 {
			t.Errorf("an empty room handled %d tick messages in 20s, want 0", got)
		}
		time.Sleep(10 * time.Second)
		synctest.Wait()
		st := h.Stats()
		if st.Rooms != 0 || st.RoomsIdle != 0 {
			t.Errorf("after the empty timeout: %d rooms, %d idle; want it disposed", st.Rooms, st.RoomsIdle)
		}
		if got := obs.n.Load() - msgs; got != 1 {
			t.Errorf("%d tick messages until the disposal, want the one that found it due", got)
		}
		closeAll(c)
	})
}

// A join wakes an empty room: the player is welcomed and gets its states
// at the full rate at once, and the time the room slept is not caught up.
func TestJoinWakesAnEmptyRoom(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h, _, a := emptyAfterPlay(t, Options{})
		tick := a.lastTick()
		time.Sleep(10 * time.Second)
		synctest.Wait()
		overruns := h.Stats().TickOverruns

		b := connect(t, h)
		b.join("r")
		b.run(100*time.Millisecond, 50*time.Millisecond)
		if w := b.welcome(); w == nil || w.Room != "r" {
			t.Fatalf("welcome %+v, want room r", w)
		}
		n := len(b.states())
		first := b.lastTick()
		b.run(time.Second, 50*time.Millisecond)
		if got := len(b.states()) - n; got != 20 {
			t.Errorf("states in the second after waking = %d, want 20", got)
		}
		if first > tick+3 {
			t.Errorf("woke at tick %d after sleeping at %d: the room caught up on its sleep", first, tick)
		}
		if got := h.Stats().TickOverruns - overruns; got != 0 {
			t.Errorf("%d overruns on waking", got)
		}
		closeAll(a, b)
	})
}

// A game that asks for an idle rate gets that many steps a second while
// its room is empty, and its room is still disposed on time.
func TestIdleRateKeepsTheWorldGoing(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		modes := testModes()
		modes["idle"] = Mode{NewGame: func() world.Game { return idleGame{Game: arena.New(), rate: 2} }}
		h, _, c := emptyAfterPlay(t, Options{Modes: modes, DefaultMode: "idle", Room: RoomOptions{EmptyTimeout: 30 * time.Second}})
		ticks := h.Stats().Ticks
		time.Sleep(10 * time.Second)
		synctest.Wait()
		if got := h.Stats().Ticks - ticks; got < 19 || got > 21 {
			t.Errorf("steps in 10s at idle rate 2 = %d, want about 20", got)
		}
		if got := h.Stats().RoomsIdle; got != 1 {
			t.Errorf("idle rooms = %d, want 1", got)
		}
		time.Sleep(21 * time.Second)
		synctest.Wait()
		if got := h.Stats().Rooms; got != 0 {
			t.Errorf("rooms after the empty timeout = %d, want 0", got)
		}
		closeAll(c)
	})
}

// A room whose only player is away, its seat held for a resume, is not
// empty: the game goes on for the player until the window passes, then
// the room sleeps.
func TestHeldSeatKeepsTheRoomAwake(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newTestHub(t, Options{Room: RoomOptions{ResumeWindow: 5 * time.Second, EmptyTimeout: time.Minute}})
		c := connect(t, h)
		c.join("r")
		c.run(300*time.Millisecond, 50*time.Millisecond)
		c.disconnect()
		ticks := h.Stats().Ticks
		time.Sleep(3 * time.Second)
		synctest.Wait()
		if got := h.Stats().Ticks - ticks; got < 59 {
			t.Errorf("steps in 3s with a held seat = %d, want 60", got)
		}
		time.Sleep(3 * time.Second) // the window passes; the seat is freed
		synctest.Wait()
		ticks = h.Stats().Ticks
		time.Sleep(10 * time.Second)
		synctest.Wait()
		if got := h.Stats().Ticks - ticks; got != 0 {
			t.Errorf("steps in 10s after the held seat was freed = %d, want 0", got)
		}
		if got := h.Stats().RoomsIdle; got != 1 {
			t.Errorf("idle rooms = %d, want 1", got)
		}
	})
}

// A reload that shortens the empty timeout reaches a room already asleep.
func TestReloadedEmptyTimeoutReachesAnAsleepRoom(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h, _, c := emptyAfterPlay(t, Options{Room: RoomOptions{EmptyTimeout: time.Hour}})
		o := *h.opts.Load()
		o.Room.EmptyTimeout = 2 * time.Second
		if err := h.Reconfigure(o); err != nil {
			t.Fatal(err)
		}
		time.Sleep(3 * time.Second)
		synctest.Wait()
		if got := h.Stats().Rooms; got != 0 {
			t.Errorf("rooms 3s after the empty timeout became 2s = %d, want 0", got)
		}
		closeAll(c)
	})
}
