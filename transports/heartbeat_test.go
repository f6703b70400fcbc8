package transports

import (
	"testing"
	"time"
)

func TestHeartbeatClosesSilentClient(t *testing.T) {
	h := newTestHandler()
	s := newTestServer(t, Options{PingInterval: 20 * time.Millisecond, PingTimeout: 80 * time.Millisecond}, h)
	// The client's reader does not run, so it answers no ping and sends
	// nothing. Once it runs (below) it still does not answer: writing to the
	// closed connection would make gws drop it before it reads the close frame.
	start := time.Now()
	c := dial(t, s, dialOptions{noRead: true, noPong: true})
	rc := h.next(t)

	err := rc.waitClosed(t)
	if code, _ := CloseStatus(err); code != CloseGoingAway {
		t.Errorf("OnClose(%v), want code %d (the default TimeoutCloseCode)", err, CloseGoingAway)
	}
	if elapsed := time.Since(start); elapsed < 80*time.Millisecond {
		t.Errorf("closed after %v, before PingTimeout", elapsed)
	}
	if got, want := s.Stats().TimeoutClosed, uint64(1); got != want {
		t.Errorf("Stats().TimeoutClosed = %d, want %d", got, want)
	}

	// The close frame is waiting in the client's socket buffer.
	c.start()
	if code, reason := c.waitClosed(t); code != CloseGoingAway {
		t.Errorf("client saw close code %d (%q), want %d", code, reason, CloseGoingAway)
	}
	if c.pings.Load() == 0 {
		t.Error("client received no ping before the close")
	}
}

func TestHeartbeatKeepsLiveClient(t *testing.T) {
	h := newTestHandler()
	// PingTimeout leaves room for a loaded machine to answer late; the test is
	// about a live client staying connected across many ping intervals.
	const interval, timeout = 20 * time.Millisecond, time.Second
	s := newTestServer(t, Options{PingInterval: interval, PingTimeout: timeout}, h)
	c := dial(t, s, dialOptions{}) // gws answers every ping with a pong
	rc := h.next(t)

	// 60 pings span at least 1.2s: longer than PingTimeout.
	deadline := time.After(waitTimeout)
	for c.pings.Load() < 60 {
		select {
		case err := <-rc.closed:
			t.Fatalf("live client closed after %d pings: %v", c.pings.Load(), err)
		case <-deadline:
			t.Fatalf("only %d pings", c.pings.Load())
		case <-time.After(interval):
		}
	}
	if got := s.Stats().TimeoutClosed; got != 0 {
		t.Errorf("Stats().TimeoutClosed = %d, want 0", got)
	}
}

func TestClientPingGetsPong(t *testing.T) {
	h := newTestHandler()
	s := newTestServer(t, Options{}, h)
	pongs := make(chan []byte, 1)
	c := dial(t, s, dialOptions{noRead: true})
	h.next(t)
	c.onPong = func(p []byte) { pongs <- append([]byte(nil), p...) }
	c.start()
	if err := c.conn.WritePing([]byte("hi")); err != nil {
		t.Fatal(err)
	}
	select {
	case got := <-pongs:
		if string(got) != "hi" {
			t.Errorf("pong payload %q, want %q", got, "hi")
		}
	case <-time.After(waitTimeout):
		t.Fatal("no pong")
	}
}

// An idle link keeps no writer goroutine: its pings are written by the
// heartbeat's timer, and the client's pongs keep it alive.
func TestIdleLinkPingsWithoutWriter(t *testing.T) {
	requireWritev(t)
	h := newTestHandler()
	s := newTestServer(t, Options{PingInterval: 10 * time.Millisecond, PingTimeout: time.Second}, h)
	c := dial(t, s, dialOptions{})
	l := h.next(t).link.(*wsLink)
	waitFor(t, "pings", func() bool { return c.pings.Load() >= 20 })
	l.mu.Lock()
	writing := l.writing
	l.mu.Unlock()
	if writing {
		t.Error("an idle link has a writer goroutine")
	}
	if got := s.Stats().TimeoutClosed; got != 0 {
		t.Errorf("Stats().TimeoutClosed = %d, want 0", got)
	}
}
