package actors

import (
	"fmt"
	"time"

	"github.com/tickroom/tickroom/netcode"
	"github.com/tickroom/tickroom/world"
)

// roomAPI is the game's handle on its room (world.Room). Its methods run
// on the room's goroutine, from the game's hooks.
type roomAPI struct{ r *room }

var _ world.Room = roomAPI{}

func (a roomAPI) ID() string       { return a.r.info.id }
func (a roomAPI) Name() string     { return a.r.info.name }
func (a roomAPI) Mode() string     { return a.r.info.mode }
func (a roomAPI) JoinCode() string { return a.r.info.code }
func (a roomAPI) Tick() uint32     { return a.r.w.Tick() }

func (a roomAPI) Players() []world.Player {
	out := make([]world.Player, 0, len(a.r.order))
	for _, s := range a.r.order {
		out = append(out, a.r.playerOf(s))
	}
	return out
}

func (a roomAPI) Player(p world.PlayerID) (world.Player, bool) {
	if s := a.r.joinedSeat(p); s != nil {
		return a.r.playerOf(s), true
	}
	return world.Player{}, false
}

func (r *room) playerOf(s *seat) world.Player {
	state, _ := s.current()
	return world.Player{ID: s.player, Name: s.name, Entity: s.entity, Identity: s.identity, Connected: state == seatWelcomed}
}

// joinedSeat returns the seat of a player the game has (Game.Join ran and
// Game.Leave did not), nil for any other.
func (r *room) joinedSeat(p world.PlayerID) *seat {
	for _, s := range r.order {
		if s.player == p {
			return s
		}
	}
	return nil
}

func (a roomAPI) Send(p world.PlayerID, typ string, payload any) error {
	frame, err := a.r.eventFrame(typ, payload)
	if err != nil {
		return err
	}
	if s := a.r.joinedSeat(p); s != nil {
		a.r.deliverEvent(s, frame)
	}
	return nil
}

func (a roomAPI) Broadcast(typ string, payload any, except ...world.PlayerID) error {
	frame, err := a.r.eventFrame(typ, payload)
	if err != nil {
		return err
	}
	for _, s := range a.r.order {
		skip := false
		for _, p := range except {
			skip = skip || s.player == p
		}
		if !skip {
			a.r.deliverEvent(s, frame)
		}
	}
	return nil
}

// eventFrame encodes an event once, for every player it goes to.
func (r *room) eventFrame(typ string, payload any) ([]byte, error) {
	if typ == "" || len(typ) > netcode.MaxTypeLen {
		return nil, fmt.Errorf("event type %q: want 1 to %d bytes", typ, netcode.MaxTypeLen)
	}
	p, err := netcode.EncodePayload(payload, netcode.MaxEventLen)
	if err != nil {
		return nil, fmt.Errorf("event %q: %w", typ, err)
	}
	r.hub.stats.eventsEncoded.Add(1)
	r.nextEvent++
	return netcode.AppendEvent(nil, r.w.Tick(), r.nextEvent, typ, p), nil
}

// deliverEvent hands a player an event, and keeps it for a resume: one the
// seat cannot take now (its link is gone) goes out when the player comes
// back.
func (r *room) deliverEvent(s *seat, frame []byte) {
	if s.token != "" {
		s.events.add(r.nextEvent, frame)
	}
	if s.sendControl(frame) {
		r.hub.stats.eventsSent.Add(1)
	}
}

func (a roomAPI) Kick(p world.PlayerID, reason string) {
	if s := a.r.joinedSeat(p); s != nil {
		a.r.kick(s, netcode.CodeKicked, reason)
	}
}

func (a roomAPI) Lock() { a.r.setLocked(true) }

func (a roomAPI) Unlock() { a.r.setLocked(false) }

func (a roomAPI) Locked() bool { return a.r.locked }

func (r *room) setLocked(v bool) {
	if r.locked != v {
		r.locked, r.dirty = v, true
	}
}

func (a roomAPI) SetMetadata(m map[string]any) error {
	var v any
	if len(m) > 0 {
		v = m
	}
	p, err := netcode.EncodePayload(v, netcode.MaxMetadataLen)
	if err != nil {
		return fmt.Errorf("metadata: %w", err)
	}
	a.r.metadata, a.r.metaChanged, a.r.dirty = p, true, true
	return nil
}

func (a roomAPI) Close(reason string) { a.r.close(reason) }

func (a roomAPI) After(d time.Duration, f func(w *world.World)) world.TimerID {
	return a.r.timers.add(a.r.w.Tick(), ticksFor(d, a.r.opts.TickRate), 0, f)
}

func (a roomAPI) Every(d time.Duration, f func(w *world.World)) world.TimerID {
	n := ticksFor(d, a.r.opts.TickRate)
	return a.r.timers.add(a.r.w.Tick(), n, n, f)
}

func (a roomAPI) Cancel(id world.TimerID) { a.r.timers.cancel(id) }
