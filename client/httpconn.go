package client

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"time"

	"github.com/tickroom/tickroom/transports/httpwire"
)

// maxFetchFailures is how many downlink requests in a row may fail (network
// errors, 5xx, 409) before the session is given up. Retrying is safe: the
// server keeps every record until a later request acknowledges it.
const maxFetchFailures = 6

// errUpgraded is the end of an HTTP session that moved to WebSocket.
var errUpgraded = errors.New("client: session moved to websocket")

// fetcher makes one downlink request, acknowledging the highest seq
// delivered so far, and delivers the records as they are read. It returns how
// many frames it delivered; a close record comes back as a *CloseError.
type fetcher interface {
	fetch(ctx context.Context) (int, error)
}

// httpConn is a connection over the HTTP transports: one session, one
// downlink goroutine running a fetcher in a loop (pollConn for long-polling
// and polling, streamConn for streaming), and an uplink. The downlink can be
// paused for an upgrade and resumed if the upgrade does not happen.
type httpConn struct {
	c          *Client
	s          *httpSession
	kind       string  // the downlink the session was opened with
	upgradable bool    // the client should try to move it to WebSocket (Client.start)
	down       fetcher // touched only by the downlink goroutine, one at a time
	up         *uplink
	onEnd      func(error)

	seq       atomic.Uint64 // highest record seq delivered: the ack
	streaming atomic.Bool   // the downlink is a stream: kind is stream, and it has not fallen back

	ctx    context.Context // ends every request; cancelled by abort and finish
	cancel context.CancelFunc

	mu         sync.Mutex
	paused     bool               // no new downlink request may start
	pauseCh    chan struct{}      // closed when paused is set
	reqCancel  context.CancelFunc // cancels the downlink request in flight
	downDone   chan struct{}      // closed when the downlink goroutine has returned
	abortErr   error              // the uplink failed
	abortTimer *time.Timer        // cancels ctx abortGrace after abortErr is set
	endErr     error

	finishOnce sync.Once
	doneCh     chan struct{}
}

func newHTTPConn(c *Client, s *httpSession, kind string) *httpConn {
	ctx, cancel := context.WithCancel(context.Background())
	h := &httpConn{c: c, s: s, kind: kind, ctx: ctx, cancel: cancel, doneCh: make(chan struct{})}
	if kind == TransportStream {
		h.down = &streamConn{h: h}
		h.streaming.Store(true)
	} else {
		h.down = &pollConn{h: h, noWait: kind == TransportPoll}
	}
	h.up = newUplink(ctx, s, c.opts, h.seq.Load, h.abort)
	h.up.hold = h.exchangeHold
	return h
}

// start runs the uplink and downlink goroutines; close waits for them.
func (h *httpConn) start(onEnd func(error)) {
	h.onEnd = onEnd
	h.up.start()
	h.startDownlink()
}

func (h *httpConn) startDownlink() {
	h.mu.Lock()
	h.paused = false
	h.pauseCh = make(chan struct{})
	h.downDone = make(chan struct{})
	pause, done := h.pauseCh, h.downDone
	h.mu.Unlock()
	go h.runDownlink(pause, done)
}

// transport is the session's downlink now: a stream that fell back is
// long-polling.
func (h *httpConn) transport() string {
	if h.kind == TransportStream && !h.streaming.Load() {
		return TransportLongPoll
	}
	return h.kind
}

// fallBack moves a streaming session to long-polling for good, because a
// proxy on the way buffers its streams (see streamConn). The server keeps
// every record the lost stream carried until a request acknowledges it, so
// the first long-poll brings them again. It runs on the downlink goroutine.
func (h *httpConn) fallBack() {
	h.down = &pollConn{h: h}
	h.streaming.Store(false)
	h.c.fellBack(h)
}

func (h *httpConn) send(frame []byte) error { return h.up.send(frame) }

func (h *httpConn) done() <-chan struct{} { return h.doneCh }

func (h *httpConn) err() error {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.endErr
}

func (h *httpConn) runDownlink(pause <-chan struct{}, done chan struct{}) {
	defer close(done)
	if err := h.downlink(pause); err != nil {
		h.finish(err, false)
	}
}

// downlink fetches until the session ends (its error is returned) or the
// downlink is paused or closed (nil).
func (h *httpConn) downlink(pause <-chan struct{}) error {
	failures := 0
	var aim pollAim
	for {
		ctx, cancel := context.WithCancel(h.ctx)
		h.mu.Lock()
		stop, abortErr := h.paused || h.abortErr != nil || h.ctx.Err() != nil, h.abortErr
		if !stop {
			h.reqCancel = cancel
		}
		h.mu.Unlock()
		if stop {
			cancel()
			return abortErr
		}
		start := time.Now()
		n, err := h.down.fetch(ctx)
		took := time.Since(start)
		cancel()
		var ce *CloseError
		if errors.As(err, &ce) {
			return ce // the server's word beats our own failures
		}
		if ce := goingAway(err); ce != nil {
			return ce
		}
		if e := h.aborted(); e != nil {
			return e
		}
		switch {
		case errors.Is(err, errStreamBuffered):
			h.fallBack()
			continue
		case err == nil:
			failures = 0
			if h.kind == TransportPoll {
				if d := aim.next(n, took, h.c.sendInterval(), h.c.opts.PollInterval); d > 0 {
					h.sleep(pause, d)
				}
			}
			continue
		case h.ctx.Err() != nil || isClosed(pause):
			return nil // cut short by close or pause; nothing is lost
		case !retryable(err):
			return err
		}
		if n > 0 {
			failures = 0
		}
		if failures++; failures >= maxFetchFailures {
			return err
		}
		h.sleep(pause, min(time.Duration(25<<failures)*time.Millisecond, 2*time.Second))
	}
}

