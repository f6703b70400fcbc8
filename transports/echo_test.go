package transports

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/lxzan/gws"
)

func TestClientFramesArriveInOrderAndIntact(t *testing.T) {
	h := newTestHandler()
	s := newTestServer(t, Options{}, h)
	c := dial(t, s, dialOptions{})
	rc := h.next(t)

	var want [][]byte
	for i := range 100 {
		want = append(want, bytes.Repeat([]byte{byte(i)}, i*37%DefaultReadLimit))
	}
	for _, b := range want {
		if err := c.conn.WriteMessage(gws.OpcodeBinary, b); err != nil {
			t.Fatalf("client write: %v", err)
		}
	}
	// Text frames are delivered as they are; validating content is the receiver's job.
	if err := c.conn.WriteString("text"); err != nil {
		t.Fatalf("client write: %v", err)
	}
	want = append(want, []byte("text"))

	for i, w := range want {
		got := <-rc.frames
		if !bytes.Equal(got, w) {
			t.Fatalf("frame %d: got %d bytes %.8x, want %d bytes %.8x", i, len(got), got, len(w), w)
		}
	}
}

func TestSendArrivesAsOneMessage(t *testing.T) { testSendArrivesAsOneMessage(t, Options{}) }

// testSendArrivesAsOneMessage runs TestSendArrivesAsOneMessage on a server
// with o, which it returns for further checks (as do the other test* helpers
// that TestPortableFallback reuses).
func testSendArrivesAsOneMessage(t *testing.T, o Options) *Server {
	h := newTestHandler()
	s := newTestServer(t, o, h)
	c := dial(t, s, dialOptions{})
	rc := h.next(t)

	body := []byte(strings.Repeat("body", 1000))
	tests := []struct {
		class      Class
		head, body []byte
	}{
		{ClassControl, []byte("head"), body},
		{ClassState, []byte("state"), body},
		{ClassControl, nil, []byte("no head")},
		{ClassControl, []byte("no body"), nil},
		{ClassControl, bytes.Repeat([]byte{'h'}, MaxHead), []byte("max head")},
	}
	for _, tt := range tests {
		if err := rc.link.Send(tt.class, tt.head, tt.body); err != nil {
			t.Fatalf("Send: %v", err)
		}
		// Waiting for each message keeps the state frame from being replaced.
		got := c.recv(t)
		want := append(append([]byte(nil), tt.head...), tt.body...)
		if !bytes.Equal(got, want) {
			t.Errorf("got %q, want %q", got, want)
		}
	}
	return s
}

func TestControlFramesKeepOrder(t *testing.T) { testControlFramesKeepOrder(t, Options{}) }

func testControlFramesKeepOrder(t *testing.T, o Options) *Server {
	h := newTestHandler()
	o.SendQueue = 1000
	s := newTestServer(t, o, h)
	c := dial(t, s, dialOptions{})
	rc := h.next(t)

	const n = 500
	for i := range n {
		if err := rc.link.Send(ClassControl, seqHead(i), []byte(fmt.Sprint(i))); err != nil {
			t.Fatalf("Send %d: %v", i, err)
		}
	}
	for i := range n {
		got := c.recv(t)
		if seqOf(got) != i || string(got[4:]) != fmt.Sprint(i) {
			t.Fatalf("message %d: got seq %d body %q", i, seqOf(got), got[4:])
		}
	}
	return s
}

func TestSendErrors(t *testing.T) {
	h := newTestHandler()
	s := newTestServer(t, Options{}, h)
	c := dial(t, s, dialOptions{})
	rc := h.next(t)

	if got := rc.link.Send(ClassControl, make([]byte, MaxHead+1), nil); !errors.Is(got, ErrHeadTooLarge) {
		t.Errorf("Send(head of %d bytes) = %v, want %v", MaxHead+1, got, ErrHeadTooLarge)
	}
	rc.link.Close(CloseNormal, "done")
	if got := rc.link.Send(ClassControl, nil, []byte("late")); !errors.Is(got, ErrClosed) {
		t.Errorf("Send after Close = %v, want %v", got, ErrClosed)
	}
	c.waitClosed(t)
	rc.waitClosed(t)
}

func TestLinkIdentity(t *testing.T) {
	h := newTestHandler()
	s := newTestServer(t, Options{}, h)
	c1 := dial(t, s, dialOptions{})
	c2 := dial(t, s, dialOptions{})
	l1, l2 := h.next(t).link, h.next(t).link

	if l1.ID() == l2.ID() {
		t.Errorf("two links share ID %d", l1.ID())
	}
	if got, want := l1.Transport(), "websocket"; got != want {
		t.Errorf("Transport() = %q, want %q", got, want)
	}
	locals := map[string]bool{c1.conn.LocalAddr().String(): true, c2.conn.LocalAddr().String(): true}
	if !locals[l1.RemoteAddr()] || !locals[l2.RemoteAddr()] {
		t.Errorf("RemoteAddr() = %q, %q; want the clients' addresses %v", l1.RemoteAddr(), l2.RemoteAddr(), locals)
	}
	if got, want := s.Stats().Accepted, uint64(2); got != want {
		t.Errorf("Stats().Accepted = %d, want %d", got, want)
	}
}
