package actors

import (
	"errors"
	"log/slog"
	"sync/atomic"
	"time"

	"github.com/anthdm/hollywood/actor"
	"github.com/tickroom/tickroom/netcode"
	"github.com/tickroom/tickroom/transports"
)

// joinWait bounds how long a session whose link closed waits for the answer
// to its join before it stops anyway.
const joinWait = 5 * time.Second

type sessionState uint8

const (
	idle    sessionState = iota // connected, in no room
	joining                     // asked the lobby, waiting for joined or joinRefused
	inRoom                      // welcomed by a room
)

// session is the actor for one client link.
type session struct {
	// Static after construction.
	hub  *Hub
	id   string
	link transports.Link
	log  *slog.Logger

	// Owned by Receive.
	state   sessionState
	room    *actor.PID
	slot    int
	closing bool        // the link is gone; stop once no answer is pending
	timer   *time.Timer // joinWait after closing while joining
	sink    *stateSink  // where rooms deliver this player's state frames
	box     *inputBox   // the seat's inputs and acks, while inRoom
	in      netcode.Input

	// route is shared with the link's receiver, which pushes inputs and
	// acks straight into the seat's box while the session is seated. Only
	// Receive stores it.
	route *atomic.Pointer[inputBox]
}

// seat records the session as seated in room at slot with box, and tells the
// receiver; the room has already pointed the state sink at itself (see
// room.join).
func (s *session) seat(room *actor.PID, slot int, box *inputBox) {
	s.state, s.room, s.slot, s.box = inRoom, room, slot, box
	s.route.Store(box)
}

// unseat records the session as seated nowhere and stops the receiver's
// inputs and the room's frames: after this no frame of the room left can
// reach the link.
func (s *session) unseat() {
	s.state, s.room, s.box = idle, nil, nil
	s.route.Store(nil)
	s.sink.seat(nil, 0, nil)
}

type joinTimeout struct{}

func newSession(h *Hub, id string, l transports.Link, rt *atomic.Pointer[inputBox]) actor.Producer {
	return func() actor.Receiver {
		return &session{
			hub:   h,
			id:    id,
			link:  l,
			route: rt,
			sink:  newStateSink(h, l),
			log:   h.log.With("session", id[:8], "remote", l.RemoteAddr()),
		}
	}
}

func (s *session) Receive(c *actor.Context) {
	switch m := c.Message().(type) {
	case inbound:
		s.handleFrame(c, m.frame)
	case joined:
		s.onJoined(c, m)
	case joinRefused:
		s.state = idle
		s.reply(m.code, m.msg)
		s.stopIfDone(c)
	case kicked:
		if s.state == inRoom && m.room == s.room {
			s.unseat()
			s.reply(m.code, m.msg)
		}
	case linkClosed:
		s.onLinkClosed(c, m.err)
	case joinTimeout:
		s.log.Warn("no answer to join after link closed", "after", joinWait)
		s.state = idle
		s.stopIfDone(c)
	case actor.Started:
		s.log.Debug("session started")
	case actor.Stopped:
		s.sink.close()
		if s.timer != nil {
			s.timer.Stop()
		}
		s.hub.links.Delete(s.id)
		s.hub.stats.sessions.Add(-1)
		s.hub.sessions.Done()
	}
}

func (s *session) handleFrame(c *actor.Context, frame []byte) {
	if s.closing {
		return
	}
	// Inputs are most of the traffic: decode them without allocating first.
	// Only those the receiver read before the route was published (or
	// after it went) come this way; they join the receiver's in the box.
	err := netcode.DecodeInput(frame, &s.in)
	if err == nil {
		if s.state != inRoom {
			s.reply(netcode.CodeNotJoined, "input before join")
			return
		}
		s.box.push(s.in.Seq, s.in.Ack, s.in.Input)
		return
	}
	if !errors.Is(err, netcode.ErrUnexpectedKind) {
		s.badFrame(err)
		return
	}
	msg, err := netcode.DecodeClient(frame)
	if err != nil {
		s.badFrame(err)
		return
	}
	switch m := msg.(type) {
	case *netcode.Join:
		s.onJoin(c, m)
	case *netcode.Ack:
		if s.state != inRoom {
			s.reply(netcode.CodeNotJoined, "ack before join")
			return
		}
		s.box.acknowledge(m.Tick)
	case *netcode.Ping:
		s.send(&netcode.Pong{ClientTime: m.ClientTime, ServerTime: s.hub.ServerTime()})
	case *netcode.Leave:
		if s.state != inRoom {
			s.reply(netcode.CodeNotJoined, "leave before join")
			return
		}
		c.Send(s.room, playerLeave{session: c.PID(), slot: s.slot})
		s.unseat()
	}
}

func (s *session) badFrame(err error) {
	s.hub.stats.badFrames.Add(1)
	s.reply(netcode.CodeOf(err), err.Error())
}

func (s *session) onJoin(c *actor.Context, m *netcode.Join) {
	if s.state != idle {
		s.reply(netcode.CodeAlreadyJoined, "already in a room or joining one")
		return
	}
	s.state = joining
	c.Send(s.hub.lobby, joinRequest{session: c.PID(), sink: s.sink, sid: s.id, room: m.Room, mode: m.Mode, name: m.Name})
}

func (s *session) onJoined(c *actor.Context, m joined) {
	if s.closing {
		// Too late: give the seat back (the sink is closed already).
		c.Send(m.room, playerLeave{session: c.PID(), slot: m.slot})
		s.state = idle
		s.stopIfDone(c)
		return
	}
	s.seat(m.room, m.slot, m.box)
}

func (s *session) onLinkClosed(c *actor.Context, err error) {
	s.log.Debug("link closed", "err", err)
	s.closing = true
	s.sink.close()
	if s.state == inRoom {
		c.Send(s.room, playerLeave{session: c.PID(), slot: s.slot})
		s.unseat()
	}
	if s.state == joining {
		// The lobby or a room owes us an answer; a seat may be granted.
		e, pid := c.Engine(), c.PID()
		s.timer = time.AfterFunc(joinWait, func() { e.Send(pid, joinTimeout{}) })
	}
	s.stopIfDone(c)
}

// stopIfDone stops the actor once the link is gone and no join is pending.
func (s *session) stopIfDone(c *actor.Context) {
	if s.closing && s.state == idle {
		c.Engine().Poison(c.PID())
	}
}

// reply sends an error frame, closing the link when the code says so.
func (s *session) reply(code netcode.Code, msg string) {
	if s.closing {
		return
	}
	sendError(s.link, code, msg, code.Closes())
}

func (s *session) send(m netcode.Message) {
	frame, err := netcode.AppendMessage(nil, m)
	if err != nil {
		s.log.Error("encode", "kind", m.Kind(), "err", err)
		return
	}
	_ = s.link.Send(transports.ClassControl, nil, frame)
}
