package actors

import (
	"slices"
	"strconv"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/tickroom/tickroom/netcode"
)

// startProbe starts a hub with the probe mode and n clients joined to room
// "r", each acknowledging its states.
func startProbe(t *testing.T, log *callLog, n int) (*Hub, []*testClient) {
	t.Helper()
	h := newTestHub(t, Options{Modes: probeModes(log), DefaultMode: "probe"})
	var cs []*testClient
	for range n {
		c := connect(t, h)
		c.joinHow(netcode.JoinMatch, "r", nil)
		cs = append(cs, c)
	}
	tickUntil(func() bool {
		for _, c := range cs {
			if c.welcome() == nil {
				return false
			}
		}
		return true
	}, nil)
	return h, cs
}

// ackAll has every client acknowledge its newest state.
func ackAll(cs ...*testClient) func() {
	return func() {
		for _, c := range cs {
			c.send(&netcode.Ack{Tick: c.lastTick()})
		}
	}
}

// Messages reach the game at the room's next tick, in the order each client
// sent them; a broadcast event reaches every player, encoded once; an event
// sent to a player during its Join arrives right behind its first state.
func TestMessagesAndEvents(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		log := new(callLog)
		h, cs := startProbe(t, log, 3)
		a, b, c := cs[0], cs[1], cs[2]
		for _, cl := range cs {
			msgs := cl.link.messages(t)
			if _, ok := msgs[0].(*netcode.Welcome); !ok {
				t.Fatalf("first frame %T, want the welcome", msgs[0])
			}
			if s, ok := msgs[1].(*netcode.State); !ok || !s.Delta.Full() {
				t.Errorf("second frame %#v, want the first snapshot", msgs[1])
			}
			if e, ok := msgs[2].(*netcode.Event); !ok || e.Type != "hello" {
				t.Errorf("third frame %#v, want the hello event sent in Join, right behind the first state", msgs[2])
			}
		}
		before := h.Stats()
		a.message("echo", "one")
		a.message("echo", "two")
		b.message("echo", "three")
		tickUntil(func() bool { return len(c.events()) >= 4 }, ackAll(cs...))
		pa, pb := a.welcome().Player, b.welcome().Player
		var fromA, fromB int
		for _, m := range log.with("message") {
			fromA += strings.Count(m, " "+strconv.Itoa(int(pa))+" echo")
			fromB += strings.Count(m, " "+strconv.Itoa(int(pb))+" echo")
		}
		if fromA != 2 || fromB != 1 {
			t.Errorf("game saw messages %v, want a's two and b's one", log.with("message"))
		}
		for _, cl := range cs {
			got := cl.events()
			if len(got) != 4 || got[0] != "hello:p" || slices.Index(got, "echo:one") > slices.Index(got, "echo:two") || !slices.Contains(got, "echo:three") {
				t.Errorf("client got events %v, want hello, then the three echoes with a's in order", got)
			}
		}
		st := h.Stats()
		if got := st.EventsEncoded - before.EventsEncoded; got != 3 {
			t.Errorf("%d events encoded for 3 broadcasts to 3 players, want 3", got)
		}
		if got := st.EventsSent - before.EventsSent; got != 9 {
			t.Errorf("%d events sent, want 9", got)
		}
		// An event names its tick, and arrives before any state of a later
		// tick.
		b.message("tell", c.welcome().Player)
		tickUntil(func() bool { return len(c.events()) >= 5 }, ackAll(cs...))
		c.run(150*time.Millisecond, 50*time.Millisecond)
		var told *netcode.Event
		var laterState bool
		for _, m := range c.link.messages(t) {
			switch m := m.(type) {
			case *netcode.Event:
				if m.Type == "told" {
					told = m
				}
			case *netcode.State:
				if told != nil && m.Delta.Tick < told.Tick {
					t.Errorf("state of tick %d after the event of tick %d", m.Delta.Tick, told.Tick)
				}
				laterState = laterState || (told != nil && m.Delta.Tick > told.Tick)
			}
		}
		if told == nil || !laterState {
			t.Errorf("told event %+v; want it, followed by later states", told)
		}
		if got := a.events(); slices.Contains(got, "told:"+strings.TrimPrefix(c.events()[4], "told:")) {
			t.Errorf("a got %v: an event sent to c alone", got)
		}
		closeAll(cs...)
	})
}

