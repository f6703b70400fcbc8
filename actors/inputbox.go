package actors

import (
	"sync"

	"github.com/tickroom/tickroom/world"
)

// inputBox holds one seat's inputs and acknowledgements between two room
// steps. The link's reader goroutine pushes into it directly, so the room's
// most frequent traffic (20 inputs or acks per player per second) costs a
// lock instead of an actor message: no hollywood send, no inbox goroutine,
// no middleware. The room creates one box per seat, drains it on its own
// goroutine and closes it when it frees the seat.
//
// The lock is held only to queue one input, or to swap buffers with the
// room: neither side allocates once both buffers have their capacity.
type inputBox struct {
	mu     sync.Mutex
	closed bool          // the seat is gone: pushes are dropped uncounted
	limit  int           // most inputs queued; a full box drops its oldest
	queue  []queuedInput // pushed since the last take, oldest first
	seq    uint32        // highest seq queued, to drop replays

	// Acks are cumulative, so the box keeps only their outcome: whether the
	// client asked for a full snapshot (ack 0) and the highest tick it
	// acknowledged after that. Applied in order by the room, that moves the
	// baseline exactly as applying each ack would.
	ackReset bool
	ack      uint32

	// Counted here, under the lock the push takes anyway, and added to the
	// hub's shared counters by the room once per tick.
	received, dropped int64
}

type queuedInput struct {
	seq uint32
	in  world.Input
}

// newInputBox returns an open box that queues up to limit inputs.
func newInputBox(limit int) *inputBox {
	return &inputBox{limit: limit, queue: make([]queuedInput, 0, limit)}
}

// push queues one input and records the tick it acknowledges. A seq at or
// below the highest queued one is a replay or a reordering and is dropped
// (its ack still counts); a full box drops its oldest input, since for
// movement the newest command matters most and the client's input ack still
// moves past the dropped one.
func (b *inputBox) push(seq, ack uint32, in world.Input) {
	b.mu.Lock()
	if b.closed {
		b.mu.Unlock()
		return
	}
	b.received++
	b.noteAck(ack)
	if seq <= b.seq {
		b.dropped++
		b.mu.Unlock()
		return
	}
	b.seq = seq
	if len(b.queue) >= b.limit {
		n := copy(b.queue, b.queue[len(b.queue)-b.limit+1:])
		b.dropped += int64(len(b.queue) - n)
		b.queue = b.queue[:n]
	}
	b.queue = append(b.queue, queuedInput{seq: seq, in: in})
	b.mu.Unlock()
}

// acknowledge records an ack that came without an input.
func (b *inputBox) acknowledge(tick uint32) {
	b.mu.Lock()
	if !b.closed {
		b.noteAck(tick)
	}
	b.mu.Unlock()
}

// noteAck folds one ack into the pending outcome; b.mu is held.
func (b *inputBox) noteAck(tick uint32) {
	if tick == 0 {
		b.ackReset, b.ack = true, 0
		return
	}
	b.ack = max(b.ack, tick)
}

// take hands the room the inputs queued since the last take, oldest first,
// with the counts of inputs received and dropped since then. spare, emptied,
// becomes the box's queue: it should be what the previous take returned, so
// the two buffers alternate and neither is reallocated.
func (b *inputBox) take(spare []queuedInput) (queued []queuedInput, received, dropped int64) {
	b.mu.Lock()
	queued, b.queue = b.queue, spare[:0]
	received, dropped = b.received, b.dropped
	b.received, b.dropped = 0, 0
	b.mu.Unlock()
	return queued, received, dropped
}

// takeAck returns the acks received since the last takeAck: reset when the
// client asked for a full snapshot, then the highest tick it acknowledged
// after that (0: none).
func (b *inputBox) takeAck() (reset bool, tick uint32) {
	b.mu.Lock()
	reset, tick = b.ackReset, b.ack
	b.ackReset, b.ack = false, 0
	b.mu.Unlock()
	return reset, tick
}

// setLimit applies a reconfigured InputBuffer; the queue grows on demand or
// drops down to the new limit at the next push.
func (b *inputBox) setLimit(limit int) {
	b.mu.Lock()
	b.limit = limit
	b.mu.Unlock()
}

// close ends the box with its seat: a reader goroutine still holding it
// pushes into nothing. It returns the counts not yet taken, so inputs that
// reached the seat before it went stay counted.
func (b *inputBox) close() (received, dropped int64) {
	b.mu.Lock()
	b.closed = true
	b.queue, b.ackReset, b.ack = nil, false, 0
	received, dropped = b.received, b.dropped
	b.received, b.dropped = 0, 0
	b.mu.Unlock()
	return received, dropped
}
