package client

import (
	"errors"
	"slices"
	"testing"
	"testing/synctest"
	"time"

	"github.com/tickroom/tickroom/netcode"
	"github.com/tickroom/tickroom/transports/httpwire"
	"github.com/tickroom/tickroom/world"
)

// A reconnect that the server refuses for load waits at least the
// Retry-After it gave before it dials again; every dial that will resume
// the seat says so.
func TestReconnectWaitsRetryAfter(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		l := new(backLog)
		c, f, n := newBackClient(t, testReconnect, l, "room1.tok1")
		n.fail = func(i int) error {
			if i == 1 {
				return &HTTPError{Op: "websocket", Status: 503, Code: httpwire.CodeServerBusy, RetryAfter: 3 * time.Second}
			}
			return nil
		}
		f.end(errors.New("network down"))
		time.Sleep(4 * time.Second)
		synctest.Wait()
		// 100ms of backoff, then 3s (the Retry-After, above the 200ms drawn).
		if got, want := n.dialed(), []time.Duration{100 * time.Millisecond, 3100 * time.Millisecond}; !slices.Equal(got, want) {
			t.Errorf("dials at %v, want %v", got, want)
		}
		if !slices.Equal(n.resumes, []bool{true, true}) {
			t.Errorf("resume marks %v, want both dials marked", n.resumes)
		}
		c.deliver(welcomeFrame(t, 7, 1, "room1.tok2"))
		c.deliver(stateFrame(t, counterState(5, 50), counterState(6, 60)))
		synctest.Wait()
		if got := l.snapshot().resumed; !slices.Equal(got, []bool{false}) {
			t.Errorf("resumed %v", got)
		}
	})
}

// A seat that is gone while the server takes no newcomers: the fresh join
// is refused server_busy, which fails the attempt rather than leaving the
// client in the lobby; the next attempt joins afresh at once, unmarked
// (it resumes nothing), and is seated once the server takes it.
func TestReconnectRejoinRefusedBusy(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		l := new(backLog)
		c, f, n := newBackClient(t, testReconnect, l, "room1.tok1")
		f.end(errors.New("network down"))
		time.Sleep(100 * time.Millisecond)
		synctest.Wait()
		g := n.conn(t, 0)
		if sent := g.sentMessages(t); len(sent) != 1 || sent[0].Kind() != netcode.KindResume {
			t.Fatalf("first attempt sent %#v, want a resume", sent)
		}
		c.deliver(errorFrame(t, netcode.CodeResumeExpired))
		if sent := g.sentMessages(t); len(sent) != 1 || sent[0].Kind() != netcode.KindJoin {
			t.Fatalf("after resume_expired the client sent %#v, want a join", sent)
		}
		c.deliver(errorFrame(t, netcode.CodeServerBusy))
		synctest.Wait()
		if g.err() == nil || !c.Reconnecting() || l.snapshot().rejoined != nil {
			t.Fatalf("after server_busy: connection closed %v, reconnecting %v, rejoined %v; want the attempt failed",
				g.err() != nil, c.Reconnecting(), l.snapshot().rejoined)
		}
		time.Sleep(200 * time.Millisecond) // the second attempt's longest wait
		synctest.Wait()
		h := n.conn(t, 1)
		if sent := h.sentMessages(t); len(sent) != 1 || sent[0].Kind() != netcode.KindJoin {
			t.Fatalf("second attempt sent %#v, want a join straight away", sent)
		}
		if !slices.Equal(n.resumes, []bool{true, false}) {
			t.Errorf("resume marks %v, want the second dial unmarked", n.resumes)
		}
		c.deliver(welcomeFrame(t, 8, 4, "room1.tok3"))
		c.deliver(stateFrame(t, world.State{}, counterState(9, 90)))
		synctest.Wait()
		if got := l.snapshot().rejoined; !slices.Equal(got, []string{"player 8"}) {
			t.Errorf("rejoined %v, want player 8", got)
		}
		if st := c.Stats(); st.Attempts != 2 || st.ResumesRefused != 1 || st.Rejoins != 1 {
			t.Errorf("stats %+v", st)
		}
	})
}
