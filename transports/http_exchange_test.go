package transports

import (
	"bytes"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"
)

// exchangePath is the path of an exchange of batch k acknowledging ack.
func (c *httpClient) exchangePath(ack, k uint64) string {
	return fmt.Sprintf("/%s/exchange?ack=%d&seq=%d", c.sid, ack, k)
}

// asyncExchange sends an exchange in a goroutine that the test waits for.
func (c *httpClient) asyncExchange(ack, k uint64, frames ...[]byte) <-chan answer {
	ch := make(chan answer, 1)
	var wg sync.WaitGroup
	wg.Add(1)
	path, body := c.exchangePath(ack, k), uplink(frames...)
	go func() {
		defer wg.Done()
		a, err := c.doErr(http.MethodPost, path, body, octetStream)
		if err != nil {
			a = answer{status: -1, body: []byte(err.Error())}
		}
		ch <- a
	}()
	c.t.Cleanup(wg.Wait)
	return ch
}

// recvFrames waits for n frames at r and returns them as strings.
func (r *testReceiver) recvFrames(t *testing.T, n int) []string {
	t.Helper()
	var out []string
	for range n {
		select {
		case f := <-r.frames:
			out = append(out, string(f))
		case <-time.After(waitTimeout):
			t.Fatalf("got frames %q, want %d", out, n)
		}
	}
	return out
}

// none checks that r has received no frame.
func (r *testReceiver) none(t *testing.T, what string) {
	t.Helper()
	select {
	case f := <-r.frames:
		t.Errorf("%s: the receiver got %q", what, f)
	default:
	}
}

// An exchange delivers its batch, in order, then is a long-poll: held
// until there is a record past its ack, and answered with every record
// past it.
func TestExchangeDeliversThenLongPolls(t *testing.T) {
	h := newTestHandler()
	s := newTestServer(t, Options{}, h)
	c := newHTTPClient(t, s).handshake("")
	rc := h.next(t)

	ch := c.asyncExchange(0, 1, []byte("a"), []byte("b"))
	if got := rc.recvFrames(t, 2); got[0] != "a" || got[1] != "b" {
		t.Errorf("frames %q, want a b", got)
	}
	waitHeld(t, s, c.sid)
	select {
	case a := <-ch:
		t.Fatalf("the exchange returned with nothing to send: %d %q", a.status, a.body)
	default:
	}
	if err := rc.link.Send(ClassControl, seqHead(1), nil); err != nil {
		t.Fatal(err)
	}
	a := recvAnswer(t, ch)
	if a.status != http.StatusOK || !hasHeader(a.header, "Content-Type", "application/octet-stream") {
		t.Fatalf("exchange: %d %q", a.status, a.body)
	}
	if got := frameNums(a.records(t)); len(got) != 1 || got[0] != 1 {
		t.Errorf("exchange brought frames %v, want [1]", got)
	}
	if rc.link.Transport() != "longpoll" {
		t.Errorf("Transport() = %q after an exchange, want longpoll", rc.link.Transport())
	}
	if got := s.Stats().Exchanges; got != 1 {
		t.Errorf("Stats().Exchanges = %d, want 1", got)
	}
}

// An exchange whose frames the Receiver answers returns with the answers.
func TestExchangeReturnsTheAnswers(t *testing.T) {
	h := newEchoHandler()
	s := newTestServer(t, Options{}, h)
	c := newHTTPClient(t, s).handshake("")
	h.next(t)
	a := recvAnswer(t, c.asyncExchange(0, 1, []byte("ping")))
	recs := a.records(t)
	if a.status != http.StatusOK || len(recs) != 1 || string(recs[0].data) != "ping" {
		t.Errorf("exchange answered %d %v, want the echo", a.status, recs)
	}
}

