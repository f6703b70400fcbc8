package actors

import (
	"time"

	"github.com/anthdm/hollywood/actor"
	"github.com/tickroom/tickroom/netcode"
	"github.com/tickroom/tickroom/world"
)

// tick runs the simulation for the real time that passed since the last tick
// message, at most MaxCatchUp steps, and sends state when the send rate says
// so. Time beyond the catch-up bound is dropped and counted as an overrun: a
// room that cannot keep up slows its game rather than spiralling. It then
// schedules the next tick for when the next step falls due. One timer at a
// time, rather than hollywood's SendRepeat, because a repeater keeps queueing
// ticks behind a slow room: its inbox would grow, and inputs and the poison
// pill would wait behind stale ticks.
func (r *room) tick(c *actor.Context) {
	now := time.Now()
	// Deferred so that a panicking game (recovered by the middleware) does
	// not stop the clock.
	defer func() {
		r.counts.flush(&r.hub.stats)
		took := time.Since(now)
		r.hub.obs.TickDuration(took)
		r.schedule(c, max(r.step-r.acc-took, 0))
	}()
	r.takeAcks()
	r.acc += now.Sub(r.last)
	r.last = now
	steps := 0
	for r.acc >= r.step && steps < r.opts.MaxCatchUp {
		r.simulate(c)
		r.acc -= r.step
		steps++
		r.sendAcc += r.opts.SendRate
	}
	if r.acc >= r.step {
		r.hub.stats.tickOverruns.Add(1)
		r.acc = 0
	}
	if steps > 1 {
		r.hub.stats.ticksLate.Add(1)
	}
	r.hub.stats.ticks.Add(int64(steps))
	if r.sendAcc >= r.opts.TickRate {
		r.sendAcc %= r.opts.TickRate
		r.broadcast(c, now)
	}
	r.checkIdle(c, now)
}

// schedule sends the room a roomTick after d. The timer captures the engine
// and PID, never the Context.
func (r *room) schedule(c *actor.Context, d time.Duration) {
	e, pid := c.Engine(), c.PID()
	r.timer = time.AfterFunc(d, func() { e.Send(pid, roomTick{}) })
}

// takeAcks applies the acks that reached the boxes since the last tick. It
// runs first, whether or not the tick steps, so a send builds each frame
// from the client's newest baseline; and before r.last moves, so a moved
// baseline is stamped with the tick the ack arrived after, as when acks
// came as messages.
func (r *room) takeAcks() {
	for _, p := range r.players {
		if p == nil || !p.joined || p.leaving {
			continue
		}
		reset, tick := p.box.takeAck()
		if reset {
			r.acknowledge(p, 0)
		}
		if tick != 0 {
			r.acknowledge(p, tick)
		}
	}
}

// simulate runs one step: leaves, joins and inputs that arrived since the
// last step, then the game. All world changes happen after Advance, so every
// delta to this tick sees them.
func (r *room) simulate(c *actor.Context) {
	r.w.Advance()
	for slot, p := range r.players {
		switch {
		case p == nil:
			continue
		case p.leaving:
			r.release(c, slot, p)
			continue
		case !p.joined:
			if !r.join(c, slot, p) {
				continue
			}
		}
		// Empty the box before the game sees its inputs: an input that
		// makes the game panic must not be applied again at every tick. The
		// box gets back the buffer of the last step, so nothing allocates.
		queued, received, dropped := p.box.take(p.inputs)
		p.inputs = queued
		r.counts.received += received
		r.counts.dropped += dropped
		r.counts.applied += int64(len(queued))
		for _, q := range queued {
			p.lastSeq = q.seq
			r.game.Input(r.w, p.id, q.in)
		}
	}
	r.game.Step(r.w, r.step)
}

// join runs Game.Join for a newly admitted player, queues the welcome on its
// link and tells its session.
func (r *room) join(c *actor.Context, slot int, p *player) bool {
	ent, err := r.game.Join(r.w, p.id, p.name)
	if err != nil {
		r.log.Warn("game refused join", "player", p.id, "err", err)
		c.Send(p.session, joinRefused{code: netcode.CodeJoinRefused, msg: "the game refused the join"})
		r.free(c, slot)
		return false
	}
	p.joined, p.entity = true, ent
	welcome, err := netcode.AppendMessage(nil, &netcode.Welcome{
		Version:    netcode.ProtocolVersion,
		Session:    p.sid,
		Player:     uint32(p.id),
		Entity:     uint32(ent),
		Room:       r.name,
		Mode:       r.mode,
		TickRate:   r.opts.TickRate,
		SendRate:   r.opts.SendRate,
		ServerTime: r.hub.ServerTime(),
		Schemas:    r.game.Schemas(),
	})
	if err != nil { // a game whose schemas cannot be encoded is a bug
		r.log.Error("encode welcome", "err", err)
	}
	// The room, not the session, points the sink at itself, now: the send
	// of this very tick then reaches the player with the welcome in front of
	// it. Left to the session's answer to joined, the seat would start a send
	// later, and the first snapshot with it. joined goes first: the welcome
	// may be on the wire at once, and whatever the client answers to it
	// (an input, a leave) must find the session already seated.
	c.Send(p.session, joined{room: c.PID(), slot: slot, box: p.box})
	p.sink.seat(c.PID(), slot, welcome)
	return true
}

func (r *room) release(c *actor.Context, slot int, p *player) {
	if p.joined {
		r.game.Leave(r.w, p.id)
	}
	r.free(c, slot)
}

func (r *room) free(c *actor.Context, slot int) {
	r.closeBox(r.players[slot])
	r.players[slot] = nil
	r.count--
	if r.count == 0 {
		r.emptySince = r.last
		r.idleSent = false
	}
	c.Send(c.Parent(), roomCount{room: c.PID(), key: r.key, players: r.count})
}

// checkIdle tells the lobby once per empty spell that the room has been
// empty for EmptyTimeout; the lobby decides, because only it knows about
// joins on their way here.
func (r *room) checkIdle(c *actor.Context, now time.Time) {
	if r.count > 0 || r.idleSent || now.Sub(r.emptySince) < r.opts.EmptyTimeout {
		return
	}
	r.idleSent = true
	c.Send(c.Parent(), roomIdle{room: c.PID(), key: r.key})
}

// Compile-time check that the arena satisfies the interface rooms use.
var _ world.Game = (*world.Arena)(nil)
