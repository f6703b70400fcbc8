package client

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sync/atomic"
	"time"

	"github.com/tickroom/tickroom/transports/httpwire"
)

// pollConn is the downlink of the long-polling transport (GET ?ack=N, held by
// the server until there is something to send, or an exchange carrying the
// frames queued: see exchange.go) and of the polling transport (GET
// ?ack=N&wait=0, answered at once; the loop waits PollInterval after an
// empty answer).
type pollConn struct {
	h      *httpConn
	noWait bool
}

func (p *pollConn) fetch(ctx context.Context) (int, error) {
	h, op := p.h, "longpoll"
	timeout := h.s.pollTimeout + h.c.opts.HandshakeTimeout
	if p.noWait {
		op, timeout = "poll", h.c.opts.HandshakeTimeout
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	var resp *http.Response
	var err error
	if b := p.takeExchange(); b != nil {
		resp, err = h.s.exchange(ctx, b.k, h.seq.Load(), b.body)
		h.up.exchangeDone(b, err)
		if err == nil {
			h.c.mu.Lock()
			h.c.stats.Exchanges++
			h.c.mu.Unlock()
		}
		if uploadRefused(err) {
			return 0, nil // the batch is dropped; the next poll says why
		}
	} else {
		resp, err = h.s.get(ctx, op, "", h.seq.Load(), p.noWait)
	}
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	return h.readRecords(resp.Body, nil)
}

// takeExchange returns the batch a long-poll carries as an exchange, or
// nil for a plain GET (see exchange.go).
func (p *pollConn) takeExchange() *batch {
	if p.noWait {
		return nil
	}
	return p.h.up.takeExchange()
}

// streamConn is the downlink of the streaming transport: GET /stream?ack=N,
// a chunked response whose records are delivered as they arrive. The server
// ends it after streamMaxDuration and the loop opens the next one with the
// latest ack. The server writes a keepalive record with the headers of every
// stream and after every pingInterval of silence, so a stream silent for
// pingTimeout is dead, and one that brings no record at all within
// min(streamFirstWait, pingTimeout) of its request is held back by a proxy
// that buffers whole responses (transports' doc, "Streams behind buffering
// proxies"): the fetch then ends with errStreamBuffered, and the session
// long-polls from then on (httpConn.fallBack).
type streamConn struct {
	h *httpConn
}

// streamFirstWait bounds the wait for a new stream's first record (or
// pingTimeout, if shorter). Behind a proxy that buffers responses it would
// come only when the stream ends, streamMaxDuration later, in a burst, long
// after the server had closed the session as a slow consumer.
const streamFirstWait = 3 * time.Second

// errStreamBuffered is a stream on which nothing arrived within
// streamFirstWait.
var errStreamBuffered = errors.New("client: stream: nothing arrived in time; a proxy buffers it")

func (s *streamConn) fetch(ctx context.Context) (int, error) {
	h := s.h
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	idle := max(h.s.pingTimeout, 2*h.s.pingInterval)
	first := min(streamFirstWait, h.s.pingTimeout)
	var heard, silent, buffered atomic.Bool
	watchdog := time.AfterFunc(first, func() {
		if heard.Load() {
			silent.Store(true)
		} else {
			buffered.Store(true)
		}
		cancel()
	})
	defer watchdog.Stop()
	n := 0
	resp, err := h.s.get(ctx, "stream", "/"+httpwire.StreamSegment, h.seq.Load(), false)
	if err == nil {
		defer resp.Body.Close()
		n, err = h.readRecords(resp.Body, func() { heard.Store(true); watchdog.Reset(idle) })
	}
	switch {
	case err == nil:
		return n, nil
	case buffered.Load():
		return n, errStreamBuffered
	case silent.Load():
		return n, fmt.Errorf("client: stream: nothing heard for %v", idle)
	}
	return n, err
}

// streamAckEvery is how many records a streaming client receives before it
// makes sure a POST acknowledges them: the server keeps control records
// until they are acknowledged and closes a session that has too many.
const streamAckEvery = 16

// readRecords reads downlink records until the body ends, delivering each
// frame it has not delivered before. Frames over ReadLimit end the request.
// onRecord, if set, is called for every record, keepalives included. A close
// record comes back as a *CloseError. It returns how many frames it delivered.
func (h *httpConn) readRecords(body io.Reader, onRecord func()) (int, error) {
	d := httpwire.NewDecoder(body, h.c.opts.ReadLimit)
	n := 0
	for {
		r, err := d.Next()
		if errors.Is(err, io.EOF) {
			return n, nil // a clean end, between records
		}
		if err != nil {
			return n, recordErr(err)
		}
		if onRecord != nil {
			onRecord()
		}
		if r.Seq == 0 {
			if code, reason, ok := r.Close(); ok {
				return n, &CloseError{Code: code, Reason: reason}
			}
			continue // keepalive
		}
		if r.Seq <= h.seq.Load() {
			continue // already delivered
		}
		h.c.deliver(r.Payload) // which keeps no reference: the decoder reuses it
		h.seq.Store(r.Seq)
		n++
		if h.streaming.Load() && r.Seq-h.up.acked.Load() >= streamAckEvery {
			h.up.requestAck()
		}
	}
}

// recordErr maps a read error inside a body. One that breaks the record
// format is not retried (the server would send the same bytes again); a body
// cut short is a network failure, retried. Others, a cancellation say, pass
// unchanged.
func recordErr(err error) error {
	switch {
	case errors.Is(err, httpwire.ErrBadRecord):
		return fmt.Errorf("client: downlink: %w", err)
	case errors.Is(err, io.ErrUnexpectedEOF):
		return fmt.Errorf("client: downlink body cut short: %w", io.ErrUnexpectedEOF)
	}
	return err
}
