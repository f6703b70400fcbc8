package actors

import (
	"errors"
	"slices"
	"testing"
	"testing/synctest"
	"time"

	"github.com/tickroom/tickroom/netcode"
	"github.com/tickroom/tickroom/transports"
)

// tryConnect accepts a link as the transport would and returns the client,
// or the error Accept refused it with.
func tryConnect(t *testing.T, h *Hub) (*testClient, *fakeLink, error) {
	t.Helper()
	l := newFakeLink()
	r, err := h.Accept(l, nil)
	if err != nil {
		return nil, l, err
	}
	c := &testClient{t: t, link: l, recv: r}
	t.Cleanup(c.disconnect)
	return c, l, nil
}

// refusedWith checks that Accept refused a connection with code, after an
// error frame of that code.
func refusedWith(t *testing.T, l *fakeLink, err error, code netcode.Code) {
	t.Helper()
	var ce *transports.CloseError
	if !errors.As(err, &ce) || ce.Code != uint16(code) {
		t.Fatalf("Accept = %v, want a refusal with close %d %v", err, code, code)
	}
	c := &testClient{t: t, link: l}
	if got := c.errorCodes(); !slices.Equal(got, []netcode.Code{code}) {
		t.Errorf("refused connection got %v, want [%v]", got, code)
	}
}

// Connections in no room are bounded: the newest over the bound is
// refused with server_busy; a connection that joins a room gives its place
// back, and takes one again when it leaves.
func TestConnectionsInNoRoomAreBounded(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newTestHub(t, Options{Limits: LimitOptions{MaxUnjoined: 2}})
		if busy, _ := h.Busy(); busy {
			t.Error("Busy with no connection")
		}
		a, b := connect(t, h), connect(t, h)
		if got := h.Stats().Unjoined; got != 2 {
			t.Errorf("Unjoined = %d, want 2", got)
		}
		// The transport asks Busy before the upgrade: at the bound, it
		// refuses there (503 server_busy, Retry-After 1s); Accept's
		// refusal after the upgrade is the exact check behind it.
		if busy, after := h.Busy(); !busy || after != UnjoinedRetryAfter {
			t.Errorf("Busy() at the bound = %v, %v; want true, %v", busy, after, UnjoinedRetryAfter)
		}
		_, l, err := tryConnect(t, h)
		refusedWith(t, l, err, netcode.CodeServerBusy)

		a.join("r")
		a.run(200*time.Millisecond, 50*time.Millisecond)
		if busy, _ := h.Busy(); busy {
			t.Error("Busy after one of the connections in no room joined a room")
		}
		c, _, err := tryConnect(t, h)
		if err != nil {
			t.Fatalf("a connection after one joined a room: %v", err)
		}
		a.send(&netcode.Leave{})
		synctest.Wait()
		if got := h.Stats().Unjoined; got != 3 {
			t.Errorf("Unjoined after a leave = %d, want 3 (the bound refuses newcomers only)", got)
		}
		_, l, err = tryConnect(t, h)
		refusedWith(t, l, err, netcode.CodeServerBusy)
		closeAll(a, b, c)
		if st := h.Stats(); st.Unjoined != 0 || st.UnjoinedRefused != 2 || st.ErrorFrames["server_busy"] != 2 {
			t.Errorf("stats: Unjoined %d UnjoinedRefused %d server_busy frames %d, want 0, 2, 2",
				st.Unjoined, st.UnjoinedRefused, st.ErrorFrames["server_busy"])
		}
	})
}

// A connection that joins no room within the deadline is closed with
// join_timeout, and so is one that stays in no room that long after it
// left one; a player in a room is never timed.
func TestJoinDeadline(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newTestHub(t, Options{Limits: LimitOptions{JoinTimeout: 5 * time.Second}})
		idle, player := connect(t, h), connect(t, h)
		player.join("r")
		player.run(4900*time.Millisecond, 50*time.Millisecond)
		if closed, _ := idle.link.closeState(); closed {
			t.Fatal("closed before its deadline")
		}
		player.run(200*time.Millisecond, 50*time.Millisecond)
		if closed, code := idle.link.closeState(); !closed || code != uint16(netcode.CodeJoinTimeout) {
			t.Errorf("idle connection after its deadline: closed %v code %d, want join_timeout", closed, code)
		}
		if got := idle.errorCodes(); !slices.Equal(got, []netcode.Code{netcode.CodeJoinTimeout}) {
			t.Errorf("idle connection got %v, want [join_timeout]", got)
		}
		player.run(10*time.Second, 50*time.Millisecond)
		if closed, _ := player.link.closeState(); closed {
			t.Fatal("a player in a room was closed")
		}
		player.send(&netcode.Leave{})
		time.Sleep(4900 * time.Millisecond)
		synctest.Wait()
		if closed, _ := player.link.closeState(); closed {
			t.Fatal("closed before the deadline of its lobby spell")
		}
		time.Sleep(200 * time.Millisecond)
		synctest.Wait()
		if closed, code := player.link.closeState(); !closed || code != uint16(netcode.CodeJoinTimeout) {
			t.Errorf("5s in no room after leaving one: closed %v code %d, want join_timeout", closed, code)
		}
		if got := h.Stats().JoinTimeouts; got != 2 {
			t.Errorf("JoinTimeouts = %d, want 2", got)
		}
	})
}

// A join under way when the deadline passes is let finish: a seat keeps
// the connection, a refusal ends it right after it.
func TestJoinUnderWayAtTheDeadline(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		log := new(callLog)
		h := newTestHub(t, Options{Modes: probeModes(log), DefaultMode: "probe", Limits: LimitOptions{JoinTimeout: time.Second}})
		seated, refused := connect(t, h), connect(t, h)
		time.Sleep(980 * time.Millisecond)
		seated.joinHow(netcode.JoinMatch, "a", nil)
		refused.joinHow(netcode.JoinMatch, "b", probeOptions{Refuse: "no"})
		time.Sleep(40 * time.Millisecond) // the deadline passes; the rooms decide at their first step
		synctest.Wait()
		if seated.welcome() != nil || len(refused.errorCodes()) != 0 {
			t.Fatal("the joins were decided before the deadline; the test needs them after it")
		}
		seated.run(time.Second, 50*time.Millisecond)
		if closed, _ := seated.link.closeState(); closed || seated.welcome() == nil {
			t.Errorf("a join seated after the deadline: closed %v, welcome %v; want seated and open", closed, seated.welcome())
		}
		if got := refused.errorCodes(); !slices.Equal(got, []netcode.Code{netcode.CodeJoinRefused, netcode.CodeJoinTimeout}) {
			t.Errorf("a join refused after the deadline got %v, want [join_refused join_timeout]", got)
		}
		if closed, code := refused.link.closeState(); !closed || code != uint16(netcode.CodeJoinTimeout) {
			t.Errorf("refused after the deadline: closed %v code %d, want join_timeout", closed, code)
		}
		closeAll(seated, refused)
	})
}