// A game without a message hook answers each message with unknown_message
// and keeps the player.
func TestMessageToGameWithoutHook(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newTestHub(t, Options{})
		c := connect(t, h)
		c.join("r")
		c.run(200*time.Millisecond, 50*time.Millisecond)
		c.message("chat", "hi")
		c.run(200*time.Millisecond, 50*time.Millisecond)
		if got := c.refusals(); !slices.Equal(got, []netcode.Code{netcode.CodeUnknownMessage}) {
			t.Errorf("errors = %v, want [unknown_message]", got)
		}
		if c.seated() == nil {
			t.Error("an unknown message cost the player its seat")
		}
		closeAll(c)
	})
}

// The game's join hook refuses with a reason that reaches the client; a
// matchmade join it refuses goes to another room (or a new one); the create
// hook sees the creator's options and can refuse the room.
func TestJoinHooks(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		log := new(callLog)
		h, cs := startProbe(t, log, 1)
		c := connect(t, h)
		c.joinHow(netcode.JoinMatch, "r", map[string]string{"refuse": "no room for you"})
		c.run(200*time.Millisecond, 50*time.Millisecond)
		if got := c.errorFrames(); len(got) != 1 || got[0].Code != netcode.CodeJoinRefused || got[0].Message != "no room for you" {
			t.Fatalf("refused join got %+v, want join_refused with the game's reason", got)
		}
		// Matchmaking: the probe refuses this join in room r, so a room of
		// its own is made, whose creator it also refuses: the client hears
		// the reason after two rooms tried.
		m := connect(t, h)
		m.joinHow(netcode.JoinMatch, "", map[string]string{"refuse": "picky"})
		m.run(300*time.Millisecond, 50*time.Millisecond)
		if got := m.errorFrames(); len(got) != 1 || got[0].Message != "picky" {
			t.Errorf("matchmade refused join got %+v, want one join_refused", got)
		}
		if got := len(log.with("attempt ")); got < 4 {
			t.Errorf("join attempts %v: want the matchmade join tried in r and in a new room", log.with("attempt"))
		}
		// A create hook that fails refuses its creator and the room goes.
		f := connect(t, h)
		f.joinHow(netcode.JoinCreate, "doomed", map[string]string{"fail": "bad map"})
		f.run(300*time.Millisecond, 50*time.Millisecond)
		if got := f.errorFrames(); len(got) != 1 || got[0].Code != netcode.CodeJoinRefused || got[0].Message != "bad map" {
			t.Errorf("failed create got %+v, want join_refused: bad map", got)
		}
		if got := log.with("create doomed"); len(got) != 1 {
			t.Errorf("create hook calls %v, want one for doomed", got)
		}
		f.joinHow(netcode.JoinExisting, "doomed", nil)
		f.run(100*time.Millisecond, 50*time.Millisecond)
		if got := f.refusals(); got[len(got)-1] != netcode.CodeRoomNotFound {
			t.Errorf("joining the failed room: errors %v, want room_not_found last", got)
		}
		closeAll(append(cs, c, m, f)...)
	})
}

