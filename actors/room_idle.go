package actors

import (
	"time"

	"github.com/anthdm/hollywood/actor"
)

// An empty room (no players, no joins under way) does no simulation work:
// no steps, no timers, no sends, until a join wakes it or the lobby
// disposes of it. Its only timer meanwhile is the one that tells the lobby
// it has been empty for EmptyTimeout. A game that needs its world to go on
// without players asks for a slow tick instead (world.IdleHook).
//
// Players whose connection dropped, with their seats held for a resume,
// count as players: they are still in the game (their entities can be
// hit, their timers run), and the step is what times their seats out.
// Their window is bounded (RoomOptions.ResumeWindow), so such a room
// sleeps soon enough.

// pace is how a room ticks.
type pace uint8

const (
	paceAwake  pace = iota // players or joins: ticks at its rate
	paceIdle               // empty, and the game asked for IdleRate: one step per 1/IdleRate
	paceAsleep             // empty: no steps; one timer, for the empty timeout
)

// empty reports whether nobody is in the room or on the way to it.
func (r *room) empty() bool { return r.count == 0 && len(r.pending) == 0 }

// next decides, after a tick, how the room ticks from now on and returns
// when its next tick is due; ok is false when none is (an asleep room that
// told the lobby it is idle waits for an admit or its end).
func (r *room) next(c *actor.Context, now time.Time, took time.Duration) (d time.Duration, ok bool) {
	if !r.empty() {
		r.setPace(paceAwake)
		return max(r.step-r.acc-took, 0), true
	}
	if r.pace == paceAwake { // it just became empty
		r.idleRate = r.askIdleRate(c)
		if r.closing { // the hook panicked
			return 0, false
		}
	}
	if r.idleRate > 0 {
		r.setPace(paceIdle)
		return max(time.Second/time.Duration(r.idleRate)-took, 0), true
	}
	r.setPace(paceAsleep)
	if r.idleSent {
		return 0, false
	}
	return max(r.emptySince.Add(r.opts.EmptyTimeout).Sub(now), 0), true
}

// askIdleRate asks the game for its idle rate, at most the tick rate.
func (r *room) askIdleRate(c *actor.Context) int {
	rate := 0
	if r.hook.idle != nil {
		r.guard(c, "idle rate", func() { rate = r.hook.idle.IdleRate() })
	}
	return min(max(rate, 0), r.opts.TickRate)
}

// setPace moves the room to p, keeping the hub's count of idle rooms.
func (r *room) setPace(p pace) {
	switch {
	case r.pace == paceAwake && p != paceAwake:
		r.hub.stats.roomsIdle.Add(1)
	case r.pace != paceAwake && p == paceAwake:
		r.hub.stats.roomsIdle.Add(-1)
	}
	r.pace = p
}

// wake makes an idle or asleep room tick at its rate again, for a join:
// the join is decided at the next step, one step from now. The time it
// slept is not the game's (nothing is caught up).
func (r *room) wake(c *actor.Context) {
	if r.pace == paceAwake {
		return
	}
	r.setPace(paceAwake)
	r.last, r.acc, r.lateOff = time.Now(), 0, true
	// A timer that already fired has its tick on the way, which finds
	// the room awake; else the one pending is replaced.
	if r.timer == nil || r.timer.Stop() {
		r.schedule(c, r.step)
	}
}

// rearm moves an asleep room's timer to a reloaded EmptyTimeout.
func (r *room) rearm(c *actor.Context) {
	if r.pace != paceAsleep || r.idleSent || r.timer == nil || !r.timer.Stop() {
		return
	}
	r.schedule(c, max(time.Until(r.emptySince.Add(r.opts.EmptyTimeout)), 0))
}
