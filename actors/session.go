package actors

import (
	"log/slog"
	"sync/atomic"
	"time"

	"github.com/anthdm/hollywood/actor"
	"github.com/tickroom/tickroom/netcode"
	"github.com/tickroom/tickroom/transports"
	"github.com/tickroom/tickroom/world"
)

// joinWait bounds how long a session whose link closed waits for the answer
// to its join before it stops anyway.
const joinWait = 5 * time.Second

// session is the actor for one client link. It joins and leaves rooms for
// the client; while the client is in a room it holds the room's seat, which
// says everything about that membership (see seat).
type session struct {
	// Static after construction.
	hub      *Hub
	id       string
	link     transports.Link
	log      *slog.Logger
	identity world.Identity // who Options.Authenticate said the client is; zero when anonymous

	// seat is the player's seat, nil when in no room. Only Receive stores
	// it; the link's receiver reads it to push inputs and acks straight
	// into the seat.
	seat *atomic.Pointer[seat]

	// Owned by Receive.
	joining     bool        // asked the lobby, waiting for admitted or a refusal
	resuming    bool        // the join under way is a resume
	leaveOnSeat bool        // the client left while joining: give the seat back on arrival
	closing     bool        // the link is gone; stop once no answer is pending
	timer       *time.Timer // joinWait after closing while joining
	refused     int         // resumes refused on this connection
}

// maxRefusedResumes bounds the resume tokens one connection may try that
// name no seat: a client that had a seat knows its token, so more is
// guessing.
const maxRefusedResumes = 3

type joinTimeout struct{}

func newSession(h *Hub, id string, l transports.Link, st *atomic.Pointer[seat], identity world.Identity) actor.Producer {
	return func() actor.Receiver {
		return &session{
			hub:      h,
			id:       id,
			link:     l,
			seat:     st,
			identity: identity,
			log:      h.log.With("session", id[:8], "remote", l.RemoteAddr()),
		}
	}
}

func (s *session) Receive(c *actor.Context) {
	switch m := c.Message().(type) {
	case *netcode.Join:
		s.onJoin(c, m)
	case *netcode.Resume:
		s.onResume(c, m)
	case *netcode.Input:
		// Read before the seat was known here; the receiver sends the
		// rest straight to the seat.
		if st := s.seat.Load(); st != nil {
			st.push(m.Seq, m.Ack, m.Input)
		} else {
			s.reply(netcode.CodeNotJoined, "input before join")
		}
	case *netcode.Ack:
		if st := s.seat.Load(); st != nil {
			st.acknowledge(m.Tick)
		} else {
			s.reply(netcode.CodeNotJoined, "ack before join")
		}
	case *netcode.Message:
		if st := s.seat.Load(); st != nil {
			s.pushMessage(st, m)
		} else {
			s.reply(netcode.CodeNotJoined, "message before join")
		}
	case *netcode.List:
		c.Send(s.hub.lobby, listRequest{list: *m})
	case *netcode.Rooms:
		s.send(m)
	case *netcode.Leave:
		s.onLeave()
	case admitted:
		s.onAdmitted(c, m.seat, m.resumed)
	case joinRefused:
		if s.joining {
			s.joining = false
			if s.resuming && m.code == netcode.CodeResumeExpired {
				s.refusedResume()
			}
			s.resuming = false
			s.reply(m.code, m.msg)
			s.stopIfDone(c)
		}
	case seatEnded:
		if s.seat.Load() == m.seat {
			s.seat.Store(nil)
			s.reply(m.code, m.msg)
		}
	case linkClosed:
		s.onLinkClosed(c, m.err)
	case userReplaced:
		s.onReplaced()
	case joinTimeout:
		s.log.Warn("no answer to join after link closed", "after", joinWait)
		s.joining = false
		s.stopIfDone(c)
	case actor.Started:
		s.log.Debug("session started")
	case actor.Stopped:
		if s.timer != nil {
			s.timer.Stop()
		}
		s.hub.links.Delete(s.id)
		if s.identity.UserID != "" {
			s.hub.users.remove(s.identity.UserID, s.id)
		}
		s.hub.stats.sessions.Add(-1)
		s.hub.sessions.Done()
	}
}

func (s *session) onJoin(c *actor.Context, m *netcode.Join) {
	if s.joining || s.seat.Load() != nil {
		s.reply(netcode.CodeAlreadyJoined, "already in a room or joining one")
		return
	}
	s.joining, s.resuming, s.leaveOnSeat = true, false, false
	c.Send(s.hub.lobby, joinRequest{session: c.PID(), link: s.link, sid: s.id, mode: m.Mode, name: m.Name,
		how: m.How, room: m.Room, options: m.Options, identity: s.identity})
}

