package transports

import (
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/lxzan/gws"
)

// countingReceiver is a testReceiver that counts control frames
// (ControlCounter) and closes its link with closeCode at its closeAt-th
// frame or control frame, the way a rate limit closes a flooding client.
type countingReceiver struct {
	*testReceiver
	closeAt   int64
	closeCode uint16
	controls  atomic.Int64
	frames    atomic.Int64
	late      atomic.Int64 // calls after the close
}

func (r *countingReceiver) OnControl() {
	r.count(r.controls.Add(1) + r.frames.Load())
}

func (r *countingReceiver) OnFrame(b []byte) {
	r.count(r.frames.Add(1) + r.controls.Load())
}

func (r *countingReceiver) count(n int64) {
	switch {
	case r.closeAt == 0 || n < r.closeAt:
	case n == r.closeAt:
		r.link.Close(r.closeCode, "over the limit")
	default:
		r.late.Add(1)
	}
}

// countingHandler accepts links with countingReceivers.
type countingHandler struct {
	closeAt  int64
	code     uint16
	accepted chan *countingReceiver
}

func newCountingHandler(closeAt int64, code uint16) *countingHandler {
	return &countingHandler{closeAt: closeAt, code: code, accepted: make(chan *countingReceiver, 16)}
}

func (h *countingHandler) Accept(l Link, _ *http.Request) (Receiver, error) {
	r := &countingReceiver{
		testReceiver: &testReceiver{link: l, closed: make(chan error, 1)},
		closeAt:      h.closeAt,
		closeCode:    h.code,
	}
	h.accepted <- r
	return r, nil
}

func (h *countingHandler) next(t *testing.T) *countingReceiver {
	t.Helper()
	select {
	case r := <-h.accepted:
		return r
	case <-time.After(waitTimeout):
		t.Fatal("no link accepted")
		return nil
	}
}

// Pings and pongs from the client reach a ControlCounter, one call each,
// and pings are answered.
func TestControlFramesAreCounted(t *testing.T) {
	h := newCountingHandler(0, 0)
	s := newTestServer(t, Options{}, h)
	var pongs atomic.Int64
	c := dial(t, s, dialOptions{noRead: true})
	c.onPong = func([]byte) { pongs.Add(1) }
	c.start()
	rc := h.next(t)
	const n = 50
	for range n {
		if err := c.conn.WritePing([]byte("p")); err != nil {
			t.Fatal(err)
		}
		if err := c.conn.WritePong(nil); err != nil {
			t.Fatal(err)
		}
	}
	waitFor(t, "pongs", func() bool { return pongs.Load() > 0 })
	waitFor(t, "every control frame counted", func() bool { return rc.controls.Load() == 2*n })
}

// A client flooding pings costs itself a close once its Receiver's budget
// is spent: nothing it sends after that is counted or answered. (The
// flooding client itself may not read the close code: its writes fail once
// the server drops the connection.)
func TestPingFloodCostsAClose(t *testing.T) {
	const limit, code = 10, 4009
	h := newCountingHandler(limit, code)
	s := newTestServer(t, Options{}, h)
	var pongs atomic.Int64
	c := dial(t, s, dialOptions{noRead: true})
	c.onPong = func([]byte) { pongs.Add(1) }
	c.start()
	cr := h.next(t)
	for range 10000 {
		if c.conn.WritePing(nil) != nil {
			break // the server has gone
		}
	}
	if got, _ := CloseStatus(cr.waitClosed(t)); got != code {
		t.Errorf("OnClose code %d, want %d", got, code)
	}
	c.waitClosed(t)
	if got := cr.controls.Load(); got != limit {
		t.Errorf("%d pings counted, want %d: none after the close", got, limit)
	}
	if got := pongs.Load(); got >= limit {
		t.Errorf("%d pongs, want fewer than %d: the ping that closed the link, and the later ones, go unanswered", got, limit)
	}
}

