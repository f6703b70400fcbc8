package loadtest

import (
	"context"
	"math/rand/v2"
	"time"
)

// Faults on demand. Latency and jitter are applied by the schedulers, slow
// reading by session.onFrame; this file drops connections. A dropped client
// comes back by itself (resume.go).

// dropLoop drops DropPercent of the clients every DropEvery, until stop
// ends. A round waits until its clients are back (or gave up) before the
// next one starts, and a round under way when stop ends completes, so that
// every client dropped has come back when the run counts; each wait is
// bounded by ctx, the run's, and by how long a client may take to come
// back.
func (r *run) dropLoop(stop, ctx context.Context) {
	t := time.NewTicker(r.s.DropEvery.Duration)
	defer t.Stop()
	rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 1))
	for {
		select {
		case <-stop.Done():
			return
		case <-t.C:
			if stop.Err() != nil {
				return // a tick that came during the last round, after the window
			}
			r.dropRound(ctx, rng)
		}
	}
}

func (r *run) dropRound(ctx context.Context, rng *rand.Rand) {
	var live []*session
	for _, p := range r.players {
		if s := p.sess.Load(); s != nil && !s.away.Load() && s.client().Err() == nil {
			live = append(live, s)
		}
	}
	n := min(int(float64(len(r.players))*r.s.DropPercent/100+0.5), len(live))
	rng.Shuffle(len(live), func(i, j int) { live[i], live[j] = live[j], live[i] })
	d := newDropRound(n)
	for _, s := range live[:n] {
		r.drop(s, d)
	}
	bound := time.NewTimer(r.s.DropAway.Duration + reconnectPolicy.MaxTime + dialTimeout)
	defer bound.Stop()
	select {
	case <-d.done:
	case <-ctx.Done():
	case <-bound.C:
	}
}
