package loadtest

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/tickroom/tickroom/client"
	"github.com/tickroom/tickroom/netcode"
)

const (
	joinWorkers = 256              // dials and joins in flight during the ramp
	dialTimeout = 10 * time.Second // one dial plus join
)

// joinAll connects every player, starting JoinRate of them per second, and
// returns when every attempt has ended or ctx is done.
func (r *run) joinAll(ctx context.Context) {
	jobs := make(chan *player)
	var wg sync.WaitGroup
	for range min(joinWorkers, len(r.players)) {
		wg.Go(func() {
			for p := range jobs {
				r.firstJoin(ctx, p)
			}
		})
	}
	defer wg.Wait()
	defer close(jobs)
	start := time.Now()
	every := time.Duration(float64(time.Second) / r.s.JoinRate)
	timer := time.NewTimer(0)
	defer timer.Stop()
	for i, p := range r.players {
		if wait := time.Until(start.Add(time.Duration(i) * every)); wait > 0 {
			timer.Reset(wait)
			select {
			case <-ctx.Done():
				return
			case <-timer.C:
			}
		}
		select {
		case <-ctx.Done():
			return
		case jobs <- p:
		}
	}
}

func (r *run) firstJoin(ctx context.Context, p *player) {
	start := time.Now()
	r.joinAttempts.Add(1)
	if err := r.connect(ctx, p); err != nil {
		if ctx.Err() == nil {
			r.errs.add(joinErrorKey(err))
		}
		return
	}
	d := time.Since(start)
	p.joined.Store(true)
	p.joinTime.Store(int64(d))
	r.joinMu.Lock()
	recordNS(r.joinHist, int64(d))
	r.joinMu.Unlock()
}

// connect dials p's transport, joins p's room and makes the new session
// p's. The client comes back by itself when its connection drops.
func (r *run) connect(ctx context.Context, p *player) error {
	ctx, cancel := context.WithTimeout(ctx, dialTimeout)
	defer cancel()
	s := newSession(r, p)
	c, err := client.Dial(ctx, r.urlFor(p), client.Options{
		Name:             fmt.Sprintf("lt%d", p.id),
		ManualAck:        r.s.InputRate > 0, // inputs carry the ack
		TrackOnly:        !r.s.Mirror,
		Transport:        p.transport,
		NoUpgrade:        true, // keep the mix
		HandshakeTimeout: dialTimeout,
		History:          r.history,
		OnFrame:          s.onFrame,
		Reconnect:        reconnectPolicy,
		OnDropped:        s.onDropped,
		OnResumed:        s.onResumed,
		OnRejoined:       s.onRejoined,
		OnGaveUp:         s.onGaveUp,
	})
	if err != nil {
		return &opError{"dial", err}
	}
	s.c.Store(c)
	w, err := c.Join(ctx, p.room, r.s.Mode)
	if err != nil {
		s.retired.Store(true)
		_ = c.Close()
		return &opError{"join", err}
	}
	r.noteServer(w)
	s.joined.Store(true)
	p.sess.Store(s)
	return nil
}

// noteServer records the rates the server announced in its first welcome.
func (r *run) noteServer(w *netcode.Welcome) {
	r.infoMu.Lock()
	defer r.infoMu.Unlock()
	if r.info.TickRate == 0 {
		r.info = ServerInfo{TickRate: w.TickRate, SendRate: w.SendRate, Mode: w.Mode}
	}
}

// joinErrorKey names a failed dial or join for the error table.
func joinErrorKey(err error) string {
	var code netcode.Code
	var ce *client.CloseError
	var he *client.HTTPError
	op := "join"
	var oe *opError
	if errors.As(err, &oe) {
		op = oe.op
	}
	switch {
	case errors.As(err, &code):
		return op + ": " + code.String()
	case errors.As(err, &ce):
		return fmt.Sprintf("%s: closed %d %s", op, ce.Code, netcode.Code(ce.Code))
	case errors.As(err, &he):
		return fmt.Sprintf("%s: HTTP %d %s", op, he.Status, he.Code)
	case errors.Is(err, context.DeadlineExceeded):
		return op + ": timeout"
	}
	return op + ": failed"
}

func errorFrameKey(c netcode.Code) string { return "error frame: " + c.String() }

// opError is a failed dial or join.
type opError struct {
	op  string // "dial" or "join"
	err error
}

func (e *opError) Error() string { return e.op + ": " + e.err.Error() }
func (e *opError) Unwrap() error { return e.err }
