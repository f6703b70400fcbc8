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

// welcomes returns the welcomes c received, in order.
func (c *testClient) welcomes() []*netcode.Welcome {
	var out []*netcode.Welcome
	for _, m := range c.link.messages(c.t) {
		if w, ok := m.(*netcode.Welcome); ok {
			out = append(out, w)
		}
	}
	return out
}

// lastEventID returns the id of the last event c received, 0 for none.
func (c *testClient) lastEventID() uint32 {
	var id uint32
	for _, m := range c.link.messages(c.t) {
		if e, ok := m.(*netcode.Event); ok {
			id = e.ID
		}
	}
	return id
}

// resumeAs sends a resume for the seat of old's latest welcome.
func (c *testClient) resumeAs(old *testClient) {
	w := old.welcomes()
	c.send(&netcode.Resume{Version: netcode.ProtocolVersion, Token: w[len(w)-1].ResumeToken,
		LastTick: old.lastTick(), LastEvent: old.lastEventID()})
}

// A dropped player keeps its seat: the game hears Disconnected, the player
// stays in it, and a new connection that shows the token gets the same
// player and entity back, a new token, the events it missed exactly once
// and then a diff from the tick it last applied.
func TestResumeKeepsTheSeat(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		log := new(callLog)
		_, cs := startProbe(t, log, 2)
		a, b := cs[0], cs[1]
		a.run(300*time.Millisecond, 50*time.Millisecond)
		b.message("echo", "before")
		tickUntil(func() bool { return len(a.events()) >= 2 }, ackAll(a, b))
		w := a.welcomes()[0]
		if w.ResumeToken == "" || !strings.HasPrefix(w.ResumeToken, w.RoomID+".") {
			t.Fatalf("welcome token %q, want one for room %s", w.ResumeToken, w.RoomID)
		}
		a.disconnect()
		tickUntil(func() bool { return len(log.with("leave")) > 0 }, ackAll(b))
		if got := log.with("leave"); !slices.Equal(got, []string{"leave r " + strconv.Itoa(int(w.Player)) + " disconnected"}) {
			t.Errorf("leave hook saw %v, want the drop as disconnected", got)
		}
		b.message("echo", "while away 1")
		b.message("echo", "while away 2")
		b.run(300*time.Millisecond, 50*time.Millisecond)

		a2 := connect(t, h2(t, a))
		a2.resumeAs(a)
		tickUntil(func() bool { return len(a2.states()) > 0 }, ackAll(a2, b))
		msgs := a2.link.messages(t)
		w2, ok := msgs[0].(*netcode.Welcome)
		if !ok || w2.Player != w.Player || w2.Entity != w.Entity || w2.RoomID != w.RoomID {
			t.Fatalf("first frame after resume %#v, want a welcome to the same player %d and entity %d", msgs[0], w.Player, w.Entity)
		}
		if w2.ResumeToken == "" || w2.ResumeToken == w.ResumeToken || w2.Session == w.Session {
			t.Errorf("resumed welcome token %q session %q: want a new token and the new session", w2.ResumeToken, w2.Session)
		}
		var evs []string
		i := 1
		for ; i < len(msgs); i++ {
			e, ok := msgs[i].(*netcode.Event)
			if !ok {
				break
			}
			var v any
			_ = e.Payload.Decode(&v)
			evs = append(evs, e.Type+":"+v.(string))
		}
		if !slices.Equal(evs, []string{"echo:while away 1", "echo:while away 2"}) {
			t.Errorf("events after the welcome %v, want the two missed while away, once each", evs)
		}
		if s, ok := msgs[i].(*netcode.State); !ok || s.Delta.Base != a.lastTick() {
			t.Errorf("after the missed events: %#v, want a diff from the tick applied before the drop (%d)", msgs[i], a.lastTick())
		}
		if got := log.with("resume"); len(got) != 1 {
			t.Errorf("resume hook calls %v, want one", got)
		}
		a2.message("echo", "back")
		tickUntil(func() bool { return slices.Contains(b.events(), "echo:back") }, ackAll(a2, b))
		if !slices.Contains(b.events(), "echo:back") {
			t.Error("the resumed player's message did not reach the game")
		}
		closeAll(a2, b)
	})
}

// h2 returns the hub c is connected to.
func h2(t *testing.T, c *testClient) *Hub { return c.recv.(*receiver).hub }