// A batch is delivered once, whichever request carries it: an exchange's
// retry, or the same batch sent again by POST while the exchange is held,
// deliver nothing more; the retry's long-poll brings the records past its
// ack again; the next batch follows in order.
func TestExchangeBatchesAreDeliveredOnce(t *testing.T) {
	h := newTestHandler()
	s := newTestServer(t, Options{}, h)
	c := newHTTPClient(t, s).handshake("")
	rc := h.next(t)

	if err := rc.link.Send(ClassControl, seqHead(1), nil); err != nil {
		t.Fatal(err)
	}
	first := recvAnswer(t, c.asyncExchange(0, 1, []byte("a")))
	// The answer was lost: the retry has the same batch and ack.
	again := recvAnswer(t, c.asyncExchange(0, 1, []byte("a")))
	if got := frameNums(again.records(t)); again.status != http.StatusOK || len(got) != 1 || got[0] != 1 ||
		!bytes.Equal(again.body, first.body) {
		t.Errorf("the retry answered %d %v, want record 1 again", again.status, got)
	}
	if got := rc.recvFrames(t, 1); got[0] != "a" {
		t.Errorf("frames %q", got)
	}
	rc.none(t, "an exchange's retry")

	// Held, its batch confirmed by a POST of the same batch, then the next.
	ch := c.asyncExchange(1, 2, []byte("b"))
	waitHeld(t, s, c.sid)
	if a := c.postRaw("?seq=2", uplink([]byte("b")), octetStream); a.status != http.StatusNoContent {
		t.Fatalf("POST of the held exchange's batch: %d %s", a.status, a.body)
	}
	if a := c.postRaw("?seq=3", uplink([]byte("c")), octetStream); a.status != http.StatusNoContent {
		t.Fatalf("POST of the next batch: %d %s", a.status, a.body)
	}
	if got := rc.recvFrames(t, 2); got[0] != "b" || got[1] != "c" {
		t.Errorf("frames %q, want b then c", got)
	}
	rc.none(t, "a batch sent by exchange and by POST")
	if err := rc.link.Send(ClassControl, seqHead(2), nil); err != nil {
		t.Fatal(err)
	}
	if a := recvAnswer(t, ch); a.status != http.StatusOK {
		t.Errorf("the held exchange: %d %s", a.status, a.body)
	}
}

// An exchange that is refused leaves the session as it was: nothing of
// its batch is delivered and its ack trims nothing, so the batch may be
// sent again.
func TestExchangeRefusals(t *testing.T) {
	h := newTestHandler()
	s := newTestServer(t, Options{MaxBody: 64, ReadLimit: 16}, h)
	c := newHTTPClient(t, s).handshake("")
	rc := h.next(t)
	if err := rc.link.Send(ClassControl, seqHead(1), nil); err != nil {
		t.Fatal(err)
	}
	frame := uplink([]byte("a"))
	for _, tc := range []struct {
		what, method, path string
		body               []byte
		header             http.Header
		status             int
		code               string
	}{
		{"not octets", http.MethodPost, c.exchangePath(1, 1), frame, http.Header{"Content-Type": {"text/plain"}}, 415, "bad_content_type"},
		{"no seq", http.MethodPost, fmt.Sprintf("/%s/exchange?ack=1", c.sid), frame, octetStream, 400, "bad_request"},
		{"seq 0", http.MethodPost, c.exchangePath(1, 0), frame, octetStream, 400, "bad_request"},
		{"no ack", http.MethodPost, fmt.Sprintf("/%s/exchange?seq=1", c.sid), frame, octetStream, 400, "bad_request"},
		{"bad ack", http.MethodPost, c.exchangePath(9, 1), frame, octetStream, 400, "bad_ack"},
		{"unknown session", http.MethodPost, "/0123456789abcdef0123456789abcdef/exchange?ack=0&seq=1", frame, octetStream, 404, "unknown_session"},
		{"body too large", http.MethodPost, c.exchangePath(1, 1), uplink(bytes.Repeat([]byte("x"), 15), bytes.Repeat([]byte("x"), 15), bytes.Repeat([]byte("x"), 15), bytes.Repeat([]byte("x"), 15), bytes.Repeat([]byte("x"), 15)), octetStream, 413, "too_large"},
		{"cut short", http.MethodPost, c.exchangePath(1, 1), []byte{5, 'a'}, octetStream, 400, "truncated_frame"},
		{"GET", http.MethodGet, c.exchangePath(1, 1), nil, nil, 405, "bad_method"},
	} {
		a := c.do(tc.method, tc.path, tc.body, tc.header)
		if a.status != tc.status || a.errCode() != tc.code {
			t.Errorf("%s: %d %s, want %d %s", tc.what, a.status, a.body, tc.status, tc.code)
		}
	}
	rc.none(t, "refused exchanges")
	// Nothing was acknowledged either: record 1 is still there.
	a := recvAnswer(t, c.asyncExchange(0, 1, []byte("a")))
	if got := frameNums(a.records(t)); len(got) != 1 || got[0] != 1 {
		t.Errorf("after the refusals an exchange with ack 0 got %v, want record 1", got)
	}
	if got := rc.recvFrames(t, 1); got[0] != "a" {
		t.Errorf("frames %q", got)
	}

	// Another downlink request is open: 409, and nothing delivered.
	held := c.asyncPoll(1)
	waitHeld(t, s, c.sid)
	if a := c.do(http.MethodPost, c.exchangePath(1, 2), frame, octetStream); a.status != http.StatusConflict || a.errCode() != "poll_in_progress" {
		t.Errorf("an exchange during a held GET: %d %s, want 409 poll_in_progress", a.status, a.body)
	}
	rc.none(t, "an exchange refused 409")
	if err := rc.link.Send(ClassControl, seqHead(2), nil); err != nil {
		t.Fatal(err)
	}
	if a := recvAnswer(t, held); a.status != http.StatusOK {
		t.Fatalf("the held GET: %d", a.status)
	}

	// A frame over ReadLimit is reported, as in a POST.
	if a := c.do(http.MethodPost, c.exchangePath(1, 2), uplink(bytes.Repeat([]byte("x"), 17)), octetStream); a.status != 413 || a.errCode() != "frame_too_large" {
		t.Errorf("a frame over ReadLimit: %d %s", a.status, a.body)
	}
	select {
	case n := <-rc.tooLarge:
		if n != 17 {
			t.Errorf("OnTooLarge(%d), want 17", n)
		}
	case <-time.After(waitTimeout):
		t.Error("OnTooLarge not called")
	}

	// With long-polling off there is no exchange.
	o := Options{MaxBody: 64, ReadLimit: 16, DisableLongPoll: true}
	s.SetOptions(o)
	if a := c.do(http.MethodPost, c.exchangePath(1, 2), frame, octetStream); a.status != 404 || a.errCode() != "transport_disabled" {
		t.Errorf("an exchange with long-polling off: %d %s", a.status, a.body)
	}
}

