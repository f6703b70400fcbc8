package actors

import (
	"net"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// resumeLimits bound the refused resumes per client address, across its
// connections: a token is 128 random bits, but a client that opens
// connection after connection to try them should still find the door shut.
// An address may have refusedPerMinute refused resumes a minute (a burst of
// as many); past that its resumes are refused unread until the budget
// refills.
type resumeLimits struct {
	mu    sync.Mutex
	by    map[string]*rate.Limiter // by IP
	clear time.Time                // when the table was last emptied
}

const (
	refusedPerMinute = 10
	maxLimitedAddrs  = 10000 // the table is emptied when it grows past this
)

// allowed reports whether an address still has resumes to spend.
func (l *resumeLimits) allowed(addr string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	lim := l.by[host(addr)]
	return lim == nil || lim.Tokens() >= 1
}

// refused spends one of an address's resumes.
func (l *resumeLimits) refused(addr string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.by == nil || len(l.by) > maxLimitedAddrs {
		// Forgetting every address at once lets a flood of addresses
		// cost a bounded table; each one can still only try a few.
		l.by, l.clear = make(map[string]*rate.Limiter), time.Now()
	}
	h := host(addr)
	lim := l.by[h]
	if lim == nil {
		lim = rate.NewLimiter(rate.Every(time.Minute/refusedPerMinute), refusedPerMinute)
		l.by[h] = lim
	}
	lim.Allow()
}

func host(addr string) string {
	if h, _, err := net.SplitHostPort(addr); err == nil {
		return h
	}
	return addr
}
