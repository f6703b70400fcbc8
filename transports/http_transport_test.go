package transports

import (
	"fmt"
	"net/http"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/tickroom/tickroom/transports/httpwire"
)

func TestHandshakeReply(t *testing.T) {
	o := Options{PingInterval: 3 * time.Second, PingTimeout: 4 * time.Second, PollTimeout: 5 * time.Second,
		StreamMaxDuration: 6 * time.Second, ReadLimit: 1000, MaxBody: 2000}
	h := newTestHandler()
	s := newTestServer(t, o, h)
	c := newHTTPClient(t, s)
	a := c.do(http.MethodPost, "", nil, nil)
	if a.status != http.StatusOK || a.header.Get("Content-Type") != "application/json" {
		t.Fatalf("handshake: %d %q %s", a.status, a.header.Get("Content-Type"), a.body)
	}
	c.handshake("")
	want := httpwire.Handshake{
		SID: c.sid, Transports: []string{"websocket", "longpoll", "stream", "poll"}, Upgrades: []string{"websocket"},
		PingInterval: 3000, PingTimeout: 4000, PollTimeout: 5000, StreamMaxDuration: 6000, MaxPayload: 1000, MaxBody: 2000,
	}
	if got := c.hs; fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("handshake reply\n got %+v\nwant %+v", got, want)
	}
	if !httpwire.ValidSID(c.sid) {
		t.Errorf("sid %q is not 32 lowercase hex digits", c.sid)
	}
	h.next(t)
	rc := h.next(t)
	if got, want := rc.link.Transport(), "longpoll"; got != want {
		t.Errorf("Transport() = %q, want %q", got, want)
	}
	if st := s.Stats(); st.Handshakes != 2 || st.HTTPSessions != 2 || st.Accepted != 2 {
		t.Errorf("Stats: Handshakes %d, HTTPSessions %d, Accepted %d; want 2, 2, 2", st.Handshakes, st.HTTPSessions, st.Accepted)
	}
}

func TestLongPollEcho(t *testing.T) {
	h := newEchoHandler()
	s := newTestServer(t, Options{}, h)
	c := newHTTPClient(t, s).handshake("?transport=longpoll")
	rc := h.next(t)

	// A held GET returns as soon as a frame is buffered.
	held := c.asyncPoll(0)
	waitHeld(t, s, c.sid)
	c.post([]byte("one"), []byte("two"))
	a := recvAnswer(t, held)
	if a.status != http.StatusOK || a.header.Get("Content-Type") != "application/octet-stream" {
		t.Fatalf("long-poll: %d %q", a.status, a.header.Get("Content-Type"))
	}
	got := a.records(t)
	// The echo of "two" may come in this response or the next.
	for len(got) < 2 {
		c.ack = got[len(got)-1].seq
		got = append(got, c.get(true)...)
	}
	if string(got[0].data) != "one" || string(got[1].data) != "two" || got[0].seq != 1 || got[1].seq != 2 {
		t.Errorf("records %v, want seq 1 \"one\", seq 2 \"two\"", got)
	}
	for _, want := range []string{"one", "two"} {
		if f := <-rc.frames; string(f) != want {
			t.Errorf("Receiver got %q, want %q", f, want)
		}
	}
	if got, want := rc.link.Transport(), "longpoll"; got != want {
		t.Errorf("Transport() = %q, want %q", got, want)
	}

	// Many round trips in order.
	c.ack = 2
	for i := range 50 {
		c.post([]byte(fmt.Sprint(i)))
		recs := c.get(true)
		if len(recs) != 1 || string(recs[0].data) != fmt.Sprint(i) {
			t.Fatalf("round trip %d: got %v", i, recs)
		}
	}
}

func TestLongPollTimesOutEmpty(t *testing.T) {
	h := newTestHandler()
	s := newTestServer(t, Options{PollTimeout: 50 * time.Millisecond}, h)
	c := newHTTPClient(t, s).handshake("")
	h.next(t)
	start := time.Now()
	a := c.poll(0, true)
	if a.status != http.StatusOK || len(a.body) != 0 {
		t.Errorf("timed-out long-poll: %d %x, want 200 and an empty body", a.status, a.body)
	}
	if elapsed := time.Since(start); elapsed < 45*time.Millisecond { // slack as in TestSessionExpires
		t.Errorf("long-poll returned after %v, before PollTimeout", elapsed)
	}
}