// A resume past the window finds no seat: the game heard TimedOut, and the
// client gets resume_expired and stays connected, free to join.
func TestResumeAfterTheWindow(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		log := new(callLog)
		h := newTestHub(t, Options{Modes: probeModes(log), DefaultMode: "probe", Room: RoomOptions{ResumeWindow: time.Second}})
		a := connect(t, h)
		a.joinHow(netcode.JoinMatch, "r", nil)
		a.run(300*time.Millisecond, 50*time.Millisecond)
		a.disconnect()
		time.Sleep(900 * time.Millisecond) // at the edge: still held
		synctest.Wait()
		if got := log.with("leave"); len(got) != 1 || !strings.HasSuffix(got[0], "disconnected") {
			t.Fatalf("leave hook after 0.9 s away: %v, want disconnected only", got)
		}
		time.Sleep(300 * time.Millisecond)
		synctest.Wait()
		if got := log.with("leave"); len(got) != 2 || !strings.HasSuffix(got[1], "timed out") {
			t.Errorf("leave hook after 1.2 s away: %v, want timed out", got)
		}
		a2 := connect(t, h)
		a2.resumeAs(a)
		a2.run(100*time.Millisecond, 50*time.Millisecond)
		if got := a2.refusals(); !slices.Equal(got, []netcode.Code{netcode.CodeResumeExpired}) {
			t.Errorf("late resume: errors %v, want [resume_expired]", got)
		}
		if closed, _ := a2.link.closeState(); closed {
			t.Error("a refused resume closed the connection")
		}
		a2.joinHow(netcode.JoinMatch, "r", nil)
		a2.run(150*time.Millisecond, 50*time.Millisecond)
		if a2.welcome() == nil {
			t.Error("no welcome to a fresh join after the refused resume")
		}
		closeAll(a2)
	})
}

// Resume edges: a token works once; a resume while the old connection is
// open replaces it; a baseline older than the history gets a snapshot; too
// many missed events get events_lost and a snapshot.
func TestResumeEdges(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		log := new(callLog)
		h := newTestHub(t, Options{Modes: probeModes(log), DefaultMode: "probe",
			Room: RoomOptions{History: 8, ResumeEvents: 4}})
		a, b := connect(t, h), connect(t, h)
		a.joinHow(netcode.JoinMatch, "r", nil)
		b.joinHow(netcode.JoinMatch, "r", nil)
		tickUntil(func() bool { return a.welcome() != nil && b.welcome() != nil }, nil)
		a.run(300*time.Millisecond, 50*time.Millisecond)

		// The old connection is still open: the new one replaces it.
		a2 := connect(t, h)
		a2.resumeAs(a)
		tickUntil(func() bool { return len(a2.states()) > 0 }, ackAll(a2, b))
		if closed, code := a.link.closeState(); !closed || code != uint16(netcode.CodeReplaced) {
			t.Errorf("old connection closed %v with %d, want closed with replaced", closed, code)
		}
		// The first token is spent.
		a3 := connect(t, h)
		a3.resumeAs(a)
		a3.run(100*time.Millisecond, 50*time.Millisecond)
		if got := a3.refusals(); !slices.Equal(got, []netcode.Code{netcode.CodeResumeExpired}) {
			t.Errorf("second use of a token: %v, want [resume_expired]", got)
		}
		// Away past the history and past the kept events.
		a2.disconnect()
		for i := range 6 {
			b.message("echo", i)
		}
		b.run(time.Second, 50*time.Millisecond) // 20 ticks: past a history of 8
		a4 := connect(t, h)
		a4.resumeAs(a2)
		tickUntil(func() bool { return len(a4.states()) > 0 }, ackAll(a4, b))
		if got := a4.refusals(); !slices.Equal(got, []netcode.Code{netcode.CodeEventsLost}) {
			t.Errorf("resume after 6 events with 4 kept: errors %v, want [events_lost]", got)
		}
		if got := a4.events(); len(got) != 0 {
			t.Errorf("resume with lost events still sent %v", got)
		}
		if s := a4.states()[0]; !s.Delta.Full() {
			t.Errorf("first state after a long absence is a diff from %d, want a snapshot", s.Delta.Base)
		}
		closeAll(a3, a4, b)
	})
}

