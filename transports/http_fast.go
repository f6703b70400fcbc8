package transports

import (
	"bytes"
	"context"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"time"

	"github.com/tickroom/tickroom/transports/httpwire"
)

// The fast path serves the requests a polling client makes all the time, on
// a kept-alive HTTP/1.1 connection, without net/http. A long-polling player
// makes one request per update (an exchange); net/http spends most of what
// it costs on things these requests do not need: a goroutine and a read
// armed in the background per request to notice a client leaving, a
// context, a deadline reset three times, a header map, routing, and the
// chunked writer. The fast path reads the request into the connection's
// own buffer, hands the transports' handlers a request and a writer that
// are reused from one request to the next, and writes each response in one
// write.
//
// It is strict about what it serves and defers the rest. A connection comes
// to it after net/http has served it a long-poll, poll, uplink POST or
// exchange successfully (adopt); from then on a request in the strict form
// clients send (parseFastHead) for a session of this server is served here,
// and anything else (another route, a session it does not know, an
// unexpected header, a body too large) is handed back to net/http
// (handback.go) with the bytes read so far, to be answered exactly as
// before. net/http serves that request and, when it is again one of ours,
// the fast path adopts the connection again.
//
// What it gives up: net/http notices a client that leaves during a held
// long-poll by reading in the background; the fast path does not read
// while it holds one. A client that left has its poll answered when the poll
// would have been (PollTimeout), and a downlink request that finds a held
// poll on a connection whose client has gone (peerGone) takes it over at
// once instead of getting 409 poll_in_progress.

// fastKey is the context key under which a fast connection finds itself in
// its requests (fastConnOf).
type fastKey struct{}

// fastConn is a connection the fast path serves. Its goroutine is the one
// net/http ran the adopting request on, and holds a count in the Server's
// WaitGroup until it ends.
type fastConn struct {
	s      *Server
	c      net.Conn
	io     io.ReadWriter // c's reads and writes (newConnIO)
	ctx    context.Context
	cancel context.CancelFunc // ends a held poll: the connection is dropped
	idle   atomic.Bool        // waiting for a request's first byte: Close may close it

	buf []byte // read, not yet consumed: buf[:n]
	n   int
	rdl time.Time // the read deadline set (readBy)
	wdl time.Time // the write deadline set (writeResponse)

	req   *http.Request // reused for each request, with ctx
	url   url.URL
	ctype [1]string
	orig  [1]string
	body  fastBody
	w     fastWriter
	out   []byte // the response as written

	date    []byte // the Date header's value, cached for dateSec
	dateSec int64

	poll   *time.Timer // the long-polls' PollTimeout (pollTimer)
	pollAt time.Time
}

// fastBufSize is a fast connection's read buffer: a request of a polling
// client, headers and body, is a few hundred bytes. It grows for a larger
// request, and shrinks back after it.
const fastBufSize = 4 << 10

// fastCandidate reports whether net/http's request r, if it is answered
// with success, leaves its connection to the fast path: HTTP/1.1 kept
// alive, a route the fast path serves, a body of known length, a session of
// this server.
func (s *Server) fastCandidate(r *http.Request, o *Options) bool {
	if o.DisableFastPath || r.ProtoMajor != 1 || r.ProtoMinor != 1 || r.Close ||
		len(r.TransferEncoding) > 0 || r.ContentLength < 0 || r.Header.Get("Upgrade") != "" {
		return false
	}
	var h fastHead
	h.method = r.Method
	if r.Method != http.MethodGet && r.Method != http.MethodPost {
		return false
	}
	h.target = r.RequestURI
	h.path, h.query, _ = strings.Cut(h.target, "?")
	return h.route(s.httpPath) && s.session(fastSID(h.path, s.httpPath)) != nil
}

// fastSID is the sid in the path of a fast route.
func fastSID(path, httpPath string) string {
	sid, _, _ := strings.Cut(path[len(httpPath)+1:], "/")
	return sid
}

// statusWriter notes the status of the adopting request's response.
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(p []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(p)
}

