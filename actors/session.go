package actors

import (
	"log/slog"
	"sync/atomic"
	"time"

	"github.com/anthdm/hollywood/actor"
	"github.com/tickroom/tickroom/netcode"
	"github.com/tickroom/tickroom/transports"
	"github.com/tickroom/tickroom/world"
	"golang.org/x/time/rate"
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
	addr     string // clientAddr of the link: whose budgets it spends
	exempt   bool   // the address is one of LimitOptions.ExemptAddrs: it has no per-address budgets
	log      *slog.Logger
	identity world.Identity // who Options.Authenticate said the client is; zero when anonymous
	creates  *rate.Limiter  // the rooms its joins may create; only the lobby uses it

	// seat is the player's seat, nil when in no room. Only Receive stores
	// it; the link's receiver reads it to push inputs and acks straight
	// into the seat.
	seat *atomic.Pointer[seat]
	// away is the player's seat in another node's room, nil when in none
	// (always nil on a hub alone); stored and read as seat is. A session
	// holds at most one of the two.
	away *atomic.Pointer[awaySeat]

	// Owned by Receive.
	joining     bool        // asked the lobby, waiting for admitted or a refusal
	resuming    bool        // the join under way is a resume
	unpaced     bool        // let in by the resume mark, it took no place in a ramp (Hub.pace); cleared when seated
	byID        bool        // the join under way is by room id or join code
	leaveOnSeat bool        // the client left while joining: give the seat back on arrival
	closing     bool        // the link is gone; stop once no answer is pending
	timer       *time.Timer // joinWait after closing while joining
	misses      int         // resumes and joins by id on this connection that found nothing
	lobby       lobbyState  // in no room: its place and its deadline
	ticket      uint64      // the join under way, on a node of a cluster (see joinRequest.ticket)
}

// maxMisses bounds the resume tokens, room ids and join codes one
// connection may try that name nothing: a client that had a seat knows its
// token, and one given a code rarely mistypes it this often, so more is
// guessing. The address's budget (LimitOptions.AddrMissesPerMinute) bounds
// the same across its connections.
const maxMisses = 3

type joinTimeout struct{}