// Guessing tokens: each refusal counts against the connection (closed with
// rate_limited after a few) and against its address (refused unread after
// a few more, whatever the connection).
func TestResumeGuessingIsBounded(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newTestHub(t, Options{})
		guess := func(c *testClient, n int) {
			for i := range n {
				c.send(&netcode.Resume{Version: netcode.ProtocolVersion, Token: "abcdefghijkl.guess" + strconv.Itoa(i)})
				synctest.Wait()
			}
		}
		const addr = "192.0.2.7:5000"
		c := connectFrom(t, h, addr)
		guess(c, maxMisses)
		if closed, code := c.link.closeState(); !closed || code != uint16(netcode.CodeRateLimited) {
			t.Errorf("after %d refused resumes: closed %v code %d, want closed with rate_limited", maxMisses, closed, code)
		}
		for range DefaultAddrMissBurst/maxMisses + 1 {
			guess(connectFrom(t, h, addr), maxMisses)
		}
		c = connectFrom(t, h, addr)
		guess(c, 1)
		if got := c.errorCodes(); !slices.Equal(got, []netcode.Code{netcode.CodeRateLimited}) {
			t.Errorf("a fresh connection from a guessing address got %v, want [rate_limited] at once", got)
		}
		if closed, _ := c.link.closeState(); !closed {
			t.Error("a resume refused unread left the connection open")
		}
		// Another address is not charged for it.
		other := connect(t, h)
		guess(other, 1)
		if got := other.errorCodes(); !slices.Equal(got, []netcode.Code{netcode.CodeResumeExpired}) {
			t.Errorf("a client from another address got %v, want [resume_expired]", got)
		}
		if st := h.Stats(); st.ResumesRefused < DefaultAddrMissBurst || st.ResumesLimited == 0 {
			t.Errorf("stats %+v: want the refusals and the limits counted", st)
		}
	})
}

// A room that holds no seats gives no token, and a drop is a leave.
func TestNoResumeWindow(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		log := new(callLog)
		h := newTestHub(t, Options{Modes: probeModes(log), DefaultMode: "probe", Room: RoomOptions{ResumeWindow: -1}})
		a := connect(t, h)
		a.joinHow(netcode.JoinMatch, "r", nil)
		a.run(200*time.Millisecond, 50*time.Millisecond)
		if tok := a.welcome().ResumeToken; tok != "" {
			t.Errorf("welcome token %q, want none", tok)
		}
		a.disconnect()
		time.Sleep(100 * time.Millisecond)
		synctest.Wait()
		if got := log.with("leave"); len(got) != 1 || !strings.HasSuffix(got[0], "disconnected") {
			t.Errorf("leave hook %v, want one disconnected", got)
		}
	})
}

// Players behind one address (a NAT, an office) whose seats expired
// together are late, not guessing: every one is told resume_expired and
// joins again, without spending the address's guessing budget. The same
// goes for a room that has ended since. Tokens that never existed still
// spend it.
func TestLateResumesAreNotGuesses(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		log := new(callLog)
		h := newTestHub(t, Options{Modes: probeModes(log), DefaultMode: "probe",
			Room: RoomOptions{ResumeWindow: time.Second, EmptyTimeout: -1}})
		const addr = "198.51.100.9:4000"
		n := 2*DefaultAddrMissBurst + 2
		var first []*testClient
		for i := range n {
			c := connectFrom(t, h, addr)
			c.joinHow(netcode.JoinMatch, "room"+strconv.Itoa(i%2), nil) // two rooms
			first = append(first, c)
		}
		tickUntil(func() bool { return false }, ackAll(first...))
		// Room 1's players leave for good: it is disposed at once. Room 0's
		// connections drop, and their seats expire.
		for i, c := range first {
			if i%2 == 1 {
				c.send(&netcode.Leave{})
			}
		}
		synctest.Wait()
		for i, c := range first {
			if i%2 == 0 {
				c.disconnect()
			}
		}
		time.Sleep(2 * time.Second)
		synctest.Wait()
		var again []*testClient
		for _, c := range first {
			a := connectFrom(t, h, addr)
			a.resumeAs(c)
			again = append(again, a)
		}
		tickUntil(func() bool { return false }, nil)
		for i, a := range again {
			if got := a.refusals(); !slices.Equal(got, []netcode.Code{netcode.CodeResumeExpired}) {
				t.Errorf("late resume %d: errors %v, want [resume_expired] and nothing else", i, got)
			}
			if closed, _ := a.link.closeState(); closed {
				t.Errorf("late resume %d closed the connection", i)
			}
		}
		if st := h.Stats(); st.ResumesLimited != 0 {
			t.Errorf("%d resumes limited: late players were taken for guessers", st.ResumesLimited)
		}
		// A guess from the same address still costs.
		g := connectFrom(t, h, addr)
		for i := range maxMisses {
			g.send(&netcode.Resume{Version: netcode.ProtocolVersion, Token: "abcdefghijkl.guess" + strconv.Itoa(i)})
			synctest.Wait()
		}
		if closed, code := g.link.closeState(); !closed || code != uint16(netcode.CodeRateLimited) {
			t.Errorf("after %d guesses: closed %v code %d, want closed with rate_limited", maxMisses, closed, code)
		}
		closeAll(append(again, first...)...)
	})
}
