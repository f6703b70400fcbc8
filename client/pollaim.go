package client

import "time"

// A polling client that asks at a fixed interval beats against the room's
// send rate: at 20 Hz both ways, its polls drift across the sends and about
// one state in four arrives together with the next, which replaces it (a
// newer state wins). pollAim times each poll for just after the room's next
// send instead. After an answer that carried frames, the next poll leaves
// one send interval later, minus the round trip just measured and a margin,
// so it reaches the server a little earlier each time until it is early; an
// early (empty) answer is retried soon, and the retry lands just after the
// send. The polls stay locked to the sends at about one request per state
// plus an occasional early one. Empty answers in a row back off to
// Options.PollInterval, so a client with nothing to receive (in the lobby,
// or in a room that stopped sending) does not poll fast.
type pollAim struct {
	empties int // empty answers in a row
}

// pollMargin is how much earlier than the last poll, relative to the sends,
// each aimed poll leaves: the drift that finds the send's phase again.
const pollMargin = 500 * time.Microsecond

// next returns how long to wait before the next poll. frames is what the
// answer delivered, rtt how long the request took, send the room's send
// interval (0 when unknown, before a welcome), idle Options.PollInterval.
func (a *pollAim) next(frames int, rtt, send, idle time.Duration) time.Duration {
	if send <= 0 {
		if frames > 0 {
			return 0
		}
		return idle
	}
	if frames > 0 {
		a.empties = 0
		return max(send-rtt-pollMargin, 0)
	}
	// Early: the send is due within a few milliseconds, unless the room is
	// not sending at all; back off towards idle.
	d := max(send/16, time.Millisecond) << min(a.empties, 10)
	a.empties++
	return min(d, idle)
}
