package client

import (
	"context"
	"sync"

	"github.com/tickroom/tickroom/netcode"
)

// EventQueue keeps events for a program that would rather wait for them
// than take them in a callback (a bot's loop, a test): make
// Options.OnEvent its Push method and call Next. It keeps every event
// until Next takes it, so a program that stops taking them should stop
// pushing them too. The zero value is an empty queue; it is safe for
// concurrent use.
type EventQueue struct {
	mu     sync.Mutex
	events []netcode.Event
	wake   chan struct{} // closed, and replaced, by the next Push
}

// Push appends e.
func (q *EventQueue) Push(e netcode.Event) {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.events = append(q.events, e)
	if q.wake != nil {
		close(q.wake)
		q.wake = nil
	}
}

// Next removes and returns the oldest event, waiting for one until ctx
// ends.
func (q *EventQueue) Next(ctx context.Context) (netcode.Event, error) {
	for {
		q.mu.Lock()
		if len(q.events) > 0 {
			e := q.events[0]
			q.events[0] = netcode.Event{} // let its payload go
			q.events = q.events[1:]
			q.mu.Unlock()
			return e, nil
		}
		if q.wake == nil {
			q.wake = make(chan struct{})
		}
		wake := q.wake
		q.mu.Unlock()
		select {
		case <-wake:
		case <-ctx.Done():
			return netcode.Event{}, ctx.Err()
		}
	}
}

// Len returns how many events wait.
func (q *EventQueue) Len() int {
	q.mu.Lock()
	defer q.mu.Unlock()
	return len(q.events)
}