// An exchange on a session the server has closed reads nothing of its
// batch and answers, as the downlink request it is, with the close record.
func TestExchangeOnClosedSession(t *testing.T) {
	h := newTestHandler()
	s := newTestServer(t, Options{}, h)
	c := newHTTPClient(t, s).handshake("")
	rc := h.next(t)
	rc.link.Close(4000, "bye")
	a := recvAnswer(t, c.asyncExchange(0, 1, []byte("a")))
	recs := a.records(t)
	if a.status != http.StatusOK || len(recs) != 1 || !recs[0].isClose() || recs[0].closeCode() != 4000 {
		t.Errorf("exchange on a closed session: %d %v, want the close record", a.status, recs)
	}
	rc.none(t, "an exchange on a closed session")
	rc.waitClosed(t)
}

// After the move to WebSocket an exchange is refused 410 upgraded and
// delivers nothing: the frames go on the WebSocket.
func TestExchangeAfterUpgrade(t *testing.T) {
	h := newTestHandler()
	s := newTestServer(t, Options{}, h)
	c := newHTTPClient(t, s).handshake("")
	rc := h.next(t)
	c.upgrade(t)
	a := c.do(http.MethodPost, c.exchangePath(0, 1), uplink([]byte("a")), octetStream)
	if a.status != http.StatusGone || a.errCode() != "upgraded" {
		t.Errorf("exchange after the upgrade: %d %s, want 410 upgraded", a.status, a.body)
	}
	rc.none(t, "an exchange after the upgrade")
}

// An exchange, like a GET, takes over from a stream held by a proxy.
func TestExchangeTakesOverAStream(t *testing.T) {
	h := newTestHandler()
	s := newTestServer(t, Options{}, h)
	c := newHTTPClient(t, s).handshake("?transport=stream")
	rc := h.next(t)
	st := c.openStream(0)
	if r, _ := st.next(t); !r.isKeepalive() {
		t.Fatalf("stream opened with %v", r)
	}
	ch := c.asyncExchange(0, 1, []byte("a"))
	if got := rc.recvFrames(t, 1); got[0] != "a" {
		t.Errorf("frames %q", got)
	}
	if err := rc.link.Send(ClassControl, seqHead(1), nil); err != nil {
		t.Fatal(err)
	}
	a := recvAnswer(t, ch)
	if got := frameNums(a.records(t)); a.status != http.StatusOK || len(got) != 1 {
		t.Errorf("exchange over a stream: %d %v", a.status, got)
	}
	if !strings.Contains(rc.link.Transport(), "longpoll") {
		t.Errorf("Transport() = %q", rc.link.Transport())
	}
}
