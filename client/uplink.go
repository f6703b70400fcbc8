package client

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"time"

	"github.com/tickroom/tickroom/transports/httpwire"
)

// uplink carries an HTTP session's client frames in batches numbered K =
// 1, 2, 3, …, one batch in flight at a time: by POST {base}/{sid}?seq=K,
// or riding on a long-poll as an exchange (see exchange.go). Frames sent
// while a batch is in flight wait in a bounded queue and go out together
// in the next (a batch of at most maxBody bytes). A failed POST is retried
// once with the same K, which the server ignores if it had accepted the
// first; a second failure ends the session, since frames would otherwise
// be lost. A batch the server refuses with a 4xx status is dropped: the
// server reports what it did about it (a too-large frame gets an error
// frame and a close) on the downlink.
type uplink struct {
	s       *httpSession
	ctx     context.Context // ends every POST
	timeout time.Duration   // bounds one POST
	limit   int             // most frames queued
	ack     func() uint64   // the downlink's highest seq, sent along
	fail    func(error)     // a batch could not be delivered
	// hold is how long queued frames may wait for a long-poll to carry
	// them (exchange.go); 0 posts them at once. nil: never held.
	hold func() time.Duration

	mu       sync.Mutex
	cond     *sync.Cond // signalled when a batch completes and on stop
	q        [][]byte
	since    time.Time // when the oldest frame in q was queued
	cur      *batch    // the batch in flight until an answer settles it; nil when none
	posting  bool      // the goroutine is posting cur
	k        uint64    // last batch number used
	err      error     // first delivery failure; the uplink is dead after it
	stopped  bool
	ackOnly  bool // post even with nothing queued, to carry the ack
	flushing int  // flush calls waiting: nothing is held for a poll

	acked atomic.Uint64 // the ack carried by the last successful POST

	wake     chan struct{} // capacity 1
	quit     chan struct{}
	stopOnce sync.Once
	exited   chan struct{}
}

// batch is one uplink batch: its number and body, sent again as they are
// until an answer settles them, so that a retry, by either request, can
// never deliver a frame twice.
type batch struct {
	k        uint64
	body     []byte
	exchange bool // riding on an exchange that has not answered
}

func newUplink(ctx context.Context, s *httpSession, o Options, ack func() uint64, fail func(error)) *uplink {
	u := &uplink{
		s: s, ctx: ctx, timeout: o.HandshakeTimeout, limit: o.SendQueue, ack: ack, fail: fail,
		wake: make(chan struct{}, 1), quit: make(chan struct{}), exited: make(chan struct{}),
	}
	u.cond = sync.NewCond(&u.mu)
	return u
}

// start runs the posting goroutine; stop waits for it.
func (u *uplink) start() { go u.run() }

// send queues a copy of frame.
func (u *uplink) send(frame []byte) error {
	u.mu.Lock()
	switch {
	case u.stopped:
		u.mu.Unlock()
		return ErrClosed
	case u.err != nil:
		err := u.err
		u.mu.Unlock()
		return err
	case len(u.q) >= u.limit:
		u.mu.Unlock()
		return ErrQueueFull
	}
	if len(u.q) == 0 {
		u.since = time.Now()
	}
	u.q = append(u.q, append([]byte(nil), frame...))
	u.mu.Unlock()
	u.kick()
	return nil
}

// kick wakes the posting goroutine without blocking.
func (u *uplink) kick() {
	select {
	case u.wake <- struct{}{}:
	default:
	}
}

// requestAck asks for a POST carrying the current ack even if no frame is
// queued (an empty body): a streaming client has no other way to acknowledge
// between streams, and the server closes a session with too many
// unacknowledged control records.
func (u *uplink) requestAck() {
	u.mu.Lock()
	if u.ackOnly || u.stopped || u.err != nil {
		u.mu.Unlock()
		return
	}
	u.ackOnly = true
	u.mu.Unlock()
	u.kick()
}

func (u *uplink) run() {
	defer close(u.exited)
	t := time.NewTimer(time.Hour)
	t.Stop()
	defer t.Stop()
	for {
		select {
		case <-u.wake:
		case <-t.C:
		case <-u.quit:
			return
		}
		for {
			more, wait := u.postOne()
			if wait > 0 {
				t.Reset(wait)
			}
			if !more {
				break
			}
		}
	}
}

