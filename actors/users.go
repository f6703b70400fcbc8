package actors

import (
	"sync"

	"github.com/anthdm/hollywood/actor"
)

// userSessions are the live sessions of each authenticated user, for
// Options.OneSessionPerUser. Every authenticated session is listed, the
// option on or off, so that a reload that turns it on finds them all. The
// table is as large as the live sessions: each removes itself as it stops.
type userSessions struct {
	mu sync.Mutex
	by map[string][]userSession // user id → sessions, oldest first
}

type userSession struct {
	sid string
	pid *actor.PID
}

// userReplaced tells a session that a newer connection of its user took
// its place (Options.OneSessionPerUser).
type userReplaced struct{}

// add lists a new session of user. With replace set it also takes the
// user's older sessions off the list and returns them, for the caller to
// close: under one lock, so of two connections of a user accepted at once,
// the one listed last is the one that stays.
func (u *userSessions) add(user, sid string, pid *actor.PID, replace bool) []*actor.PID {
	u.mu.Lock()
	defer u.mu.Unlock()
	if u.by == nil {
		u.by = make(map[string][]userSession)
	}
	var older []*actor.PID
	if replace {
		for _, s := range u.by[user] {
			older = append(older, s.pid)
		}
		u.by[user] = nil
	}
	u.by[user] = append(u.by[user], userSession{sid: sid, pid: pid})
	return older
}

// remove takes a stopped session off the list (if a newer one has not
// already).
func (u *userSessions) remove(user, sid string) {
	u.mu.Lock()
	defer u.mu.Unlock()
	list := u.by[user]
	for i, s := range list {
		if s.sid == sid {
			list = append(list[:i], list[i+1:]...)
			break
		}
	}
	if len(list) == 0 {
		delete(u.by, user)
	} else {
		u.by[user] = list
	}
}

// replaceOlder lists the new session of an authenticated user and, when
// the hub keeps one session per user, closes the user's older ones.
func (h *Hub) replaceOlder(o *Options, user, sid string, pid *actor.PID) {
	if user == "" {
		return // anonymous connections are never matched
	}
	for _, old := range h.users.add(user, sid, pid, o.OneSessionPerUser) {
		h.stats.usersReplaced.Add(1)
		h.engine.Send(old, userReplaced{})
	}
}
