package transports

import "github.com/tickroom/tickroom/transports/httpwire"

// record is one frame of an HTTP session's downlink with its sequence number.
// The slot keeps the head inline, as in the WebSocket queue, so buffering a
// frame copies at most MaxHead bytes into memory allocated with the session.
type record struct {
	seq uint64
	slot
}

// outBuffer holds an HTTP session's frames from Send until the client
// acknowledges them. Unlike the WebSocket queue it does not forget a frame
// once it is written: a response can be lost on the way, so a record stays
// until an ack (the next request) says the client has it, and every request
// gets every record past its ack again.
//
// ClassControl records sit in a ring, in seq order, at most limit of them.
// There is at most one ClassState record, kept aside: a new state frame
// removes the previous one whether it was sent or not (it is superseded, and
// the new one is a diff from the client's acknowledged tick anyway) and takes
// a new, higher seq. Responses carry records in seq order, so the new state
// comes after every control record buffered before it, exactly as the
// WebSocket queue appends it after them; keeping the old seq would put it
// before them. Gaps in the sequence are the removed state records.
//
// It is not safe for concurrent use; the session's mutex guards it.
type outBuffer struct {
	ctl      []record // ring of ClassControl records, oldest at first
	first, n int
	state    record // the ClassState record, when hasState
	hasState bool
	last     uint64 // highest seq handed out so far (0: none)
	sent     uint64 // highest seq put in a downlink response
}

func newOutBuffer(controlCap int) outBuffer {
	return outBuffer{ctl: make([]record, controlCap)}
}

// capacity is the ring size: the most control records it can ever hold.
func (b *outBuffer) capacity() int { return len(b.ctl) }

// push buffers a frame under the next seq. It returns replaced when a state
// record that no response had carried yet was dropped for this one (a stale
// frame in the Stats sense; replacing a sent one is not a drop), and overflow,
// buffering nothing, when limit control records are already waiting. limit is
// clamped to the ring's capacity.
func (b *outBuffer) push(class Class, head, body []byte, limit int) pushResult {
	if class == ClassState {
		res := pushed
		if b.hasState && b.state.seq > b.sent {
			res = replaced
		}
		b.last++
		b.state.seq = b.last
		b.state.set(ClassState, head, body)
		b.hasState = true
		return res
	}
	if limit > len(b.ctl) {
		limit = len(b.ctl)
	}
	if b.n >= limit {
		return overflow
	}
	b.last++
	r := &b.ctl[(b.first+b.n)%len(b.ctl)]
	r.seq = b.last
	r.set(ClassControl, head, body)
	b.n++
	return pushed
}

// ack drops every record with seq <= n: the client has them.
func (b *outBuffer) ack(n uint64) {
	for b.n > 0 && b.ctl[b.first].seq <= n {
		b.ctl[b.first].body = nil
		b.first = (b.first + 1) % len(b.ctl)
		b.n--
	}
	if b.hasState && b.state.seq <= n {
		b.dropState()
	}
}

// dropState forgets the state record (Close keeps control records only).
func (b *outBuffer) dropState() {
	b.state.body = nil
	b.hasState = false
}

// has reports whether a record with seq > after is buffered.
func (b *outBuffer) has(after uint64) bool {
	if b.hasState && b.state.seq > after {
		return true
	}
	return b.n > 0 && b.ctl[(b.first+b.n-1)%len(b.ctl)].seq > after
}

// after appends the records with seq > n to dst in seq order and records them
// as sent. The copies share the bodies, which are immutable once sent.
func (b *outBuffer) after(n uint64, dst []record) []record {
	stateDone := !b.hasState || b.state.seq <= n
	for i := range b.n {
		r := &b.ctl[(b.first+i)%len(b.ctl)]
		if r.seq <= n {
			continue
		}
		if !stateDone && b.state.seq < r.seq {
			dst = append(dst, b.state)
			stateDone = true
		}
		dst = append(dst, *r)
	}
	if !stateDone {
		dst = append(dst, b.state)
	}
	if k := len(dst); k > 0 && dst[k-1].seq > b.sent {
		b.sent = dst[k-1].seq
	}
	return dst
}

// moveTo pushes every buffered record into q in seq order and empties b: the
// hand-over of an upgraded session's backlog to its WebSocket writer. q's ring
// must hold b's capacity, which the upgrade guarantees by sizing it so.
func (b *outBuffer) moveTo(q *sendQueue) {
	for _, r := range b.after(0, nil) {
		q.push(r.class, r.head[:r.headLen], r.body, len(b.ctl))
	}
	b.clear()
}

// clear drops every record; the seq counters keep their values.
func (b *outBuffer) clear() {
	for i := range b.ctl {
		b.ctl[i].body = nil
	}
	b.first, b.n = 0, 0
	b.dropState()
}

// recordsSize is how many bytes httpwire.AppendRecord needs at most for recs.
func recordsSize(recs []record) int {
	n := 0
	for i := range recs {
		n += httpwire.RecordOverhead + int(recs[i].headLen) + len(recs[i].body)
	}
	return n
}
