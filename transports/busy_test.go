package transports

import (
	"net/http"
	"sync/atomic"
	"testing"
	"time"
)

// While Options.Busy says busy, new WebSockets and HTTP sessions are
// refused before their upgrade or session with 503 server_busy and the
// Retry-After Busy gives, unless their handshake marks a resume; the
// Handler sees the mark (Resuming), and the sessions the server has are
// still served.
func TestBusyRefusesNewcomersAndAdmitsResumes(t *testing.T) {
	var busy atomic.Bool
	resumes := make(chan bool, 16)
	h := newTestHandler()
	accept := handlerFunc(func(l Link, r *http.Request) (Receiver, error) {
		resumes <- Resuming(r)
		return h.Accept(l, r)
	})
	s := newTestServer(t, Options{Busy: func() (bool, time.Duration) {
		return busy.Load(), 2500 * time.Millisecond
	}}, accept)
	sess := newHTTPClient(t, s).handshake("")
	h.next(t)
	if <-resumes {
		t.Error("a handshake without the mark: Resuming = true")
	}

	busy.Store(true)
	for _, tc := range []struct {
		what string
		a    answer
	}{
		{"WebSocket", admissionHandshake(t, s, nil)},
		{"HTTP handshake", newHTTPClient(t, s).do(http.MethodPost, "?transport=longpoll", nil, nil)},
	} {
		if tc.a.status != http.StatusServiceUnavailable || tc.a.errCode() != "server_busy" || tc.a.header.Get("Retry-After") != "3" {
			t.Errorf("%s while busy: %d %s (Retry-After %q), want 503 server_busy with Retry-After 3",
				tc.what, tc.a.status, tc.a.body, tc.a.header.Get("Retry-After"))
		}
	}
	if got := s.Stats().HTTPErrors["server_busy"]; got != 2 {
		t.Errorf("HTTPErrors[server_busy] = %d, want 2", got)
	}
	if a := sess.poll(0, false); a.status != http.StatusOK {
		t.Errorf("a session's poll while busy: %d %s", a.status, a.body)
	}

	// Marked as resuming, both get in, and the Handler knows.
	dial(t, s, dialOptions{url: s.URL() + "?resume=1"})
	h.next(t)
	if !<-resumes {
		t.Error("a WebSocket marked resume=1: Resuming = false")
	}
	newHTTPClient(t, s).handshake("?transport=longpoll&resume=1")
	h.next(t)
	if !<-resumes {
		t.Error("a handshake marked resume=1: Resuming = false")
	}

	// A mark of another value is refused, busy or not.
	for _, a := range []answer{
		admissionHandshakeQuery(t, s, "?resume=yes", nil),
		newHTTPClient(t, s).do(http.MethodPost, "?resume=0", nil, nil),
	} {
		if a.status != http.StatusBadRequest || a.errCode() != "bad_request" {
			t.Errorf("resume=yes/0: %d %s, want 400 bad_request", a.status, a.body)
		}
	}

	busy.Store(false)
	dial(t, s, dialOptions{})
	h.next(t)
	if <-resumes {
		t.Error("Resuming = true without the mark")
	}
}

func TestRetrySeconds(t *testing.T) {
	for d, want := range map[time.Duration]string{
		0:                       "1",
		-time.Second:            "1",
		time.Millisecond:        "1",
		time.Second:             "1",
		1001 * time.Millisecond: "2",
		10 * time.Second:        "10",
	} {
		if got := retrySeconds(d); got != want {
			t.Errorf("retrySeconds(%v) = %s, want %s", d, got, want)
		}
	}
}