// The ways to join: create (a taken name is refused), private (not listed,
// joined by its code or id), existing (never creates), by id.
func TestJoinHow(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		log := new(callLog)
		h, cs := startProbe(t, log, 1)
		owner := cs[0]
		roomID := owner.welcome().RoomID
		tests := []struct {
			name string
			how  netcode.JoinHow
			room string
			code netcode.Code // 0: welcomed
		}{
			{"create a taken name", netcode.JoinCreate, "r", netcode.CodeRoomExists},
			{"create a new name", netcode.JoinCreate, "s", 0},
			{"existing that is not", netcode.JoinExisting, "nope", netcode.CodeRoomNotFound},
			{"existing", netcode.JoinExisting, "r", 0},
			{"by id", netcode.JoinByID, roomID, 0},
			{"by a wrong id", netcode.JoinByID, "zzzzzzzzzzzz", netcode.CodeRoomNotFound},
		}
		for _, tc := range tests {
			c := connect(t, h)
			c.joinHow(tc.how, tc.room, nil)
			c.run(150*time.Millisecond, 50*time.Millisecond)
			codes := c.refusals()
			switch {
			case tc.code == 0 && (c.welcome() == nil || len(codes) != 0):
				t.Errorf("%s: welcome %v errors %v, want a welcome", tc.name, c.welcome(), codes)
			case tc.code != 0 && !slices.Equal(codes, []netcode.Code{tc.code}):
				t.Errorf("%s: errors %v, want [%s]", tc.name, codes, tc.code)
			}
			closeAll(c)
		}
		p := connect(t, h)
		p.joinHow(netcode.JoinCreatePrivate, "secret", nil)
		p.run(150*time.Millisecond, 50*time.Millisecond)
		w := p.welcome()
		if w == nil || w.JoinCode == "" || len(w.JoinCode) != codeLen || w.RoomID == "" {
			t.Fatalf("private welcome %+v, want a join code and an id", w)
		}
		for _, key := range []string{w.JoinCode, w.RoomID} {
			c := connect(t, h)
			c.joinHow(netcode.JoinByID, key, nil)
			c.run(150*time.Millisecond, 50*time.Millisecond)
			if cw := c.welcome(); cw == nil || cw.RoomID != w.RoomID {
				t.Errorf("join by %q: welcome %+v, want the private room", key, cw)
			}
			closeAll(c)
		}
		l := connect(t, h)
		l.send(&netcode.List{Request: 7, Mode: "probe"})
		l.run(100*time.Millisecond, 50*time.Millisecond)
		var rooms *netcode.Rooms
		for _, m := range l.link.messages(t) {
			if r, ok := m.(*netcode.Rooms); ok {
				rooms = r
			}
		}
		if rooms == nil || rooms.Request != 7 {
			t.Fatalf("list got %+v, want rooms for request 7", rooms)
		}
		for _, ri := range rooms.Rooms {
			if ri.ID == w.RoomID {
				t.Errorf("the private room is listed: %+v", ri)
			}
		}
		if rooms.Total != 2 { // r and s
			t.Errorf("listed %d rooms %+v, want r and s", rooms.Total, rooms.Rooms)
		}
		closeAll(owner, p, l)
	})
}

// Lock keeps new players out, by matchmaking and by name, until Unlock;
// metadata reaches the listing.
func TestLockAndMetadata(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		log := new(callLog)
		h, cs := startProbe(t, log, 1)
		a := cs[0]
		a.message("lock", true)
		a.message("meta", map[string]any{"map": "dust"})
		tickUntil(func() bool { return false }, ackAll(a))
		c := connect(t, h)
		c.joinHow(netcode.JoinMatch, "r", nil)
		c.run(150*time.Millisecond, 50*time.Millisecond)
		if got := c.refusals(); !slices.Equal(got, []netcode.Code{netcode.CodeRoomLocked}) {
			t.Errorf("join of a locked room: errors %v, want [room_locked]", got)
		}
		m := connect(t, h)
		m.joinHow(netcode.JoinMatch, "", nil)
		m.run(150*time.Millisecond, 50*time.Millisecond)
		if w := m.welcome(); w == nil || w.Room == "r" {
			t.Errorf("matchmade join went to %+v, want a room other than the locked r", w)
		}
		m.send(&netcode.List{Request: 1, Mode: "probe", Filter: map[string]string{"map": "dust"}})
		m.run(100*time.Millisecond, 50*time.Millisecond)
		var rooms *netcode.Rooms
		for _, f := range m.link.messages(t) {
			if r, ok := f.(*netcode.Rooms); ok {
				rooms = r
			}
		}
		if rooms == nil || len(rooms.Rooms) != 1 || rooms.Rooms[0].Name != "r" || !rooms.Rooms[0].Locked {
			t.Errorf("listing by metadata map=dust: %+v, want r, locked", rooms)
		}
		a.message("lock", false)
		a.run(100*time.Millisecond, 50*time.Millisecond)
		c.joinHow(netcode.JoinMatch, "r", nil)
		c.run(150*time.Millisecond, 50*time.Millisecond)
		if c.welcome() == nil {
			t.Error("no welcome to r after Unlock")
		}
		closeAll(a, c, m)
	})
}

