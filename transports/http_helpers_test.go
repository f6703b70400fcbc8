package transports

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tickroom/tickroom/transports/httpwire"
)

// httpClient is a minimal HTTP-transport client for tests: it speaks the wire
// format of doc.go with net/http and remembers its session, ack and batch
// counter. Its methods fail the test on transport errors but return HTTP
// statuses, so tests can check error answers too.
type httpClient struct {
	t     testing.TB
	srv   *Server
	hc    *http.Client
	base  string
	sid   string
	hs    httpwire.Handshake
	ack   uint64 // highest seq received so far
	batch uint64 // last uplink batch counter used
}

func newHTTPClient(t testing.TB, s *Server) *httpClient {
	t.Helper()
	return newHTTPClientFrom(t, s, "")
}

// newHTTPClientFrom is newHTTPClient for a client at the IP address local
// ("" for any; see localDialer).
func newHTTPClientFrom(t testing.TB, s *Server, local string) *httpClient {
	t.Helper()
	tr := &http.Transport{MaxIdleConnsPerHost: 64}
	if local != "" {
		tr.DialContext = localDialer(local).DialContext
	}
	t.Cleanup(tr.CloseIdleConnections)
	return &httpClient{
		t:    t,
		srv:  s,
		hc:   &http.Client{Transport: tr, Timeout: waitTimeout},
		base: s.HTTPURL() + s.httpPath,
	}
}

// rec is one downlink record. A close record has seq 0 and len(data) >= 2.
type rec struct {
	seq  uint64
	data []byte
}

func (r rec) isClose() bool     { return r.seq == 0 && len(r.data) >= 2 }
func (r rec) isKeepalive() bool { return r.seq == 0 && len(r.data) == 0 }
func (r rec) closeCode() uint16 { return binary.BigEndian.Uint16(r.data) }

// answer is one HTTP response, read completely.
type answer struct {
	status int
	header http.Header
	body   []byte
}

// errCode is the JSON error code of an error answer.
func (a answer) errCode() string {
	var e httpwire.ErrorBody
	_ = json.Unmarshal(a.body, &e)
	return e.Code
}

// records parses a downlink body.
func (a answer) records(t testing.TB) []rec {
	t.Helper()
	recs, err := readRecords(bytes.NewReader(a.body), nil)
	if err != nil {
		t.Fatalf("parsing downlink body %x: %v", a.body, err)
	}
	return recs
}

// maxTestRecord bounds the frames the tests read: far above any they send.
const maxTestRecord = 64 << 20

// readRecords reads records until EOF, sending each to ch when ch is non-nil
// and collecting them otherwise.
func readRecords(r io.Reader, ch chan<- rec) ([]rec, error) {
	var out []rec
	d := httpwire.NewDecoder(r, maxTestRecord)
	for {
		wr, err := d.Next()
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return out, err
		}
		r := rec{wr.Seq, bytes.Clone(wr.Payload)} // the decoder reuses its buffer
		if ch != nil {
			ch <- r
		} else {
			out = append(out, r)
		}
	}
}

// do sends one request to base+path and reads the whole answer.
func (c *httpClient) do(method, path string, body []byte, header http.Header) answer {
	c.t.Helper()
	a, err := c.doErr(method, path, body, header)
	if err != nil {
		c.t.Fatal(err)
	}
	return a
}

