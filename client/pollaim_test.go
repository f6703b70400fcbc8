package client

import (
	"testing"
	"time"
)

func TestPollAim(t *testing.T) {
	const send, idle, rtt = 50 * time.Millisecond, 50 * time.Millisecond, 2 * time.Millisecond
	var a pollAim
	if got := a.next(0, rtt, 0, idle); got != idle {
		t.Errorf("no send rate, empty answer: wait %v, want the idle interval %v", got, idle)
	}
	if got := a.next(3, rtt, 0, idle); got != 0 {
		t.Errorf("no send rate, frames: wait %v, want 0 (ask again at once)", got)
	}
	if got, want := a.next(1, rtt, send, idle), send-rtt-pollMargin; got != want {
		t.Errorf("after a state: wait %v, want %v (one send, less the round trip and margin)", got, want)
	}
	// Early answers retry soon, then back off to idle.
	want := []time.Duration{3125 * time.Microsecond, 6250 * time.Microsecond, 12500 * time.Microsecond, 25 * time.Millisecond, idle, idle}
	for i, w := range want {
		if got := a.next(0, rtt, send, idle); got != w {
			t.Errorf("empty answer %d in a row: wait %v, want %v", i+1, got, w)
		}
	}
	if got, want := a.next(1, rtt, send, idle), send-rtt-pollMargin; got != want {
		t.Errorf("a state after empties: wait %v, want %v", got, want)
	}
	if got := a.next(0, rtt, send, idle); got != want[0] {
		t.Errorf("the backoff did not restart after a state: wait %v, want %v", got, want[0])
	}
	if got := a.next(1, 80*time.Millisecond, send, idle); got != 0 {
		t.Errorf("round trip longer than a send: wait %v, want 0", got)
	}
}

// simulate runs aimed polls against a room sending every send from t=0 with
// a one-way delay of rtt/2, and returns how many sends were received alone
// and how many requests were made.
func simulatePolls(send, rtt, idle time.Duration, sends int) (alone, requests int) {
	var a pollAim
	now := 17 * time.Millisecond // an arbitrary phase
	last := -1                   // index of the newest send received
	for now < time.Duration(sends)*send {
		arrive := now + rtt/2
		newest := int(arrive / send) // sends at 0, send, 2·send, … before arrive
		if arrive%send == 0 {
			newest--
		}
		frames := 0
		if newest > last {
			if newest == last+1 {
				alone++
			}
			frames, last = 1, newest
		}
		requests++
		now += rtt + a.next(frames, rtt, send, idle)
	}
	return alone, requests
}

func TestPollAimLocksOntoSends(t *testing.T) {
	for _, rtt := range []time.Duration{200 * time.Microsecond, 5 * time.Millisecond, 30 * time.Millisecond} {
		const send, sends = 50 * time.Millisecond, 1000
		alone, requests := simulatePolls(send, rtt, 50*time.Millisecond, sends)
		if alone < sends*98/100 {
			t.Errorf("rtt %v: %d of %d states received alone, want at least 98%%", rtt, alone, sends)
		}
		if requests > sends*5/4 {
			t.Errorf("rtt %v: %d requests for %d states, want at most 1.25 per state", rtt, requests, sends)
		}
		t.Logf("rtt %v: %d of %d states alone, %.2f requests per state", rtt, alone, sends, float64(requests)/sends)
	}
}
