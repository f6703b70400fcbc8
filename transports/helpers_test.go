package transports

import (
	"context"
	"encoding/binary"
	"net"
	"net/http"
	"runtime"
	"sync/atomic"
	"testing"
	"time"

	"github.com/lxzan/gws"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// waitTimeout bounds every wait in these tests. Tests normally finish far
// sooner; it only turns a hang into a failure.
const waitTimeout = 10 * time.Second

// testHandler accepts every link (or refuses with acceptErr) and publishes a
// testReceiver per link. With echo set, each receiver sends every frame back
// as a ClassControl frame.
type testHandler struct {
	accepted  chan *testReceiver
	acceptErr error
	echo      bool
}

func newTestHandler() *testHandler { return &testHandler{accepted: make(chan *testReceiver, 16)} }

// newEchoHandler is a testHandler that echoes, with room for many links.
func newEchoHandler() *testHandler {
	return &testHandler{accepted: make(chan *testReceiver, 1024), echo: true}
}

func (h *testHandler) Accept(l Link, r *http.Request) (Receiver, error) {
	rc := &testReceiver{
		link:     l,
		frames:   make(chan []byte, 1024),
		tooLarge: make(chan int, 16),
		closed:   make(chan error, 1),
		echo:     h.echo,
	}
	h.accepted <- rc
	if h.acceptErr != nil {
		return nil, h.acceptErr
	}
	return rc, nil
}

// next waits for the next accepted link.
func (h *testHandler) next(t testing.TB) *testReceiver {
	t.Helper()
	select {
	case rc := <-h.accepted:
		return rc
	case <-time.After(waitTimeout):
		t.Fatal("no link accepted")
		return nil
	}
}

// testReceiver records one link's inbound events.
type testReceiver struct {
	link     Link
	frames   chan []byte
	tooLarge chan int
	closed   chan error
	closes   atomic.Int32
	echo     bool
}

func (r *testReceiver) OnFrame(b []byte) {
	f := append([]byte(nil), b...)
	if r.echo {
		_ = r.link.Send(ClassControl, nil, f)
	}
	r.frames <- f
}
func (r *testReceiver) OnTooLarge(n int) { r.tooLarge <- n }
func (r *testReceiver) OnClose(err error) {
	r.closes.Add(1)
	r.closed <- err
}

// waitClosed waits for OnClose and returns its error.
func (r *testReceiver) waitClosed(t *testing.T) error {
	t.Helper()
	select {
	case err := <-r.closed:
		return err
	case <-time.After(waitTimeout):
		t.Fatal("Receiver.OnClose not called")
		return nil
	}
}

// newTestServer opens a server on a loopback port and closes it at cleanup.
func newTestServer(t testing.TB, o Options, h Handler) *Server {
	t.Helper()
	if o.CloseDrain == 0 {
		// Most tests end with idle HTTP sessions that never come back for
		// their close record; the drain is tested on its own.
		o.CloseDrain = 50 * time.Millisecond
	}
	s := NewServer(o, h)
	if err := s.Open("127.0.0.1:0"); err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
		defer cancel()
		if err := s.Close(ctx); err != nil {
			t.Errorf("Close: %v", err)
			buf := make([]byte, 1<<20)
			t.Logf("%s", buf[:runtime.Stack(buf, true)])
		}
	})
	return s
}

// testClient is a gws client that records what it receives. Its reader does not
// run until start, which is how tests play a client that stops reading.
type testClient struct {
	conn     *gws.Conn
	msgs     chan []byte
	ops      chan gws.Opcode // each message's opcode, before msgs gets it; nil unless dialOptions.opcodes
	headOnly int             // keep only this many leading bytes of each message (0: all)
	noPong   bool
	discard  bool
	received atomic.Int64
	onPong   func([]byte) // set before the first ping is sent
	pings    atomic.Int64
	closed   chan error
	loopDone chan struct{}
	started  atomic.Bool
}

type dialOptions struct {
	origin   string
	header   http.Header // more handshake headers (a ticket, subprotocols)
	url      string      // to dial instead of the server's URL
	headOnly int
	noPong   bool
	noRead   bool   // do not start the reader
	discard  bool   // count messages instead of recording them
	opcodes  bool   // record each message's opcode too (testClient.ops)
	local    string // the client's own IP address ("" for any; see localDialer)
}

