package actors

import (
	"time"

	"github.com/anthdm/hollywood/actor"
	"github.com/tickroom/tickroom/netcode"
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

// takeAcks applies the acks that reached the seats since the last tick. It
// runs first, whether or not the tick steps, so a send builds each frame
// from the client's newest baseline; and before r.last moves, so a moved
// baseline is stamped with the tick the ack arrived after.
func (r *room) takeAcks() {
	for _, s := range r.seats {
		if s == nil || !s.joined {
			continue
		}
		reset, tick := s.takeAck()
		if reset {
			r.acknowledge(s, 0)
		}
		if tick != 0 {
			r.acknowledge(s, tick)
		}
	}
}

// simulate runs one step: leaves, joins and inputs that arrived since the
// last step, then the game. All world changes happen after Advance, so every
// delta to this tick sees them.
func (r *room) simulate(c *actor.Context) {
	r.w.Advance()
	for slot, s := range r.seats {
		if s == nil {
			continue
		}
		// Empty the queue before the game sees its inputs: an input that
		// makes the game panic must not be applied again at every tick.
		queued, received, dropped, state := s.take()
		r.counts.received += received
		r.counts.dropped += dropped
		switch {
		case state >= seatLeaving:
			r.release(c, slot, s)
			continue
		case !s.joined:
			if !r.join(c, s) {
				continue
			}
		}
		r.counts.applied += int64(len(queued))
		for _, q := range queued {
			s.lastSeq = q.seq
			r.game.Input(r.w, s.player, q.in)
		}
	}
	r.game.Step(r.w, r.step)
}

// join runs Game.Join for a newly admitted player and welcomes it: the
// welcome goes out under the seat's lock, so the send of this very tick
// reaches the player right behind it. A player that left while Game.Join
// ran is released at the next step, Game.Leave included.
func (r *room) join(c *actor.Context, s *seat) bool {
	ent, err := r.game.Join(r.w, s.player, s.name)
	if err != nil {
		r.log.Warn("game refused join", "player", s.player, "err", err)
		if r.closeSeat(s) <= seatWelcomed {
			c.Send(s.session, seatEnded{seat: s, code: netcode.CodeJoinRefused, msg: "the game refused the join"})
		}
		r.free(c, s.slot)
		return false
	}
	s.joined, s.entity = true, ent
	welcome, err := netcode.AppendMessage(nil, &netcode.Welcome{
		Version:    netcode.ProtocolVersion,
		Session:    s.sid,
		Player:     uint32(s.player),
		Entity:     uint32(ent),
		Room:       r.name,
		Mode:       r.mode,
		TickRate:   r.opts.TickRate,
		SendRate:   r.opts.SendRate,
		ServerTime: r.hub.ServerTime(),
		Schemas:    r.game.Schemas(),
	})
	if err != nil { // the lobby checked the schemas: a bug
		r.log.Error("encode welcome", "err", err)
	}
	return s.welcome(welcome)
}

// release frees the slot of a seat that left, after Game.Leave if the game
// had the player.
func (r *room) release(c *actor.Context, slot int, s *seat) {
	if s.joined {
		r.game.Leave(r.w, s.player)
	}
	r.closeSeat(s)
	r.free(c, slot)
}

func (r *room) free(c *actor.Context, slot int) {
	r.seats[slot] = nil
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