func (h *httpConn) sleep(pause <-chan struct{}, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
	case <-pause:
	case <-h.ctx.Done():
	}
}

func isClosed(ch <-chan struct{}) bool {
	select {
	case <-ch:
		return true
	default:
		return false
	}
}

func retryable(err error) bool {
	var he *HTTPError
	if errors.As(err, &he) {
		return he.retryable()
	}
	return !errors.Is(err, httpwire.ErrBadRecord)
}

// abortGrace is how long a downlink request in flight may go on after the
// uplink failed: when the server is closing the session, that request is
// bringing the close record, which says why better than the failed POST.
const abortGrace = time.Second

// abort ends the session because the uplink failed; the downlink goroutine
// (or whoever resumes or retires the connection) finishes it.
func (h *httpConn) abort(err error) {
	h.mu.Lock()
	first := h.abortErr == nil
	if first {
		h.abortErr = err
		h.abortTimer = time.AfterFunc(abortGrace, h.cancel)
	}
	h.mu.Unlock()
}

func (h *httpConn) aborted() error {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.abortErr
}

// pauseDownlink stops the downlink after its current request, for an
// upgrade: a stream is cut at once (the server keeps every record not yet
// acknowledged), a long-poll is given grace to return, since the server
// completes it when the probe arrives. It returns the highest seq delivered,
// and false if the session has ended meanwhile.
func (h *httpConn) pauseDownlink(ctx context.Context, grace time.Duration) (uint64, bool) {
	h.mu.Lock()
	if !h.paused {
		h.paused = true
		close(h.pauseCh)
	}
	cancel, done := h.reqCancel, h.downDone
	h.mu.Unlock()
	if cancel != nil {
		if h.streaming.Load() {
			cancel()
		} else {
			t := time.AfterFunc(grace, cancel)
			defer t.Stop()
		}
	}
	select {
	case <-done:
	case <-ctx.Done():
		if cancel != nil {
			cancel()
		}
		<-done
		return 0, false
	}
	if isClosed(h.doneCh) || h.aborted() != nil {
		return 0, false
	}
	return h.seq.Load(), true
}

// resume restarts a paused downlink: the upgrade did not happen.
func (h *httpConn) resume() {
	h.mu.Lock()
	paused := h.paused
	h.mu.Unlock()
	if paused && !isClosed(h.doneCh) {
		h.startDownlink()
	}
}

// retire ends a session whose downlink moved to WebSocket: every queued
// frame is posted (so that frames sent later over the WebSocket cannot
// overtake them), then the goroutines stop. There is no DELETE: the session
// lives on as the WebSocket. The downlink must be paused.
func (h *httpConn) retire(ctx context.Context) error {
	err := h.up.flush(ctx)
	if err == nil {
		err = h.aborted()
	}
	h.finish(errUpgraded, false)
	return err
}

func (h *httpConn) close() {
	if !isClosed(h.doneCh) {
		// Deliver what is queued (a Leave, say) before saying goodbye.
		ctx, cancel := context.WithTimeout(context.Background(), h.c.opts.HandshakeTimeout)
		_ = h.up.flush(ctx)
		cancel()
		h.mu.Lock()
		if !h.paused {
			h.paused = true
			close(h.pauseCh)
		}
		h.mu.Unlock()
		h.cancel()
	}
	h.mu.Lock()
	done := h.downDone
	h.mu.Unlock()
	<-done
	h.finish(ErrClosed, true)
}

// cut abandons the session as a network failure would: every request is
// cancelled and nothing more is sent, not even the DELETE, so the server
// keeps the session until its heartbeat times out or a resume replaces it.
// close waits for the downlink goroutine.
func (h *httpConn) cut() {
	h.mu.Lock()
	if !h.paused {
		h.paused = true
		close(h.pauseCh)
	}
	h.mu.Unlock()
	h.finish(ErrDropped, false)
}

// finish ends the connection once: stops every request and goroutine, says
// goodbye to the server if polite, and reports the end.
func (h *httpConn) finish(err error, polite bool) {
	h.finishOnce.Do(func() {
		h.cancel()
		h.mu.Lock()
		if h.abortTimer != nil {
			h.abortTimer.Stop()
		}
		h.mu.Unlock()
		h.up.stop()
		if polite {
			_ = h.s.delete(h.c.opts.HandshakeTimeout)
		}
		h.s.hc.CloseIdleConnections()
		h.mu.Lock()
		h.endErr = err
		h.mu.Unlock()
		close(h.doneCh)
		if h.onEnd != nil {
			h.onEnd(err)
		}
	})
}
