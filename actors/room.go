package actors

import (
	"log/slog"
	"math/rand/v2"
	"time"

	"github.com/anthdm/hollywood/actor"
	"github.com/tickroom/tickroom/netcode"
	"github.com/tickroom/tickroom/world"
)

// room is the actor that owns one world and its game. Everything below is
// owned by Receive; the seats are shared with their sessions and links,
// under each seat's own lock (see seat). The game reaches the room through
// roomAPI, on the same goroutine.
type room struct {
	hub  *Hub
	info roomInfo
	log  *slog.Logger
	game world.Game
	hook hooks
	opts RoomOptions

	// Captured in Started, for sends outside a Context (timers, the game's
	// handle): never the Context itself.
	engine *actor.Engine
	pid    *actor.PID
	lobby  *actor.PID

	w        *world.World
	step     time.Duration // simulated time per tick: 1s / TickRate
	timer    *time.Timer   // sends the next roomTick; at most one is ever pending; nil when none is
	lateOff  bool          // the next tick's lateness is not the machine's (the step changed, or the room woke)
	last     time.Time     // when the previous tick message was handled
	acc      time.Duration // real time not yet simulated
	sendAcc  int           // send-rate accumulator, in units of 1/TickRate sends
	pace     pace          // awake, or idle or asleep while empty (room_idle.go)
	idleRate int           // the game's idle steps per second, asked as the room became empty

	// The hub's response to load, as last taken (room_load.go).
	sendRate   int  // sends per second: opts.SendRate scaled down by sendLevel
	sendLevel  int  // the hub's send level
	overloaded bool // the hub is overloaded: acks are not timed

	seats      []*seat // by slot; nil is a free slot
	order      []*seat // joined players in the order they joined (Room.Players)
	count      int     // occupied slots
	pending    []admit // joins to decide at the next step
	nextPlayer world.PlayerID
	emptySince time.Time
	idleSent   bool
	created    bool // the create hook ran (or there is none)

	// The game's room state, reported to the lobby when it changes.
	locked      bool
	metadata    netcode.Payload
	metaChanged bool
	dirty       bool // players, lock or metadata changed since the last report
	settled     int  // admits answered since the last report

	closing     bool   // the room ends after this tick
	closeReason string // what its players are told
	timers      timers
	nextEvent   uint32           // id of the last event sent
	tokens      map[string]*seat // resume tokens of the seats the room holds
	oldTokens   retired          // tokens retired lately (made with tokens)
	private     []uint64         // private fields per entity type; nil when the game has none

	delta              world.Delta        // reused for every DeltaSince
	groups             []sendGroup        // reused per send
	views              viewScratch        // visibility: reused per send
	counts             inputCounts        // taken from the seats, added to the hub's stats per tick
	fullHint, diffHint int                // last body sizes, to size the next buffers
	peers              map[string]*outbox // by node: what its seats send to players connected elsewhere; nil when none
}

func newRoom(h *Hub, info roomInfo, g world.Game, o RoomOptions) actor.Producer {
	return func() actor.Receiver {
		return &room{
			hub:  h,
			info: info,
			game: g,
			hook: hooksOf(g),
			opts: o,
			log:  h.log.With("room", info.name, "mode", info.mode, "id", info.id),
		}
	}
}

func (r *room) Receive(c *actor.Context) {
	switch m := c.Message().(type) {
	case roomTick:
		r.tick(c)
	case admit:
		r.admit(c, m)
	case reconfigureRoom:
		r.guard(c, "reconfigure", func() { r.reconfigure(m) })
		r.rearm(c)
	case resumeRequest:
		r.resume(c, m)
	case actor.Started:
		r.engine, r.pid, r.lobby = c.Engine(), c.PID(), c.Parent()
		r.guard(c, "init", r.start)
		r.schedule(c, r.step)
	case actor.Stopped:
		r.stop(c)
	}
	if r.peers != nil {
		r.flushPeers()
	}
}

func (r *room) start() {
	r.w = world.New(r.game.Schemas(), world.Options{History: r.opts.History, Seed: rand.Uint64()})
	r.private = privateMasks(r.game.Schemas())
	r.step = time.Second / time.Duration(r.opts.TickRate)
	r.sendLevel = int(r.hub.sendLevel.Load())
	r.sendRate = r.scaledSendRate()
	r.last = time.Now()
	r.emptySince = r.last
	r.hub.stats.rooms.Add(1)
	r.created = r.hook.create == nil
	if r.hook.room != nil {
		r.hook.room.Attach(roomAPI{r})
	}
	r.game.Init(r.w)
	r.log.Info("room started", "tick_rate", r.opts.TickRate, "send_rate", r.opts.SendRate)
}

// privateMasks returns each type's private fields, nil when no type has
// any: then states take the path that costs nothing for privacy.
func privateMasks(schemas []world.Schema) []uint64 {
	var masks []uint64
	for i, s := range schemas {
		if m := s.PrivateMask(); m != 0 {
			if masks == nil {
				masks = make([]uint64, len(schemas))
			}
			masks[i] = m
		}
	}
	return masks
}

