package client

import (
	"sync"
	"testing"

	"github.com/tickroom/tickroom/netcode"
	"github.com/tickroom/tickroom/world"
)

// Concurrent SendInput calls put their inputs on the wire in seq order: the
// server drops an input whose seq is not above the highest it has seen.
func TestConcurrentSendInputKeepsSeqOrder(t *testing.T) {
	c, f := newFakeClient(t, Options{})
	var wg sync.WaitGroup
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 500; i++ {
				if _, err := c.SendInput(world.Input{}); err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	last, bad := uint32(0), 0
	for _, m := range f.sentMessages(t) {
		in := m.(*netcode.Input)
		if in.Seq <= last {
			bad++
		}
		last = max(last, in.Seq)
	}
	if bad > 0 {
		t.Fatalf("%d inputs went out after a higher seq: the server drops them", bad)
	}
}
