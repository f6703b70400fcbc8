package actors

import (
	"crypto/rand"
	"encoding/base64"
	"time"

	"github.com/anthdm/hollywood/actor"
	"github.com/tickroom/tickroom/netcode"
)

// A room holds the seat of a player whose connection dropped for
// RoomOptions.ResumeWindow: the player stays in the game, and a new
// connection that shows the seat's token gets it back, one diff (and the
// events it missed) away from where it was.

// newToken returns a fresh resume token for the room: the room's id (so
// that the lobby can route a resume without a table of every token), a dot
// and 128 random bits.
func (r *room) newToken(s *seat) string {
	if r.opts.ResumeWindow <= 0 {
		return ""
	}
	var b [16]byte
	_, _ = rand.Read(b[:]) // never fails on supported platforms
	t := r.info.id + "." + base64.RawURLEncoding.EncodeToString(b[:])
	if r.tokens == nil {
		r.tokens = make(map[string]*seat)
		r.oldTokens = newRetired(max(64, 4*r.opts.MaxPlayers))
	}
	r.tokens[t] = s
	return t
}

// resume gives a new connection the seat its token names: a welcome (with a
// new token: a token resumes once), the events the client missed, then, at
// the next send, a diff from the tick it last applied if the room still has
// its changes, else a snapshot. A token that names no seat here, or the
// seat of another user, gets resume_expired and nothing else.
func (r *room) resume(c *actor.Context, m resumeRequest) {
	s := r.tokens[m.token]
	if s == nil || !s.joined || s.identity.UserID != m.identity.UserID {
		r.hub.stats.resumesRefused.Add(1)
		// Another user's live token is a guess like any other.
		late := s == nil && r.oldTokens.has(m.token)
		c.Send(m.session, joinRefused{code: netcode.CodeResumeExpired, msg: "no seat to resume", late: late, guest: m.guest})
		return
	}
	if state, _ := s.current(); state >= seatLeaving {
		r.hub.stats.resumesRefused.Add(1)
		c.Send(m.session, joinRefused{code: netcode.CodeResumeExpired, msg: "no seat to resume", late: true, guest: m.guest})
		return
	}
	r.retireToken(s.token)
	s.token = r.newToken(s)
	missed, ok := s.events.missed(m.lastEvent)
	var lost []byte
	if !ok {
		missed, lost = nil, lostFrame
		r.hub.stats.resumesLostEvents.Add(1)
		r.hub.stats.errorSent(netcode.CodeEventsLost)
	}
	// The diff goes from the tick the client applied, if it is one this
	// seat was sent and the room still has its changes.
	s.base = 0
	if lost == nil && m.lastTick >= s.since && m.lastTick <= r.w.Tick() && r.w.CanDelta(m.lastTick) {
		s.base = m.lastTick
	}
	s.ackAt = time.Now()
	welcome := r.welcomeFrame(s, m.sid)
	c.Send(m.session, admitted{seat: s, resumed: true, guest: m.guest})
	r.bindPeer(m.link)
	oldSession, oldLink, oldGuest := s.resume(m.session, m.link, m.sid, m.guest, welcome, missed, lost)
	if oldSession != nil {
		// The newest connection wins; the old one is told why it ends,
		// after what was sent to it (on another node: shipped first).
		if oldGuest != 0 {
			r.flushPeers()
		}
		r.engine.SendWithSender(oldSession, seatEnded{seat: s, code: netcode.CodeReplaced, msg: "resumed on another connection", guest: oldGuest}, r.pid)
		_ = oldLink // its session closes it, with the code
	}
	if s.away {
		s.away, s.resumed = false, true
	}
	r.hub.stats.resumes.Add(1)
}

// detached notes, at a step, a seat whose link went: the game hears it
// (Disconnected) once, and the seat is freed (TimedOut) when the window
// passes with no resume.
func (r *room) detached(s *seat) {
	if !s.away {
		s.away, s.awayAt = true, r.last
		if r.hook.leave != nil {
			r.hook.leave.OnLeave(r.w, s.player, leftByDrop.world())
		}
	}
	// The window runs whatever the load: a reconnect marked as a resume
	// is let in while the hub is overloaded (transports' "Resuming"), so
	// a player who is coming back can, and a seat whose player is gone
	// for good does not keep its room ticking for the overload's sake.
	if r.last.Sub(s.awayAt) > r.opts.ResumeWindow {
		s.leave(leftByTimeout)
	}
}

// retireToken stops token resuming anything, remembering it so that a
// client late with it is told so without being taken for a guesser.
func (r *room) retireToken(token string) {
	delete(r.tokens, token)
	r.oldTokens.add(token)
}
