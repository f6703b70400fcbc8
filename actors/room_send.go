package actors

import (
	"time"

	"github.com/anthdm/hollywood/actor"
	"github.com/tickroom/tickroom/netcode"
)

// sendGroup is the frame for every player whose baseline is base, in the
// send being built.
type sendGroup struct {
	base  uint32
	frame *stateFrame
}

// broadcast sends the current tick to every welcomed player: one
// DeltaSince and one encoded body per distinct baseline, shared by all
// players with that baseline; each seat adds its own small header. A player
// that stopped acknowledging ticks is dropped instead, so it cannot pin old
// history or keep a seat forever.
func (r *room) broadcast(c *actor.Context, now time.Time) {
	if r.count == 0 {
		return
	}
	serverTime := r.hub.ServerTime()
	// Counted here and added to the hub's shared counters once per send:
	// every room of every core would otherwise contend on them per frame.
	var frames, full, bytes int64
	for _, s := range r.seats {
		if s == nil || !s.joined {
			continue
		}
		if now.Sub(s.ackAt) > r.opts.AckTimeout {
			if r.kick(c, s, netcode.CodeSlowConsumer, "no tick acknowledged for "+r.opts.AckTimeout.String()) {
				r.hub.stats.slowKicked.Add(1)
			}
			continue
		}
		f := r.frameFor(s.base, serverTime)
		n := s.sendState(f)
		if n == 0 {
			continue
		}
		if s.since == 0 {
			s.since = f.tick // the oldest state this client can have
		}
		frames++
		bytes += int64(n)
		if f.base == 0 {
			full++
		}
	}
	if frames > 0 {
		r.hub.stats.diffFrames.Add(frames - full)
		r.hub.stats.stateBytes.Add(bytes)
		r.hub.stats.fullFrames.Add(full)
	}
	clear(r.groups) // let the frames go once the links are done with them
	r.groups = r.groups[:0]
}

// frameFor returns the send's frame for a client that acknowledged tick ack,
// building it on first use. A baseline the history no longer covers becomes a
// full snapshot, shared with every other client in the same position.
func (r *room) frameFor(ack, serverTime uint32) *stateFrame {
	base := ack
	if !r.w.CanDelta(base) {
		base = 0
	}
	for _, g := range r.groups {
		if g.base == base {
			return g.frame
		}
	}
	r.w.DeltaSince(base, &r.delta)
	body := netcode.AppendStateBody(make([]byte, 0, r.bodyHint(base)), &r.delta)
	if base == 0 {
		r.fullHint = len(body)
	} else {
		r.diffHint = len(body)
	}
	f := &stateFrame{tick: r.delta.Tick, base: r.delta.Base, serverTime: serverTime, body: body}
	r.groups = append(r.groups, sendGroup{base: base, frame: f})
	return f
}

// bodyHint sizes a new body buffer from the last one of its kind, so encoding
// rarely grows it.
func (r *room) bodyHint(base uint32) int {
	if base == 0 {
		return r.fullHint + r.fullHint/8 + 16
	}
	return r.diffHint + r.diffHint/8 + 16
}
