package transports

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/lxzan/gws"
)

// A client that has sent "upgrade N" (and so retired its HTTP downlink)
// while Server.Close runs still gets the session's buffered frames and the
// close code on the WebSocket, and Close does not wait out CloseDrain for an
// HTTP request that will never come. (Closing the probe link before its
// session once refused the upgrade.) Whether "upgrade N" lands before or
// after Close has begun, the outcome must be the same.
func TestCloseDuringUpgradeKeepsFrames(t *testing.T) {
	h := newTestHandler()
	const drain = 3 * time.Second
	s := NewServer(Options{CloseDrain: drain, WriteTimeout: 200 * time.Millisecond}, h)
	if err := s.Open("127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	c := newHTTPClient(t, s).handshake("")
	rc := h.next(t)
	_ = rc.link.Send(ClassControl, seqHead(1), nil)
	c.get(true)

	// A probe client that does not read yet: the server's close frame waits
	// in the socket while the client's "upgrade N" is already on its way.
	p := &probeClient{texts: make(chan string, 16), binaries: make(chan []byte, 16), closed: make(chan error, 1), loopDone: make(chan struct{})}
	conn, _, err := gws.NewClient(p, &gws.ClientOption{Addr: s.URL() + "?sid=" + c.sid})
	if err != nil {
		t.Fatal(err)
	}
	p.conn = conn
	if err := conn.WriteString("probe"); err != nil {
		t.Fatal(err)
	}
	waitUp(t, s, c.sid, upProbing)
	_ = rc.link.Send(ClassControl, seqHead(2), nil)
	_ = rc.link.Send(ClassControl, seqHead(3), nil)

	start := time.Now()
	closed := make(chan error, 1)
	go func() { closed <- s.Close(context.Background()) }()
	waitFor(t, "Close to begin", func() bool {
		s.mu.Lock()
		defer s.mu.Unlock()
		return s.closing
	})
	time.Sleep(20 * time.Millisecond) // usually after Close's first steps; either order must work
	if err := conn.WriteString(fmt.Sprintf("upgrade %d", c.ack)); err != nil {
		t.Fatal(err)
	}
	go func() { defer close(p.loopDone); conn.ReadLoop() }()

	var got []int
	deadline := time.After(waitTimeout)
loop:
	for {
		select {
		case b := <-p.binaries:
			got = append(got, seqOf(b))
		case <-p.texts:
		case err := <-p.closed:
			t.Logf("probe closed: %v", err)
			for len(p.binaries) > 0 {
				got = append(got, seqOf(<-p.binaries))
			}
			break loop
		case <-deadline:
			t.Fatal("probe not closed")
		}
	}
	if len(got) != 2 {
		t.Errorf("frames on the WebSocket before its close: %v, want [2 3]", got)
	}
	if err := <-closed; err != nil {
		t.Errorf("Close: %v", err)
	}
	if took := time.Since(start); took > drain/2 {
		t.Errorf("Close took %v: it waited out CloseDrain (%v)", took, drain)
	}
	rc.waitClosed(t)
	<-p.loopDone
}
