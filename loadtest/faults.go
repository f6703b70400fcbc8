package loadtest

import (
	"context"
	"math/rand/v2"
	"sync"
	"time"
)

// Faults on demand. Latency and jitter are applied by the schedulers, slow
// reading by session.onFrame; this file drops and reconnects clients.

const reconnectWorkers = 64 // reconnects in flight in one drop round

// dropLoop closes DropPercent of the clients every DropEvery and reconnects
// them, until stop ends. A round waits for its reconnects (bounded by ctx,
// the run's) before the next one starts, and a round under way when stop
// ends completes, so that every client dropped is reconnected.
func (r *run) dropLoop(stop, ctx context.Context) {
	t := time.NewTicker(r.s.DropEvery.Duration)
	defer t.Stop()
	rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 1))
	for {
		select {
		case <-stop.Done():
			return
		case <-t.C:
			r.dropRound(ctx, rng)
		}
	}
}

func (r *run) dropRound(ctx context.Context, rng *rand.Rand) {
	var live []*player
	for _, p := range r.players {
		if p.sess.Load() != nil {
			live = append(live, p)
		}
	}
	n := min(int(float64(len(r.players))*r.s.DropPercent/100+0.5), len(live))
	rng.Shuffle(len(live), func(i, j int) { live[i], live[j] = live[j], live[i] })
	work := make(chan *player)
	var wg sync.WaitGroup
	for range min(reconnectWorkers, n) {
		wg.Go(func() {
			for p := range work {
				r.reconnect(ctx, p)
			}
		})
	}
	for _, p := range live[:n] {
		work <- p
	}
	close(work)
	wg.Wait()
}

// reconnect closes p's connection and dials and joins again.
func (r *run) reconnect(ctx context.Context, p *player) {
	old := p.sess.Swap(nil)
	if old == nil {
		return // it disconnected on its own meanwhile
	}
	old.retired.Store(true)
	_ = old.client().Close()
	old.retire()
	r.dropped.Add(1)
	if err := r.connect(ctx, p, true); err != nil {
		if ctx.Err() == nil {
			r.errs.add("re" + joinErrorKey(err))
		}
		return
	}
	p.reconnects.Add(1)
	r.rejoined.Add(1)
}