func TestPollEcho(t *testing.T) {
	h := newEchoHandler()
	s := newTestServer(t, Options{PollTimeout: time.Minute}, h)
	c := newHTTPClient(t, s).handshake("?transport=poll")
	rc := h.next(t)
	if got, want := rc.link.Transport(), "poll"; got != want {
		t.Errorf("Transport() = %q, want %q", got, want)
	}

	// With nothing buffered a poll answers at once (PollTimeout is a minute).
	if recs := c.get(false); len(recs) != 0 {
		t.Errorf("empty poll returned %v", recs)
	}
	var got []string
	for i := range 20 {
		c.post([]byte(fmt.Sprint(i)))
	}
	deadline := time.Now().Add(waitTimeout)
	for len(got) < 20 && time.Now().Before(deadline) {
		for _, r := range c.get(false) {
			got = append(got, string(r.data))
		}
	}
	for i := range 20 {
		if i >= len(got) || got[i] != fmt.Sprint(i) {
			t.Fatalf("echoes %v, want 0..19 in order", got)
		}
	}
}

func TestStreamEchoAndKeepalive(t *testing.T) {
	h := newEchoHandler()
	s := newTestServer(t, Options{PingInterval: 20 * time.Millisecond}, h)
	c := newHTTPClient(t, s).handshake("?transport=stream")
	rc := h.next(t)
	st := c.openStream(0)
	waitHeld(t, s, c.sid)
	if got, want := rc.link.Transport(), "stream"; got != want {
		t.Errorf("Transport() = %q, want %q", got, want)
	}
	if st.resp.Header.Get("Cache-Control") == "" || st.resp.Header.Get("Content-Type") != "application/octet-stream" {
		t.Errorf("stream headers %v", st.resp.Header)
	}

	// Silence: keepalives.
	if r, ok := st.next(t); !ok || !r.isKeepalive() {
		t.Fatalf("first record on a silent stream = %v, %v; want a keepalive", r, ok)
	}
	for i := range 10 {
		c.post([]byte(fmt.Sprint(i)))
	}
	var got []string
	for len(got) < 10 {
		r, ok := st.next(t)
		if !ok {
			t.Fatalf("stream ended after %v", got)
		}
		if !r.isKeepalive() {
			got = append(got, string(r.data))
		}
	}
	if want := []string{"0", "1", "2", "3", "4", "5", "6", "7", "8", "9"}; !slices.Equal(got, want) {
		t.Errorf("echoes %v, want %v", got, want)
	}
}

// TestStreamReopenLosesNothing streams numbered frames sent continuously while
// each stream ends after StreamMaxDuration and the client re-opens it with its
// latest ack: every number arrives exactly once, in order.
func TestStreamReopenLosesNothing(t *testing.T) {
	h := newTestHandler()
	s := newTestServer(t, Options{StreamMaxDuration: 40 * time.Millisecond, SendQueue: 4096}, h)
	c := newHTTPClient(t, s).handshake("?transport=stream")
	rc := h.next(t)

	const n = 1500
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := 1; i <= n; i++ {
			if err := rc.link.Send(ClassControl, seqHead(i), nil); err != nil {
				t.Errorf("Send %d: %v", i, err)
				return
			}
			time.Sleep(200 * time.Microsecond)
		}
	}()
	defer wg.Wait()

	next, streams := 1, 0
	deadline := time.Now().Add(waitTimeout)
	for next <= n && time.Now().Before(deadline) {
		st := c.openStream(c.ack)
		streams++
		for {
			r, ok := st.next(t)
			if !ok {
				break
			}
			if r.seq == 0 {
				continue
			}
			if got := seqOf(r.data); got != next {
				t.Fatalf("stream %d: frame %d where %d was due (seq %d)", streams, got, next, r.seq)
			}
			next++
			c.ack = r.seq
		}
		if st.err != nil {
			t.Fatalf("stream %d: %v", streams, st.err)
		}
	}
	if next <= n {
		t.Fatalf("got frames up to %d of %d", next-1, n)
	}
	if streams < 3 {
		t.Errorf("only %d streams: StreamMaxDuration did not end them", streams)
	}
	t.Logf("%d frames over %d streams", n, streams)
}

