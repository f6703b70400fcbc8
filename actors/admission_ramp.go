package actors

import (
	"time"

	"golang.org/x/time/rate"
)

// admitRamp paces new connections after an overload ends. Without it the
// hub, once calm, opened its doors to everyone waiting at once: a load
// test joining 500 a second put hundreds more players in before the
// lateness (smoothed over about a second, sampled twice a second) could
// show them, and the overload came back, with the players' input→ack p99
// in seconds (4,096 clients on half a core: 2,703 admitted in three
// overloads). Led in at a few percent of the sessions a second, the
// newcomers raise the load slowly enough for the governor to see it
// before it is too late, and it closes the doors again at the right
// count.
//
// A ramp is immutable once published; the governor replaces it.
type admitRamp struct {
	until time.Time
	lim   *rate.Limiter
}

const (
	// rampShare is the share of the sessions present let in a second.
	rampShare = 0.02
	// rampMin is the least rate of a ramp, in connections a second, so a
	// nearly empty server does not wait long.
	rampMin = 4
	// rampRecoveries is how long a ramp lasts, in Overload.RecoverAfter.
	rampRecoveries = 4
)

// startRamp begins pacing newcomers at now, for a hub with sessions
// sessions; recover is Overload.RecoverAfter.
func (h *Hub) startRamp(now time.Time, sessions int64, recover time.Duration) {
	r := max(rate.Limit(float64(sessions)*rampShare), rampMin)
	h.ramp.Store(&admitRamp{until: now.Add(rampRecoveries * recover), lim: rate.NewLimiter(r, max(int(r), 1))})
}

// stopRamp ends pacing: at a new overload (which refuses every newcomer
// anyway) and when no room is playing.
func (h *Hub) stopRamp() { h.ramp.Store(nil) }

// rampFull reports whether the ramp has no place now, without taking one
// (Busy peeks, admit takes).
func (h *Hub) rampFull(now time.Time) bool {
	r := h.ramp.Load()
	return r != nil && now.Before(r.until) && r.lim.TokensAt(now) < 1
}

// rampTake takes a place in the ramp, if one is running; false when it
// has none left this moment.
func (h *Hub) rampTake(now time.Time) bool {
	r := h.ramp.Load()
	return r == nil || !now.Before(r.until) || r.lim.AllowN(now, 1)
}
