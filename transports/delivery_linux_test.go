//go:build linux

package transports

import (
	"net"
	"syscall"
	"testing"
	"time"
)

// dialSmallWindow opens a WebSocket whose receive buffer is a few KiB, set
// before the connection is made, so that a client that does not read stops
// acknowledging after a few KiB.
func dialSmallWindow(t *testing.T, s *Server) net.Conn {
	t.Helper()
	d := net.Dialer{Control: func(_, _ string, rc syscall.RawConn) error {
		var err error
		_ = rc.Control(func(fd uintptr) {
			err = syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUF, 4096)
		})
		return err
	}}
	c, err := d.Dial("tcp", s.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close() })
	if err := rawHandshake(c, s.Addr().String(), s.path); err != nil {
		t.Fatal(err)
	}
	return c
}

// A client that reads nothing while it is sent a trickle of frames, far
// less than the server's send buffer holds (so no write ever blocks, and
// WriteTimeout cannot find it), is closed as a slow consumer once bytes
// have waited DeliveryTimeout unacknowledged; one that reads the same
// trickle is not.
func TestDeliveryWatchClosesClientNotReading(t *testing.T) {
	const timeout = 300 * time.Millisecond
	h := newTestHandler()
	s := newTestServer(t, Options{
		DeliveryTimeout: timeout,
		WriteTimeout:    time.Minute,
		PingInterval:    time.Hour, // the pings cannot be what looks
		PingTimeout:     2 * time.Hour,
	}, h)

	dialSmallWindow(t, s) // never reads
	blind := h.next(t)
	reader := dial(t, s, dialOptions{discard: true})
	healthy := h.next(t)

	body := make([]byte, 200)
	tick := time.NewTicker(5 * time.Millisecond) // 40 KB/s: 64 KiB take 1.6 s
	defer tick.Stop()
	start := time.Now()
	var closed error
	for i := 0; closed == nil; i++ {
		<-tick.C
		_ = blind.link.Send(ClassState, seqHead(i), body)
		if err := healthy.link.Send(ClassState, seqHead(i), body); err != nil {
			t.Fatalf("Send to the client that reads: %v", err)
		}
		select {
		case closed = <-blind.closed:
		default:
		}
		if time.Since(start) > waitTimeout {
			t.Fatal("the client that does not read is still connected")
		}
	}
	t.Logf("closed after %v; the other client read %d frames", time.Since(start), reader.received.Load())
	if code, _ := CloseStatus(closed); code != ClosePolicy {
		t.Errorf("OnClose(%v), want code %d", closed, ClosePolicy)
	}
	if got := s.Stats().NotReading; got != 1 {
		t.Errorf("Stats().NotReading = %d, want 1", got)
	}
	select {
	case err := <-healthy.closed:
		t.Errorf("the client that reads was closed: %v", err)
	default:
	}
}

// The kernel's send buffer is the one Options.SendBuffer asks for (Linux
// doubles it), not one grown to megabytes.
func TestSendBufferBounded(t *testing.T) {
	h := newTestHandler()
	s := newTestServer(t, Options{SendBuffer: 32 << 10}, h)
	dial(t, s, dialOptions{})
	l := h.next(t).link.(*wsLink)
	var got int
	var err error
	_ = l.gate.raw.Control(func(fd uintptr) {
		got, err = syscall.GetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_SNDBUF)
	})
	if err != nil {
		t.Fatal(err)
	}
	if got != 2*32<<10 {
		t.Errorf("SO_SNDBUF = %d, want %d", got, 2*32<<10)
	}
}
