package actors

import (
	"sync/atomic"

	"github.com/anthdm/hollywood/actor"
	"github.com/tickroom/tickroom/internal/clusterpb"
	"github.com/tickroom/tickroom/netcode"
	"github.com/tickroom/tickroom/world"
)

// awaySeat is, on the node of a player's connection, its seat in a room on
// another node: where the link's receiver sends the client's inputs, acks
// and messages (one message each to that node's relay, which pushes them
// into the real seat), and the session its leave or the end of its link.
// The session stores it once, in an atomic pointer the receiver also
// reads, as it stores a local seat; the relay hands it over (awayAdmitted)
// and takes it back (awayEnded).
type awaySeat struct {
	// Static after the relay makes it.
	cn     *clusterNode
	node   string     // the room's node
	relay  *actor.PID // its relay
	ticket uint64     // the session's number for the join
	seat   uint64     // the room node's number for the seat (its relay's guest)

	done atomic.Bool // Leave or Drop went: nothing more does
}

func (a *awaySeat) input(seq, ack uint32, in world.Input) {
	if a.done.Load() {
		return
	}
	axes := make([]int32, 0, len(in.Axes))
	for i := len(in.Axes); i > 0; i-- { // trailing zeros left out, as on the wire
		if in.Axes[i-1] != 0 {
			for _, v := range in.Axes[:i] {
				axes = append(axes, int32(v))
			}
			break
		}
	}
	a.cn.send(a.node, a.relay, &clusterpb.Input{Seat: a.seat, Seq: seq, Ack: ack, Buttons: in.Buttons, Axes: axes})
}

func (a *awaySeat) ack(tick uint32) {
	if !a.done.Load() {
		a.cn.send(a.node, a.relay, &clusterpb.Ack{Seat: a.seat, Tick: tick})
	}
}

func (a *awaySeat) message(typ string, payload netcode.Payload) {
	if !a.done.Load() {
		a.cn.send(a.node, a.relay, &clusterpb.Message{Seat: a.seat, Type: typ, Payload: payload})
	}
}

// leave gives the seat up (the player left), once.
func (a *awaySeat) leave() {
	if a.done.CompareAndSwap(false, true) {
		a.cn.send(a.node, a.relay, &clusterpb.Leave{Seat: a.seat})
		a.cn.hub.engine.Send(a.cn.relay, awayDone{ticket: a.ticket})
	}
}

// drop tells the room the player's connection ended: it holds the seat for
// a resume, on any node.
func (a *awaySeat) drop() {
	if a.done.CompareAndSwap(false, true) {
		a.cn.send(a.node, a.relay, &clusterpb.Drop{Seat: a.seat})
		a.cn.hub.engine.Send(a.cn.relay, awayDone{ticket: a.ticket})
	}
}

// Between a session and its node's relay.
type (
	// awayAdmitted hands the session its seat in another node's room.
	awayAdmitted struct {
		seat    *awaySeat
		resumed bool
	}
	// awayEnded says the room ended that seat, or its node was lost.
	awayEnded struct {
		seat *awaySeat
		code netcode.Code
		msg  string
	}
	// awayDone tells the relay a session is done with a join's ticket:
	// frames still on their way for it are dropped.
	awayDone struct{ ticket uint64 }
)
