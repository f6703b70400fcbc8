package client

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/lxzan/gws"
	"github.com/tickroom/tickroom/transports/httpwire"
)

// wsConn is a connection over one WebSocket, dialled directly or opened as
// the probe of an upgrade. Until live is set (the upgrade message has gone
// out), binary messages are not frames of this client and are dropped.
type wsConn struct {
	gws.BuiltinEventHandler
	c     *Client
	ws    *gws.Conn
	onEnd func(error)

	live      atomic.Bool
	cutting   atomic.Bool   // cut closed the socket: the end is ErrDropped
	probed    chan struct{} // closed when the server answered "probe"
	probeOnce sync.Once

	doneCh chan struct{} // closed when the connection has ended
	exited chan struct{} // closed when the reader goroutine has returned
	armed  time.Time     // when the read deadline was last pushed; reader goroutine only
	mu     sync.Mutex
	endErr error
}

// refusedError marks a WebSocket attempt that failed because nothing listens
// on the port: the HTTP transports, on the same port, would fail too.
type refusedError struct{ err error }

func (e *refusedError) Error() string { return e.err.Error() }
func (e *refusedError) Unwrap() error { return e.err }

// dialWebSocket connects to rawURL and performs the WebSocket handshake, all
// within ctx and Options.HandshakeTimeout, showing ticket if there is one
// (never on the probe of an upgrade, whose session was accepted already).
// The reader is not started: call start once the Client knows the
// connection.
func dialWebSocket(ctx context.Context, c *Client, rawURL string, live bool, ticket string) (*wsConn, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(ctx, c.opts.HandshakeTimeout)
	defer cancel()
	var d net.Dialer
	nc, err := d.DialContext(ctx, "tcp", hostPort(u))
	if err != nil {
		if errors.Is(err, syscall.ECONNREFUSED) {
			return nil, &refusedError{err}
		}
		return nil, err
	}
	if u.Scheme == "wss" {
		nc = tls.Client(nc, &tls.Config{ServerName: u.Hostname()})
	}
	// gws bounds the handshake by a deadline; closing the socket makes it
	// give up as soon as ctx ends (the caller's cancel or Close).
	stop := context.AfterFunc(ctx, func() { _ = nc.Close() })
	w := &wsConn{
		c:      c,
		probed: make(chan struct{}),
		doneCh: make(chan struct{}),
		exited: make(chan struct{}),
	}
	w.live.Store(live)
	timeout := c.opts.HandshakeTimeout
	if dl, ok := ctx.Deadline(); ok {
		timeout = min(timeout, time.Until(dl))
	}
	ws, resp, err := gws.NewClientFromConn(w, &gws.ClientOption{
		Addr:               rawURL,
		RequestHeader:      withTicket(c.opts.Header, ticket),
		HandshakeTimeout:   timeout,
		ReadMaxPayloadSize: c.opts.ReadLimit,
	}, nc)
	if !stop() {
		_ = nc.Close()
		if err == nil {
			err = ctx.Err()
		}
		return nil, fmt.Errorf("websocket handshake: %w", err)
	}
	if err != nil {
		if resp != nil && resp.StatusCode != http.StatusSwitchingProtocols {
			// The server refused before the upgrade: say why, as an HTTP
			// transport's refusal would (server_busy, server_full, …).
			return nil, refusedUpgrade(resp)
		}
		return nil, fmt.Errorf("websocket handshake: %w", err)
	}
	w.ws = ws
	return w, nil
}

// refusedUpgrade is the *HTTPError of a WebSocket handshake answered with
// another status than 101. gws has closed the connection by then, so the
// JSON body is read only as far as it arrived with the headers (a small
// answer does, whole); the status and Retry-After always are.
func refusedUpgrade(resp *http.Response) *HTTPError {
	defer func() { _ = resp.Body.Close() }()
	return httpError("websocket", resp)
}

// start runs the reader goroutine; close waits for it.
func (w *wsConn) start(onEnd func(error)) {
	w.onEnd = onEnd
	w.heard()
	go func() {
		defer close(w.exited)
		w.ws.ReadLoop()
	}()
}

func (w *wsConn) transport() string { return TransportWebSocket }

func (w *wsConn) send(frame []byte) error {
	if err := w.ws.WriteMessage(gws.OpcodeBinary, frame); err != nil {
		return fmt.Errorf("client: write: %w", err)
	}
	return nil
}

func (w *wsConn) sendText(s string) error {
	if err := w.ws.WriteString(s); err != nil {
		return fmt.Errorf("client: write: %w", err)
	}
	return nil
}

func (w *wsConn) close() {
	_ = w.ws.WriteClose(1000, nil)
	<-w.exited
}

// cut closes the socket under the WebSocket: the reader fails, and
// OnClose reports ErrDropped. gws's attempt to write a close frame on the
// way out finds the socket closed.
func (w *wsConn) cut() {
	w.cutting.Store(true)
	_ = w.ws.NetConn().Close()
}

func (w *wsConn) done() <-chan struct{} { return w.doneCh }

func (w *wsConn) err() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.endErr
}

func (w *wsConn) OnClose(_ *gws.Conn, err error) {
	var ce *gws.CloseError
	switch {
	case w.cutting.Load():
		err = ErrDropped
	case errors.As(err, &ce):
		err = &CloseError{Code: ce.Code, Reason: string(ce.Reason)}
	case err == nil:
		err = ErrClosed
	case errors.Is(err, os.ErrDeadlineExceeded):
		err = fmt.Errorf("client: websocket: nothing heard for %v: %w", w.c.opts.IdleTimeout, err)
	default:
		err = fmt.Errorf("client: websocket: %w", err)
	}
	w.mu.Lock()
	w.endErr = err
	w.mu.Unlock()
	close(w.doneCh) // before onEnd: see Client.upgrade
	if w.onEnd != nil {
		w.onEnd(err)
	}
}

func (w *wsConn) OnPing(conn *gws.Conn, payload []byte) {
	w.heard()
	_ = conn.WritePong(payload)
}

func (w *wsConn) OnPong(*gws.Conn, []byte) { w.heard() }

// heard pushes the read deadline IdleTimeout ahead: something arrived. It
// moves the deadline at most a few times per timeout rather than per frame,
// which at 20 states a second would be a timer update each.
func (w *wsConn) heard() {
	idle := w.c.opts.IdleTimeout
	if now := time.Now(); now.Sub(w.armed) >= idle/8 {
		w.armed = now
		_ = w.ws.SetReadDeadline(now.Add(idle))
	}
}

func (w *wsConn) OnMessage(_ *gws.Conn, msg *gws.Message) {
	defer msg.Close()
	w.heard()
	if msg.Opcode == gws.OpcodeText {
		if msg.Data.String() == httpwire.ProbeMessage {
			w.probeOnce.Do(func() { close(w.probed) })
		}
		return
	}
	if w.live.Load() {
		w.c.deliver(msg.Bytes())
	}
}
