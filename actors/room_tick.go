package actors

import (
	"slices"
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
//
// An empty room ticks differently (room_idle.go): not at all, or one step
// per tick at the game's idle rate.
func (r *room) tick(c *actor.Context) {
	now := time.Now()
	r.timer = nil // this is the tick it was to send
	r.applyLoad(now)
	defer func() {
		r.counts.flush(&r.hub.stats)
		took := time.Since(now)
		r.hub.obs.TickDuration(took)
		r.report(c)
		if r.closing {
			r.sendClosing(c)
			return // the lobby stops the room; no more ticks
		}
		if d, ok := r.next(c, now, took); ok {
			r.schedule(c, d)
		}
	}()
	r.guard(c, "tick", func() { r.run(c, now) })
}

func (r *room) run(c *actor.Context, now time.Time) {
	r.takeAcks()
	r.acc += now.Sub(r.last)
	r.last = now
	r.noteLateness()
	if r.empty() {
		// Idle: one step per tick at the game's idle rate; asleep (or
		// just emptied): none.
		r.acc = 0
		if r.pace == paceIdle {
			r.acc = r.step
		}
	}
	steps := 0
	for r.acc >= r.step && steps < r.opts.MaxCatchUp && !r.closing {
		r.simulate(c)
		r.acc -= r.step
		steps++
		r.sendAcc += r.sendRate
	}
	if r.acc >= r.step {
		r.hub.stats.tickOverruns.Add(1)
		r.acc = 0
	}
	if steps > 1 {
		r.hub.stats.ticksLate.Add(1)
	}
	r.hub.stats.ticks.Add(int64(steps))
	switch {
	case r.closing:
	case r.sendAcc >= r.opts.TickRate:
		r.sendAcc %= r.opts.TickRate
		r.broadcast(now, false)
	case steps > 0:
		// A player just seated gets its first state at once, whatever the
		// send rate: the events the game sent it in Join wait for that
		// state, and must not come behind the state of a later tick.
		r.broadcast(now, true)
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
	for _, s := range r.order {
		reset, tick := s.takeAck()
		if reset {
			r.acknowledge(s, 0)
		}
		if tick != 0 {
			r.acknowledge(s, tick)
		}
	}
}

// simulate runs one step, in the order world's hooks document: timers that
// are due; joins that arrived since the last step (the game's create and
// join hooks, then Join); the seats that left (the leave hook, then Leave);
// each player's inputs, then its messages; then Step. All world changes
// happen after Advance, so every delta to this tick sees them.
func (r *room) simulate(c *actor.Context) {
	r.w.Advance()
	r.timers.fire(r.w.Tick(), r.w)
	r.admitPending(c)
	for slot, s := range r.seats {
		if s == nil {
			continue
		}
		// Empty the queues before the game sees them: an input that makes
		// the game panic must not be applied again at every tick.
		queued, received, dropped, state := s.take()
		r.counts.received += received
		r.counts.dropped += dropped
		msgs := s.takeMessages()
		switch {
		case state >= seatLeaving:
			r.release(c, slot, s)
			continue
		case state == seatDetached:
			r.detached(s)
			continue
		case s.resumed:
			s.resumed = false
			if r.hook.resume != nil {
				r.hook.resume.OnResume(r.w, s.player)
			}
		}
		r.counts.applied += int64(len(queued))
		for _, q := range queued {
			if s.kicked {
				break
			}
			s.lastSeq = q.seq
			r.game.Input(r.w, s.player, q.in)
		}
		for _, m := range msgs {
			if s.kicked {
				break
			}
			r.message(s, m)
		}
		clear(msgs) // let the payloads go
	}
	r.game.Step(r.w, r.step)
}

// message hands one message to the game, or tells the client that the game
// takes none.
func (r *room) message(s *seat, m queuedMessage) {
	r.hub.stats.messages.Add(1)
	if r.hook.message == nil {
		r.hub.stats.errorSent(netcode.CodeUnknownMessage)
		s.sendControl(errorFrame(netcode.CodeUnknownMessage, "this game takes no messages ("+m.typ+")"))
		return
	}
	r.hook.message.Message(r.w, s.player, m.typ, m.payload)
}

// admitPending decides the joins that arrived since the last step: the
// game's create hook (once, with the options of the join that made the
// room), its join hook, then Join and the welcome. A refusal goes back to
// the lobby, which answers the client or tries another room.
func (r *room) admitPending(c *actor.Context) {
	// An admit stays in r.pending until it is decided, so that if a hook
	// panics, stop refuses it and every one behind it (room_closed).
	for len(r.pending) > 0 && !r.closing {
		a := r.pending[0]
		r.nextPlayer++
		p := r.nextPlayer
		if !r.created {
			r.created = true
			if err := r.hook.create.Create(r.w, a.req.options); err != nil {
				r.pending = r.pending[1:]
				r.close(err.Error())
				r.refuse(c, a, netcode.CodeJoinRefused, err.Error())
				continue
			}
		}
		if !a.created && (r.locked || r.count >= r.opts.MaxPlayers) {
			// Locked (or filled) by the game earlier in this step: a
			// matchmade join tries elsewhere.
			r.pending = r.pending[1:]
			code, msg := netcode.CodeRoomLocked, "room "+r.info.name+" is locked"
			if !r.locked {
				code, msg = netcode.CodeRoomFull, "room "+r.info.name+" is full"
			}
			r.refuse(c, a, code, msg)
			continue
		}
		if r.hook.join != nil {
			err := r.hook.join.JoinAttempt(r.w, world.JoinAttempt{
				Player: p, Name: a.req.name, Options: a.req.options, Identity: a.req.identity, Creator: a.created,
			})
			if err != nil {
				r.pending = r.pending[1:]
				r.refuse(c, a, netcode.CodeJoinRefused, err.Error())
				continue
			}
		}
		r.pending = r.pending[1:]
		r.seat(c, a, p)
	}
	for _, rest := range r.pending {
		c.Send(r.lobby, admitRefused{id: r.info.id, req: rest.req, created: rest.created, code: netcode.CodeRoomClosed, msg: r.closeReason})
	}
	r.pending = nil
}

func (r *room) refuse(c *actor.Context, a admit, code netcode.Code, msg string) {
	c.Send(r.lobby, admitRefused{id: r.info.id, req: a.req, created: a.created, code: code, msg: msg})
}

// seat makes the player's seat, runs Game.Join and welcomes it. The
// session gets its seat first, so that whatever the client answers to the
// welcome finds the session seated; the welcome goes out under the seat's
// lock, so the send of this very tick reaches the player right behind it.
func (r *room) seat(c *actor.Context, a admit, p world.PlayerID) {
	s := newSeat(a.req, p, r.freeSlot(), r.opts, r.last)
	r.seats[s.slot] = s
	r.count++
	r.settled++
	r.dirty = true
	r.bindPeer(s.link)
	c.Send(s.session, admitted{seat: s, created: a.created, guest: a.req.guest})
	r.order = append(r.order, s) // events the game sends in Join reach it
	ent, err := r.game.Join(r.w, p, s.name)
	if err != nil {
		r.log.Warn("game refused join", "player", p, "err", err)
		r.order = r.order[:len(r.order)-1]
		r.kick(s, netcode.CodeJoinRefused, err.Error())
		return
	}
	s.joined, s.entity = true, ent
	s.token = r.newToken(s)
	s.welcome(r.welcomeFrame(s, a.req.sid))
}

// welcomeFrame encodes s's welcome for the session sid: at its join, and
// again at every resume.
func (r *room) welcomeFrame(s *seat, sid string) []byte {
	welcome, err := netcode.AppendFrame(nil, &netcode.Welcome{
		Version:     netcode.ProtocolVersion,
		Session:     sid,
		Player:      uint32(s.player),
		Entity:      uint32(s.entity),
		Room:        r.info.name,
		Mode:        r.info.mode,
		TickRate:    r.opts.TickRate,
		SendRate:    r.sendRate,
		ServerTime:  r.hub.ServerTime(),
		Schemas:     r.game.Schemas(),
		RoomID:      r.info.id,
		JoinCode:    r.info.code,
		ResumeToken: s.token,
	})
	if err != nil { // the lobby checked the schemas: a bug
		r.log.Error("encode welcome", "err", err)
	}
	return welcome
}

// release frees the slot of a seat that left, after the game's leave hook
// and Leave if the game had the player.
func (r *room) release(c *actor.Context, slot int, s *seat) {
	if s.joined {
		r.order = slices.DeleteFunc(r.order, func(x *seat) bool { return x == s })
		_, why := s.current()
		if r.hook.leave != nil {
			r.hook.leave.OnLeave(r.w, s.player, why.world())
		}
		r.game.Leave(r.w, s.player)
	}
	r.closeSeat(s)
	r.free(slot)
}

func (r *room) free(slot int) {
	r.seats[slot] = nil
	r.count--
	r.dirty = true
	if r.count == 0 {
		r.emptySince = r.last
		r.idleSent = false
	}
}

// checkIdle tells the lobby once per empty spell that the room has been
// empty for EmptyTimeout; the lobby decides, because only it knows about
// joins on their way here.
func (r *room) checkIdle(c *actor.Context, now time.Time) {
	if r.count > 0 || len(r.pending) > 0 || r.idleSent || now.Sub(r.emptySince) < r.opts.EmptyTimeout {
		return
	}
	r.report(c) // the lobby must know the room is empty before it hears it is idle
	r.idleSent = true
	c.Send(r.lobby, roomIdle{id: r.info.id})
}