func dial(t testing.TB, s *Server, o dialOptions) *testClient {
	t.Helper()
	c, resp, err := dialErr(s, o)
	if err != nil {
		t.Fatalf("dial: %v (response %v)", err, resp)
	}
	t.Cleanup(c.stop)
	if !o.noRead {
		c.start()
	}
	return c
}

func dialErr(s *Server, o dialOptions) (*testClient, *http.Response, error) {
	c := &testClient{
		msgs:     make(chan []byte, 4096),
		headOnly: o.headOnly,
		noPong:   o.noPong,
		discard:  o.discard,
		closed:   make(chan error, 1),
		loopDone: make(chan struct{}),
	}
	if o.opcodes {
		c.ops = make(chan gws.Opcode, cap(c.msgs))
	}
	h := o.header.Clone()
	if h == nil {
		h = http.Header{}
	}
	if o.origin != "" {
		h.Set("Origin", o.origin)
	}
	addr := s.URL()
	if o.url != "" {
		addr = o.url
	}
	co := &gws.ClientOption{Addr: addr, RequestHeader: h}
	if o.local != "" {
		co.NewDialer = func() (gws.Dialer, error) { return localDialer(o.local), nil }
	}
	conn, resp, err := gws.NewClient(c, co)
	if err != nil {
		return nil, resp, err
	}
	if resp != nil && resp.Body != nil {
		_ = resp.Body.Close()
	}
	c.conn = conn
	return c, resp, nil
}

// localDialer dials from the IP address local (a loopback address other
// than 127.0.0.1, so that the server sees another client).
func localDialer(local string) *net.Dialer {
	return &net.Dialer{Timeout: waitTimeout, LocalAddr: &net.TCPAddr{IP: net.ParseIP(local)}}
}

// needLocalAddr skips the test where the system cannot dial from local
// (127.0.0.2 is the host's on Linux, not on macOS by default).
func needLocalAddr(t *testing.T, s *Server, local string) {
	t.Helper()
	c, err := localDialer(local).Dial("tcp", s.Addr().String())
	if err != nil {
		t.Skipf("cannot dial from %s here: %v", local, err)
	}
	_ = c.Close()
}

func (c *testClient) start() {
	if c.started.CompareAndSwap(false, true) {
		go func() {
			defer close(c.loopDone)
			c.conn.ReadLoop()
		}()
	}
}

func (c *testClient) stop() {
	_ = c.conn.NetConn().Close()
	if c.started.Load() {
		<-c.loopDone
	}
}

func (c *testClient) OnOpen(*gws.Conn) {}
func (c *testClient) OnPong(_ *gws.Conn, p []byte) {
	if c.onPong != nil {
		c.onPong(p)
	}
}
func (c *testClient) OnClose(_ *gws.Conn, e error) { c.closed <- e }
func (c *testClient) OnPing(conn *gws.Conn, p []byte) {
	c.pings.Add(1)
	if !c.noPong {
		_ = conn.WritePong(p)
	}
}
func (c *testClient) OnMessage(_ *gws.Conn, m *gws.Message) {
	defer m.Close()
	c.received.Add(1)
	if c.discard {
		return
	}
	if c.ops != nil {
		c.ops <- m.Opcode
	}
	b := m.Bytes()
	if c.headOnly > 0 && len(b) > c.headOnly {
		b = b[:c.headOnly]
	}
	c.msgs <- append([]byte(nil), b...)
}

// recv waits for the client's next message.
func (c *testClient) recv(t *testing.T) []byte {
	t.Helper()
	select {
	case b := <-c.msgs:
		return b
	case <-time.After(waitTimeout):
		t.Fatal("client received nothing")
		return nil
	}
}

// waitClosed waits for the client's reader to end and returns the close code
// the server sent, or 0 if there was none.
func (c *testClient) waitClosed(t *testing.T) (code uint16, reason string) {
	t.Helper()
	select {
	case err := <-c.closed:
		if ce, ok := err.(*gws.CloseError); ok {
			return ce.Code, string(ce.Reason)
		}
		return 0, ""
	case <-time.After(waitTimeout):
		t.Fatal("client connection not closed")
		return 0, ""
	}
}

// waitFor polls cond until it holds or the deadline passes.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(waitTimeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(time.Millisecond)
	}
}

// seqHead encodes a sequence number as a frame head.
func seqHead(i int) []byte { return binary.BigEndian.AppendUint32(nil, uint32(i)) }

func seqOf(b []byte) int { return int(binary.BigEndian.Uint32(b)) }
