package transports

import (
	"errors"
	"fmt"
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	"github.com/lxzan/gws"
)

// probeClient is a gws client on the WebSocket endpoint with ?sid=, recording
// text and binary messages separately.
type probeClient struct {
	noPong   atomic.Bool // play a client that stopped answering pings
	conn     *gws.Conn
	texts    chan string
	binaries chan []byte
	closed   chan error
	loopDone chan struct{}
	hold     <-chan struct{} // nil, or the reader stops at the first binary message until it is closed
}

// dialProbe opens the probe WebSocket of c's session.
func (c *httpClient) dialProbe() (*probeClient, *http.Response, error) { return c.dialProbeHeld(nil) }

// dialProbeHeld is dialProbe for a client that stops reading at its first
// binary message until hold is closed: a WebSocket reader that stalls after
// the upgrade. The caller must close hold before the test's cleanups run.
func (c *httpClient) dialProbeHeld(hold <-chan struct{}) (*probeClient, *http.Response, error) {
	p := &probeClient{
		texts:    make(chan string, 16),
		binaries: make(chan []byte, 1<<16),
		closed:   make(chan error, 1),
		loopDone: make(chan struct{}),
		hold:     hold,
	}
	conn, resp, err := gws.NewClient(p, &gws.ClientOption{Addr: c.srv.URL() + "?sid=" + c.sid})
	if err != nil {
		return nil, resp, err
	}
	if resp != nil && resp.Body != nil {
		resp.Body.Close()
	}
	p.conn = conn
	go func() {
		defer close(p.loopDone)
		conn.ReadLoop()
	}()
	c.t.Cleanup(p.stop)
	return p, resp, nil
}

func (p *probeClient) stop() {
	_ = p.conn.NetConn().Close()
	<-p.loopDone
}

func (p *probeClient) OnOpen(*gws.Conn)         {}
func (p *probeClient) OnPong(*gws.Conn, []byte) {}
func (p *probeClient) OnPing(c *gws.Conn, b []byte) {
	if !p.noPong.Load() {
		_ = c.WritePong(b)
	}
}
func (p *probeClient) OnClose(_ *gws.Conn, err error) { p.closed <- err }
func (p *probeClient) OnMessage(_ *gws.Conn, m *gws.Message) {
	defer m.Close()
	if m.Opcode == gws.OpcodeText {
		p.texts <- string(m.Bytes())
		return
	}
	if p.hold != nil {
		<-p.hold
	}
	p.binaries <- append([]byte(nil), m.Bytes()...)
}

// text waits for the next text message.
func (p *probeClient) text(t testing.TB) string {
	t.Helper()
	select {
	case s := <-p.texts:
		return s
	case <-time.After(waitTimeout):
		t.Fatal("probe: no text message")
		return ""
	}
}

// binary waits for the next binary message.
func (p *probeClient) binary(t testing.TB) []byte {
	t.Helper()
	select {
	case b := <-p.binaries:
		return b
	case <-time.After(waitTimeout):
		t.Fatal("probe: no binary message")
		return nil
	}
}

// waitClosed waits for the probe to close and returns the server's code.
func (p *probeClient) waitClosed(t testing.TB) uint16 {
	t.Helper()
	select {
	case err := <-p.closed:
		var ce *gws.CloseError
		if errors.As(err, &ce) {
			return ce.Code
		}
		return 0
	case <-time.After(waitTimeout):
		t.Fatal("probe not closed")
		return 0
	}
}

// upgrade takes c's session through probe and "upgrade" with nothing in
// flight and returns the WebSocket.
func (c *httpClient) upgrade(t *testing.T) *probeClient {
	t.Helper()
	p, _, err := c.dialProbe()
	if err != nil {
		t.Fatalf("probe: %v", err)
	}
	if err := p.conn.WriteString("probe"); err != nil {
		t.Fatal(err)
	}
	if msg := p.text(t); msg != "probe" {
		t.Fatalf("probe answered %q", msg)
	}
	if err := p.conn.WriteString(fmt.Sprintf("upgrade %d", c.ack)); err != nil {
		t.Fatal(err)
	}
	waitUp(t, c.srv, c.sid, upDone)
	return p
}
