package loadtest

import (
	"context"
	"errors"
	"math/rand/v2"
	"runtime"
	"time"

	"github.com/tickroom/tickroom/client"
	"github.com/tickroom/tickroom/world"
)

// A few scheduler goroutines send every client's inputs: one timer and one
// heap per goroutine rather than a goroutine and a ticker per client. Each
// client's inputs are due every 1/InputRate, at a phase spread evenly over
// the interval so that sends do not bunch. With -latency or -jitter an input
// is delayed after it is due; its acknowledgement latency still counts from
// when it was due, as it does when the scheduler itself is late (no
// coordinated omission).

// maxSchedulers bounds the scheduler goroutines.
const maxSchedulers = 4

func schedulerCount() int { return min(max(runtime.GOMAXPROCS(0), 1), maxSchedulers) }

// event is one heap entry: an input falling due (send == false) or a delayed
// input to send now (send == true, due at gen).
type event struct {
	at   int64 // ns since the run began
	gen  int64 // when the input was due, for a send
	p    int32 // index into scheduler.players
	send bool
}

type scheduler struct {
	r       *run
	players []*player
	heap    []event
	rng     *rand.Rand
}

// run sends inputs until ctx ends.
func (sc *scheduler) run(ctx context.Context) {
	r := sc.r
	interval := r.inputInterval
	n := len(r.players)
	for i, p := range sc.players {
		phase := interval * int64(p.id) / int64(n)
		sc.push(event{at: r.now() + phase, p: int32(i)})
	}
	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
	for {
		now := r.now()
		for len(sc.heap) > 0 && sc.heap[0].at <= now {
			sc.handle(sc.pop(), now)
		}
		if len(sc.heap) == 0 {
			return
		}
		timer.Reset(time.Duration(sc.heap[0].at - r.now()))
		select {
		case <-ctx.Done():
			return
		case <-timer.C:
		}
	}
}

func (sc *scheduler) handle(ev event, now int64) {
	r := sc.r
	p := sc.players[ev.p]
	if ev.send {
		sc.send(p, ev.gen)
		return
	}
	sc.push(event{at: ev.at + r.inputInterval, p: ev.p})
	delay := r.s.Latency.Duration
	if j := r.s.Jitter.Duration; j > 0 {
		delay += time.Duration(sc.rng.Int64N(int64(j) + 1))
	}
	gen := min(ev.at, now)
	if delay <= 0 {
		sc.send(p, gen)
		return
	}
	// Keep each client's inputs in order: a delayed input never overtakes
	// the one before it.
	at := max(gen+int64(delay), p.nextDue)
	p.nextDue = at
	sc.push(event{at: at, gen: gen, p: ev.p, send: true})
}

// send sends one input for p, due at gen.
func (sc *scheduler) send(p *player, gen int64) {
	s := p.sess.Load()
	if s == nil || s.away.Load() {
		return // not connected (yet), or away after a drop
	}
	c := s.client()
	// Record the due time before the send: the state acknowledging it may
	// arrive before SendInput returns. sent goes first, so that a reader
	// that finds sent still below seq+ackRing after reading a due time
	// knows the slot had not been reused (see session.onState).
	seq := s.sent.Load() + 1
	s.sent.Store(seq)
	s.due[seq%ackRing].Store(gen)
	got, err := c.SendInput(inputFor(p.id, seq))
	if got != seq && got != 0 {
		s.sent.Store(got)
		s.due[got%ackRing].Store(gen)
	}
	if err != nil && !s.retired.Load() {
		sc.r.sendFailed(c, err)
	}
}

// inputFor is the input client id sends as its seq'th: it walks in a
// direction that turns every second or so, so the arena has movement to
// diff.
func inputFor(id int, seq uint32) world.Input {
	d := directions[(uint32(id)+seq/20)%uint32(len(directions))]
	return world.Input{Axes: [4]int16{d[0], d[1]}}
}

var directions = [8][2]int16{
	{world.MaxAxis, 0}, {world.MaxAxis, world.MaxAxis}, {0, world.MaxAxis}, {-world.MaxAxis, world.MaxAxis},
	{-world.MaxAxis, 0}, {-world.MaxAxis, -world.MaxAxis}, {0, -world.MaxAxis}, {world.MaxAxis, -world.MaxAxis},
}

// sendFailed counts a send that failed while the connection was meant to be
// open. A connection that has ended is counted once, as a disconnect, by the
// sampler.
func (r *run) sendFailed(c *client.Client, err error) {
	switch {
	case errors.Is(err, client.ErrQueueFull):
		r.errs.add("send: queue full")
	case c.Err() != nil:
		// The connection is gone; the sampler reports how.
	default:
		r.errs.add("send: failed")
	}
}

// The heap is a binary min-heap on event.at, written out so that pushing
// and popping a value allocates nothing (container/heap boxes it in an any).

func (sc *scheduler) push(ev event) {
	h := append(sc.heap, ev)
	i := len(h) - 1
	for i > 0 {
		parent := (i - 1) / 2
		if h[parent].at <= h[i].at {
			break
		}
		h[parent], h[i] = h[i], h[parent]
		i = parent
	}
	sc.heap = h
}

func (sc *scheduler) pop() event {
	h := sc.heap
	top := h[0]
	last := len(h) - 1
	h[0] = h[last]
	h = h[:last]
	for i := 0; ; {
		l, small := 2*i+1, i
		if l < len(h) && h[l].at < h[small].at {
			small = l
		}
		if r := l + 1; r < len(h) && h[r].at < h[small].at {
			small = r
		}
		if small == i {
			break
		}
		h[i], h[small] = h[small], h[i]
		i = small
	}
	sc.heap = h
	return top
}