// After the server decides to close a link, nothing the client sends is
// delivered; a client that keeps sending without reading (so that it never
// answers the close) has its socket dropped after strayLimit frames
// rather than read for the WriteTimeout of the close handshake.
func TestNothingReadAfterCloseDecision(t *testing.T) {
	const limit, code = 5, 4009
	h := newCountingHandler(limit, code)
	s := newTestServer(t, Options{WriteTimeout: time.Minute}, h)
	c := dial(t, s, dialOptions{noRead: true})
	cr := h.next(t)
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for range 100000 {
			if c.conn.WriteMessage(gws.OpcodeBinary, []byte{1}) != nil {
				return
			}
		}
	}()
	err := cr.waitClosed(t)
	wg.Wait()
	if got, _ := CloseStatus(err); got != code {
		t.Errorf("OnClose(%v), want code %d", err, code)
	}
	if got := cr.frames.Load(); got != limit {
		t.Errorf("%d frames delivered, want %d: none after the close", got, limit)
	}
	if got := cr.late.Load(); got != 0 {
		t.Errorf("%d calls after the close", got)
	}
}

// A probe may send a handful of frames before its upgrade, not a flood.
func TestProbeFrameLimit(t *testing.T) {
	s := newTestServer(t, Options{}, newTestHandler())
	c := newHTTPClient(t, s).handshake("")
	p, _, err := c.dialProbe()
	if err != nil {
		t.Fatal(err)
	}
	for range probeFrameLimit + 10 {
		if p.conn.WritePing(nil) != nil {
			break
		}
	}
	if got := p.waitClosed(t); got != ClosePolicy {
		t.Errorf("probe closed with %d, want %d", got, ClosePolicy)
	}
	waitUp(t, s, c.sid, upHTTP) // the session carries on over HTTP
}

// Once the server has closed an HTTP session, an uplink POST is refused
// without its body being parsed (a malformed one gets the same answer as a
// good one), the next downlink request gets the close record once, and
// then the session is gone.
func TestClosedSessionDoesNoMoreWork(t *testing.T) {
	const code = 4009
	h := newTestHandler()
	s := newTestServer(t, Options{}, h)
	c := newHTTPClient(t, s).handshake("")
	rc := h.next(t)
	rc.link.Close(code, "over the limit")

	if a := c.postRaw("?seq=1", []byte{0xff, 0xff, 0xff}, octetStream); a.status != http.StatusGone || a.errCode() != "session_closed" {
		t.Errorf("malformed POST to a closed session: %d %s, want 410 session_closed", a.status, a.body)
	}
	if a := c.postRaw("?seq=2", uplink([]byte("x")), octetStream); a.status != http.StatusGone || a.errCode() != "session_closed" {
		t.Errorf("POST to a closed session: %d %s, want 410 session_closed", a.status, a.body)
	}
	recs := c.get(false)
	if len(recs) != 1 || !recs[0].isClose() || recs[0].closeCode() != code {
		t.Fatalf("poll after the close: %v, want the close record %d", recs, code)
	}
	if a := c.poll(c.ack, false); a.status != http.StatusNotFound {
		t.Errorf("second poll: %d %s, want 404", a.status, a.body)
	}
	if a := c.postRaw("?seq=3", uplink([]byte("x")), octetStream); a.status != http.StatusNotFound {
		t.Errorf("POST after the close record: %d %s, want 404", a.status, a.body)
	}
	select {
	case f := <-rc.frames:
		t.Errorf("frame %q delivered after the close", f)
	default:
	}
}

// A frame that makes the Receiver close the session stops the rest of its
// batch.
func TestCloseStopsTheRestOfABatch(t *testing.T) {
	const limit, code = 3, 4009
	h := newCountingHandler(limit, code)
	s := newTestServer(t, Options{}, h)
	c := newHTTPClient(t, s).handshake("")
	cr := h.next(t)
	frames := make([][]byte, 10)
	for i := range frames {
		frames[i] = []byte{byte(i)}
	}
	c.post(frames...)
	if got := cr.frames.Load(); got != limit {
		t.Errorf("%d frames delivered, want %d: none after the one that closed the session", got, limit)
	}
	if got := cr.late.Load(); got != 0 {
		t.Errorf("%d calls after the close", got)
	}
}