func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// adopt takes the connection of request r, answered with success, from
// net/http, and serves its next requests on the fast path, until the
// connection ends or is handed back.
func (s *Server) adopt(w *statusWriter, r *http.Request) {
	if (w.status != http.StatusOK && w.status != http.StatusNoContent) || !bodyRead(r) || !s.enterSession() {
		return
	}
	rc := http.NewResponseController(w.ResponseWriter)
	if rc.Flush() != nil {
		s.wg.Done()
		return
	}
	c, brw, err := rc.Hijack()
	if err != nil {
		s.wg.Done()
		return
	}
	fc := s.newFastConn(c, r.RemoteAddr)
	if n := brw.Reader.Buffered(); n > 0 {
		b, _ := brw.Reader.Peek(n)
		fc.n = copy(fc.grow(n), b)
	}
	if !s.trackFast(fc) {
		fc.end(false)
		return
	}
	s.stats.fastAdopted.Add(1)
	fc.serve()
}

// bodyRead reports whether r's body, if any, has been read to its end, so
// that what follows on the connection is the next request.
func bodyRead(r *http.Request) bool {
	if r.Body == nil || r.Body == http.NoBody {
		return true
	}
	b, ok := r.Body.(*deadlineBody)
	return ok && b.done
}

func (s *Server) newFastConn(c net.Conn, remote string) *fastConn {
	fc := &fastConn{s: s, c: c, io: newConnIO(c), buf: make([]byte, fastBufSize)}
	ctx := context.WithValue(context.Background(), fastKey{}, fc)
	fc.ctx, fc.cancel = context.WithCancel(ctx)
	fc.req = (&http.Request{
		Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
		Header:     make(http.Header, 2),
		RemoteAddr: remote,
	}).WithContext(fc.ctx)
	fc.w = fastWriter{fc: fc, hdr: make(http.Header, 12)}
	return fc
}

// fastConnOf is the fast connection r came on, or nil for net/http's.
func fastConnOf(r *http.Request) *fastConn {
	fc, _ := r.Context().Value(fastKey{}).(*fastConn)
	return fc
}

// serve reads and answers requests until the connection ends or a request
// goes back to net/http.
func (fc *fastConn) serve() {
	handedBack := false
	defer func() { fc.end(handedBack) }()
	for {
		o := fc.s.options()
		head, bodyAt, got := fc.readHead(o)
		if got == headEnded {
			return
		}
		h, ok := parseFastHead(head, fc.s.httpPath)
		if got == headTooLarge || !ok || o.DisableFastPath || h.length > o.MaxBody || fc.s.session(fastSID(h.path, fc.s.httpPath)) == nil {
			fc.handBack()
			handedBack = true
			return
		}
		if !fc.readBody(bodyAt+h.length, o) {
			return
		}
		fc.answer(&h, fc.buf[bodyAt:bodyAt+h.length])
		fc.consume(bodyAt + h.length)
		if !fc.w.answered() || fc.w.err != nil {
			return // a held poll whose connection was dropped, or a failed write
		}
	}
}

// readHead reads until the buffer holds a whole request head, and returns it
// (without the blank line) and where its body starts. The wait for the
// first byte is bounded by IdleTimeout, the rest of the head by
// ReadHeaderTimeout, as net/http bounds them. A head larger than net/http
// allows is headTooLarge, for net/http to answer (431).
func (fc *fastConn) readHead(o *Options) (head []byte, bodyAt int, got headResult) {
	limit := o.MaxHeaderBytes + 4096 // net/http's slack
	if fc.n == 0 {
		fc.idle.Store(true)
		if fc.s.fastClosing() {
			return nil, 0, headEnded
		}
	}
	if !fc.readBy(time.Now().Add(o.IdleTimeout), o.IdleTimeout/2) {
		return nil, 0, headEnded
	}
	var err error
	timed := false
	for {
		if i := bytes.Index(fc.buf[:fc.n], crlfcrlf); i >= 0 {
			return fc.buf[:i], i + 4, headRead
		}
		if err != nil {
			return nil, 0, headEnded
		}
		if fc.n >= limit {
			return nil, 0, headTooLarge
		}
		if fc.n > 0 && !timed {
			// Part of a head is in: the rest within ReadHeaderTimeout.
			timed = true
			fc.readBy(time.Now().Add(o.ReadHeaderTimeout), 0)
		}
		if fc.n == len(fc.buf) {
			fc.grow(min(len(fc.buf)*2, limit) - fc.n)
		}
		var m int
		m, err = fc.io.Read(fc.buf[fc.n:])
		fc.n += m
		if m > 0 {
			fc.idle.Store(false)
		}
	}
}

