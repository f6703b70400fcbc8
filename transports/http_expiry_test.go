package transports

import (
	"net/http"
	"sync"
	"testing"
	"time"
)

func TestSessionExpires(t *testing.T) {
	const code = 4010
	h := newTestHandler()
	s := newTestServer(t, Options{SessionTimeout: 100 * time.Millisecond, TimeoutCloseCode: code}, h)
	start := time.Now() // the clock starts during the handshake
	c := newHTTPClient(t, s).handshake("")
	rc := h.next(t)

	err := rc.waitClosed(t)
	if ce, ok := err.(*CloseError); !ok || ce.Code != code {
		t.Errorf("OnClose(%v), want code %d", err, code)
	}
	// 5ms of slack: under heavy load two CPUs' clocks were seen to disagree
	// by a fraction of a millisecond.
	if elapsed := time.Since(start); elapsed < 95*time.Millisecond {
		t.Errorf("expired after %v, before SessionTimeout", elapsed)
	}
	if a := c.poll(0, false); a.status != http.StatusNotFound || a.errCode() != "unknown_session" {
		t.Errorf("poll of an expired session: %d %s, want 404 unknown_session", a.status, a.body)
	}
	if st := s.Stats(); st.Expired != 1 || st.HTTPSessions != 0 {
		t.Errorf("Expired %d, HTTPSessions %d; want 1, 0", st.Expired, st.HTTPSessions)
	}
}

func TestPollingKeepsSessionAlive(t *testing.T) {
	h := newTestHandler()
	// Each long-poll is held 30ms; the session may idle 150ms between them.
	s := newTestServer(t, Options{SessionTimeout: 150 * time.Millisecond, PollTimeout: 30 * time.Millisecond}, h)
	c := newHTTPClient(t, s).handshake("")
	rc := h.next(t)
	deadline := time.Now().Add(600 * time.Millisecond)
	for time.Now().Before(deadline) {
		c.get(true)
		select {
		case err := <-rc.closed:
			t.Fatalf("a polling session expired: %v", err)
		default:
		}
	}
	if got := s.Stats().Expired; got != 0 {
		t.Errorf("Expired = %d, want 0", got)
	}
}

// TestHandshakeFloodIsBounded: handshakes that are never followed by a poll
// all expire, so they cannot grow memory without bound.
func TestHandshakeFloodIsBounded(t *testing.T) {
	h := newEchoHandler()
	s := newTestServer(t, Options{SessionTimeout: 200 * time.Millisecond}, h)
	c := newHTTPClient(t, s)

	const n, workers = 500, 8
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := w; i < n; i += workers {
				a, err := c.doErr(http.MethodPost, "", nil, nil)
				if err != nil || a.status != http.StatusOK {
					t.Errorf("handshake %d: %v %d %s", i, err, a.status, a.body)
					return
				}
			}
		}()
	}
	wg.Wait()
	if got := s.Stats().Handshakes; got != n {
		t.Fatalf("Handshakes = %d, want %d", got, n)
	}
	waitFor(t, "every session to expire", func() bool { return s.Stats().HTTPSessions == 0 })
	if got := s.Stats().Expired; got != n {
		t.Errorf("Expired = %d, want %d", got, n)
	}
	s.mu.Lock()
	left := len(s.sessions)
	s.mu.Unlock()
	if left != 0 {
		t.Errorf("%d sessions left in the table", left)
	}
	for range n {
		h.next(t).waitClosed(t)
	}
}

func TestMaxSessions(t *testing.T) {
	h := newTestHandler()
	s := newTestServer(t, Options{MaxSessions: 3}, h)
	var cs []*httpClient
	for range 3 {
		cs = append(cs, newHTTPClient(t, s).handshake(""))
		h.next(t)
	}
	c := newHTTPClient(t, s)
	a := c.do(http.MethodPost, "", nil, nil)
	if a.status != http.StatusServiceUnavailable || a.errCode() != "too_many_sessions" {
		t.Errorf("handshake over MaxSessions: %d %s, want 503 too_many_sessions", a.status, a.body)
	}
	if got := s.Stats().HTTPErrors["too_many_sessions"]; got != 1 {
		t.Errorf(`HTTPErrors["too_many_sessions"] = %d, want 1`, got)
	}
	// The existing sessions still work, and ending one makes room.
	cs[0].post([]byte("x"))
	cs[0].do(http.MethodDelete, "/"+cs[0].sid, nil, nil)
	waitFor(t, "a free slot", func() bool { return s.Stats().HTTPSessions == 2 })
	c.handshake("")
	h.next(t)
	if got := s.Stats().HTTPSessions; got != 3 {
		t.Errorf("HTTPSessions = %d, want 3", got)
	}
}

func TestSetOptionsReachesHTTP(t *testing.T) {
	h := newTestHandler()
	s := newTestServer(t, Options{}, h)
	c := newHTTPClient(t, s).handshake("")
	h.next(t)
	s.SetOptions(Options{DisablePoll: true, HTTPPath: "/elsewhere", MaxBody: 10})
	if a := c.poll(0, false); a.status != http.StatusNotFound || a.errCode() != "transport_disabled" {
		t.Errorf("poll after DisablePoll: %d %s", a.status, a.body)
	}
	// HTTPPath is fixed at NewServer; MaxBody applies at once.
	a := c.postRaw("?seq=1", uplink(make([]byte, 20)), octetStream)
	if a.status != http.StatusRequestEntityTooLarge || a.errCode() != "too_large" {
		t.Errorf("POST over the new MaxBody: %d %s", a.status, a.body)
	}
	if got := s.options().HTTPPath; got != DefaultHTTPPath {
		t.Errorf("HTTPPath = %q after SetOptions, want %q", got, DefaultHTTPPath)
	}
}
