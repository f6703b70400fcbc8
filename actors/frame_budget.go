package actors

import "time"

// frameBudget is a session's allowance of inbound frames: a token bucket
// (InputRate a second, InputBurst at once) that banks what overflows it.
//
// A client that sends below the rate earns tokens it does not spend; a
// plain bucket throws them away once it is full, so when a network stall
// holds a few seconds of an honest client's frames back and then delivers
// them at once, the bucket refuses all but a burst of them and the
// rejections close the client (a 20 Hz client used to be closed after a
// 6.5 s stall). Here the overflow goes into a bank, up to InputRate ×
// CatchUp, and the frames of a seated player may draw on it once the
// bucket is empty: the backlog of a stall up to CatchUp long is taken
// whole. Over any span of time a client still gets at most the rate plus
// one burst and one bank, so a flood is refused as before, after at most
// one bank's worth; a new connection starts with an empty bank, so it
// cannot open with one.
//
// Only the link's reader goroutine uses it: no lock.
type frameBudget struct {
	rate    float64 // tokens a second
	burst   float64 // bucket size
	bankMax float64 // bank size
	tokens  float64
	bank    float64
	last    time.Time // when tokens were last brought up to date
}

func newFrameBudget(o SessionOptions, now time.Time) *frameBudget {
	b := &frameBudget{last: now}
	b.set(o)
	b.tokens = b.burst
	return b
}

// set applies (reloaded) options; the tokens and the bank keep what they
// hold, within the new sizes.
func (b *frameBudget) set(o SessionOptions) {
	b.rate, b.burst = o.InputRate, float64(o.InputBurst)
	b.bankMax = max(o.InputRate*o.CatchUp.Seconds(), 0)
	b.tokens, b.bank = min(b.tokens, b.burst), min(b.bank, b.bankMax)
}

// allow takes one frame's token at now, from the bank too when catchUp is
// set, and reports whether there was one and whether it came from the
// bank.
func (b *frameBudget) allow(now time.Time, catchUp bool) (ok, banked bool) {
	if d := now.Sub(b.last); d > 0 {
		b.tokens += d.Seconds() * b.rate
		b.last = now
		if over := b.tokens - b.burst; over > 0 {
			b.tokens = b.burst
			b.bank = min(b.bank+over, b.bankMax)
		}
	}
	switch {
	case b.tokens >= 1:
		b.tokens--
		return true, false
	case catchUp && b.bank >= 1:
		b.bank--
		return true, true
	}
	return false, false
}
