package actors

import (
	"github.com/anthdm/hollywood/actor"
	"github.com/tickroom/tickroom/netcode"
	"github.com/tickroom/tickroom/transports"
)

// eventLog keeps the last events sent to a player, so that a resume can
// send the ones its client missed: a bounded ring of shared event frames,
// by event id. Owned by the room's goroutine.
type eventLog struct {
	limit int
	ids   []uint32
	frame [][]byte
	head  int    // index of the oldest
	from  uint32 // every event for this player from this id on is kept
}

// add records event id, dropping the oldest past the limit: a client that
// missed that one can no longer be made whole (see missed).
func (l *eventLog) add(id uint32, frame []byte) {
	if l.limit <= 0 {
		return
	}
	if len(l.ids) < l.limit {
		l.ids = append(l.ids, id)
		l.frame = append(l.frame, frame)
		return
	}
	l.from = l.ids[l.head] + 1
	l.ids[l.head], l.frame[l.head] = id, frame
	l.head = (l.head + 1) % l.limit
}

// missed returns, in order, the events after id last, and false when some
// of them are no longer kept.
func (l *eventLog) missed(last uint32) ([][]byte, bool) {
	if last+1 < l.from {
		return nil, false
	}
	var out [][]byte
	for i := range l.ids {
		j := (l.head + i) % len(l.ids)
		if l.ids[j] > last {
			out = append(out, l.frame[j])
		}
	}
	return out, true
}

// resume moves the seat to a new connection: it sends the welcome, then
// the events the client missed (or events_lost when they are gone), under
// the seat's lock, so nothing of the room comes between or before them; the
// next state follows at the room's next send. It returns the connection the
// seat was still on, if any, for the room to close (the newest wins).
// Room goroutine only.
func (s *seat) resume(session *actor.PID, link transports.Link, sid string, guest uint64, welcome []byte, missed [][]byte, lost []byte) (oldSession *actor.PID, oldLink transports.Link, oldGuest uint64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.state == seatWelcomed {
		oldSession, oldLink, oldGuest = s.session, s.link, s.guest
	}
	s.session, s.link, s.sid, s.guest = session, link, sid, guest
	s.state = seatWelcomed
	s.started = true // what it missed goes now, before the next state
	s.ackReset, s.ackTick = false, 0
	frames := append([][]byte{welcome}, missed...)
	if lost != nil {
		frames = append(frames, lost)
	}
	for _, f := range frames {
		if s.state == seatWelcomed && link.Send(transports.ClassControl, nil, f) != nil {
			s.linkGoneLocked()
		}
	}
	return oldSession, oldLink, oldGuest
}

// lostFrame is the error frame of a resume whose missed events are gone.
var lostFrame = errorFrame(netcode.CodeEventsLost, "events were lost while away; a snapshot follows")
