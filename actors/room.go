package actors

import (
	"log/slog"
	"math/rand/v2"
	"time"

	"github.com/anthdm/hollywood/actor"
	"github.com/tickroom/tickroom/netcode"
	"github.com/tickroom/tickroom/world"
)

// room is the actor that owns one world. Everything below is owned by
// Receive; the seats are shared with their sessions and links, under each
// seat's own lock (see seat).
type room struct {
	hub             *Hub
	key, name, mode string
	log             *slog.Logger
	game            world.Game
	opts            RoomOptions

	w       *world.World
	step    time.Duration // simulated time per tick: 1s / TickRate
	timer   *time.Timer   // sends the next roomTick; at most one is ever pending
	last    time.Time     // when the previous tick message was handled
	acc     time.Duration // real time not yet simulated
	sendAcc int           // send-rate accumulator, in units of 1/TickRate sends

	seats      []*seat // by slot; nil is a free slot
	count      int     // occupied slots, welcomed or not
	nextPlayer world.PlayerID
	emptySince time.Time
	idleSent   bool

	delta              world.Delta // reused for every DeltaSince
	groups             []sendGroup // reused per send
	counts             inputCounts // taken from the seats, added to the hub's stats per tick
	fullHint, diffHint int         // last body sizes, to size the next buffers
}

func newRoom(h *Hub, key, name, mode string, g world.Game, o RoomOptions) actor.Producer {
	return func() actor.Receiver {
		return &room{
			hub:  h,
			key:  key,
			name: name,
			mode: mode,
			game: g,
			opts: o,
			log:  h.log.With("room", name, "mode", mode),
		}
	}
}

func (r *room) Receive(c *actor.Context) {
	switch m := c.Message().(type) {
	case roomTick:
		r.tick(c)
	case admit:
		r.admit(c, m.req)
	case reconfigureRoom:
		r.reconfigure(m)
	case actor.Started:
		r.start(c)
	case actor.Stopped:
		r.stop(c)
	}
}

func (r *room) start(c *actor.Context) {
	r.w = world.New(r.game.Schemas(), world.Options{History: r.opts.History, Seed: rand.Uint64()})
	r.game.Init(r.w)
	r.step = time.Second / time.Duration(r.opts.TickRate)
	r.last = time.Now()
	r.emptySince = r.last
	r.schedule(c, r.step)
	r.hub.stats.rooms.Add(1)
	r.log.Info("room started", "tick_rate", r.opts.TickRate, "send_rate", r.opts.SendRate)
}

// stop closes every seat: a welcomed player is told the room closed, one
// still joining that its join failed, and the lobby that the room is gone.
func (r *room) stop(c *actor.Context) {
	r.timer.Stop() // a pending tick would only become a dead letter
	for _, s := range r.seats {
		if s == nil {
			continue
		}
		if prev := r.closeSeat(s); prev <= seatWelcomed {
			c.Send(s.session, seatEnded{seat: s, code: netcode.CodeRoomClosed, msg: "room closed"})
		}
	}
	c.Send(c.Parent(), roomStopped{room: c.PID(), key: r.key})
	r.counts.flush(&r.hub.stats)
	r.hub.stats.rooms.Add(-1)
	r.log.Info("room stopped")
}

// admit creates a seat for the player, or refuses when the room is full,
// and tells the session at once: it must hold the seat before the welcome
// (next step) reaches the client, which may answer the welcome at once.
func (r *room) admit(c *actor.Context, j joinRequest) {
	r.idleSent = false
	if r.count >= r.opts.MaxPlayers {
		r.hub.stats.roomFull.Add(1)
		c.Send(j.session, joinRefused{code: netcode.CodeRoomFull, msg: "room " + r.name + " is full"})
		c.Send(c.Parent(), roomCount{room: c.PID(), key: r.key, players: r.count, settled: 1})
		return
	}
	slot := r.freeSlot()
	r.nextPlayer++
	s := newSeat(j, r.nextPlayer, slot, r.opts.InputBuffer, time.Now())
	r.seats[slot] = s
	r.count++
	c.Send(j.session, admitted{seat: s})
	c.Send(c.Parent(), roomCount{room: c.PID(), key: r.key, players: r.count, settled: 1})
}

func (r *room) freeSlot() int {
	for i, s := range r.seats {
		if s == nil {
			return i
		}
	}
	r.seats = append(r.seats, nil)
	return len(r.seats) - 1
}

// closeSeat closes s, keeping the counts of what reached it before.
func (r *room) closeSeat(s *seat) seatState {
	prev, received, dropped := s.close()
	r.counts.received += received
	r.counts.dropped += dropped
	return prev
}

// kick makes a player leave and tells its session why, and reports whether
// it did: a player that left on its own at the same moment wins, and
// nothing is sent.
func (r *room) kick(c *actor.Context, s *seat, code netcode.Code, msg string) bool {
	if !s.leave(leftByKick) {
		return false
	}
	c.Send(s.session, seatEnded{seat: s, code: code, msg: msg})
	return true
}

// acknowledge moves the seat's baseline. Zero asks for a full snapshot (the
// client lost its baseline); a tick from the future is ignored, and so is one
// older than the first state the player was sent: that is an ack of the
// client's previous room, still on its way when it switched, and as a
// baseline it would cost the client a lost baseline and a snapshot.
func (r *room) acknowledge(s *seat, tick uint32) {
	switch {
	case tick == 0:
		s.base = 0
	case tick > s.base && s.since != 0 && tick >= s.since && tick <= r.w.Tick():
		s.base = tick
		s.ackAt = r.last
	}
}

// reconfigure applies reloaded options and the mode's reloaded settings.
// It runs between two ticks: the next one uses them.
func (r *room) reconfigure(m reconfigureRoom) {
	o := m.opts
	if o.TickRate != r.opts.TickRate {
		// The pending tick keeps its time; every later one uses the new step.
		r.step = time.Second / time.Duration(o.TickRate)
	}
	if o.History != r.opts.History {
		r.w.SetHistory(o.History)
	}
	if o.InputBuffer != r.opts.InputBuffer {
		for _, s := range r.seats {
			if s != nil {
				s.setLimit(o.InputBuffer)
			}
		}
	}
	r.opts = o
	if m.settings != nil {
		m.settings(r.game)
	}
	r.log.Info("room reconfigured", "tick_rate", o.TickRate, "send_rate", o.SendRate, "max_players", o.MaxPlayers)
}
