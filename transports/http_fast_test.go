package transports

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/tickroom/tickroom/transports/httpwire"
)

// keptConn is one kept-alive connection on which a test writes requests by
// hand, so that it knows which connection each request takes.
type keptConn struct {
	t  *testing.T
	c  net.Conn
	br *bufio.Reader
}

func dialKept(t *testing.T, s *Server) *keptConn {
	t.Helper()
	c, err := net.Dial("tcp", s.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close() })
	return &keptConn{t: t, c: c, br: bufio.NewReader(c)}
}

// send writes a request; extra is more header lines, each ending in CRLF.
func (rc *keptConn) send(method, target string, body []byte, extra string) {
	rc.t.Helper()
	req := fmt.Sprintf("%s %s HTTP/1.1\r\nHost: test\r\n", method, target)
	if body != nil {
		req += fmt.Sprintf("Content-Type: %s\r\nContent-Length: %d\r\n", httpwire.ContentType, len(body))
	}
	if _, err := io.WriteString(rc.c, req+extra+"\r\n"+string(body)); err != nil {
		rc.t.Fatal(err)
	}
}

// recv reads one response whole.
func (rc *keptConn) recv() answer {
	rc.t.Helper()
	_ = rc.c.SetReadDeadline(time.Now().Add(waitTimeout))
	resp, err := http.ReadResponse(rc.br, nil)
	if err != nil {
		rc.t.Fatalf("reading a response: %v", err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		rc.t.Fatalf("reading a body: %v", err)
	}
	return answer{status: resp.StatusCode, header: resp.Header, body: b}
}

func (rc *keptConn) do(method, target string, body []byte, extra string) answer {
	rc.t.Helper()
	rc.send(method, target, body, extra)
	return rc.recv()
}

// exchange sends an exchange of frames for c's session on rc and returns
// the answer, advancing c's ack and batch counter.
func (rc *keptConn) exchange(c *httpClient, frames ...[]byte) answer {
	rc.t.Helper()
	c.batch++
	a := rc.do(http.MethodPost, fmt.Sprintf("%s/%s/exchange?ack=%d&seq=%d", c.srv.httpPath, c.sid, c.ack, c.batch), uplink(frames...), "")
	if a.status != http.StatusOK {
		rc.t.Fatalf("exchange: %d %s", a.status, a.body)
	}
	for _, r := range a.records(rc.t) {
		c.ack = max(c.ack, r.seq)
	}
	return a
}

func TestFastPathServesAKeptConnection(t *testing.T) {
	s := newTestServer(t, Options{}, newEchoHandler())
	c := newHTTPClient(t, s).handshake("")
	rc := dialKept(t, s)
	for i := range 20 {
		frame := fmt.Appendf(nil, "frame %d", i)
		a := rc.exchange(c, frame)
		recs := a.records(t)
		if len(recs) != 1 || string(recs[0].data) != string(frame) {
			t.Fatalf("exchange %d: records %v, want the echo of %q", i, recs, frame)
		}
		if i == 0 {
			continue // net/http's
		}
		for _, h := range [][2]string{
			{"Content-Type", httpwire.ContentType},
			{"Cache-Control", "no-store, no-cache, must-revalidate, max-age=0"},
			{"X-Content-Type-Options", "nosniff"},
			{"Content-Length", fmt.Sprint(len(a.body))},
		} {
			if got := a.header.Get(h[0]); got != h[1] {
				t.Errorf("exchange %d: %s %q, want %q", i, h[0], got, h[1])
			}
		}
		if _, err := http.ParseTime(a.header.Get("Date")); err != nil {
			t.Errorf("exchange %d: Date %q: %v", i, a.header.Get("Date"), err)
		}
	}
	// A plain poll and an uplink POST on the same connection.
	if a := rc.do(http.MethodGet, fmt.Sprintf("%s/%s?ack=%d&wait=0", s.httpPath, c.sid, c.ack), nil, ""); a.status != http.StatusOK {
		t.Fatalf("poll: %d %s", a.status, a.body)
	}
	c.batch++
	if a := rc.do(http.MethodPost, fmt.Sprintf("%s/%s?seq=%d", s.httpPath, c.sid, c.batch), uplink([]byte("posted")), ""); a.status != http.StatusNoContent {
		t.Fatalf("uplink POST: %d %s", a.status, a.body)
	}
	st := s.Stats()
	if st.FastAdopted != 1 || st.FastRequests != 21 || st.FastHandbacks != 0 {
		t.Fatalf("adopted %d, served %d, handed back %d; want 1, 21, 0", st.FastAdopted, st.FastRequests, st.FastHandbacks)
	}
}

// The fast path answers its refusals as net/http's route does: same status,
// same code.
func TestFastPathRefusalsMatchNetHTTP(t *testing.T) {
	s := newTestServer(t, Options{}, newEchoHandler())
	c := newHTTPClient(t, s).handshake("")
	rc := dialKept(t, s)
	rc.exchange(c, []byte("adopt"))
	path := fmt.Sprintf("%s/%s", s.httpPath, c.sid)
	for _, tc := range []struct {
		name, method, target string
		body                 []byte
		status               int
		code                 string
	}{
		{"bad ack", http.MethodGet, path + "?ack=x", nil, http.StatusBadRequest, "bad_request"},
		{"ack ahead", http.MethodGet, path + "?ack=999", nil, http.StatusBadRequest, "bad_ack"},
		{"no seq", http.MethodPost, path + "/exchange?ack=0", uplink([]byte("x")), http.StatusBadRequest, "bad_request"},
		{"truncated", http.MethodPost, path + "?seq=50", []byte{0x05, 'a'}, http.StatusBadRequest, "truncated_frame"},
	} {
		a := rc.do(tc.method, tc.target, tc.body, "")
		if a.status != tc.status || a.errCode() != tc.code {
			t.Errorf("%s: %d %q, want %d %q", tc.name, a.status, a.errCode(), tc.status, tc.code)
		}
	}
	if st := s.Stats(); st.FastRequests != 4 || st.FastHandbacks != 0 {
		t.Fatalf("served %d, handed back %d; want 4, 0", st.FastRequests, st.FastHandbacks)
	}
	rc.exchange(c, []byte("still kept"))
}

// What the fast path does not serve goes to net/http with the bytes it has
// read, and is answered as on a fresh connection; the connection is adopted
// again by its next request of ours.
func TestFastPathHandsTheRestBack(t *testing.T) {
	s := newTestServer(t, Options{AllowedOrigins: []string{"https://game.example"}}, newEchoHandler())
	c := newHTTPClient(t, s).handshake("")
	rc := dialKept(t, s)
	rc.exchange(c, []byte("adopt"))
	path := fmt.Sprintf("%s/%s", s.httpPath, c.sid)
	handedBack := uint64(0)
	for _, tc := range []struct {
		name         string
		method, path string
		extra        string
		status       int
		code         string
	}{
		{"preflight", http.MethodOptions, path, "Origin: https://game.example\r\n", http.StatusNoContent, ""},
		{"unknown session", http.MethodGet, s.httpPath + "/" + strings.Repeat("a", httpwire.SIDLen) + "?ack=0", "", http.StatusNotFound, "unknown_session"},
		{"bad method", http.MethodPut, path, "", http.StatusMethodNotAllowed, "bad_method"},
		{"escaped query", http.MethodGet, path + "?ack=0&wait=%30", "", http.StatusOK, ""},
		{"expect", http.MethodGet, path + "?ack=0&wait=0", "Expect: 100-continue\r\n", http.StatusOK, ""},
	} {
		a := rc.do(tc.method, tc.path, nil, tc.extra)
		if a.status != tc.status || a.errCode() != tc.code {
			t.Errorf("%s: %d %q, want %d %q", tc.name, a.status, a.errCode(), tc.status, tc.code)
		}
		handedBack++
		if st := s.Stats(); st.FastHandbacks != handedBack {
			t.Errorf("%s: %d handed back, want %d", tc.name, st.FastHandbacks, handedBack)
		}
		rc.exchange(c, []byte(tc.name)) // adopted again
	}
	if a := rc.do(http.MethodGet, path+"?ack=0&wait=0", nil, "Origin: https://evil.example\r\n"); a.status != http.StatusForbidden {
		t.Errorf("a refused origin on the fast path: %d, want 403", a.status)
	}
	a := rc.do(http.MethodGet, fmt.Sprintf("%s?ack=%d&wait=0", path, c.ack), nil, "Origin: https://game.example\r\n")
	if a.status != http.StatusOK || a.header.Get("Access-Control-Allow-Origin") != "https://game.example" {
		t.Errorf("an allowed origin on the fast path: %d, Access-Control-Allow-Origin %q", a.status, a.header.Get("Access-Control-Allow-Origin"))
	}
	// Connection: close is net/http's to honour.
	rc.send(http.MethodGet, fmt.Sprintf("%s?ack=%d&wait=0", path, c.ack), nil, "Connection: close\r\n")
	if a := rc.recv(); a.status != http.StatusOK {
		t.Fatalf("Connection: close: %d", a.status)
	}
	_ = rc.c.SetReadDeadline(time.Now().Add(waitTimeout))
	if n, err := rc.br.Read(make([]byte, 1)); err != io.EOF {
		t.Fatalf("after Connection: close: read %d, %v; want EOF", n, err)
	}
}

// A head over MaxHeaderBytes gets net/http's 431, as on a fresh connection.
func TestFastPathLeavesLargeHeadsToNetHTTP(t *testing.T) {
	s := newTestServer(t, Options{MaxHeaderBytes: 4096}, newEchoHandler())
	c := newHTTPClient(t, s).handshake("")
	rc := dialKept(t, s)
	rc.exchange(c, []byte("adopt"))
	big := "X-Big: " + strings.Repeat("b", 16<<10) + "\r\n"
	if a := rc.do(http.MethodGet, fmt.Sprintf("%s/%s?ack=%d&wait=0", s.httpPath, c.sid, c.ack), nil, big); a.status != http.StatusRequestHeaderFieldsTooLarge {
		t.Fatalf("status %d, want 431", a.status)
	}
	if st := s.Stats(); st.FastHandbacks != 1 {
		t.Fatalf("handed back %d, want 1", st.FastHandbacks)
	}
}

// Requests that are malformed, or framed in a way the fast path does not
// parse, are left to net/http, which answers them as it always has.
func TestFastPathLeavesOddRequestsToNetHTTP(t *testing.T) {
	s := newTestServer(t, Options{}, newEchoHandler())
	c := newHTTPClient(t, s).handshake("")
	ct := "Content-Type: " + httpwire.ContentType + "\r\n"
	for _, tc := range []struct {
		name, head, body string
		status           int
	}{
		{"space before colon", "Host: t\r\n" + ct + "Content-Length : 3\r\n", "abc", http.StatusBadRequest},
		{"two lengths", "Host: t\r\n" + ct + "Content-Length: 3\r\nContent-Length: 4\r\n", "abc", http.StatusBadRequest},
		{"no host", ct + "Content-Length: 3\r\n", "abc", http.StatusBadRequest},
		// These two are well-formed for net/http; the uplink they carry is not.
		{"chunked", "Host: t\r\n" + ct + "Transfer-Encoding: chunked\r\n", "3\r\nabc\r\n0\r\n\r\n", http.StatusBadRequest},
		{"bare LF in a value", "Host: t\r\n" + ct + "X-A: a\nContent-Length: 3\r\n", "abc", http.StatusBadRequest},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rc := dialKept(t, s)
			rc.exchange(c, []byte("adopt"))
			before := s.Stats()
			c.batch++
			req := fmt.Sprintf("POST %s/%s?seq=%d HTTP/1.1\r\n%s\r\n%s", s.httpPath, c.sid, c.batch, tc.head, tc.body)
			if _, err := io.WriteString(rc.c, req); err != nil {
				t.Fatal(err)
			}
			if a := rc.recv(); a.status != tc.status {
				t.Fatalf("status %d %s, want %d", a.status, a.body, tc.status)
			}
			after := s.Stats()
			if after.FastRequests != before.FastRequests || after.FastHandbacks != before.FastHandbacks+1 {
				t.Fatalf("served %d, handed back %d: want 0, 1",
					after.FastRequests-before.FastRequests, after.FastHandbacks-before.FastHandbacks)
			}
		})
	}
}

