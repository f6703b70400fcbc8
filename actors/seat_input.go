package actors

import (
	"github.com/tickroom/tickroom/netcode"
	"github.com/tickroom/tickroom/world"
)

// The inbound half of a seat: the link's reader goroutine (or the session,
// for frames that arrived before the seat was known) pushes the client's
// inputs and acks, and the room takes them at its steps. See seat.

// push queues one input and records the tick it acknowledges. A seq at or
// below the highest queued one is a replay or a reordering and is dropped
// (its ack still counts); a full queue drops its oldest input, since for
// movement the newest command matters most and the client's input ack still
// moves past the dropped one. A seat that has left takes nothing.
func (s *seat) push(seq, ack uint32, in world.Input) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.open() {
		return
	}
	s.received++
	s.noteAck(ack)
	if seq <= s.seq {
		s.dropped++
		return
	}
	s.seq = seq
	if len(s.queue) >= s.limit {
		n := copy(s.queue, s.queue[len(s.queue)-s.limit+1:])
		s.dropped += int64(len(s.queue) - n)
		s.queue = s.queue[:n]
	}
	s.queue = append(s.queue, queuedInput{seq: seq, in: in})
}

// acknowledge records an ack that came without an input.
func (s *seat) acknowledge(tick uint32) {
	s.mu.Lock()
	if s.open() {
		s.noteAck(tick)
	}
	s.mu.Unlock()
}

// noteAck folds one ack into the pending outcome; s.mu is held.
func (s *seat) noteAck(tick uint32) {
	if tick == 0 {
		s.ackReset, s.ackTick = true, 0
		return
	}
	s.ackTick = max(s.ackTick, tick)
}

// take hands the room the inputs queued since the last take, oldest first,
// with the counts of inputs received and dropped since then and the seat's
// state at the moment of the take. The seat's spare buffer becomes its
// queue, so the two alternate and neither is reallocated. Room goroutine
// only.
func (s *seat) take() (queued []queuedInput, received, dropped int64, state seatState) {
	s.mu.Lock()
	queued, s.queue = s.queue, s.spare[:0]
	received, dropped = s.received, s.dropped
	s.received, s.dropped = 0, 0
	state = s.state
	s.mu.Unlock()
	s.spare = queued
	return queued, received, dropped, state
}

// takeAck returns the acks received since the last takeAck: reset when the
// client asked for a full snapshot, then the highest tick it acknowledged
// after that (0: none).
func (s *seat) takeAck() (reset bool, tick uint32) {
	s.mu.Lock()
	reset, tick = s.ackReset, s.ackTick
	s.ackReset, s.ackTick = false, 0
	s.mu.Unlock()
	return reset, tick
}

// pushMessage queues a game message and reports whether it was taken: a
// seat that left takes nothing (and says so, as if taken: the client will
// hear why from its session), and a full queue refuses the message.
func (s *seat) pushMessage(typ string, payload netcode.Payload) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.open() {
		return true
	}
	if len(s.msgs) >= s.msgLimit {
		return false
	}
	s.msgs = append(s.msgs, queuedMessage{typ: typ, payload: payload})
	return true
}

// takeMessages hands the room the messages queued since the last take,
// oldest first, swapping buffers as take does. Room goroutine only.
func (s *seat) takeMessages() []queuedMessage {
	s.mu.Lock()
	queued := s.msgs
	s.msgs = s.spareM[:0]
	s.mu.Unlock()
	s.spareM = queued
	return queued
}

// setLimits applies reconfigured input and message buffers and whether the
// room holds seats; the queues grow on demand or drop down to the new
// limits at the next push.
func (s *seat) setLimits(inputs, messages int, holds bool) {
	s.mu.Lock()
	s.limit, s.msgLimit, s.holds = inputs, messages, holds
	s.mu.Unlock()
}