func newSession(h *Hub, id string, l transports.Link, addr string, st *atomic.Pointer[seat], away *atomic.Pointer[awaySeat], identity world.Identity, marked bool) actor.Producer {
	lo := h.opts.Load().Limits
	return func() actor.Receiver {
		return &session{
			hub:      h,
			id:       id,
			link:     l,
			addr:     addr,
			exempt:   clientExempt(l, lo.ExemptAddrs),
			seat:     st,
			away:     away,
			identity: identity,
			unpaced:  marked,
			creates:  rate.NewLimiter(perMinute(lo.SessionRoomsPerMinute), lo.SessionRoomBurst),
			lobby:    lobbyState{in: true}, // Accept took its place
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
		} else if aw := s.away.Load(); aw != nil {
			aw.input(m.Seq, m.Ack, m.Input)
		} else {
			s.reply(netcode.CodeNotJoined, "input before join")
		}
	case *netcode.Ack:
		if st := s.seat.Load(); st != nil {
			st.acknowledge(m.Tick)
		} else if aw := s.away.Load(); aw != nil {
			aw.ack(m.Tick)
		} else {
			s.reply(netcode.CodeNotJoined, "ack before join")
		}
	case *netcode.Message:
		if st := s.seat.Load(); st != nil {
			s.pushMessage(st, m)
		} else if aw := s.away.Load(); aw != nil {
			aw.message(m.Type, m.Payload)
		} else {
			s.reply(netcode.CodeNotJoined, "message before join")
		}
	case *netcode.List:
		c.Send(s.hub.lobby, listRequest{list: *m})
	case *netcode.Rooms:
		s.send(m)
	case *netcode.Leave:
		s.onLeave(c)
	case admitted:
		s.onAdmitted(c, m.seat, m.resumed)
	case awayAdmitted:
		s.onAwayAdmitted(c, m.seat, m.resumed)
	case awayEnded:
		if s.away.Load() == m.seat {
			s.away.Store(nil)
			s.reply(m.code, m.msg)
			s.enterLobby(c)
		}
	case joinRefused:
		if s.joining {
			s.joining = false
			s.reply(m.code, m.msg)
			switch {
			case m.late: // a name that existed: late, not guessing
			case s.resuming && m.code == netcode.CodeResumeExpired:
				s.missed(true)
			case s.byID && m.code == netcode.CodeRoomNotFound:
				s.hub.stats.joinMisses.Add(1)
				s.missed(false)
			}
			s.resuming, s.byID = false, false
			s.joinAnswered()
			s.stopIfDone(c)
		}
	case seatEnded:
		if s.seat.Load() == m.seat {
			s.seat.Store(nil)
			s.reply(m.code, m.msg)
			s.enterLobby(c)
		}
	case linkClosed:
		s.onLinkClosed(c, m.err)
	case userReplaced:
		s.onReplaced()
	case joinTimeout:
		s.log.Warn("no answer to join after link closed", "after", joinWait)
		s.joining = false
		s.stopIfDone(c)
	case joinDeadline:
		s.onDeadline(m)
	case actor.Started:
		s.log.Debug("session started")
		s.armDeadline(c)
	case actor.Stopped:
		if s.timer != nil {
			s.timer.Stop()
		}
		s.leaveLobby()
		if s.ticket != 0 && s.joining {
			// Its join left this node and was never answered: an answer
			// that comes gives the seat back.
			c.Engine().Send(s.hub.cl.relay, awayDone{ticket: s.ticket})
		}
		s.hub.links.Delete(s.id)
		if s.identity.UserID != "" {
			s.hub.users.remove(s.identity.UserID, s.id)
		}
		s.hub.stats.sessions.Add(-1)
		s.hub.sessions.Done()
	}
}

// onJoin asks the lobby for a seat. While the hub is overloaded joins are
// refused (server_busy; the connection stays, free to try later); joins by
// id are guesses as resumes are (see missed).
func (s *session) onJoin(c *actor.Context, m *netcode.Join) {
	if s.joining || s.seated() {
		s.reply(netcode.CodeAlreadyJoined, "already in a room or joining one")
		return
	}
	if s.hub.overloaded.Load() {
		s.hub.stats.busyJoins.Add(1)
		s.hub.abuse.note(abuseBusy, s.addr)
		s.reply(netcode.CodeServerBusy, "the server is busy: try again later")
		return
	}
	if s.unpaced { // let in by the resume mark: a fresh join is a newcomer's
		if !s.hub.pace(s.addr) {
			s.reply(netcode.CodeServerBusy, "the server is busy: try again later")
			return
		}
		s.unpaced = false
	}
	byID := m.How == netcode.JoinByID
	if byID && !s.exempt && !s.hub.guesses.allowed(s.addr) {
		s.guessLimited(false)
		return
	}
	s.joining, s.resuming, s.byID, s.leaveOnSeat = true, false, byID, false
	s.newTicket()
	c.Send(s.hub.lobby, joinRequest{session: c.PID(), link: s.link, sid: s.id, addr: s.addr, exempt: s.exempt, creates: s.creates,
		mode: m.Mode, name: m.Name, how: m.How, room: m.Room, options: m.Options, identity: s.identity, ticket: s.ticket})
}

// onResume asks for the seat a token names. A connection, or an address,
// that keeps showing tokens that name no seat is guessing, and is refused
// (see missed).
func (s *session) onResume(c *actor.Context, m *netcode.Resume) {
	if s.joining || s.seated() {
		s.reply(netcode.CodeAlreadyJoined, "already in a room or joining one")
		return
	}
	if !s.exempt && !s.hub.guesses.allowed(s.addr) {
		s.guessLimited(true)
		return
	}
	s.joining, s.resuming, s.byID, s.leaveOnSeat = true, true, false, false
	s.newTicket()
	c.Send(s.hub.lobby, resumeRequest{session: c.PID(), link: s.link, sid: s.id, token: m.Token,
		lastTick: m.LastTick, lastEvent: m.LastEvent, identity: s.identity, ticket: s.ticket})
}

