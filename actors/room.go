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
// Receive; nothing is shared except the stateFrames it hands to sinks and
// each seat's inputBox, which has its own lock.
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

	players    []*player // by slot; nil is a free seat
	count      int       // occupied seats, joined or not
	nextPlayer world.PlayerID
	emptySince time.Time
	idleSent   bool

	delta              world.Delta // reused for every DeltaSince
	groups             []sendGroup // reused per send
	acks               []uint32    // reused per send: last input seq applied, by slot
	counts             inputCounts // taken from the boxes, added to the hub's stats per tick
	fullHint, diffHint int         // last body sizes, to size the next buffers
}

// player is one seat of a room.
type player struct {
	session *actor.PID
	sink    *stateSink
	sid     string
	id      world.PlayerID
	name    string
	entity  world.EntityID
	joined  bool          // Game.Join ran
	leaving bool          // Game.Leave runs at the next tick
	box     *inputBox     // where the client's inputs and acks wait for the room
	inputs  []queuedInput // the box's other buffer: the inputs of the last step
	lastSeq uint32        // highest seq applied: the client's input ack
	ack     uint32        // last tick the client acknowledged: its baseline
	ackAt   time.Time
	since   uint32 // the tick of the first state sent to the player (0: none yet): the oldest it can have
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
	case playerLeave:
		if p := r.seat(m.session, m.slot); p != nil {
			r.unseat(p)
		}
	case admit:
		r.admit(c, m)
	case reconfigure:
		r.reconfigure(c, m.opts)
	case actor.Started:
		r.start(c)
	case actor.Stopped:
		r.timer.Stop() // a pending tick would only become a dead letter
		for _, p := range r.players {
			switch {
			case p == nil:
				continue
			case p.joined:
				c.Send(p.session, kicked{room: c.PID(), code: netcode.CodeRoomClosed, msg: "room closed"})
			default:
				// Admitted, not yet welcomed: its session is still joining,
				// and a kick is for sessions in a room.
				c.Send(p.session, joinRefused{code: netcode.CodeRoomClosed, msg: "room closed"})
			}
			r.closeBox(p)
		}
		c.Send(c.Parent(), roomStopped{room: c.PID(), key: r.key})
		r.counts.flush(&r.hub.stats)
		r.hub.stats.rooms.Add(-1)
		r.log.Info("room stopped")
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

// seat returns the player in slot if it still belongs to session: a leave
// from a session that left, or from a stale slot, is ignored.
func (r *room) seat(session *actor.PID, slot int) *player {
	if slot < 0 || slot >= len(r.players) {
		return nil
	}
	if p := r.players[slot]; p != nil && p.session == session && !p.leaving {
		return p
	}
	return nil
}

func (r *room) admit(c *actor.Context, m admit) {
	r.idleSent = false
	if r.count >= r.opts.MaxPlayers {
		r.hub.stats.roomFull.Add(1)
		c.Send(m.session, joinRefused{code: netcode.CodeRoomFull, msg: "room " + r.name + " is full"})
		c.Send(c.Parent(), roomCount{room: c.PID(), key: r.key, players: r.count, settled: 1})
		return
	}
	slot := r.freeSlot()
	r.nextPlayer++
	r.players[slot] = &player{
		session: m.session,
		sink:    m.sink,
		sid:     m.sid,
		id:      r.nextPlayer,
		name:    m.name,
		box:     newInputBox(r.opts.InputBuffer),
		inputs:  make([]queuedInput, 0, r.opts.InputBuffer),
		ackAt:   time.Now(),
	}
	r.count++
	c.Send(c.Parent(), roomCount{room: c.PID(), key: r.key, players: r.count, settled: 1})
}

func (r *room) freeSlot() int {
	for i, p := range r.players {
		if p == nil {
			return i
		}
	}
	r.players = append(r.players, nil)
	return len(r.players) - 1
}

// unseat marks p as leaving: Game.Leave runs at the next step. Its box
// closes now, because nothing the client sends after its leave may count.
func (r *room) unseat(p *player) {
	p.leaving = true
	r.closeBox(p)
}

// closeBox closes p's box, keeping the counts of what reached it before.
func (r *room) closeBox(p *player) {
	received, dropped := p.box.close()
	r.counts.received += received
	r.counts.dropped += dropped
}

// acknowledge moves the player's baseline. Zero asks for a full snapshot (the
// client lost its baseline); a tick from the future is ignored, and so is one
// older than the first state the player was sent: that is an ack of the
// client's previous room, still on its way when it switched, and as a
// baseline it would cost the client a lost baseline and a snapshot.
func (r *room) acknowledge(p *player, tick uint32) {
	switch {
	case tick == 0:
		p.ack = 0
	case tick > p.ack && p.since != 0 && tick >= p.since && tick <= r.w.Tick():
		p.ack = tick
		p.ackAt = r.last
	}
}

func (r *room) reconfigure(c *actor.Context, o RoomOptions) {
	if o.TickRate != r.opts.TickRate {
		// The pending tick keeps its time; every later one uses the new step.
		r.step = time.Second / time.Duration(o.TickRate)
	}
	if o.History != r.opts.History {
		r.w.SetHistory(o.History)
	}
	if o.InputBuffer != r.opts.InputBuffer {
		for _, p := range r.players {
			if p != nil {
				p.box.setLimit(o.InputBuffer)
			}
		}
	}
	r.opts = o
	r.log.Info("room reconfigured", "tick_rate", o.TickRate, "send_rate", o.SendRate, "max_players", o.MaxPlayers)
}
