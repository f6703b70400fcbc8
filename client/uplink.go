package client

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"time"

	"github.com/tickroom/tickroom/transports/httpwire"
)

// uplink carries an HTTP session's client frames: POST {base}/{sid}?seq=K,
// one at a time. Frames sent while a POST is in flight wait in a bounded
// queue and go out together in the next one (a batch of at most maxBody
// bytes). A failed POST is retried once with the same K, which the server
// ignores if it had accepted the first; a second failure ends the session,
// since frames would otherwise be lost. A POST the server refuses with a 4xx
// status is dropped: the server reports what it did about it (a too-large
// frame gets an error frame and a close) on the downlink.
type uplink struct {
	s       *httpSession
	ctx     context.Context // ends every POST
	timeout time.Duration   // bounds one POST
	limit   int             // most frames queued
	ack     func() uint64   // the downlink's highest seq, sent along
	fail    func(error)     // a batch could not be delivered

	mu      sync.Mutex
	cond    *sync.Cond // signalled when a batch completes and on stop
	q       [][]byte
	busy    bool   // a batch has been taken and is being posted
	k       uint64 // last batch number used
	err     error  // first delivery failure; the uplink is dead after it
	stopped bool
	ackOnly bool // post even with nothing queued, to carry the ack

	acked atomic.Uint64 // the ack carried by the last successful POST

	wake     chan struct{} // capacity 1
	quit     chan struct{}
	stopOnce sync.Once
	exited   chan struct{}
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
	u.q = append(u.q, append([]byte(nil), frame...))
	u.mu.Unlock()
	select {
	case u.wake <- struct{}{}:
	default:
	}
	return nil
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
	select {
	case u.wake <- struct{}{}:
	default:
	}
}

func (u *uplink) run() {
	defer close(u.exited)
	for {
		select {
		case <-u.wake:
		case <-u.quit:
			return
		}
		for u.postOne() {
		}
	}
}

// postOne posts the next batch and reports whether there may be another.
func (u *uplink) postOne() bool {
	u.mu.Lock()
	if len(u.q) == 0 && !u.ackOnly || u.err != nil || u.stopped {
		u.busy = false
		u.cond.Broadcast()
		u.mu.Unlock()
		return false
	}
	body, n := batch(u.q, u.s.maxBody)
	clear(u.q[:n])
	u.q = u.q[n:]
	u.ackOnly = false
	u.busy = true
	u.k++
	k := u.k
	u.mu.Unlock()

	err := u.post(k, body)
	if err != nil && u.ctx.Err() == nil && retryPost(err) {
		err = u.post(k, body)
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
	u.busy = false
	if err != nil && u.err == nil {
		u.err = err
		u.q = nil
	}
	u.cond.Broadcast()
	u.mu.Unlock()
	if err != nil {
		u.fail(err)
		return false
	}
	return true
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

// batch encodes frames from the front of q as one uplink body of at most
// maxBody bytes, or just the first frame if that alone is larger, and
// returns how many it took.
func batch(q [][]byte, maxBody int) ([]byte, int) {
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

// flush waits until every queued frame has been posted, the uplink has
// failed (its error is returned) or ctx ends.
func (u *uplink) flush(ctx context.Context) error {
	stop := context.AfterFunc(ctx, func() {
		u.mu.Lock()
		u.cond.Broadcast()
		u.mu.Unlock()
	})
	defer stop()
	u.mu.Lock()
	defer u.mu.Unlock()
	for (len(u.q) > 0 || u.busy) && u.err == nil && !u.stopped {
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
// queue went with the failed batch).
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
