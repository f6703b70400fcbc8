package client

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/tickroom/tickroom/netcode"
)

// Reconnect is how a client comes back after its connection drops. Its zero
// value turns reconnecting off: a drop ends the client. With Attempts above
// zero, a connection that drops for a reason a new connection may cure is
// dialled again (Options.Transport decides how, as for Dial), and the
// client resumes its seat: see the package documentation ("Reconnecting").
type Reconnect struct {
	// Attempts bounds the dials after one drop; 0 turns reconnecting off.
	Attempts int
	// MaxTime bounds the time from the drop to giving up, waits and dials
	// included; default 30s. Past the server's resume window
	// (room.resume_window, 20s by default) the seat is gone and coming
	// back means a fresh join.
	MaxTime time.Duration
	// BaseDelay and MaxDelay shape the wait before each attempt:
	// exponential backoff with full jitter, so the wait before attempt n
	// is uniformly random between 0 and min(MaxDelay, BaseDelay·2ⁿ⁻¹).
	// Clients that dropped together (a server restart, a Wi-Fi access
	// point) then come back spread out instead of all at once. Defaults
	// 100ms and 5s.
	BaseDelay time.Duration
	MaxDelay  time.Duration
	// Inputs is how many of the newest inputs sent while away are kept
	// for after the resume; older ones are dropped (Stats.InputsDropped):
	// a stick position from seconds ago is worth nothing once the player
	// is back. Default 4.
	Inputs int
	// Messages bounds the game messages (and raw frames) kept, in order,
	// while away for after the resume; one more fails with ErrQueueFull.
	// Default 64.
	Messages int
}

func (r Reconnect) on() bool { return r.Attempts > 0 }

func (r Reconnect) withDefaults() Reconnect {
	if r.MaxTime <= 0 {
		r.MaxTime = 30 * time.Second
	}
	if r.BaseDelay <= 0 {
		r.BaseDelay = 100 * time.Millisecond
	}
	if r.MaxDelay <= 0 {
		r.MaxDelay = 5 * time.Second
	}
	r.MaxDelay = max(r.MaxDelay, r.BaseDelay)
	if r.Inputs <= 0 {
		r.Inputs = 4
	}
	if r.Messages <= 0 {
		r.Messages = 64
	}
	return r
}

func (r Reconnect) validate() error {
	if r.Attempts < 0 {
		return fmt.Errorf("client: Reconnect.Attempts %d is negative", r.Attempts)
	}
	return nil
}

// ceiling is the longest wait before attempt n (from 1): BaseDelay doubled
// for every attempt before it, up to MaxDelay.
func (r Reconnect) ceiling(n int) time.Duration {
	d := r.BaseDelay
	for i := 1; i < n && d < r.MaxDelay; i++ {
		d *= 2
	}
	return min(d, r.MaxDelay)
}

// fullJitter draws a wait uniformly between 0 and ceiling.
func fullJitter(ceiling time.Duration) time.Duration {
	if ceiling <= 0 {
		return 0
	}
	return rand.N(ceiling + 1)
}

// comesBack reports whether a connection that ended with err is worth
// dialling again. A close the server decided because of the client itself
// would end the same way again, and stops: replaced (a newer connection
// has the seat, and it is the player's), unauthorized (its ticket was
// refused), version_mismatch, bad_frame, too_large and rate_limited (it
// sent what the server will not take), WebSocket protocol closes (1002,
// 1003, 1007, 1008, 1009, 1010), and HTTP refusals of the request itself
// (400, 401, 403, 415, 431: a bad or refused ticket among them). Everything
// else comes back: a network failure, an HTTP session the server no longer
// knows, heartbeat_timeout and slow_consumer (which a new connection,
// perhaps on a better network, cures), internal, and going_away: a server
// that shuts down is exactly when a player should reconnect, to the same
// address, which may be another node by then.
func comesBack(err error) bool {
	if errors.Is(err, ErrClosed) {
		return false
	}
	var ce *CloseError
	var je *JoinError
	var he *HTTPError
	switch {
	case errors.As(err, &ce):
		return !stops(ce.Code)
	case errors.As(err, &je):
		return !stops(uint16(je.Code)) // a resume answered with a closing code
	case errors.As(err, &he):
		switch he.Status {
		case 400, 401, 403, 415, 431:
			return false
		}
	}
	return true
}

// stops reports whether a close with code says not to come back (see
// comesBack).
func stops(code uint16) bool {
	switch code {
	case uint16(netcode.CodeReplaced), uint16(netcode.CodeUnauthorized), uint16(netcode.CodeVersionMismatch),
		uint16(netcode.CodeBadFrame), uint16(netcode.CodeTooLarge), uint16(netcode.CodeRateLimited),
		1002, 1003, 1007, 1008, 1009, 1010:
		return true
	}
	return false
}

// dropped starts the way back after the connection dropped with err: joins
// and list requests on their way are lost with it. c.mu is held.
func (c *Client) dropped(err error) {
	c.back.start()
	c.joins.dropped()
	c.lists.gen++
	c.stats.Drops++
	c.cond.Broadcast()
}

