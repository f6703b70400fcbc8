package actors

import (
	"time"

	"github.com/tickroom/tickroom/netcode"
)

// A room follows the hub's response to load (OverloadOptions): it sends at
// its configured rate scaled down by the hub's level, like every other
// room, and while the hub is overloaded it drops no player for
// acknowledging late (a machine too slow to keep its rooms on time is too
// slow to read their acks too: players are dropped as slow consumers only
// for their own slowness); that clock starts afresh when the overload
// ends. A seat held for a resume is freed at the end of its window as
// ever: the reconnect a resume needs is let in during an overload, and a
// seat held for a player who never comes back would keep its room
// ticking, and the overload alive, after everyone has gone.

// applyLoad takes the hub's level and overload flag, at the start of each
// tick: a change of the send rate reaches the players before the first
// state at the new rate.
func (r *room) applyLoad(now time.Time) {
	if r.w == nil || r.closing {
		return
	}
	over := r.hub.overloaded.Load()
	if r.overloaded && !over {
		for _, s := range r.order {
			s.ackAt = now
		}
	}
	r.overloaded = over
	if level := int(r.hub.sendLevel.Load()); level != r.sendLevel {
		r.sendLevel = level
		if rate := r.scaledSendRate(); rate != r.sendRate {
			r.sendRate = rate
			r.announceRates()
		}
	}
}

// scaledSendRate is the room's send rate at the hub's current level.
func (r *room) scaledSendRate() int {
	return scaledSendRate(r.opts.SendRate, r.sendLevel, r.hub.opts.Load().Overload.MinSendRate)
}

// announceRates tells every player the rates from the next tick on.
func (r *room) announceRates() {
	frame, err := netcode.AppendFrame(nil, &netcode.Rates{Tick: r.w.Tick() + 1, TickRate: r.opts.TickRate, SendRate: r.sendRate})
	if err != nil {
		r.log.Error("encode rates", "err", err)
		return
	}
	for _, s := range r.order {
		s.sendControl(frame)
	}
}

// noteLateness adds how far this tick runs behind real time to the hub's
// load signal: the real time not yet simulated beyond one step. For a room
// that keeps up that is how late its timer fired; for one that fell
// behind it is its whole backlog, which its ticks scheduled at once would
// not show. Empty rooms do no work and tell nothing.
func (r *room) noteLateness() {
	if r.lateOff || r.empty() {
		r.lateOff = false
		return
	}
	r.hub.late.note(r.acc-r.step, r.step)
}
