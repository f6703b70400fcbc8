package transports

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tickroom/tickroom/transports/httpwire"
)

// TestStreamOpensWithKeepalive: a stream's first record is a keepalive,
// written with the headers and before any frame, on a quiet session and on
// one with frames waiting. PingInterval is a minute, so the periodic
// keepalive cannot be the one that arrives.
func TestStreamOpensWithKeepalive(t *testing.T) {
	h := newTestHandler()
	s := newTestServer(t, Options{PingInterval: time.Minute}, h)
	c := newHTTPClient(t, s).handshake("?transport=stream")
	rc := h.next(t)

	st := c.openStream(0)
	if r, ok := st.next(t); !ok || !r.isKeepalive() {
		t.Fatalf("first record of a quiet stream = %v, %v; want a keepalive", r, ok)
	}
	_ = rc.link.Send(ClassControl, seqHead(1), nil)
	if r, ok := st.next(t); !ok || r.seq == 0 || seqOf(r.data) != 1 {
		t.Fatalf("next record = %v, %v; want frame 1", r, ok)
	}
	st.close()
	waitFor(t, "stream closed", func() bool { open, _ := sessionState(s, c.sid); return !open })

	_ = rc.link.Send(ClassControl, seqHead(2), nil)
	st = c.openStream(0)
	var got []int
	if r, ok := st.next(t); !ok || !r.isKeepalive() {
		t.Fatalf("first record of a stream with frames waiting = %v, %v; want a keepalive", r, ok)
	}
	for len(got) < 2 {
		r, ok := st.next(t)
		if !ok {
			t.Fatalf("stream ended after frames %v", got)
		}
		got = append(got, seqOf(r.data))
	}
	if got[0] != 1 || got[1] != 2 {
		t.Errorf("frames %v, want [1 2]", got)
	}
}

// TestDownlinkSwitchesBetweenStreamAndLongPoll: one session changes its
// downlink between stream and long-poll, every frame arriving once and in
// order. A GET while the stream is open takes over from it (the stream
// ends); another stream, or any request during a held GET, still gets 409.
func TestDownlinkSwitchesBetweenStreamAndLongPoll(t *testing.T) {
	h := newTestHandler()
	// A minute: only a GET taking over can end the stream within the test.
	s := newTestServer(t, Options{StreamMaxDuration: time.Minute, PollTimeout: waitTimeout}, h)
	c := newHTTPClient(t, s).handshake("?transport=stream")
	rc := h.next(t)
	got := &counter{t: t, next: 1}
	frame := 0
	send := func() {
		frame++
		if err := rc.link.Send(ClassControl, seqHead(frame), nil); err != nil {
			t.Fatalf("Send %d: %v", frame, err)
		}
	}
	readStream := func(st *stream) {
		for {
			r, ok := st.next(t)
			if !ok {
				t.Fatal("stream ended")
			}
			if r.seq != 0 {
				got.see(seqOf(r.data), "stream")
				c.ack = r.seq
				return
			}
		}
	}
	conflict := func(path, during string) {
		t.Helper()
		if a := c.do(http.MethodGet, path, nil, nil); a.status != http.StatusConflict || a.errCode() != "poll_in_progress" {
			t.Errorf("GET %s during %s: %d %s, want 409 poll_in_progress", path, during, a.status, a.body)
		}
	}
	streamPath := func() string { return fmt.Sprintf("/%s/stream?ack=%d", c.sid, c.ack) }
	pollPath := func() string { return fmt.Sprintf("/%s?ack=%d", c.sid, c.ack) }

	st := c.openStream(0)
	send()
	readStream(st)
	conflict(streamPath(), "a stream")

	// A long-poll while the stream is open: the stream ends, the GET is held
	// and gets what follows.
	held := c.asyncPoll(c.ack)
	for r := range st.recs {
		if r.seq != 0 {
			t.Errorf("the stream carried frame %d after the GET took over", seqOf(r.data))
		}
	}
	waitHeld(t, s, c.sid)
	if got, want := rc.link.Transport(), "longpoll"; got != want {
		t.Errorf("Transport() = %q, want %q", got, want)
	}
	send()
	for _, r := range recvAnswer(t, held).records(t) {
		got.see(seqOf(r.data), "long-poll")
		c.ack = r.seq
	}

	// A held GET is not taken over, by a stream or another GET.
	held = c.asyncPoll(c.ack)
	waitHeld(t, s, c.sid)
	conflict(streamPath(), "a held long-poll")
	conflict(pollPath(), "a held long-poll")
	send()
	for _, r := range recvAnswer(t, held).records(t) {
		got.see(seqOf(r.data), "long-poll")
		c.ack = r.seq
	}
	waitFor(t, "long-poll finished", func() bool { open, _ := sessionState(s, c.sid); return !open })

	// Back to streaming, then to long-polling after the client closed its
	// stream.
	st = c.openStream(c.ack)
	send()
	readStream(st)
	if got, want := rc.link.Transport(), "stream"; got != want {
		t.Errorf("Transport() = %q, want %q", got, want)
	}
	st.close()
	send()
	for got.next <= frame {
		for _, r := range c.get(true) {
			got.see(seqOf(r.data), "long-poll")
		}
	}
	if n := s.Stats().HTTPErrors["poll_in_progress"]; n != 3 {
		t.Errorf(`HTTPErrors["poll_in_progress"] = %d, want 3`, n)
	}
	select {
	case err := <-rc.closed:
		t.Errorf("session closed: %v", err)
	default:
	}
}

