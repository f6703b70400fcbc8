package actors

import (
	"time"

	"github.com/anthdm/hollywood/actor"
	"github.com/tickroom/tickroom/netcode"
)

// The lobby state is a session in no room: connected and not yet seated,
// or back from a room it left or lost. Such a connection costs the server
// a session actor and does nothing for anyone, so the hub bounds how many
// there are (LimitOptions.MaxUnjoined: Hub.Busy tells the transport to
// refuse newcomers before their upgrade when it is reached, and Accept,
// which gives a connection its place, checks it exactly) and how long each
// may stay
// (LimitOptions.JoinTimeout, from each time it enters the state). A join
// under way when the deadline passes is let finish: a seat ends the state,
// a refusal ends the connection.

// lobbyState is a session's part in that; owned by its Receive.
type lobbyState struct {
	in      bool        // holds one of the hub's places in the lobby state
	overdue bool        // the deadline passed while a join was under way
	gen     int         // numbers the deadlines; an older one's message is stale
	timer   *time.Timer // the pending deadline, nil when none
}

// joinDeadline is the message of a lobby spell's deadline.
type joinDeadline struct{ gen int }

// enterLobby puts a session that lost its seat back in the lobby state. A
// closing session does not: it is about to stop.
func (s *session) enterLobby(c *actor.Context) {
	if s.lobby.in || s.closing {
		return
	}
	s.lobby.in = true
	s.hub.stats.unjoined.Add(1)
	s.armDeadline(c)
}

// leaveLobby ends the lobby state: the session has a seat, or stopped.
func (s *session) leaveLobby() {
	if !s.lobby.in {
		return
	}
	s.hub.stats.unjoined.Add(-1)
	s.lobby.gen++
	if s.lobby.timer != nil {
		s.lobby.timer.Stop()
	}
	s.lobby = lobbyState{gen: s.lobby.gen}
}

// armDeadline starts the deadline of the lobby spell that began now.
func (s *session) armDeadline(c *actor.Context) {
	d := s.hub.opts.Load().Limits.JoinTimeout
	if d < 0 || !s.lobby.in {
		return
	}
	s.lobby.gen++
	gen, e, pid := s.lobby.gen, c.Engine(), c.PID()
	s.lobby.timer = time.AfterFunc(d, func() { e.Send(pid, joinDeadline{gen: gen}) })
}

// onDeadline ends a connection still in the lobby state at its deadline,
// or marks it overdue when a join is under way.
func (s *session) onDeadline(m joinDeadline) {
	if !s.lobby.in || m.gen != s.lobby.gen || s.closing {
		return
	}
	s.lobby.timer = nil
	if s.joining {
		s.lobby.overdue = true
		return
	}
	s.joinTimedOut()
}

// joinAnswered closes an overdue connection whose join was answered with
// no seat.
func (s *session) joinAnswered() {
	if s.lobby.in && s.lobby.overdue && !s.joining {
		s.joinTimedOut()
	}
}

func (s *session) joinTimedOut() {
	if s.closing {
		return
	}
	s.hub.stats.joinTimeouts.Add(1)
	s.hub.abuse.note(abuseJoinTimeout, s.addr)
	d := s.hub.opts.Load().Limits.JoinTimeout
	s.hub.sendError(s.link, netcode.CodeJoinTimeout, "no room joined within "+d.String(), true)
}