// missed counts a resume that named no seat, or a join by id or code that
// found no room, against the connection and its address; past the
// connection's bound it is closed. Only misses count: an address full of
// players who join one private room by its code spends nothing.
func (s *session) missed(resume bool) {
	s.misses++
	if !s.exempt {
		s.hub.guesses.spend(s.addr)
	}
	s.hub.abuse.note(abuseMiss, s.addr)
	if s.misses >= maxMisses {
		s.guessLimited(resume)
	}
}

// guessLimited closes a connection that guessed too often, or that comes
// from an address that did.
func (s *session) guessLimited(resume bool) {
	what := "room ids or join codes that found no room"
	if resume {
		s.hub.stats.resumesLimited.Add(1)
		what = "resumes that named no seat"
	} else {
		s.hub.stats.joinGuessesLimited.Add(1)
	}
	s.hub.abuse.note(abuseGuessLimited, s.addr)
	if !s.closing {
		s.hub.sendError(s.link, netcode.CodeRateLimited, "too many "+what, true)
	}
}

// pushMessage queues a game message in the seat, answering rate_limited
// when the player's message buffer is full.
func (s *session) pushMessage(st *seat, m *netcode.Message) {
	if !st.pushMessage(m.Type, m.Payload) && !s.closing {
		s.hub.messageRefused(s.link, s.addr, true) // rare: the receiver takes a seated player's messages
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
	s.settle(c, s.joining, gone, func() { st.leave(leftByPlayer) }, func() { s.seat.Store(st) })
}

// settle ends a join whose seat has come: the session takes it (take),
// or gives it back (gone) when the join is no longer ours (it timed out)
// or the session is closing, or ends it (left) when the player left on
// the way. A seat here and one on another node settle alike.
func (s *session) settle(c *actor.Context, ours bool, gone, left, take func()) {
	if !ours {
		gone()
		return
	}
	s.joining, s.resuming, s.byID = false, false, false
	switch {
	case s.closing:
		gone()
		s.stopIfDone(c)
	case s.leaveOnSeat:
		left()
		s.joinAnswered()
	default:
		take()
		s.leaveLobby()
		s.unpaced = false // a player now, resumed or joined
	}
}

func (s *session) onLeave(c *actor.Context) {
	if st := s.seat.Load(); st != nil {
		st.leave(leftByPlayer)
		s.seat.Store(nil)
		s.enterLobby(c)
		return
	}
	if aw := s.away.Load(); aw != nil {
		aw.leave()
		s.away.Store(nil)
		s.enterLobby(c)
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
	if aw := s.away.Load(); aw != nil {
		aw.drop()
		s.away.Store(nil)
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
	if aw := s.away.Load(); aw != nil {
		aw.drop()
		s.away.Store(nil)
	}
	s.reply(netcode.CodeReplaced, "replaced by a newer connection of the same user")
}

// onAwayAdmitted takes the seat another node's room made (or gave back)
// for the player, as onAdmitted takes a seat here.
func (s *session) onAwayAdmitted(c *actor.Context, aw *awaySeat, resumed bool) {
	gone := func() {
		if resumed {
			aw.drop()
		} else {
			aw.leave()
		}
	}
	s.settle(c, s.joining && s.ticket == aw.ticket, gone, aw.leave, func() { s.away.Store(aw) })
}

// seated reports whether the player has a seat, here or on another node.
func (s *session) seated() bool { return s.seat.Load() != nil || s.away.Load() != nil }

// newTicket numbers a join that may leave this node (a node of a cluster).
func (s *session) newTicket() {
	if s.hub.cl != nil {
		s.ticket = s.hub.cl.tickets.Add(1)
	}
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
	s.hub.sendError(s.link, code, msg, code.Closes())
}