// reconnect brings the client back after connection old dropped with
// dropErr: it waits (backoff with full jitter, or Drop's away), dials,
// resumes the seat or joins afresh, and tries again until it is back, its
// attempts or time run out, an attempt ends with a code that says stop, or
// Close. It runs on its own goroutine, which Close cancels and waits for.
func (c *Client) reconnect(old conn, dropErr error) {
	defer c.bg.Done()
	old.close() // reaps its goroutines; it has ended
	c.carryOver(old)
	c.goAway()
	if f := c.opts.OnDropped; f != nil {
		f(dropErr)
	}
	rc := c.opts.Reconnect
	c.mu.Lock()
	dropAt, hold := c.back.dropAt, c.back.hold
	c.mu.Unlock()
	ctx, cancel := context.WithDeadline(c.bgCtx, dropAt.Add(rc.MaxTime))
	defer cancel()
	last, n := dropErr, 0
	for n < rc.Attempts {
		n++
		wait := c.jitter(rc.ceiling(n))
		if n == 1 {
			wait = max(wait, time.Until(hold))
		}
		// A server that refused the last dial for load or capacity said
		// when to come back: not before (a wait past MaxTime gives up).
		wait = max(wait, retryAfter(last))
		if !sleepCtx(ctx, wait) {
			break
		}
		err := c.attempt(ctx)
		if err == nil {
			return
		}
		last = err
		if !comesBack(err) {
			break
		}
	}
	if ctx.Err() != nil && c.bgCtx.Err() == nil {
		last = fmt.Errorf("no way back within %v: %w", rc.MaxTime, last)
	}
	c.giveUp(fmt.Errorf("%w after %d attempts: %w", ErrGaveUp, n, last))
}

// attempt dials once and asks the server for the client's place back: the
// seat (resume), the room (a fresh join, when the server holds no seat for
// it), or nothing (a client in the lobby state). It returns nil once the
// server has answered and the connection is the client's again; the first
// state after a resume completes it later, on the reader goroutine.
func (c *Client) attempt(ctx context.Context) error {
	c.mu.Lock()
	c.stats.Attempts++
	resume := c.back.resumes(c)
	c.mu.Unlock()
	c.goAway()
	cn, err := c.dial(ctx, resume)
	if err != nil {
		return err
	}
	c.mu.Lock()
	if c.closing {
		c.mu.Unlock()
		cn.close()
		return ErrClosed
	}
	c.cur, c.transport = cn, cn.transport()
	ask := c.back.begin(c)
	c.mu.Unlock()
	c.start(cn)
	if ask != nil {
		if err := cn.send(ask); err != nil {
			cn.close()
			return err
		}
	}
	if err := c.awaitAnswer(ctx, ask != nil); err != nil {
		cn.close()
		return err
	}
	c.startUpgrade(cn)
	if ask == nil {
		c.flushAway(cn)
		if f := c.opts.OnResumed; f != nil {
			f(false)
		}
	}
	return nil
}

// awaitAnswer waits for the answer to what attempt asked (if it asked
// anything), within twice HandshakeTimeout (a resume may be answered
// resume_expired and then a fresh join), and makes the way back over: it
// is, unless the connection ended meanwhile.
func (c *Client) awaitAnswer(ctx context.Context, asked bool) error {
	timedOut := false
	t := time.AfterFunc(2*c.opts.HandshakeTimeout, func() {
		c.mu.Lock()
		timedOut = true
		c.cond.Broadcast()
		c.mu.Unlock()
	})
	defer t.Stop()
	stop := context.AfterFunc(ctx, func() {
		c.mu.Lock()
		c.cond.Broadcast()
		c.mu.Unlock()
	})
	defer stop()
	c.mu.Lock()
	defer c.mu.Unlock()
	for asked && !c.back.answered && c.back.connErr == nil && !timedOut && ctx.Err() == nil {
		c.cond.Wait()
	}
	err := c.back.connErr
	switch {
	case err != nil:
	case asked && !c.back.answered && ctx.Err() != nil:
		err = ctx.Err()
	case asked && !c.back.answered:
		err = fmt.Errorf("client: reconnect: no answer within %v", 2*c.opts.HandshakeTimeout)
	default:
		err = c.back.failed
	}
	if err != nil {
		c.back.phase = phaseNone
		return err
	}
	c.back.active = false
	c.cond.Broadcast()
	return nil
}

// giveUp ends a client that could not come back, unless Close is ending it.
func (c *Client) giveUp(err error) {
	c.mu.Lock()
	c.back.active, c.back.phase = false, phaseNone
	gave := !c.closing && c.closeErr == nil
	if gave {
		c.closeErr = err
		c.cond.Broadcast()
	}
	c.mu.Unlock()
	c.sendMu.Lock()
	c.away = nil // sends now fail on the dead connection
	c.sendMu.Unlock()
	if !gave {
		return
	}
	close(c.done)
	if f := c.opts.OnGaveUp; f != nil {
		f(err)
	}
}

// sleepCtx waits for d and reports whether ctx is still going.
func sleepCtx(ctx context.Context, d time.Duration) bool {
	if d > 0 {
		t := time.NewTimer(d)
		defer t.Stop()
		select {
		case <-ctx.Done():
		case <-t.C:
		}
	}
	return ctx.Err() == nil
}