// onResume asks for the seat a token names. A connection, or an address,
// that keeps showing tokens that name no seat is guessing, and is refused
// (see refusedResume).
func (s *session) onResume(c *actor.Context, m *netcode.Resume) {
	if s.joining || s.seat.Load() != nil {
		s.reply(netcode.CodeAlreadyJoined, "already in a room or joining one")
		return
	}
	if !s.hub.resumes.allowed(s.link.RemoteAddr()) {
		s.hub.stats.resumesLimited.Add(1)
		sendError(s.link, netcode.CodeRateLimited, "too many resumes that named no seat", true)
		return
	}
	s.joining, s.resuming, s.leaveOnSeat = true, true, false
	c.Send(s.hub.lobby, resumeRequest{session: c.PID(), link: s.link, sid: s.id, token: m.Token,
		lastTick: m.LastTick, lastEvent: m.LastEvent, identity: s.identity})
}

// refusedResume counts a resume that named no seat, against the
// connection and its address; past the connection's bound it is closed.
func (s *session) refusedResume() {
	s.refused++
	s.hub.resumes.refused(s.link.RemoteAddr())
	if s.refused >= maxRefusedResumes {
		s.hub.stats.resumesLimited.Add(1)
		sendError(s.link, netcode.CodeRateLimited, "too many resumes that named no seat", true)
	}
}

// pushMessage queues a game message in the seat, answering rate_limited
// when the player's message buffer is full.
func (s *session) pushMessage(st *seat, m *netcode.Message) {
	if !st.pushMessage(m.Type, m.Payload) {
		s.hub.stats.messagesRefused.Add(1)
		s.reply(netcode.CodeRateLimited, "message dropped: too many waiting for the room")
	}
}

// send writes a control frame to the link.
func (s *session) send(m netcode.Frame) {
	if s.closing {
		return
	}
	if frame, err := netcode.AppendFrame(nil, m); err == nil {
		_ = s.link.Send(transports.ClassControl, nil, frame)
	} else {
		s.log.Error("encode", "kind", m.Kind(), "err", err)
	}
}

// onAdmitted takes the seat a room made (or gave back) for the player, or
// gives it back at once when the player left (or its link went) while it
// was on its way: a resumed seat is held again, a new one ends.
func (s *session) onAdmitted(c *actor.Context, st *seat, resumed bool) {
	gone := func() {
		if resumed {
			st.drop(s.link)
		} else {
			st.leave(leftByDrop)
		}
	}
	if !s.joining {
		gone() // not ours any more: a join timed out
		return
	}
	s.joining, s.resuming = false, false
	switch {
	case s.closing:
		gone()
		s.stopIfDone(c)
	case s.leaveOnSeat:
		st.leave(leftByPlayer)
	default:
		s.seat.Store(st)
	}
}

func (s *session) onLeave() {
	if st := s.seat.Load(); st != nil {
		st.leave(leftByPlayer)
		s.seat.Store(nil)
		return
	}
	if s.joining {
		s.leaveOnSeat = true
		return
	}
	s.reply(netcode.CodeNotJoined, "leave before join")
}

func (s *session) onLinkClosed(c *actor.Context, err error) {
	s.log.Debug("link closed", "err", err)
	s.closing = true
	if st := s.seat.Load(); st != nil {
		st.drop(s.link) // held for a resume, if the room holds seats
		s.seat.Store(nil)
	}
	if s.joining {
		// The lobby or a room owes us an answer; a seat may be granted.
		e, pid := c.Engine(), c.PID()
		s.timer = time.AfterFunc(joinWait, func() { e.Send(pid, joinTimeout{}) })
	}
	s.stopIfDone(c)
}

// onReplaced ends a connection whose user connected again
// (Options.OneSessionPerUser): the client hears why, and its seat, if it
// has one, is dropped at once, held for a resume as after any drop, so the
// newer connection may resume it.
func (s *session) onReplaced() {
	if s.closing {
		return
	}
	if st := s.seat.Load(); st != nil {
		st.drop(s.link)
		s.seat.Store(nil)
	}
	s.reply(netcode.CodeReplaced, "replaced by a newer connection of the same user")
}

// stopIfDone stops the actor once the link is gone and no join is pending.
func (s *session) stopIfDone(c *actor.Context) {
	if s.closing && !s.joining {
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