// TestStreamBehindBufferingProxy plays the client rule of doc.go ("Streams
// behind buffering proxies") through a proxy that holds whole responses and
// keeps reading a response its client has left: the server writes the
// stream's first record at once, yet the client gets nothing; it gives up on
// the stream and long-polls the same session through the same proxy, which
// takes over from the stream the proxy still holds open, and loses nothing.
func TestStreamBehindBufferingProxy(t *testing.T) {
	h := newTestHandler()
	// PingInterval a minute: the first record can only be the stream's
	// opening keepalive. StreamMaxDuration a minute: only the long-poll
	// taking over can end the stream within the test.
	s := newTestServer(t, Options{PingInterval: time.Minute, StreamMaxDuration: time.Minute, PollTimeout: waitTimeout}, h)
	p := newBufferingProxy(t, s.HTTPURL())
	c := newHTTPClient(t, s)
	c.base = p.url + s.httpPath
	c.handshake("?transport=stream")
	rc := h.next(t)
	_ = rc.link.Send(ClassControl, seqHead(1), nil)

	ctx, cancel := context.WithCancel(context.Background())
	answered := make(chan error, 1)
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, fmt.Sprintf("%s/%s/stream?ack=0", c.base, c.sid), nil)
		if err == nil {
			var resp *http.Response
			if resp, err = c.hc.Do(req); err == nil {
				resp.Body.Close()
			}
		}
		answered <- err
	}()
	t.Cleanup(func() { cancel(); wg.Wait() })

	var first []byte
	select {
	case first = <-p.streamFirst:
	case <-time.After(waitTimeout):
		t.Fatal("the server wrote nothing on the new stream")
	}
	if r, err := httpwire.NewDecoder(bytes.NewReader(first), maxTestRecord).Next(); err != nil || !r.IsKeepalive() {
		t.Fatalf("the stream's first record is %v (%v), want a keepalive; bytes %x", r, err, first)
	}
	select {
	case err := <-answered:
		t.Fatalf("the stream answered through a buffering proxy (%v): the proxy does not buffer", err)
	default:
	}

	// Nothing arrived in time: abandon the stream, long-poll instead.
	cancel()
	if err := <-answered; !errors.Is(err, context.Canceled) {
		t.Errorf("abandoned stream: %v, want context.Canceled", err)
	}
	if got := frameNums(c.get(true)); len(got) != 1 || got[0] != 1 {
		t.Fatalf("first long-poll: frames %v, want [1]", got)
	}
	select {
	case <-p.streamEnded:
	case <-time.After(waitTimeout):
		t.Fatal("the server did not end the abandoned stream")
	}
	_ = rc.link.Send(ClassControl, seqHead(2), nil)
	if got := frameNums(c.get(true)); len(got) != 1 || got[0] != 2 {
		t.Errorf("second long-poll: frames %v, want [2]", got)
	}
	if got, want := rc.link.Transport(), "longpoll"; got != want {
		t.Errorf("Transport() = %q, want %q", got, want)
	}
	if n := s.Stats().HTTPErrors["poll_in_progress"]; n != 0 {
		t.Errorf(`HTTPErrors["poll_in_progress"] = %d, want 0`, n)
	}
}

// bufferingProxy is a reverse proxy on 127.0.0.1 that holds each response
// until the server has ended it, as some corporate and antivirus proxies do,
// and goes on reading a response after its client has left. It reports the
// first bytes the server sends on a stream, and the end of each stream.
type bufferingProxy struct {
	url         string
	upstream    string
	tr          *http.Transport
	ctx         context.Context // the upstream requests'; cancelled at cleanup
	streamFirst chan []byte
	streamEnded chan struct{}
}

func newBufferingProxy(t *testing.T, upstream string) *bufferingProxy {
	ctx, cancel := context.WithCancel(context.Background())
	p := &bufferingProxy{
		upstream:    upstream,
		tr:          &http.Transport{},
		ctx:         ctx,
		streamFirst: make(chan []byte, 16),
		streamEnded: make(chan struct{}, 16),
	}
	srv := httptest.NewServer(http.HandlerFunc(p.serve))
	p.url = srv.URL
	t.Cleanup(func() {
		cancel() // a stream the test left open ends here, not at StreamMaxDuration
		srv.Close()
		p.tr.CloseIdleConnections()
	})
	return p
}

func (p *bufferingProxy) serve(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadGateway)
		return
	}
	// Not r's context: the proxy does not tell the server its client left.
	req, err := http.NewRequestWithContext(p.ctx, r.Method, p.upstream+r.URL.RequestURI(), bytes.NewReader(body))
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadGateway)
		return
	}
	req.Header = r.Header.Clone()
	resp, err := p.tr.RoundTrip(req)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadGateway)
		return
	}
	defer resp.Body.Close()
	stream := strings.HasSuffix(r.URL.Path, "/"+httpwire.StreamSegment)
	var all []byte
	chunk := make([]byte, 32<<10)
	for {
		n, err := resp.Body.Read(chunk)
		if n > 0 && stream && len(all) == 0 {
			p.streamFirst <- bytes.Clone(chunk[:n])
		}
		all = append(all, chunk[:n]...)
		if err != nil {
			break
		}
	}
	if stream {
		p.streamEnded <- struct{}{}
	}
	for k, v := range resp.Header {
		w.Header()[k] = v
	}
	w.Header().Del("Content-Length")
	w.WriteHeader(resp.StatusCode)
	_, _ = w.Write(all)
}