// doErr is do for goroutines other than the test's, which may not call Fatal.
func (c *httpClient) doErr(method, path string, body []byte, header http.Header) (answer, error) {
	req, err := http.NewRequest(method, c.base+path, bytes.NewReader(body))
	if err != nil {
		return answer{}, fmt.Errorf("%s %s: %w", method, path, err)
	}
	for k, v := range header {
		req.Header[k] = v
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		return answer{}, fmt.Errorf("%s %s: %w", method, path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return answer{}, fmt.Errorf("%s %s: reading body: %w", method, path, err)
	}
	return answer{status: resp.StatusCode, header: resp.Header, body: b}, nil
}

// handshake creates a session; query is "" or e.g. "?transport=stream".
func (c *httpClient) handshake(query string) *httpClient {
	c.t.Helper()
	a := c.do(http.MethodPost, query, nil, nil)
	if a.status != http.StatusOK {
		c.t.Fatalf("handshake: status %d %s", a.status, a.body)
	}
	if err := json.Unmarshal(a.body, &c.hs); err != nil {
		c.t.Fatalf("handshake: %v in %s", err, a.body)
	}
	c.sid = c.hs.SID
	return c
}

// poll sends GET ?ack=ack (wait=0 when !wait) and returns the answer.
func (c *httpClient) poll(ack uint64, wait bool) answer {
	c.t.Helper()
	q := fmt.Sprintf("/%s?ack=%d", c.sid, ack)
	if !wait {
		q += "&wait=0"
	}
	return c.do(http.MethodGet, q, nil, nil)
}

// get polls with the client's own ack, checks the answer is 200, advances
// the ack past the frames it got, and returns the records.
func (c *httpClient) get(wait bool) []rec {
	c.t.Helper()
	a := c.poll(c.ack, wait)
	if a.status != http.StatusOK {
		c.t.Fatalf("GET: status %d %s", a.status, a.body)
	}
	recs := a.records(c.t)
	for _, r := range recs {
		if r.seq != 0 {
			if r.seq <= c.ack {
				c.t.Fatalf("GET ack=%d returned seq %d", c.ack, r.seq)
			}
			c.ack = r.seq
		}
	}
	return recs
}

// uplink encodes frames as an uplink body.
func uplink(frames ...[]byte) []byte { return httpwire.AppendUplink(nil, frames...) }

var octetStream = http.Header{"Content-Type": {httpwire.ContentType}}

// postRaw sends one uplink request with the given query and body.
func (c *httpClient) postRaw(query string, body []byte, header http.Header) answer {
	c.t.Helper()
	return c.do(http.MethodPost, "/"+c.sid+query, body, header)
}

// post sends frames as the next batch and expects 204.
func (c *httpClient) post(frames ...[]byte) {
	c.t.Helper()
	c.batch++
	a := c.postRaw(fmt.Sprintf("?seq=%d", c.batch), uplink(frames...), octetStream)
	if a.status != http.StatusNoContent {
		c.t.Fatalf("POST batch %d: status %d %s", c.batch, a.status, a.body)
	}
}

// stream is an open streaming response whose records a goroutine reads.
type stream struct {
	resp *http.Response
	recs chan rec // closed when the response ends
	done chan struct{}
	err  error // why reading stopped, valid after done
}

// openStream opens GET /{sid}/stream?ack=ack and expects 200.
func (c *httpClient) openStream(ack uint64) *stream {
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
	st := &stream{resp: resp, recs: make(chan rec, 4096), done: make(chan struct{})}
	go func() {
		defer close(st.done)
		defer close(st.recs)
		_, st.err = readRecords(resp.Body, st.recs)
	}()
	c.t.Cleanup(st.close)
	return st
}

// close abandons the stream and waits for its reader.
func (st *stream) close() {
	st.resp.Body.Close()
	<-st.done
}

// next waits for the stream's next record; ok is false when it has ended.
func (st *stream) next(t testing.TB) (rec, bool) {
	t.Helper()
	select {
	case r, ok := <-st.recs:
		return r, ok
	case <-time.After(waitTimeout):
		t.Fatal("stream: no record")
		return rec{}, false
	}
}

// sessionState reads a session's state for tests that must wait until a
// request is held or a probe is attached (rather than sleeping).
func sessionState(s *Server, sid string) (downOpen bool, up upgradeState) {
	ss := s.session(sid)
	if ss == nil {
		return false, upHTTP
	}
	ss.mu.Lock()
	defer ss.mu.Unlock()
	return ss.downOpen, ss.up
}

// waitHeld waits until the session has a downlink request open.
func waitHeld(t *testing.T, s *Server, sid string) {
	t.Helper()
	waitFor(t, "downlink request held", func() bool {
		open, _ := sessionState(s, sid)
		return open
	})
}

// waitUp waits until the session's upgrade state is want.
func waitUp(t *testing.T, s *Server, sid string, want upgradeState) {
	t.Helper()
	waitFor(t, fmt.Sprintf("upgrade state %d", want), func() bool {
		_, up := sessionState(s, sid)
		return up == want
	})
}

// asyncPoll runs one poll in a goroutine that the test waits for.
func (c *httpClient) asyncPoll(ack uint64) <-chan answer {
	ch := make(chan answer, 1)
	var wg sync.WaitGroup
	wg.Add(1)
	path := fmt.Sprintf("/%s?ack=%d", c.sid, ack)
	go func() {
		defer wg.Done()
		a, err := c.doErr(http.MethodGet, path, nil, nil)
		if err != nil {
			a = answer{status: -1, body: []byte(err.Error())}
		}
		ch <- a
	}()
	c.t.Cleanup(wg.Wait)
	return ch
}

// recvAnswer waits for an asyncPoll.
func recvAnswer(t testing.TB, ch <-chan answer) answer {
	t.Helper()
	select {
	case a := <-ch:
		return a
	case <-time.After(waitTimeout):
		t.Fatal("poll did not return")
		return answer{}
	}
}

// frameNums decodes the seqHead numbers of frames.
func frameNums(recs []rec) []int {
	var out []int
	for _, r := range recs {
		if r.seq != 0 {
			out = append(out, seqOf(r.data))
		}
	}
	return out
}

func hasHeader(h http.Header, key, want string) bool {
	for _, v := range h.Values(key) {
		if strings.EqualFold(v, want) {
			return true
		}
	}
	return false
}
