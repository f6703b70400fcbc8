package actors

import (
	"fmt"
	"slices"

	"github.com/anthdm/hollywood/actor"
	"github.com/tickroom/tickroom/netcode"
)

// join routes a join to a room as its How says, creating the room where it
// may, and refuses it with the protocol's code where it cannot go.
func (l *lobby) join(c *actor.Context, m joinRequest) {
	refuse := func(code netcode.Code, format string, args ...any) {
		switch code {
		case netcode.CodeRoomFull:
			l.hub.stats.roomFull.Add(1)
		case netcode.CodeRateLimited:
			l.hub.stats.roomCreatesLimited.Add(1)
			l.hub.abuse.note(abuseRoomLimited, m.addr)
		}
		c.Send(m.session, joinRefused{code: code, msg: fmt.Sprintf(format, args...), guest: m.guest})
		l.nameNotMade(m)
	}
	if m.mode == "" {
		m.mode = l.opts.DefaultMode
	}
	if _, ok := l.opts.Modes[m.mode]; !ok && m.how != netcode.JoinByID {
		refuse(netcode.CodeUnknownMode, "unknown game mode %q", m.mode)
		return
	}
	if l.route(c, m) {
		return
	}
	var e *roomEntry
	switch m.how {
	case netcode.JoinMatch:
		if m.room == "" {
			e = l.byID[m.target] // a room picked from the cluster's listing
			if e == nil || e.mode != m.mode || e.private || e.locked || e.full() {
				e = l.matchmake(m.mode, m.tried)
			}
		} else {
			e = l.byName[roomKey(m.mode, m.room)]
		}
	case netcode.JoinCreate:
		if m.room != "" && l.byName[roomKey(m.mode, m.room)] != nil {
			refuse(netcode.CodeRoomExists, "room %q exists", m.room)
			return
		}
	case netcode.JoinExisting:
		if e = l.byName[roomKey(m.mode, m.room)]; e == nil {
			refuse(netcode.CodeRoomNotFound, "no room %q", m.room)
			return
		}
	case netcode.JoinByID:
		if e = l.byID[m.room]; e == nil {
			e = l.byCode[m.room]
		}
		if e == nil {
			if l.gone.has(m.room) {
				c.Send(m.session, joinRefused{code: netcode.CodeRoomNotFound, msg: "that room has ended", late: true, guest: m.guest})
				return
			}
			refuse(netcode.CodeRoomNotFound, "no room with that id or code")
			return
		}
	}
	created := false
	if e == nil {
		if len(l.byID) >= l.opts.MaxRooms {
			refuse(netcode.CodeTooManyRooms, "the server has no room for another room")
			return
		}
		if !l.mayCreate(m) {
			refuse(netcode.CodeRateLimited, "too many new rooms from this connection or address: join one or try later")
			return
		}
		var err error
		if e, err = l.create(c, m.mode, m.room, m.how == netcode.JoinCreatePrivate); err != nil {
			refuse(netcode.CodeJoinRefused, "this game mode cannot be served")
			return
		}
		created = true
	}
	switch {
	case e.locked:
		refuse(netcode.CodeRoomLocked, "room %q is locked", e.name)
	case e.full():
		refuse(netcode.CodeRoomFull, "room %q is full", e.name)
	default:
		e.pending++
		c.Send(e.pid, admit{req: m, created: created})
	}
}

// mayCreate spends one of the room budgets of the join's connection and of
// its address, if both have one left (LimitOptions.SessionRoomsPerMinute,
// AddrRoomsPerMinute): every room costs its ticks while it has players and
// its memory until it is disposed, so nobody may make thousands. Only the
// lobby spends them, so checking both before spending either is exact.
func (l *lobby) mayCreate(m joinRequest) bool {
	lo := l.opts.Limits
	if lim := m.creates; lim != nil {
		if want := perMinute(lo.SessionRoomsPerMinute); lim.Limit() != want || lim.Burst() != lo.SessionRoomBurst {
			lim.SetLimit(want) // reloaded
			lim.SetBurst(lo.SessionRoomBurst)
		}
		if lim.Tokens() < 1 {
			return false
		}
	}
	if !m.exempt && !l.rooms.spend(m.addr) {
		return false
	}
	if m.creates != nil {
		m.creates.Allow()
	}
	return true
}

// matchmake picks the oldest public room of the mode that a join may go
// to, so players fill rooms instead of spreading thin, skipping the rooms
// whose game refused this join already.
func (l *lobby) matchmake(mode string, tried []string) *roomEntry {
	for _, e := range l.order {
		if e.mode == mode && !e.private && !e.locked && !e.full() && !slices.Contains(tried, e.id) {
			return e
		}
	}
	return nil
}

// refused handles a join a room turned down. A matchmade join tries the
// next room (or a new one) unless the room was made for it; any other join
// is refused with the room's code and reason.
func (l *lobby) refused(c *actor.Context, m admitRefused) {
	if e := l.byID[m.id]; e != nil {
		e.pending--
	}
	req := m.req
	if req.how == netcode.JoinMatch && req.room == "" && !m.created && len(req.tried) < maxMatchTries {
		req.tried = append(req.tried, m.id)
		l.join(c, req)
		return
	}
	if m.code == netcode.CodeRoomFull {
		l.hub.stats.roomFull.Add(1)
	}
	c.Send(req.session, joinRefused{code: m.code, msg: m.msg, guest: req.guest})
}

// maxMatchTries bounds the rooms one matchmade join is offered to before it
// gets a room of its own: a game that refuses everyone must not make a join
// walk every room of the server.
const maxMatchTries = 16
