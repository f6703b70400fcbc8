package transports

import (
	"context"
	"net/http"
	"testing"
	"time"
)

// A client between two polls when the server shuts down still learns why its
// session ended: its next request gets the close record, and Close returns
// as soon as the last session has ended rather than after CloseDrain.
func TestCloseDrainsSessionsBetweenRequests(t *testing.T) {
	h := newTestHandler()
	// A drain far longer than waitTimeout: if Close waited it out, the test
	// would time out instead of passing.
	s := NewServer(Options{CloseDrain: 10 * waitTimeout}, h)
	if err := s.Open("127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	c := newHTTPClient(t, s).handshake("")
	rc := h.next(t)
	_ = rc.link.Send(ClassControl, seqHead(1), nil)
	if recs := c.get(true); len(recs) != 1 || seqOf(recs[0].data) != 1 {
		t.Fatalf("first poll got %v, want record 1", recs)
	}
	waitFor(t, "first poll finished", func() bool {
		open, _ := sessionState(s, c.sid)
		return !open
	})

	closed := make(chan error, 1)
	go func() { closed <- s.Close(context.Background()) }()
	waitFor(t, "Close to begin", func() bool {
		s.mu.Lock()
		defer s.mu.Unlock()
		return s.closing
	})

	// New sessions are refused while the old ones drain.
	if a := newHTTPClient(t, s).do(http.MethodPost, "", nil, nil); a.status != http.StatusServiceUnavailable || a.errCode() != "shutting_down" {
		t.Errorf("handshake while draining: %d %s, want 503 shutting_down", a.status, a.body)
	}

	a := c.poll(c.ack, true)
	recs := a.records(t)
	if a.status != http.StatusOK || len(recs) != 1 || !recs[0].isClose() || recs[0].closeCode() != CloseGoingAway {
		t.Fatalf("poll after Close began: %d %v, want one close record %d", a.status, recs, CloseGoingAway)
	}
	select {
	case err := <-closed:
		if err != nil {
			t.Errorf("Close: %v", err)
		}
	case <-time.After(waitTimeout):
		t.Fatal("Close still waiting after the last session ended")
	}
	if code, _ := CloseStatus(rc.waitClosed(t)); code != CloseGoingAway {
		t.Errorf("OnClose code %d, want %d", code, CloseGoingAway)
	}
}
