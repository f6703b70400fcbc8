package loadtest

import (
	"fmt"
	"sync"

	"github.com/tickroom/tickroom/netcode"
)

// connected counts the players with a live session.
func (r *run) connected() int {
	n := 0
	for _, p := range r.players {
		if p.sess.Load() != nil {
			n++
		}
	}
	return n
}

// closeWorkers bounds the clients closed at once at the end of a run.
const closeWorkers = 64

// checkConnections finds sessions whose client ended without the run
// closing it, counts them as disconnects (by close code) and errors, and
// returns how many players are still connected. A client that gave up
// coming back was counted when it did (resume.go).
func (r *run) checkConnections() int {
	n := 0
	for _, p := range r.players {
		s := p.sess.Load()
		if s == nil {
			continue
		}
		c := s.client()
		select {
		case <-c.Done():
			if s.gaveUp.Load() {
				r.bury(s)
				continue
			}
			if s.retired.Load() || !p.sess.CompareAndSwap(s, nil) {
				continue
			}
			code := c.CloseCode()
			key := "network"
			if code != 0 {
				key = fmt.Sprintf("%d %s", code, netcode.Code(code))
			}
			p.disconnects.Add(1)
			p.closeCode.Store(uint32(code))
			r.disconnects.add(key)
			r.errs.add("disconnect: " + key)
			s.retire()
			r.deadMu.Lock()
			r.dead = append(r.dead, s) // closeAll ends its goroutines
			r.deadMu.Unlock()
		default:
			n++
		}
	}
	return n
}

// bury takes s, whose client plays no more, from its player; closeAll
// closes it.
func (r *run) bury(s *session) {
	if !s.p.sess.CompareAndSwap(s, nil) {
		return
	}
	s.retire()
	r.deadMu.Lock()
	r.dead = append(r.dead, s)
	r.deadMu.Unlock()
}

// closeAll closes every client, a few at a time.
func (r *run) closeAll() {
	work := make(chan *session)
	var wg sync.WaitGroup
	for range min(closeWorkers, len(r.players)) {
		wg.Go(func() {
			for s := range work {
				_ = s.client().Close()
			}
		})
	}
	for _, p := range r.players {
		if s := p.sess.Swap(nil); s != nil {
			s.retired.Store(true)
			work <- s
		}
	}
	r.deadMu.Lock()
	dead := r.dead
	r.dead = nil
	r.deadMu.Unlock()
	for _, s := range dead {
		work <- s
	}
	close(work)
	wg.Wait()
}
