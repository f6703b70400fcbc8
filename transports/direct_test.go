package transports

import (
	"bytes"
	"testing"
)

func TestDirectWritesToIdleLink(t *testing.T) {
	h := newTestHandler()
	s := newTestServer(t, Options{}, h)
	c := dial(t, s, dialOptions{})
	rc := h.next(t)

	// Each Send waits for the previous frame to arrive, so the writer is idle
	// at every Send and every frame should be written by Send itself.
	const n = 50
	for i := range n {
		waitFor(t, "idle writer", func() bool {
			l := rc.link.(*wsLink)
			l.mu.Lock()
			defer l.mu.Unlock()
			return l.idle
		})
		if err := rc.link.Send(ClassState, seqHead(i), []byte("body")); err != nil {
			t.Fatalf("Send %d: %v", i, err)
		}
		if got := c.recv(t); seqOf(got) != i || !bytes.Equal(got[4:], []byte("body")) {
			t.Fatalf("frame %d arrived as %q", i, got)
		}
	}
	if d := s.Stats().DirectWrites; d != n {
		t.Errorf("DirectWrites = %d, want %d (every frame sent to an idle writer)", d, n)
	}
}

// TestDirectWritesCutShort fills the client's socket buffers with frames that
// the kernel takes in part, so the direct path leaves tails for the writer and
// then falls back to the queue; every frame must still arrive whole and in
// order.
func TestDirectWritesCutShort(t *testing.T) {
	h := newTestHandler()
	const n = 300
	s := newTestServer(t, Options{SendQueue: n}, h)
	c := dial(t, s, dialOptions{noRead: true})
	rc := h.next(t)
	l := rc.link.(*wsLink)
	waitFor(t, "idle writer", func() bool {
		l.mu.Lock()
		defer l.mu.Unlock()
		return l.idle
	})

	// Odd sizes around 40 KiB: 12 MiB in all, more than loopback buffers hold,
	// and rarely a multiple of what the kernel accepts in one write.
	body := func(i int) []byte { return bytes.Repeat([]byte{byte(i)}, 40_000+i*37) }
	for i := range n {
		if err := rc.link.Send(ClassControl, seqHead(i), body(i)); err != nil {
			t.Fatalf("Send %d: %v", i, err)
		}
	}
	c.start()
	for i := range n {
		got := c.recv(t)
		if seqOf(got) != i || !bytes.Equal(got[4:], body(i)) {
			t.Fatalf("frame %d: got seq %d and %d body bytes, want %d bytes of %d", i, seqOf(got), len(got)-4, len(body(i)), byte(i))
		}
	}
	l.mu.Lock()
	cut := l.direct.cut
	l.mu.Unlock()
	direct := s.Stats().DirectWrites
	t.Logf("%d frames: %d written directly, %d of them in part", n, direct, cut)
	if direct == 0 || direct == n {
		t.Errorf("DirectWrites = %d, want some frames written directly and the rest queued once the buffers filled", direct)
	}
	if cut == 0 {
		t.Error("no frame was written in part: the tail path went untested")
	}
}
