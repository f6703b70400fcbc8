package transports

import (
	"sync"
	"time"
)

// ownedTimer is a time.AfterFunc whose callback the Server waits for. A
// pending or running callback holds one count in wg, so Server.Close cannot
// return while a timer of an HTTP session is about to fire, and goleak never
// sees a stray callback goroutine.
//
// Each reset starts a new generation and stop ends the current one; the
// callback receives its generation and should do nothing unless it is still
// the current one, read under the same lock that guards reset and stop. That
// covers a callback that had already started when stop returned false.
//
// The owner must hold that lock around reset, stop and gen, and must itself
// hold a count in wg whenever it calls reset, so that the Add never races
// with a Wait on a zero counter.
type ownedTimer struct {
	t   *time.Timer
	cur uint64
}

// reset (re)arms the timer to call f(gen) after d.
func (o *ownedTimer) reset(wg *sync.WaitGroup, d time.Duration, f func(gen uint64)) {
	o.stop(wg)
	gen := o.cur
	wg.Add(1)
	o.t = time.AfterFunc(d, func() {
		defer wg.Done()
		f(gen)
	})
}

// stop cancels a pending callback and ends the current generation. A callback
// that has already started keeps its count until it returns.
func (o *ownedTimer) stop(wg *sync.WaitGroup) {
	if o.t != nil && o.t.Stop() {
		wg.Done()
	}
	o.t = nil
	o.cur++
}

// armed reports whether a callback is pending or running.
func (o *ownedTimer) armed() bool { return o.t != nil }

// live reports whether gen is the current, armed generation.
func (o *ownedTimer) live(gen uint64) bool { return o.t != nil && gen == o.cur }