// postOne posts the next batch and reports whether there may be another;
// or, when the queued frames may wait for a long-poll to carry them, how
// long until they may not.
func (u *uplink) postOne() (more bool, wait time.Duration) {
	var hold time.Duration
	if u.hold != nil {
		hold = u.hold() // it reads the client's state: not under mu
	}
	u.mu.Lock()
	if u.err != nil || u.stopped {
		u.cond.Broadcast()
		u.mu.Unlock()
		return false, 0
	}
	queued := len(u.q) > 0 || u.ackOnly
	// Queued frames are due at a poll for hold after the first of them,
	// unless an ack must go now or a flush waits.
	left := hold - time.Since(u.since)
	held := queued && !u.ackOnly && u.flushing == 0 && left > 0
	b := u.cur
	switch {
	case b != nil && !b.exchange:
		// An exchange carried it and failed: its fate is unknown, so the
		// same batch again, at once, whose answer settles it.
	case b != nil && u.flushing == 0 && (!queued || held):
		// Riding on a held exchange, with nothing behind it that cannot
		// wait for the exchange's answer.
		u.mu.Unlock()
		if held {
			return false, left
		}
		return false, 0
	case b != nil:
		// Frames waited too long behind a held exchange, or a flush
		// waits: the same batch again by POST, whose answer settles it
		// sooner than the long-poll's.
	case held:
		u.mu.Unlock()
		return false, left // due at a poll
	case queued:
		b = u.takeLocked()
	default:
		u.cond.Broadcast()
		u.mu.Unlock()
		return false, 0
	}
	u.posting = true
	u.mu.Unlock()

	err := u.post(b.k, b.body)
	if err != nil && u.ctx.Err() == nil && retryPost(err) {
		err = u.post(b.k, b.body)
	}
	var he *HTTPError
	if ce := goingAway(err); ce != nil {
		err = ce // the server is gone, not refusing this batch
	} else if err != nil && errors.As(err, &he) && !he.retryable() {
		err = nil // refused, not lost: see the type's comment
	}
	if u.ctx.Err() != nil {
		err = nil // the connection is ending: nobody to tell
	}
	u.mu.Lock()
	u.posting = false
	if u.cur == b {
		u.cur = nil
	}
	if err != nil && u.err == nil {
		u.err = err
		u.q = nil
	}
	u.cond.Broadcast()
	u.mu.Unlock()
	if err != nil {
		u.fail(err)
		return false, 0
	}
	return true, 0
}

// takeLocked makes the next batch from the front of the queue and puts it
// in flight. mu held.
func (u *uplink) takeLocked() *batch {
	body, n := encodeBatch(u.q, u.s.maxBody)
	clear(u.q[:n])
	u.q = u.q[n:]
	if len(u.q) > 0 {
		u.since = time.Now() // what is left waits from now
	}
	u.ackOnly = false
	u.k++
	u.cur = &batch{k: u.k, body: body}
	return u.cur
}

func (u *uplink) post(k uint64, body []byte) error {
	ctx, cancel := context.WithTimeout(u.ctx, u.timeout)
	defer cancel()
	ack := u.ack()
	if err := u.s.post(ctx, k, ack, body); err != nil {
		return err
	}
	u.acked.Store(ack)
	return nil
}

func retryPost(err error) bool {
	var he *HTTPError
	return !errors.As(err, &he) || he.retryable()
}

// encodeBatch encodes frames from the front of q as one uplink body of at
// most maxBody bytes, or just the first frame if that alone is larger, and
// returns how many it took.
func encodeBatch(q [][]byte, maxBody int) ([]byte, int) {
	var body []byte
	n := 0
	for _, f := range q {
		if n > 0 && len(body)+httpwire.UplinkSize(len(f)) > maxBody {
			break
		}
		body = httpwire.AppendUplink(body, f)
		n++
	}
	return body, n
}

// flush waits until every queued frame has been posted (none is held for
// a poll meanwhile), the uplink has failed (its error is returned) or ctx
// ends.
func (u *uplink) flush(ctx context.Context) error {
	stop := context.AfterFunc(ctx, func() {
		u.mu.Lock()
		u.cond.Broadcast()
		u.mu.Unlock()
	})
	defer stop()
	u.mu.Lock()
	defer u.mu.Unlock()
	u.flushing++
	defer func() { u.flushing-- }()
	u.kick()
	for (len(u.q) > 0 || u.cur != nil) && u.err == nil && !u.stopped {
		if err := ctx.Err(); err != nil {
			return err
		}
		u.cond.Wait()
	}
	if u.err != nil {
		return u.err
	}
	if len(u.q) > 0 {
		return ErrClosed
	}
	return nil
}

// unsent returns the frames still queued, never posted: once stop has
// returned, nothing else takes them. After a failure there are none (the
// queue went with the failed batch). A batch in flight went with the
// connection.
func (u *uplink) unsent() [][]byte {
	u.mu.Lock()
	defer u.mu.Unlock()
	return u.q
}

// stop drops what is queued, lets a POST in flight end (the caller cancels
// ctx to cut it short) and waits for the goroutine.
func (u *uplink) stop() {
	u.stopOnce.Do(func() {
		u.mu.Lock()
		u.stopped = true
		u.cond.Broadcast()
		u.mu.Unlock()
		close(u.quit)
	})
	<-u.exited
}