// stop ends every seat and join still pending: players are told the room
// closed, the lobby that it is gone, and the game may clean up.
func (r *room) stop(c *actor.Context) {
	if r.timer != nil {
		r.timer.Stop() // a pending tick would only become a dead letter
	}
	r.setPace(paceAwake) // out of the idle rooms' count
	reason := r.closeReason
	if reason == "" {
		reason = "room closed"
	}
	r.flushPeers() // frames to other nodes' players go before the ends of their seats
	for _, s := range r.seats {
		if s == nil {
			continue
		}
		if prev := r.closeSeat(s); prev <= seatWelcomed {
			c.Send(s.session, seatEnded{seat: s, code: netcode.CodeRoomClosed, msg: reason, guest: s.guest})
		}
	}
	for _, a := range r.pending {
		c.Send(r.lobby, admitRefused{id: r.info.id, req: a.req, created: a.created, code: netcode.CodeRoomClosed, msg: reason})
	}
	r.pending = nil
	if r.hook.dispose != nil && r.w != nil {
		r.guard(c, "dispose", func() { r.hook.dispose.Dispose(r.w) })
	}
	c.Send(r.lobby, roomStopped{id: r.info.id})
	r.counts.flush(&r.hub.stats)
	r.hub.stats.rooms.Add(-1)
	r.log.Info("room stopped", "reason", reason)
}

// admit takes a join for the next step, where the game decides on it, or
// refuses it at once when every seat is taken or promised.
func (r *room) admit(c *actor.Context, a admit) {
	r.idleSent = false
	// The lobby knows of a lock only from the room's next report: a join
	// it sent meanwhile is refused here (a matchmade one tries elsewhere).
	if r.closing || r.locked || r.count+len(r.pending) >= r.opts.MaxPlayers {
		code, msg := netcode.CodeRoomFull, "room "+r.info.name+" is full"
		switch {
		case r.closing:
			code, msg = netcode.CodeRoomClosed, "room "+r.info.name+" is closing"
		case r.locked:
			code, msg = netcode.CodeRoomLocked, "room "+r.info.name+" is locked"
		}
		c.Send(r.lobby, admitRefused{id: r.info.id, req: a.req, created: a.created, code: code, msg: msg})
		return
	}
	r.pending = append(r.pending, a)
	r.wake(c)
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

// closeSeat closes s, keeping the counts of what reached it before; its
// token resumes nothing from now on.
func (r *room) closeSeat(s *seat) seatState {
	r.retireToken(s.token)
	prev, received, dropped := s.close()
	r.counts.received += received
	r.counts.dropped += dropped
	return prev
}

// kick makes a player leave and tells its session why, and reports whether
// it did: a player that left on its own at the same moment wins, and
// nothing is sent.
func (r *room) kick(s *seat, code netcode.Code, msg string) bool {
	if !s.leave(leftByKick) {
		return false
	}
	s.kicked = true
	if s.guest != 0 {
		// A player of another node: what the room sent it so far goes
		// before its seat's end, which the relay ships on its own.
		r.flushPeers()
	}
	r.engine.SendWithSender(s.session, seatEnded{seat: s, code: code, msg: msg, guest: s.guest}, r.pid)
	return true
}

// acknowledge moves the seat's baseline. Zero asks for a full snapshot (the
// client lost its baseline): since clears too, so that every ack of a tick
// before the next state sent, still on its way from before the reset, is
// ignored. A tick from the future is ignored, and so is one older than the
// first state the player was sent: that is an ack of the client's previous
// room, or from before its reset.
func (r *room) acknowledge(s *seat, tick uint32) {
	switch {
	case tick == 0:
		s.base, s.since = 0, 0
	case tick > s.base && s.since != 0 && tick >= s.since && tick <= r.w.Tick():
		s.base = tick
		s.ackAt = r.last
	}
}

// reconfigure applies reloaded options and the mode's reloaded settings.
// It runs between two ticks: the next one uses them. Players are told of a
// change of rates before the first state at the new rates.
func (r *room) reconfigure(m reconfigureRoom) {
	o := m.opts
	if o.TickRate != r.opts.TickRate {
		// The pending tick keeps its time; every later one uses the new step.
		r.step = time.Second / time.Duration(o.TickRate)
		r.lateOff = true
	}
	if o.History != r.opts.History {
		r.w.SetHistory(o.History)
	}
	if o.InputBuffer != r.opts.InputBuffer || o.MessageBuffer != r.opts.MessageBuffer || o.ResumeWindow != r.opts.ResumeWindow {
		for _, s := range r.seats {
			if s != nil {
				s.setLimits(o.InputBuffer, o.MessageBuffer, o.ResumeWindow > 0)
			}
		}
	}
	prevTick, prevSend := r.opts.TickRate, r.sendRate
	r.opts = o
	r.sendRate = r.scaledSendRate()
	if o.TickRate != prevTick || r.sendRate != prevSend {
		r.announceRates()
	}
	if m.settings != nil {
		m.settings(r.game)
	}
	r.log.Info("room reconfigured", "tick_rate", o.TickRate, "send_rate", r.sendRate, "max_players", o.MaxPlayers)
}

// report tells the lobby what changed: players, lock, metadata, admits.
func (r *room) report(c *actor.Context) {
	if !r.dirty && r.settled == 0 {
		return
	}
	c.Send(r.lobby, roomReport{id: r.info.id, players: r.count, locked: r.locked,
		metadata: r.metadata, metaChanged: r.metaChanged, settled: r.settled})
	r.dirty, r.metaChanged, r.settled = false, false, 0
}
