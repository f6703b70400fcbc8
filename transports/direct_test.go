package transports

import (
	"bytes"
	"encoding/binary"
	"io"
	"runtime"
	"testing"
	"time"

	"github.com/lxzan/gws"
)

func TestDirectWritesToIdleLink(t *testing.T) {
	requireWritev(t)
	s := testSendsToIdleLink(t, Options{})
	if d := s.Stats().DirectWrites; d != idleSends {
		t.Errorf("DirectWrites = %d, want %d (every frame sent to an idle writer)", d, idleSends)
	}
}

// idleSends is how many frames testSendsToIdleLink sends.
const idleSends = 50

// testSendsToIdleLink sends frames one at a time, each when the link's
// writer is idle, which is when Send may write directly, and checks that
// each arrives.
func testSendsToIdleLink(t *testing.T, o Options) *Server {
	h := newTestHandler()
	s := newTestServer(t, o, h)
	c := dial(t, s, dialOptions{})
	rc := h.next(t)

	// Each Send waits for the previous frame to arrive, so the writer is idle
	// at every Send.
	for i := range idleSends {
		waitIdle(t, rc.link.(*wsLink))
		if err := rc.link.Send(ClassState, seqHead(i), []byte("body")); err != nil {
			t.Fatalf("Send %d: %v", i, err)
		}
		if got := c.recv(t); seqOf(got) != i || !bytes.Equal(got[4:], []byte("body")) {
			t.Fatalf("frame %d arrived as %q", i, got)
		}
	}
	return s
}

// TestDirectWritesCutShort fills the client's socket buffers with frames that
// the kernel takes in part, so the direct path leaves tails for the writer and
// then falls back to the queue; every frame must still arrive whole and in
// order.
func TestDirectWritesCutShort(t *testing.T) {
	requireWritev(t)
	h := newTestHandler()
	const n = 300
	s := newTestServer(t, Options{SendQueue: n}, h)
	c := dial(t, s, dialOptions{noRead: true})
	rc := h.next(t)
	l := rc.link.(*wsLink)
	waitIdle(t, l)

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

// A write that gws makes on its own (the close frame its reader echoes or
// sends on a read error) holds the link's write gate while it waits for a
// full socket. A Send to the idle link meanwhile must not wait for it: the
// frame is queued and written after it.
func TestDirectWriteNeverWaitsForGate(t *testing.T) {
	h := newTestHandler()
	s := newTestServer(t, Options{}, h)
	c := dial(t, s, dialOptions{})
	rc := h.next(t)
	l := rc.link.(*wsLink)
	waitIdle(t, l)

	l.gate.mu.Lock() // as gws's reader blocked in a write would hold it
	sent := make(chan error, 1)
	go func() { sent <- rc.link.Send(ClassState, seqHead(7), []byte("state")) }()
	select {
	case err := <-sent:
		if err != nil {
			t.Fatalf("Send: %v", err)
		}
	case <-time.After(waitTimeout):
		l.gate.mu.Unlock()
		t.Fatal("Send waited for the write gate")
	}
	l.gate.mu.Unlock()
	if got := c.recv(t); seqOf(got) != 7 {
		t.Fatalf("client got %q, want the queued frame 7", got)
	}
	if d := s.Stats().DirectWrites; d != 0 {
		t.Errorf("DirectWrites = %d, want 0 (the gate was taken)", d)
	}
}

// When a direct write is cut short and gws then writes on its own (here: the
// echo of the client's close frame) before the link's writer has sent the
// tail, the tail must go first, so the close frame lands between frames and
// not inside one.
func TestCutFrameTailPrecedesGwsWrite(t *testing.T) {
	requireWritev(t)
	h := newTestHandler()
	s := newTestServer(t, Options{SendQueue: 1000, PingInterval: time.Hour, PingTimeout: time.Hour}, h)
	c := dial(t, s, dialOptions{noRead: true})
	rc := h.next(t)
	l := rc.link.(*wsLink)
	waitIdle(t, l)

	// Write 40 kB frames directly until the kernel cuts one short, keeping
	// l.mu so that the writer it starts cannot send the tail: only gws's
	// write below can.
	body := bytes.Repeat([]byte{0xAB}, 40_000)
	l.mu.Lock()
	for sent := 0; !l.writing; sent++ {
		if !l.writeDirectLocked(gws.OpcodeBinary, seqHead(sent), body) {
			l.mu.Unlock()
			t.Skip("the socket filled up without a write cut short")
		}
	}
	l.gate.mu.Lock()
	tail := len(l.gate.rest)
	l.gate.mu.Unlock()
	if tail == 0 {
		l.mu.Unlock()
		t.Fatal("a write was cut short but no tail is pending")
	}

	// The client says goodbye and reads the raw stream until the server
	// closes the socket after its echo.
	if err := c.conn.WriteMessage(gws.OpcodeCloseConnection, []byte{0x03, 0xE8}); err != nil {
		l.mu.Unlock()
		t.Fatal(err)
	}
	raw := make(chan []byte, 1)
	go func() {
		b, _ := io.ReadAll(c.conn.NetConn())
		raw <- b
	}()
	var stream []byte
	select {
	case stream = <-raw:
	case <-time.After(waitTimeout):
		l.mu.Unlock()
		t.Fatal("the server did not close the connection after its close echo")
	}
	l.mu.Unlock()

	// Every frame must be whole, and the stream must end with the close.
	var last byte
	frames := 0
	for off := 0; off < len(stream); frames++ {
		if len(stream)-off < 2 {
			t.Fatalf("%d stray bytes after %d frames", len(stream)-off, frames)
		}
		n, hl := int(stream[off+1]&0x7F), 2
		switch n {
		case 126:
			n, hl = int(binary.BigEndian.Uint16(stream[off+2:])), 4
		case 127:
			n, hl = int(binary.BigEndian.Uint64(stream[off+2:])), 10
		}
		if off+hl+n > len(stream) {
			t.Fatalf("frame %d cut off: %d of %d payload bytes", frames, len(stream)-off-hl, n)
		}
		last = stream[off] & 0x0F
		off += hl + n
	}
	if last != byte(gws.OpcodeCloseConnection) {
		t.Errorf("stream of %d frames ends with opcode %#x, want the close frame", frames, last)
	}
}

// requireWritev skips a test of the direct path where there is none.
func requireWritev(t *testing.T) {
	t.Helper()
	if !writevSupported {
		t.Skipf("no direct writes on %s", runtime.GOOS)
	}
}

// waitIdle waits until the link has no writer running, which is when Send
// may write directly. Without direct writes no Send does, and the writer
// lingers: there is nothing to wait for.
func waitIdle(t *testing.T, l *wsLink) {
	t.Helper()
	if !l.gate.direct {
		return
	}
	waitFor(t, "idle writer", func() bool {
		l.mu.Lock()
		defer l.mu.Unlock()
		return !l.writing
	})
}