// headResult is what readHead found.
type headResult uint8

const (
	headRead     headResult = iota
	headEnded               // the connection ended, failed or timed out
	headTooLarge            // over MaxHeaderBytes: net/http's to answer
)

// readBy sets the read deadline to t, unless the one set is no more than
// slack earlier: setting a deadline costs a timer update, and a polling
// client's connection would pay one per request for the idle bound alone.
func (fc *fastConn) readBy(t time.Time, slack time.Duration) bool {
	if slack > 0 && t.Sub(fc.rdl) <= slack {
		return true
	}
	fc.rdl = t
	return fc.c.SetReadDeadline(t) == nil
}

var crlfcrlf = []byte("\r\n\r\n")

// grow returns the free part of the buffer after buf[:n], made at least want
// bytes long.
func (fc *fastConn) grow(want int) []byte {
	if len(fc.buf)-fc.n < want {
		nb := make([]byte, fc.n+want)
		copy(nb, fc.buf[:fc.n])
		fc.buf = nb
	}
	return fc.buf[fc.n:]
}

// readBody reads until the buffer holds end bytes: a request's head and
// body. A body that does not arrive within BodyTimeout is answered 408
// body_timeout, as net/http's routes answer it, and the connection closed.
func (fc *fastConn) readBody(end int, o *Options) bool {
	if fc.n >= end {
		return true
	}
	fc.grow(end - fc.n)
	fc.readBy(time.Now().Add(o.BodyTimeout), 0)
	for fc.n < end {
		m, err := fc.io.Read(fc.buf[fc.n:end])
		fc.n += m
		if err != nil {
			if bodyTimedOut(err) {
				fc.w.reset()
				fc.s.failBodyTimeout(&fc.w, o)
				_ = fc.w.FlushError()
			}
			return false
		}
	}
	return true
}

// consume drops the request just served from the buffer, keeping what
// follows it, and lets a buffer grown for a large request go.
func (fc *fastConn) consume(end int) {
	fc.n = copy(fc.buf, fc.buf[end:fc.n])
	if len(fc.buf) > fastBufSize && fc.n <= fastBufSize {
		nb := make([]byte, fastBufSize)
		fc.n = copy(nb, fc.buf[:fc.n])
		fc.buf = nb
	}
}

// answer runs the transports' handler for one request and sends its
// response, unless it gave none.
func (fc *fastConn) answer(h *fastHead, body []byte) {
	r := fc.req
	r.Method = h.method
	fc.url = url.URL{Path: h.path, RawQuery: h.query}
	r.URL = &fc.url
	r.RequestURI = h.target
	clear(r.Header)
	if h.hasCType {
		fc.ctype[0] = h.ctype
		r.Header["Content-Type"] = fc.ctype[:]
	}
	if h.origin != "" {
		fc.orig[0] = h.origin
		r.Header["Origin"] = fc.orig[:]
	}
	r.ContentLength = int64(len(body))
	r.Body = http.NoBody
	if len(body) > 0 {
		fc.body.Reset(body)
		r.Body = &fc.body
	}
	fc.w.reset()
	fc.s.stats.fastRequests.Add(1)
	fc.s.serveHTTP(&fc.w, r)
	if fc.w.answered() {
		_ = fc.w.FlushError()
	}
}

// writeResponse writes the response w holds in one write, bounded by the
// deadline its handler set, or by WriteTimeout.
func (fc *fastConn) writeResponse(w *fastWriter) error {
	// As with reads (readBy), the deadline is moved only when it has
	// fallen half a WriteTimeout behind: a write gets between half and all
	// of it.
	wt := fc.s.options().WriteTimeout
	if w.deadline.IsZero() {
		w.deadline = time.Now().Add(wt)
	}
	if w.deadline.Sub(fc.wdl) > wt/2 || w.deadline.Before(fc.wdl) {
		fc.wdl = w.deadline
		if err := fc.c.SetWriteDeadline(w.deadline); err != nil {
			return err
		}
	}
	fc.out = w.appendHead(fc.out[:0], fc.dateNow())
	fc.out = append(fc.out, w.body...)
	_, err := fc.io.Write(fc.out)
	if cap(fc.out) > 4*fastBufSize {
		fc.out = nil
	}
	if cap(w.body) > 4*fastBufSize {
		w.body = nil
	}
	return err
}

