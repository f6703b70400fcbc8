package transports

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/tickroom/tickroom/transports/httpwire"
)

// The ordering tests send frames numbered 0..orderFrames-1, states and
// control frames interleaved, to a client that falls behind, and check what
// the client receives against the promise of doc.go ("Send queue and drop
// policy"): the frames sent, in the order sent, less some state frames. A
// state that took the place of a superseded one would overtake the control
// frames queued after that one, which netcode forbids (an event of tick T
// after a state of tick T+1).

// orderFrames is a multiple of 5, so the last frame is a control frame,
// which the client must get.
const orderFrames = 2000

// orderClass is the class of frame i: state, state, control, state,
// control, and again. A state superseded by the next one is then either the
// tail of the queue (1 of 3) or has a control frame behind it (2 of 3).
func orderClass(i int) Class {
	if i%5 == 2 || i%5 == 4 {
		return ClassControl
	}
	return ClassState
}

// orderStates is how many state frames among frames 0..n-1.
func orderStates(n int) int {
	k := 0
	for i := range n {
		if orderClass(i) == ClassState {
			k++
		}
	}
	return k
}

// sendOrdered sends frames from..to-1, the states with stateBody. With pace
// set it sleeps a little every five frames, so that a client that is
// reading meanwhile gets them over several responses or writes.
func sendOrdered(t testing.TB, l Link, from, to int, stateBody []byte, pace bool) {
	for i := from; i < to; i++ {
		var body []byte
		if orderClass(i) == ClassState {
			body = stateBody
		}
		if err := l.Send(orderClass(i), seqHead(i), body); err != nil {
			t.Errorf("Send %d: %v", i, err)
			return
		}
		if pace && i%5 == 4 {
			time.Sleep(100 * time.Microsecond)
		}
	}
}

// sendOrderedAsync is sendOrdered, paced, in a goroutine the test waits for.
func sendOrderedAsync(t *testing.T, l Link, from, to int, stateBody []byte) {
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		sendOrdered(t, l, from, to, stateBody, true)
	}()
	t.Cleanup(wg.Wait)
}

// orderCheck follows the frame numbers one client receives.
type orderCheck struct {
	t        *testing.T
	last     int // the last frame number seen; -1 before the first
	states   int // state frames received
	overtook int // states missed that had a control frame right behind them
}

func newOrderCheck(t *testing.T) *orderCheck { return &orderCheck{t: t, last: -1} }

// see checks that frame i may follow the frames seen so far: it is later in
// the send order, and every frame skipped since the last one is a state.
func (o *orderCheck) see(i int, via string) {
	o.t.Helper()
	if i <= o.last {
		o.t.Fatalf("%s: frame %d after frame %d: repeated or reordered", via, i, o.last)
	}
	for j := o.last + 1; j < i; j++ {
		if orderClass(j) == ClassControl {
			o.t.Fatalf("%s: frame %d after frame %d: control frame %d is missing or late", via, i, o.last, j)
		}
		if orderClass(j+1) == ClassControl {
			o.overtook++
		}
	}
	if orderClass(i) == ClassState {
		o.states++
	}
	o.last = i
}

func (o *orderCheck) done() bool { return o.last == orderFrames-1 }

// report logs what happened and checks that the test made the case it is
// about: states superseded with control frames queued behind them.
func (o *orderCheck) report(s *Server) {
	o.t.Helper()
	sent := orderStates(orderFrames)
	o.t.Logf("states: sent %d, received %d, superseded with a control frame behind %d; StaleDropped %d",
		sent, o.states, o.overtook, s.Stats().StaleDropped)
	if o.overtook == 0 {
		o.t.Error("no state was superseded with a control frame behind it: the test did not stall its client")
	}
}

// TestOrderWebSocket fills a WebSocket link's queue while its client does not
// read, then reads: states supersede states with control frames between
// them, and the client still gets every control frame, in order, and never
// a state before a control frame sent before it.
func TestOrderWebSocket(t *testing.T) {
	h := newTestHandler()
	s := newTestServer(t, Options{SendQueue: orderFrames}, h)
	c := dial(t, s, dialOptions{noRead: true, headOnly: 4})
	rc := h.next(t)

	// 256 KiB states fill the loopback socket buffers within a few frames;
	// the writer then blocks and the rest wait in the queue.
	sendOrdered(t, rc.link, 0, orderFrames, make([]byte, 256<<10), false)
	c.start()
	o := newOrderCheck(t)
	for !o.done() {
		o.see(seqOf(c.recv(t)), "websocket")
	}
	o.report(s)
	if got, want := s.Stats().StaleDropped, uint64(orderStates(orderFrames)-o.states); got != want {
		t.Errorf("StaleDropped = %d, want %d (the states sent and not received)", got, want)
	}
}

// TestOrderHTTP does the same on each HTTP downlink: half the frames are
// buffered while the client does not fetch (or, streaming, does not read),
// the rest are sent while it does.
func TestOrderHTTP(t *testing.T) {
	for _, kind := range []string{"longpoll", "poll", "stream"} {
		t.Run(kind, func(t *testing.T) { testOrderHTTP(t, kind) })
	}
}