func TestDeleteEndsSession(t *testing.T) {
	h := newTestHandler()
	s := newTestServer(t, Options{}, h)
	c := newHTTPClient(t, s).handshake("")
	rc := h.next(t)

	held := c.asyncPoll(0)
	waitHeld(t, s, c.sid)
	if a := c.do(http.MethodDelete, "/"+c.sid, nil, nil); a.status != http.StatusNoContent {
		t.Fatalf("DELETE: %d %s", a.status, a.body)
	}
	a := recvAnswer(t, held)
	recs := a.records(t)
	if len(recs) != 1 || !recs[0].isClose() || recs[0].closeCode() != CloseNormal {
		t.Errorf("held poll got %v, want one close record with code %d", recs, CloseNormal)
	}
	err := rc.waitClosed(t)
	if ce, ok := err.(*CloseError); !ok || ce.Code != CloseNormal || ce.Reason != "client closed" {
		t.Errorf("OnClose(%v), want CloseError{1000, client closed}", err)
	}
	if a := c.poll(0, false); a.status != http.StatusNotFound || a.errCode() != "unknown_session" {
		t.Errorf("poll after DELETE: %d %s", a.status, a.body)
	}
	if got := s.Stats().HTTPSessions; got != 0 {
		t.Errorf("HTTPSessions = %d after DELETE", got)
	}
}

// TestReceiverCallsSerialized posts from several goroutines at once: OnFrame
// must never run concurrently, and nothing may follow OnClose.
func TestReceiverCallsSerialized(t *testing.T) {
	rc := &serialReceiver{}
	s := newTestServer(t, Options{}, handlerFunc(func(l Link, _ *http.Request) (Receiver, error) { return rc, nil }))
	c := newHTTPClient(t, s).handshake("")

	var wg sync.WaitGroup
	for g := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 25 {
				q := fmt.Sprintf("?seq=%d", g*1000+i+1)
				if _, err := c.doErr(http.MethodPost, "/"+c.sid+q, uplink([]byte("x"), []byte("y")), octetStream); err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	c.do(http.MethodDelete, "/"+c.sid, nil, nil)
	rc.mu.Lock()
	defer rc.mu.Unlock()
	if rc.overlaps > 0 || rc.afterClose > 0 || rc.closes != 1 {
		t.Errorf("overlapping OnFrame calls %d, calls after OnClose %d, OnClose calls %d; want 0, 0, 1",
			rc.overlaps, rc.afterClose, rc.closes)
	}
	if rc.frames == 0 {
		t.Error("no frame delivered")
	}
}

type handlerFunc func(Link, *http.Request) (Receiver, error)

func (f handlerFunc) Accept(l Link, r *http.Request) (Receiver, error) { return f(l, r) }

// serialReceiver counts contract violations: overlapping calls and calls
// after OnClose.
type serialReceiver struct {
	inFlight                                  sync.Mutex
	mu                                        sync.Mutex
	frames, overlaps, afterClose, closes, big int
}

func (r *serialReceiver) enter() {
	if !r.inFlight.TryLock() {
		r.mu.Lock()
		r.overlaps++
		r.mu.Unlock()
		r.inFlight.Lock()
	}
	r.mu.Lock()
	if r.closes > 0 {
		r.afterClose++
	}
	r.mu.Unlock()
}

func (r *serialReceiver) OnFrame([]byte) {
	r.enter()
	defer r.inFlight.Unlock()
	time.Sleep(50 * time.Microsecond) // widen the window for an overlap
	r.mu.Lock()
	r.frames++
	r.mu.Unlock()
}

func (r *serialReceiver) OnTooLarge(int) {
	r.enter()
	defer r.inFlight.Unlock()
	r.mu.Lock()
	r.big++
	r.mu.Unlock()
}

func (r *serialReceiver) OnClose(error) {
	r.enter()
	defer r.inFlight.Unlock()
	r.mu.Lock()
	r.closes++
	r.mu.Unlock()
}

// TestAcceptErrorOverHTTP: a refused session still gets its sid, and its
// first poll carries the refusal's close code, as a WebSocket's close frame
// would.
func TestAcceptErrorOverHTTP(t *testing.T) {
	h := newTestHandler()
	h.acceptErr = &CloseError{Code: 4003, Reason: "room full"}
	s := newTestServer(t, Options{}, h)
	c := newHTTPClient(t, s).handshake("")
	h.next(t)
	recs := c.poll(0, true).records(t)
	if len(recs) != 1 || !recs[0].isClose() || recs[0].closeCode() != 4003 || string(recs[0].data[2:]) != "room full" {
		t.Errorf("first poll: %v, want a close record 4003 room full", recs)
	}
	if a := c.poll(0, false); a.status != http.StatusNotFound {
		t.Errorf("poll after the close record: %d, want 404", a.status)
	}
	waitFor(t, "session forgotten", func() bool { return s.Stats().HTTPSessions == 0 })
}
