package transports

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/lxzan/gws"
)

func TestServerCloseSendsGoingAway(t *testing.T) {
	h := newTestHandler()
	s := NewServer(Options{}, h)
	if err := s.Open("127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	var clients []*testClient
	var receivers []*testReceiver
	for range 3 {
		clients = append(clients, dial(t, s, dialOptions{}))
		receivers = append(receivers, h.next(t))
	}

	ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
	defer cancel()
	if err := s.Close(ctx); err != nil {
		t.Fatalf("Close: %v", err)
	}
	// Close has waited for every link, so every OnClose has already run.
	for i, rc := range receivers {
		select {
		case err := <-rc.closed:
			if code, _ := CloseStatus(err); code != CloseGoingAway {
				t.Errorf("receiver %d: OnClose(%v), want code %d", i, err, CloseGoingAway)
			}
		default:
			t.Errorf("receiver %d: OnClose not called before Close returned", i)
		}
	}
	for i, c := range clients {
		if code, reason := c.waitClosed(t); code != CloseGoingAway || reason != "server going away" {
			t.Errorf("client %d saw close %d %q, want %d %q", i, code, reason, CloseGoingAway, "server going away")
		}
	}
	if got := s.Stats().Active; got != 0 {
		t.Errorf("Stats().Active = %d after Close, want 0", got)
	}
	if _, _, err := dialErr(s, dialOptions{}); err == nil {
		t.Error("dial after Close succeeded")
	}
	if err := s.Close(ctx); err != nil {
		t.Errorf("second Close: %v", err)
	}
}

func TestLinkCloseAfterQueuedFrames(t *testing.T) { testLinkCloseAfterQueuedFrames(t, Options{}) }

func testLinkCloseAfterQueuedFrames(t *testing.T, o Options) *Server {
	h := newTestHandler()
	s := newTestServer(t, o, h)
	c := dial(t, s, dialOptions{})
	rc := h.next(t)

	const n = 20
	for i := range n {
		if err := rc.link.Send(ClassControl, seqHead(i), nil); err != nil {
			t.Fatal(err)
		}
	}
	rc.link.Close(4000, "bye")
	rc.link.Close(4001, "ignored") // idempotent: the first code wins

	code, reason := c.waitClosed(t)
	if code != 4000 || reason != "bye" {
		t.Errorf("client saw close %d %q, want 4000 %q", code, reason, "bye")
	}
	if got := len(c.msgs); got != n {
		t.Fatalf("client got %d frames before the close, want %d", got, n)
	}
	for i := range n {
		if got := seqOf(<-c.msgs); got != i {
			t.Errorf("frame %d has seq %d", i, got)
		}
	}
	err := rc.waitClosed(t)
	var ce *CloseError
	if !errors.As(err, &ce) || ce.Code != 4000 || ce.Reason != "bye" {
		t.Errorf("OnClose(%v), want CloseError{4000, bye}", err)
	}
	if got := rc.closes.Load(); got != 1 {
		t.Errorf("OnClose called %d times", got)
	}
	return s
}

func TestClientCloseReported(t *testing.T) {
	h := newTestHandler()
	s := newTestServer(t, Options{}, h)
	c := dial(t, s, dialOptions{})
	rc := h.next(t)

	if err := c.conn.WriteClose(4100, []byte("leaving")); err != nil {
		t.Fatal(err)
	}
	err := rc.waitClosed(t)
	var ce *CloseError
	if !errors.As(err, &ce) || ce.Code != 4100 || ce.Reason != "leaving" {
		t.Errorf("OnClose(%v), want CloseError{4100, leaving}", err)
	}
	waitFor(t, "link forgotten", func() bool { return s.Stats().Active == 0 })
}

func TestClientDisconnectReported(t *testing.T) {
	h := newTestHandler()
	s := newTestServer(t, Options{}, h)
	c := dial(t, s, dialOptions{noRead: true})
	rc := h.next(t)

	_ = c.conn.NetConn().Close()
	err := rc.waitClosed(t)
	if _, ok := CloseStatus(err); ok || err == nil {
		t.Errorf("OnClose(%v), want an error without a close code", err)
	}
}

func TestAcceptErrorClosesLink(t *testing.T) {
	tests := []struct {
		err        error
		wantCode   uint16
		wantReason string
	}{
		{&CloseError{Code: 4003, Reason: "room full"}, 4003, "room full"},
		{fmt.Errorf("spawn: %w", &CloseError{Code: 4004, Reason: "wrapped"}), 4004, "wrapped"},
		{errors.New("boom"), CloseInternal, "internal error"},
	}
	for _, tt := range tests {
		t.Run(tt.err.Error(), func(t *testing.T) {
			h := newTestHandler()
			h.acceptErr = tt.err
			s := newTestServer(t, Options{}, h)
			c := dial(t, s, dialOptions{})
			h.next(t)
			if code, reason := c.waitClosed(t); code != tt.wantCode || reason != tt.wantReason {
				t.Errorf("client saw close %d %q, want %d %q", code, reason, tt.wantCode, tt.wantReason)
			}
		})
	}
}

func TestCloseStatus(t *testing.T) {
	tests := []struct {
		err    error
		code   uint16
		wantOK bool
	}{
		{&CloseError{Code: 1001}, 1001, true},
		{fmt.Errorf("wrapped: %w", &CloseError{Code: 4000}), 4000, true},
		{errors.New("plain"), 0, false},
		{nil, 0, false},
	}
	for _, tt := range tests {
		code, ok := CloseStatus(tt.err)
		if code != tt.code || ok != tt.wantOK {
			t.Errorf("CloseStatus(%v) = %d, %v; want %d, %v", tt.err, code, ok, tt.code, tt.wantOK)
		}
	}
}

func TestClosePayload(t *testing.T) {
	var p [125]byte
	long := ""
	for range 60 {
		long += "é" // 2 bytes each: 120 bytes, cut at 123 would split a rune
	}
	long += "ab"
	n := closePayload(p[:], 4000, long)
	if n > 125 {
		t.Fatalf("payload of %d bytes", n)
	}
	if got := string(p[2:n]); got != long[:122] {
		t.Errorf("reason %q, want it cut on a rune boundary", got)
	}
	closePayload(p[:], 1005, "")
	if got := uint16(p[0])<<8 | uint16(p[1]); got != CloseInternal {
		t.Errorf("unsendable code 1005 became %d, want %d", got, CloseInternal)
	}
	_ = gws.OpcodeCloseConnection
}
