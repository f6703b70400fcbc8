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

// broadcast sends the current tick to every joined player: one DeltaSince and
// one encoded body per distinct baseline, shared by all players with that
// baseline; each session adds its own small header. A player that stopped
// acknowledging ticks is dropped instead, so it cannot pin old history or
// keep a seat forever.
func (r *room) broadcast(c *actor.Context, now time.Time) {
	if r.count == 0 {
		return
	}
	// Shared, read-only, by every frame of this send, and reused by the
	// next: sinks read a frame's acks only inside deliver, on this
	// goroutine, and copy the player's entry into its own header.
	if cap(r.acks) < len(r.players) {
		r.acks = make([]uint32, len(r.players))
	}
	acks := r.acks[:len(r.players)]
	for slot, p := range r.players {
		acks[slot] = 0
		if p != nil {
			acks[slot] = p.lastSeq
		}
	}
	serverTime := r.hub.ServerTime()
	// Counted here and added to the hub's shared counters once per send:
	// every room of every core would otherwise contend on them per frame.
	var frames, full, bytes int64
	for _, p := range r.players {
		if p == nil || !p.joined || p.leaving {
			continue
		}
		if now.Sub(p.ackAt) > r.opts.AckTimeout {
			r.hub.stats.slowKicked.Add(1)
			c.Send(p.session, kicked{room: c.PID(), code: netcode.CodeSlowConsumer, msg: "no tick acknowledged for " + r.opts.AckTimeout.String()})
			r.unseat(p)
			continue
		}
		f := r.frameFor(c.PID(), p.ack, serverTime, acks)
		if p.since == 0 {
			p.since = f.tick // the oldest state this client can have
		}
		if n := p.sink.deliver(f); n > 0 {
			frames++
			bytes += int64(n)
			if f.base == 0 {
				full++
			}
		}
	}
	if frames > 0 {
		r.hub.stats.diffFrames.Add(frames - full)
		r.hub.stats.stateBytes.Add(bytes)
		r.hub.stats.fullFrames.Add(full)
	}
	clear(r.groups) // let the frames go once the sessions are done with them
	r.groups = r.groups[:0]
}

// frameFor returns the send's frame for a client that acknowledged tick ack,
// building it on first use. A baseline the history no longer covers becomes a
// full snapshot, shared with every other client in the same position.
func (r *room) frameFor(self *actor.PID, ack, serverTime uint32, acks []uint32) *stateFrame {
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
	f := &stateFrame{room: self, tick: r.delta.Tick, base: r.delta.Base, serverTime: serverTime, body: body, acks: acks}
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
