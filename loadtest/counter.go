package loadtest

import (
	"maps"
	"sync"
	"sync/atomic"
)

// keyedCounter counts events by kind ("join: room_full", "4007
// slow_consumer"). Events are rare, so a lock is fine; the total is atomic
// for the progress line.
type keyedCounter struct {
	total atomic.Int64
	mu    sync.Mutex
	by    map[string]int64
}

func (c *keyedCounter) add(key string) { c.addN(key, 1) }

// addN counts n events of one kind at once.
func (c *keyedCounter) addN(key string, n int64) {
	c.total.Add(n)
	c.mu.Lock()
	if c.by == nil {
		c.by = make(map[string]int64)
	}
	c.by[key] += n
	c.mu.Unlock()
}

func (c *keyedCounter) snapshot() (int64, map[string]int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	by := maps.Clone(c.by)
	if by == nil {
		by = map[string]int64{}
	}
	return c.total.Load(), by
}