// Kick gives the client kicked with the game's reason and the game's leave
// hook Kicked; a leave is Left and a lost link Disconnected; Close gives
// every player room_closed with the reason and runs the dispose hook.
func TestKickLeaveAndClose(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		log := new(callLog)
		_, cs := startProbe(t, log, 4)
		a, b, c, d := cs[0], cs[1], cs[2], cs[3]
		a.message("kick", b.welcome().Player)
		b.run(150*time.Millisecond, 50*time.Millisecond)
		if got := b.errorFrames(); len(got) != 1 || got[0].Code != netcode.CodeKicked || got[0].Message != "bye" {
			t.Errorf("kicked player got %+v, want kicked: bye", got)
		}
		if b.seated() != nil {
			t.Error("the kicked player still holds its seat")
		}
		c.send(&netcode.Leave{})
		d.disconnect()
		a.run(150*time.Millisecond, 50*time.Millisecond)
		want := []string{
			"leave r " + strconv.Itoa(int(b.welcome().Player)) + " kicked",
			"leave r " + strconv.Itoa(int(c.welcome().Player)) + " left",
			"leave r " + strconv.Itoa(int(d.welcome().Player)) + " disconnected",
		}
		got := log.with("leave")
		slices.Sort(got)
		slices.Sort(want)
		if !slices.Equal(got, want) {
			t.Errorf("leave hook saw %v, want %v", got, want)
		}
		a.message("close", "game over")
		a.run(150*time.Millisecond, 50*time.Millisecond)
		if got := a.errorFrames(); len(got) != 1 || got[0].Code != netcode.CodeRoomClosed || got[0].Message != "game over" {
			t.Errorf("after Close the player got %+v, want room_closed: game over", got)
		}
		if got := log.with("dispose"); !slices.Equal(got, []string{"dispose r"}) {
			t.Errorf("dispose hook calls %v, want one", got)
		}
		closeAll(a, b, c)
	})
}

// Timers fire at tick boundaries: After once, at least a tick later; Every
// until cancelled, every n ticks.
func TestRoomTimers(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		log := new(callLog)
		_, cs := startProbe(t, log, 1)
		a := cs[0]
		a.message("after", 120) // 3 ticks at 20 Hz
		a.run(500*time.Millisecond, 50*time.Millisecond)
		if got := timerTicks(a.events()); len(got) != 1 {
			t.Fatalf("After fired at ticks %v, want once", got)
		}
		a.message("every", 100) // every 2 ticks
		a.run(time.Second, 50*time.Millisecond)
		a.message("cancel", nil)
		a.run(50*time.Millisecond, 50*time.Millisecond)
		n := len(a.events())
		a.run(500*time.Millisecond, 50*time.Millisecond)
		if got := len(a.events()); got != n {
			t.Errorf("%d timer events after Cancel", got-n)
		}
		ticks := timerTicks(a.events())[1:]
		if len(ticks) < 8 {
			t.Fatalf("Every(100ms) fired at %v in a second, want about 10 times", ticks)
		}
		for i := 1; i < len(ticks); i++ {
			if ticks[i]-ticks[i-1] != 2 {
				t.Errorf("Every(100ms) at 20 Hz fired at ticks %v, want every 2 ticks", ticks)
				break
			}
		}
		closeAll(a)
	})
}

// timerTicks returns the ticks of the "timer" events, in order.
func timerTicks(events []string) []int {
	var out []int
	for _, e := range events {
		if rest, ok := strings.CutPrefix(e, "timer:"); ok {
			if n, err := strconv.Atoi(rest); err == nil {
				out = append(out, n)
			}
		}
	}
	return out
}
