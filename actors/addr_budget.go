package actors

import (
	"sync"

	"golang.org/x/time/rate"
)

// addrBudget is a token bucket per client address (see clientAddr), shared
// by all of the address's connections: so many a minute, with a burst. The
// hub keeps one for guesses (resumes and joins by id that found nothing)
// and one for new rooms. Safe for concurrent use.
//
// The table is bounded: past maxBudgetAddrs addresses it forgets the ones
// whose bucket is full again (they cost nothing to forget: a fresh bucket
// is full too), and if that frees too little, all of them. A flood of
// addresses can therefore reset the budgets, but each of its addresses
// still gets only one burst.
type addrBudget struct {
	mu    sync.Mutex
	limit rate.Limit
	burst int
	by    map[string]*rate.Limiter // by address
}

const maxBudgetAddrs = 10000

// perMinute turns a rate a minute into a rate.Limit.
func perMinute(n float64) rate.Limit { return rate.Limit(n / 60) }

// set applies a rate and burst, to the addresses known and to new ones.
func (b *addrBudget) set(perMin float64, burst int) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.limit == perMinute(perMin) && b.burst == burst {
		return
	}
	b.limit, b.burst = perMinute(perMin), burst
	for _, lim := range b.by {
		lim.SetLimit(b.limit)
		lim.SetBurst(burst)
	}
}

// allowed reports whether addr has one left, without spending it.
func (b *addrBudget) allowed(addr string) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	lim := b.by[addr]
	return lim == nil || lim.Tokens() >= 1
}

// spend takes one of addr's, if it has one, and reports whether it had.
func (b *addrBudget) spend(addr string) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	lim := b.by[addr]
	if lim == nil {
		b.bound()
		lim = rate.NewLimiter(b.limit, b.burst)
		b.by[addr] = lim
	}
	return lim.Allow()
}

// bound makes room for one more address. b.mu is held.
func (b *addrBudget) bound() {
	if b.by == nil {
		b.by = make(map[string]*rate.Limiter)
	}
	if len(b.by) < maxBudgetAddrs {
		return
	}
	for a, lim := range b.by {
		if lim.Tokens() >= float64(lim.Burst()) {
			delete(b.by, a)
		}
	}
	if len(b.by) > maxBudgetAddrs*3/4 { // or the next address would sweep again
		clear(b.by)
	}
}
