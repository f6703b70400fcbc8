package tickroom

import (
	"container/heap"
	"errors"
	"sync"
	"time"
)

// replayCache remembers the jti of every ticket accepted while
// auth.replay_protection is on, until the ticket expires (plus the
// leeway, while it would still be accepted): a ticket opens one
// connection, and a copy of it (from a log, a proxy, a shoulder) opens
// none.
//
// It is bounded by auth.replay_cache entries, and full it refuses new
// tickets rather than forget one that has not expired: forgetting would
// let that ticket in again, which is what the cache is for. Only tickets
// with a valid signature reach it, so only the game's own backend can fill
// it, and an operator sizes it for the tickets issued per ticket lifetime.
// Expired entries go first, soonest expiry first, as new ones come.
//
// It lives as long as the server: a reload changes its bound, never its
// contents, so a reload does not reopen the door to tickets already used.
type replayCache struct {
	mu    sync.Mutex
	limit int
	until map[string]time.Time // jti → when it may be forgotten
	order expiries             // the same entries, soonest first
}

var (
	errReplayed   = errors.New("ticket already used (its jti was seen before)")
	errReplayFull = errors.New("replay cache full: ticket refused (raise auth.replay_cache)")
)

func newReplayCache(limit int) *replayCache {
	return &replayCache{limit: limit, until: make(map[string]time.Time)}
}

// setLimit changes the bound (a reload). A smaller one than the entries
// held takes no new ones until enough have expired.
func (c *replayCache) setLimit(n int) {
	c.mu.Lock()
	c.limit = n
	c.mu.Unlock()
}

// use records jti until until, or refuses it: seen before and not yet
// forgotten, or no room.
func (c *replayCache) use(jti string, until, now time.Time) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	for len(c.order) > 0 && !c.order[0].until.After(now) {
		e := heap.Pop(&c.order).(expiry)
		delete(c.until, e.jti)
	}
	if _, ok := c.until[jti]; ok {
		return errReplayed
	}
	if len(c.until) >= c.limit {
		return errReplayFull
	}
	c.until[jti] = until
	heap.Push(&c.order, expiry{jti: jti, until: until})
	return nil
}

// len is the number of jti values remembered.
func (c *replayCache) len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.until)
}

type expiry struct {
	jti   string
	until time.Time
}

// expiries is a min-heap of expiries by time (container/heap).
type expiries []expiry

func (e expiries) Len() int           { return len(e) }
func (e expiries) Less(i, j int) bool { return e[i].until.Before(e[j].until) }
func (e expiries) Swap(i, j int)      { e[i], e[j] = e[j], e[i] }
func (e *expiries) Push(x any)        { *e = append(*e, x.(expiry)) }
func (e *expiries) Pop() any {
	old := *e
	x := old[len(old)-1]
	*e = old[:len(old)-1]
	return x
}