// A long-poll held on the fast path does not notice its client leaving, but
// the client's next downlink request, on another connection, takes over at
// once; while the holder is alive, a second one is still refused 409.
func TestFastPathTakesOverAPollWhoseClientLeft(t *testing.T) {
	if runtime.GOOS != "linux" && runtime.GOOS != "darwin" {
		t.Skip("peerGone looks at the socket on Linux and macOS only")
	}
	s := newTestServer(t, Options{PollTimeout: time.Minute}, newEchoHandler())
	c := newHTTPClient(t, s).handshake("")
	rc := dialKept(t, s)
	rc.exchange(c, []byte("adopt"))
	rc.send(http.MethodGet, fmt.Sprintf("%s/%s?ack=%d", s.httpPath, c.sid, c.ack), nil, "")
	waitHeld(t, s, c.sid)

	other := dialKept(t, s)
	if a := other.do(http.MethodGet, fmt.Sprintf("%s/%s?ack=%d&wait=0", s.httpPath, c.sid, c.ack), nil, ""); a.status != http.StatusConflict {
		t.Fatalf("a second poll while the first is alive: %d, want 409", a.status)
	}
	_ = rc.c.Close()
	// The FIN crosses loopback at once; a few tries cover a slow machine.
	for try := 0; ; try++ {
		a := other.do(http.MethodGet, fmt.Sprintf("%s/%s?ack=%d&wait=0", s.httpPath, c.sid, c.ack), nil, "")
		if a.status == http.StatusOK {
			break
		}
		if a.status != http.StatusConflict || try == 50 {
			t.Fatalf("a poll after the holder's client left: %d %s, want 200", a.status, a.body)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// Close ends the fast path's connections: an idle one at once, one holding
// a poll after it has sent the close record.
func TestFastPathClose(t *testing.T) {
	s := NewServer(Options{PollTimeout: time.Minute, CloseDrain: 50 * time.Millisecond}, newEchoHandler())
	if err := s.Open("127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	c := newHTTPClient(t, s).handshake("")
	c2 := newHTTPClient(t, s).handshake("")
	idle, held := dialKept(t, s), dialKept(t, s)
	idle.exchange(c, []byte("adopt"))
	held.exchange(c2, []byte("adopt"))
	held.send(http.MethodGet, fmt.Sprintf("%s/%s?ack=%d", s.httpPath, c2.sid, c2.ack), nil, "")
	waitHeld(t, s, c2.sid)

	ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
	defer cancel()
	if err := s.Close(ctx); err != nil {
		t.Fatalf("Close: %v", err)
	}
	recs := held.recv().records(t)
	if len(recs) == 0 || !recs[len(recs)-1].isClose() || recs[len(recs)-1].closeCode() != CloseGoingAway {
		t.Fatalf("the held poll got %v, want a going-away close record", recs)
	}
	for name, rc := range map[string]*keptConn{"idle": idle, "held": held} {
		_ = rc.c.SetReadDeadline(time.Now().Add(waitTimeout))
		if _, err := rc.br.ReadByte(); err != io.EOF {
			t.Errorf("%s connection after Close: %v, want EOF", name, err)
		}
	}
}

// A body that stops coming is answered 408 body_timeout, as net/http's
// route answers it, and the connection is closed.
func TestFastPathBodyTimeout(t *testing.T) {
	s := newTestServer(t, Options{BodyTimeout: 200 * time.Millisecond}, newEchoHandler())
	c := newHTTPClient(t, s).handshake("")
	rc := dialKept(t, s)
	rc.exchange(c, []byte("adopt"))
	c.batch++
	head := fmt.Sprintf("POST %s/%s?seq=%d HTTP/1.1\r\nHost: test\r\nContent-Type: %s\r\nContent-Length: 100\r\n\r\nshort",
		s.httpPath, c.sid, c.batch, httpwire.ContentType)
	if _, err := io.WriteString(rc.c, head); err != nil {
		t.Fatal(err)
	}
	if a := rc.recv(); a.status != http.StatusRequestTimeout || a.errCode() != "body_timeout" {
		t.Fatalf("%d %q, want 408 body_timeout", a.status, a.errCode())
	}
	if _, err := rc.br.ReadByte(); err != io.EOF {
		t.Fatalf("after the timeout: %v, want EOF", err)
	}
}

func TestFastPathCanBeTurnedOff(t *testing.T) {
	s := newTestServer(t, Options{DisableFastPath: true}, newEchoHandler())
	c := newHTTPClient(t, s).handshake("")
	rc := dialKept(t, s)
	for range 3 {
		rc.exchange(c, []byte("x"))
	}
	if st := s.Stats(); st.FastAdopted != 0 || st.FastRequests != 0 {
		t.Fatalf("adopted %d, served %d with the fast path off", st.FastAdopted, st.FastRequests)
	}
}

func TestParseFastHead(t *testing.T) {
	const sid = "0123456789abcdef0123456789abcdef"
	good := "POST /http/" + sid + "/exchange?ack=1&seq=2 HTTP/1.1\r\nHost: x\r\nContent-Type: application/octet-stream\r\nContent-Length: 12\r\nUser-Agent: t\r\nConnection: keep-alive"
	h, ok := parseFastHead([]byte(good), "/http")
	if !ok || h.method != "POST" || h.path != "/http/"+sid+"/exchange" || h.query != "ack=1&seq=2" || h.length != 12 || h.ctype != httpwire.ContentType {
		t.Fatalf("good head: %+v, %v", h, ok)
	}
	for _, bad := range []string{
		"GET /http/" + sid + "?ack=1 HTTP/1.0\r\nHost: x",
		"GET /http/" + sid + "?ack=1 HTTP/1.1",                                  // no Host
		"GET /http/" + sid + "?ack=1 HTTP/1.1\r\nHost: x\r\nHost: y",            // two
		"GET /http/" + sid + "/?ack=1 HTTP/1.1\r\nHost: x",                      // trailing slash
		"GET /http/" + sid + "/stream?ack=1 HTTP/1.1\r\nHost: x",                // a stream
		"GET /http/" + sid + "/exchange?ack=1 HTTP/1.1\r\nHost: x",              // GET exchange
		"POST /http HTTP/1.1\r\nHost: x",                                        // handshake
		"DELETE /http/" + sid + " HTTP/1.1\r\nHost: x",                          // method
		"GET /http/" + sid + "?ack=1 HTTP/1.1\r\nHost: x\r\n folded",            // obs-fold
		"GET /http/" + sid + "?ack=1 HTTP/1.1\r\nHost: x\r\nConnection: close",  // close
		"GET /http/" + sid + "?ack=1 HTTP/1.1\r\nHost: x\r\nContent-Length: 1",  // GET body
		"POST /http/" + sid + " HTTP/1.1\r\nHost: x\r\nContent-Length: +1",      // sign
		"POST /http/" + sid + " HTTP/1.1\r\nHost: x\r\nContent-Length: 1,1",     // list
		"POST /http/" + sid + " HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip", // framing
		"GET /http/" + sid + "?ack=1 HTTP/1.1\r\nHost: x\r\nX: a\x00b",          // NUL
		"GET /http/" + sid + "?ack=1 HTTP/1.1\r\nHost: x\r\nX y: a",             // name
		"GET /http/" + sid + "?ack=1#f HTTP/1.1\r\nHost: x",                     // fragment
		"GET /http/../http/" + sid + "?ack=1 HTTP/1.1\r\nHost: x",               // dot segments
		"GET  /http/" + sid + "?ack=1 HTTP/1.1\r\nHost: x",                      // two spaces
	} {
		if h, ok := parseFastHead([]byte(bad), "/http"); ok {
			t.Errorf("%q parsed: %+v", bad, h)
		}
	}
}

// A connection handed back with more bytes read than net/http takes for the
// request it answers still has them, in order, when the fast path adopts it
// again: here a large head that goes back to net/http with two pipelined
// exchanges behind it, all in one write.
func TestFastPathKeepsWhatItHandedBack(t *testing.T) {
	s, c, rc := adoptedConn(t)
	path := fmt.Sprintf("%s/%s", s.httpPath, c.sid)
	var req bytes.Buffer
	// An escaped query goes back to net/http; the padding grows the fast
	// path's buffer past what net/http's reader takes at once.
	fmt.Fprintf(&req, "GET %s?ack=%d&wait=%%30 HTTP/1.1\r\nHost: test\r\nX-Pad: %s\r\n\r\n", path, c.ack, strings.Repeat("p", 9000))
	frames := appendExchanges(&req, c, 2)
	rc.write(req.Bytes())
	if a := rc.recv(); a.status != http.StatusOK {
		t.Fatalf("the handed-back poll: %d %s", a.status, a.body)
	}
	rc.recvEchoes(frames)
	if st := s.Stats(); st.FastHandbacks != 1 || st.FastAdopted != 2 {
		t.Fatalf("handed back %d, adopted %d; want 1, 2", st.FastHandbacks, st.FastAdopted)
	}
}

// The same when a connection goes back to net/http a second time before
// the bytes of the first are all replayed: two odd requests (an unknown
// Connection option is net/http's), then pipelined exchanges.
func TestFastPathKeepsWhatItHandedBackTwice(t *testing.T) {
	for _, pad := range []int{5000, 9000, 12000} {
		t.Run(fmt.Sprint(pad), func(t *testing.T) {
			s, c, rc := adoptedConn(t)
			path := fmt.Sprintf("%s/%s", s.httpPath, c.sid)
			var req bytes.Buffer
			fmt.Fprintf(&req, "GET %s?ack=%d&wait=0 HTTP/1.1\r\nHost: test\r\nConnection: x-pad\r\nX-Pad: %s\r\n\r\n", path, c.ack, strings.Repeat("p", pad))
			fmt.Fprintf(&req, "GET %s?ack=%d&wait=0 HTTP/1.1\r\nHost: test\r\nConnection: x-foo\r\n\r\n", path, c.ack)
			frames := appendExchanges(&req, c, 3)
			rc.write(req.Bytes())
			for i := range 2 {
				if a := rc.recv(); a.status != http.StatusOK {
					t.Fatalf("handed-back poll %d: %d %s", i, a.status, a.body)
				}
			}
			rc.recvEchoes(frames)
			if st := s.Stats(); st.FastHandbacks != 2 {
				t.Fatalf("handed back %d, want 2", st.FastHandbacks)
			}
		})
	}
}

// adoptedConn is a server with an echo handler, a session on it, and a
// kept connection that the fast path has adopted.
func adoptedConn(t *testing.T) (*Server, *httpClient, *keptConn) {
	t.Helper()
	s := newTestServer(t, Options{}, newEchoHandler())
	c := newHTTPClient(t, s).handshake("")
	rc := dialKept(t, s)
	rc.exchange(c, []byte("adopt"))
	return s, c, rc
}

// appendExchanges appends n pipelined exchanges of c's session to req, each
// with one 3,000-byte frame, and returns the frames.
func appendExchanges(req *bytes.Buffer, c *httpClient, n int) [][]byte {
	frames := make([][]byte, n)
	for i := range frames {
		frames[i] = bytes.Repeat([]byte{byte('b' + i)}, 3000)
		body := uplink(frames[i])
		c.batch++
		fmt.Fprintf(req, "POST %s/%s/exchange?ack=%d&seq=%d HTTP/1.1\r\nHost: test\r\nContent-Type: %s\r\nContent-Length: %d\r\n\r\n%s",
			c.srv.httpPath, c.sid, c.ack, c.batch, httpwire.ContentType, len(body), body)
	}
	return frames
}

func (rc *keptConn) write(b []byte) {
	rc.t.Helper()
	if _, err := rc.c.Write(b); err != nil {
		rc.t.Fatal(err)
	}
}

// recvEchoes reads one exchange's answer per frame and checks that each
// echoes its frame.
func (rc *keptConn) recvEchoes(frames [][]byte) {
	rc.t.Helper()
	for i, f := range frames {
		a := rc.recv()
		if a.status != http.StatusOK {
			rc.t.Fatalf("pipelined exchange %d: %d %s", i, a.status, a.body)
		}
		echoed := false
		for _, r := range a.records(rc.t) {
			echoed = echoed || bytes.Equal(r.data, f)
		}
		if !echoed {
			rc.t.Fatalf("pipelined exchange %d: records %v, want the echo of its frame", i, a.records(rc.t))
		}
	}
}
