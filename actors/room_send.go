package actors

import (
	"time"

	"github.com/tickroom/tickroom/netcode"
	"github.com/tickroom/tickroom/transports"
	"github.com/tickroom/tickroom/world"
)

// sendGroup is every player that gets the same body in the send being
// built: the same baseline and, when the game filters what each player
// sees, the same view now and at that baseline.
type sendGroup struct {
	base  uint32
	view  *viewKey // nil when every player sees everything
	seats []*seat
	frame *stateFrame
}

// broadcast sends the current tick to every joined player (fresh: only to
// those that have had no state yet): one delta and one encoded body per
// group, shared by the group's players, each behind its own small head
// (with its private fields, if it has any). A player that stopped
// acknowledging ticks is dropped instead, so it cannot pin old history or
// keep a seat forever.
func (r *room) broadcast(now time.Time, fresh bool) {
	if len(r.order) == 0 {
		return
	}
	r.groups = r.groups[:0]
	r.views.keys = r.views.keys[:0]
	for _, s := range r.order {
		if s.away {
			continue // held for a resume: nothing to send to
		}
		if fresh {
			if s.since == 0 {
				r.group(s)
			}
			continue
		}
		if !r.overloaded && now.Sub(s.ackAt) > r.opts.AckTimeout {
			if r.kick(s, netcode.CodeSlowConsumer, "no tick acknowledged for "+r.opts.AckTimeout.String()) {
				r.hub.stats.slowKicked.Add(1)
				r.hub.abuse.note(abuseSlowConsumer, s.addr())
			}
			continue
		}
		r.group(s)
	}
	serverTime := r.hub.ServerTime()
	// Counted here and added to the hub's shared counters once per send:
	// every room of every core would otherwise contend on them per frame.
	var frames, full, bytes int64
	for i := range r.groups {
		g := &r.groups[i]
		d := r.deltaFor(g)
		body := netcode.AppendStateBody(make([]byte, 0, r.bodyHint(d.Base)), d, r.private)
		r.noteBodySize(d.Base, len(body))
		r.hub.stats.bodiesEncoded.Add(1)
		g.frame = &stateFrame{tick: d.Tick, base: d.Base, serverTime: serverTime, body: body}
		for _, s := range g.seats {
			var private []byte
			if r.private != nil {
				private = r.privateFor(d, s)
			}
			n := s.sendState(g.frame, private)
			if n == 0 {
				continue
			}
			if s.since == 0 {
				s.since = g.frame.tick // the oldest state this client can have
			}
			if g.view != nil {
				s.rememberView(g.frame.tick, g.view.now, r.opts.History)
			}
			frames++
			bytes += int64(n)
			if d.Base == 0 {
				full++
			}
		}
	}
	if frames > 0 {
		r.hub.stats.diffFrames.Add(frames - full)
		r.hub.stats.stateBytes.Add(bytes)
		r.hub.stats.fullFrames.Add(full)
	}
	for i := range r.groups {
		g := &r.groups[i]
		clear(g.seats) // let seats and frames go once the links are done with them
		g.seats, g.frame, g.view = g.seats[:0], nil, nil
	}
}

// group puts s in the group of its baseline (and view), making the group
// on first use. Groups keep their seat slices from send to send.
func (r *room) group(s *seat) {
	base := s.base
	if !r.w.CanDelta(base) {
		base = 0
	}
	var key *viewKey
	if r.hook.visibility != nil {
		key, base = r.viewOf(s, base)
	}
	for i := range r.groups {
		if g := &r.groups[i]; g.base == base && g.view.same(key) {
			g.seats = append(g.seats, s)
			return
		}
	}
	if len(r.groups) < cap(r.groups) {
		r.groups = r.groups[:len(r.groups)+1]
	} else {
		r.groups = append(r.groups, sendGroup{})
	}
	g := &r.groups[len(r.groups)-1]
	g.base, g.view = base, key
	g.seats = append(g.seats[:0], s)
}

// deltaFor builds the group's delta in the room's scratch: from the world's
// journal, then cut to the group's view when the game filters.
func (r *room) deltaFor(g *sendGroup) *world.Delta {
	r.w.DeltaSince(g.base, &r.delta)
	if g.view == nil {
		return &r.delta
	}
	return r.views.filter(r.w, &r.delta, g.view)
}

// privateFor encodes s's private section of d, nil when it has none.
func (r *room) privateFor(d *world.Delta, s *seat) []byte {
	r.views.priv, r.views.privVals = d.PrivateFor(r.w.Schemas(), s.player, r.views.priv, r.views.privVals)
	if len(r.views.priv) == 0 {
		return nil
	}
	r.views.section = netcode.AppendPrivate(r.views.section[:0], r.views.priv)
	return r.views.section
}

// sendState hands the client its frame of this send: its own small header
// (with its private section, if any) in front of the body shared with its
// group. A header too long for the link's head slot goes out with the body
// as one frame of its own. It returns the bytes queued, 0 when the seat is
// not welcomed or the link refused. Room goroutine only.
func (s *seat) sendState(f *stateFrame, private []byte) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.state != seatWelcomed {
		return 0
	}
	d := world.Delta{Tick: f.tick, Base: f.base}
	s.head = netcode.AppendStateHead(s.head[:0], &d, f.serverTime, s.lastSeq, private)
	head, body := s.head, f.body
	if len(head) > transports.MaxHead {
		head, body = nil, append(append(make([]byte, 0, len(s.head)+len(f.body)), s.head...), f.body...)
	}
	if s.link.Send(transports.ClassState, head, body) != nil {
		s.linkGoneLocked()
		return 0
	}
	if !s.started {
		s.startLocked()
	}
	return len(s.head) + len(f.body)
}

// bodyHint sizes a new body buffer from the last one of its kind, so encoding
// rarely grows it.
func (r *room) bodyHint(base uint32) int {
	if base == 0 {
		return r.fullHint + r.fullHint/8 + 16
	}
	return r.diffHint + r.diffHint/8 + 16
}

func (r *room) noteBodySize(base uint32, n int) {
	if base == 0 {
		r.fullHint = n
	} else {
		r.diffHint = n
	}
}