// dateNow is the Date header's value for now, formatted once a second.
func (fc *fastConn) dateNow() []byte {
	now := time.Now()
	if sec := now.Unix(); sec != fc.dateSec || fc.date == nil {
		fc.dateSec = sec
		fc.date = now.UTC().AppendFormat(fc.date[:0], http.TimeFormat)
	}
	return fc.date
}

// handBack gives the connection, with the bytes read and not consumed,
// back to net/http, with no deadline of the fast path's left on it.
func (fc *fastConn) handBack() {
	fc.s.stats.fastHandbacks.Add(1)
	_ = fc.c.SetDeadline(time.Time{})
	c, pending := fc.c, bytes.Clone(fc.buf[:fc.n])
	if rc, ok := c.(*replayConn); ok {
		// Handed back before: one replayConn, with what it still holds
		// after what the fast path read, not one inside another.
		c, pending = rc.Conn, append(pending, rc.pending...)
	}
	fc.s.handback().give(&replayConn{Conn: c, pending: pending})
}

// end closes the connection unless it went back to net/http, and releases
// its count.
func (fc *fastConn) end(handedBack bool) {
	fc.s.untrackFast(fc)
	if !handedBack {
		_ = fc.c.Close()
	}
	fc.cancel()
	if fc.poll != nil {
		fc.poll.Stop()
	}
	fc.s.wg.Done()
}

// pollTimer is the channel on which a long-poll held on this connection
// learns that PollTimeout d has passed. One timer serves every poll of the
// connection and is rearmed only when less than half of d is left on it:
// an empty answer comes after between half of d and d, which is all the
// protocol asks of it, and a long-polling client does not pay a timer per
// update.
func (fc *fastConn) pollTimer(d time.Duration) <-chan time.Time {
	now := time.Now()
	switch {
	case fc.poll == nil:
		fc.poll = time.NewTimer(d)
	case fc.pollAt.Sub(now) < d/2:
		fc.poll.Reset(d) // a value it sent no poll took is dropped
	default:
		return fc.poll.C
	}
	fc.pollAt = now.Add(d)
	return fc.poll.C
}

// abort drops the connection: a held poll on it ends at once.
func (fc *fastConn) abort() {
	fc.cancel()
	_ = fc.c.Close()
}

// fastBody is a request body the fast path has read whole.
type fastBody struct{ bytes.Reader }

func (*fastBody) Close() error { return nil }

// route reports whether h's method and path are a route of the fast path:
// GET {httpPath}/{sid}, POST {httpPath}/{sid} or POST
// {httpPath}/{sid}/exchange, in a form net/http's mux would neither clean
// nor redirect.
func (h *fastHead) route(httpPath string) bool {
	if strings.ContainsAny(h.target, "#% \t") || strings.ContainsRune(h.query, '?') {
		return false
	}
	rest, ok := strings.CutPrefix(h.path, httpPath+"/")
	if !ok {
		return false
	}
	sid, sub, _ := strings.Cut(rest, "/")
	if !httpwire.ValidSID(sid) {
		return false
	}
	switch {
	case sub == "" && !strings.HasSuffix(rest, "/"):
		return true
	case sub == httpwire.ExchangeSegment:
		return h.method == http.MethodPost
	}
	return false
}

// trackFast registers a fast connection, unless Close has begun closing
// them.
func (s *Server) trackFast(fc *fastConn) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.fastShut {
		return false
	}
	s.fast[fc] = struct{}{}
	return true
}

func (s *Server) untrackFast(fc *fastConn) {
	s.mu.Lock()
	delete(s.fast, fc)
	s.mu.Unlock()
}

// fastClosing reports whether Close has closed the idle fast connections,
// which the others follow after their current request.
func (s *Server) fastClosing() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.fastShut
}

// shutFast closes the fast connections waiting for a request, as
// net/http's Shutdown closes its idle ones; a busy one closes after its
// response. With drop, it drops every one of them, busy or not.
func (s *Server) shutFast(drop bool) {
	s.mu.Lock()
	s.fastShut = true
	var close []*fastConn
	for fc := range s.fast {
		if drop || fc.idle.Load() {
			close = append(close, fc)
		}
	}
	s.mu.Unlock()
	for _, fc := range close {
		fc.abort()
	}
}
