package transports

// slot is one queued frame. The head lives inline so that queueing a frame
// copies bytes into memory the link's queue holds, never allocated per Send.
type slot struct {
	body    []byte
	class   Class
	headLen uint8
	head    [MaxHead]byte
}

func (s *slot) set(class Class, head, body []byte) {
	s.class = class
	s.headLen = uint8(copy(s.head[:], head))
	s.body = body
}

// sendQueue is a link's bounded FIFO of outbound frames: at most limit
// ClassControl slots plus at most one ClassState slot, in a ring of at most
// the link's control capacity + 1 slots. The ring is allocated when a frame
// first has to wait, and grows by doubling: a link whose client keeps up
// has its frames written directly and never queues one (each slot is about
// 100 bytes, and an idle link should cost little), one that falls behind
// allocates a few times, up to its bound. It is not safe for concurrent use;
// the link's mutex guards it.
//
// The rule for state frames: a new one removes the queued one, if any, and is
// appended, like any frame. Overwriting the stale one in place would be
// cheaper but would put the new state before the control frames queued after
// the stale one: an event of tick T written after the state of tick T+1.
// Removing is cheap enough: the stale state is usually the tail (replaced in
// place) or has only the control frames of one send interval behind it.
type sendQueue struct {
	slots   []slot // the ring; nil until a frame is queued
	max     int    // the most slots the ring may grow to
	first   int    // ring index of the oldest slot
	n       int    // slots in use
	control int    // ClassControl slots in use
	state   int    // ring index of the queued ClassState slot, -1 if none
}

// pushResult says what push did with a frame.
type pushResult uint8

const (
	pushed   pushResult = iota // appended
	replaced                   // overwrote the queued ClassState frame
	overflow                   // control queue full; nothing queued
)

// minQueueSlots is the ring's first size.
const minQueueSlots = 4

func newSendQueue(controlCap int) sendQueue {
	return sendQueue{max: controlCap + 1, state: -1}
}

// push queues a frame. limit is the current control bound; it is clamped to the
// ring's capacity, which was fixed when the link opened.
func (q *sendQueue) push(class Class, head, body []byte, limit int) pushResult {
	if class == ClassState {
		if q.state < 0 {
			q.state = q.append(class, head, body)
			return pushed
		}
		if q.state == q.tail() {
			// Removing the tail and appending is overwriting it.
			q.slots[q.state].set(class, head, body)
			return replaced
		}
		// A control frame was queued after the stale state; the new state
		// must follow it (an event before any state of a later tick, a
		// room's welcome before that room's first state), so the stale one
		// leaves the middle of the queue.
		q.remove(q.state)
		q.state = q.append(class, head, body)
		return replaced
	}
	if limit > q.max-1 {
		limit = q.max - 1
	}
	if q.control >= limit {
		return overflow
	}
	q.append(ClassControl, head, body)
	q.control++
	return pushed
}

func (q *sendQueue) append(class Class, head, body []byte) int {
	if q.n == len(q.slots) {
		q.grow()
	}
	i := (q.first + q.n) % len(q.slots)
	q.slots[i].set(class, head, body)
	q.n++
	return i
}

// pop moves the oldest frame into dst and reports whether there was one. The
// ring slot forgets its body so a shared body is not kept alive by the queue.
func (q *sendQueue) pop(dst *slot) bool {
	if q.n == 0 {
		return false
	}
	s := &q.slots[q.first]
	*dst = *s
	s.body = nil
	if dst.class == ClassState {
		q.state = -1
	} else {
		q.control--
	}
	q.first = (q.first + 1) % len(q.slots)
	q.n--
	return true
}

// tail returns the ring index of the newest frame; the queue must not be
// empty.
func (q *sendQueue) tail() int { return (q.first + q.n - 1) % len(q.slots) }

// remove drops the frame at ring index i, moving the newer frames up. It runs
// only when a state frame is superseded with control frames queued after it,
// and moves just those.
func (q *sendQueue) remove(i int) {
	for k := (i - q.first + len(q.slots)) % len(q.slots); k < q.n-1; k++ {
		q.slots[(q.first+k)%len(q.slots)] = q.slots[(q.first+k+1)%len(q.slots)]
	}
	q.slots[q.tail()].body = nil
	q.n--
}

// grow doubles the ring (up to max), oldest frame first. push never needs
// more than max slots: limit control frames and one state frame.
func (q *sendQueue) grow() {
	slots := make([]slot, min(max(2*len(q.slots), minQueueSlots), q.max))
	for i := range q.n {
		slots[i] = q.slots[(q.first+i)%len(q.slots)]
	}
	if q.state >= 0 {
		q.state = (q.state - q.first + len(q.slots)) % len(q.slots)
	}
	q.slots, q.first = slots, 0
}

// len reports how many frames are queued.
func (q *sendQueue) len() int { return q.n }

// clear drops every queued frame, and the ring with them.
func (q *sendQueue) clear() {
	q.slots = nil
	q.first, q.n, q.control, q.state = 0, 0, 0, -1
}