func testOrderHTTP(t *testing.T, kind string) {
	h := newTestHandler()
	s := newTestServer(t, Options{SendQueue: orderFrames, PollTimeout: waitTimeout}, h)
	c := newHTTPClient(t, s).handshake("?transport=" + kind)
	rc := h.next(t)
	body := make([]byte, 64<<10)
	o := newOrderCheck(t)

	if kind != "stream" {
		sendOrdered(t, rc.link, 0, orderFrames/2, body, false)
		sendOrderedAsync(t, rc.link, orderFrames/2, orderFrames, body)
		for !o.done() {
			for _, r := range c.get(kind == "longpoll") {
				o.see(seqOf(r.data), kind)
			}
		}
		o.report(s)
		return
	}

	// The stream is open but unread: the server's write blocks on full
	// socket buffers with the first records, and the others are superseded
	// in the buffer meanwhile.
	resp := c.openRawStream(0)
	waitHeld(t, s, c.sid)
	sendOrdered(t, rc.link, 0, orderFrames/2, body, false)
	sendOrderedAsync(t, rc.link, orderFrames/2, orderFrames, body)
	for streams := 1; ; streams++ {
		c.readOrdered(resp.Body, o)
		resp.Body.Close()
		if o.done() {
			t.Logf("%d streams", streams)
			break
		}
		resp = c.openRawStream(c.ack) // a write timed out, or StreamMaxDuration passed
	}
	o.report(s)
}

// openRawStream opens GET /{sid}/stream?ack=ack and returns the response
// unread.
func (c *httpClient) openRawStream(ack uint64) *http.Response {
	c.t.Helper()
	resp, err := c.hc.Get(fmt.Sprintf("%s/%s/stream?ack=%d", c.base, c.sid, ack))
	if err != nil {
		c.t.Fatalf("stream: %v", err)
	}
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		c.t.Fatalf("stream: status %d %s", resp.StatusCode, b)
	}
	return resp
}

// readOrdered reads a stream's records into o until the stream ends or o is
// done, keeping only each frame's number (the states are large).
func (c *httpClient) readOrdered(body io.Reader, o *orderCheck) {
	c.t.Helper()
	d := httpwire.NewDecoder(body, maxTestRecord)
	for !o.done() {
		r, err := d.Next()
		if errors.Is(err, io.EOF) {
			return
		}
		if err != nil {
			c.t.Fatalf("stream: %v", err)
		}
		if r.Seq == 0 {
			if r.IsKeepalive() {
				continue
			}
			c.t.Fatalf("stream: close record %x", r.Payload)
		}
		if r.Seq <= c.ack {
			c.t.Fatalf("stream opened with ack %d sent seq %d", c.ack, r.Seq)
		}
		c.ack = r.Seq
		o.see(seqOf(r.Payload), "stream")
	}
}

// TestOrderAcrossUpgrade moves a long-polling session whose client falls
// behind to a WebSocket whose reader stalls: frames buffered on HTTP before
// and during the probe move to the WebSocket queue, later ones supersede the
// moved state, and the client's frames, long-poll then WebSocket, are still
// the send order less some states.
func TestOrderAcrossUpgrade(t *testing.T) {
	h := newTestHandler()
	s := newTestServer(t, Options{SendQueue: orderFrames, PollTimeout: waitTimeout}, h)
	c := newHTTPClient(t, s).handshake("?transport=longpoll")
	rc := h.next(t)
	body := make([]byte, 256<<10)
	o := newOrderCheck(t)
	const polled, probed, upgraded = 500, 1000, 1500

	sendOrdered(t, rc.link, 0, polled, body, false)
	for o.last < polled-1 {
		for _, r := range c.get(true) {
			o.see(seqOf(r.data), "long-poll")
		}
	}
	sendOrdered(t, rc.link, polled, probed, body, false)

	hold := make(chan struct{})
	var once sync.Once
	release := func() { once.Do(func() { close(hold) }) }
	p, _, err := c.dialProbeHeld(hold)
	if err != nil {
		t.Fatalf("probe: %v", err)
	}
	t.Cleanup(release) // before the probe's own cleanup, which waits for its reader
	if err := p.conn.WriteString("probe"); err != nil {
		t.Fatal(err)
	}
	if msg := p.text(t); msg != "probe" {
		t.Fatalf("probe answered %q", msg)
	}
	sendOrdered(t, rc.link, probed, upgraded, body, false)
	if err := p.conn.WriteString(fmt.Sprintf("upgrade %d", c.ack)); err != nil {
		t.Fatal(err)
	}
	waitUp(t, s, c.sid, upDone)
	// The reader stops at the first binary message: the writer blocks on
	// full socket buffers, and these queue behind the moved backlog.
	sendOrdered(t, rc.link, upgraded, orderFrames, body, false)
	release()
	for !o.done() {
		o.see(seqOf(p.binary(t)), "websocket")
	}
	o.report(s)
}
