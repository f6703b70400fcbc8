package actors

import (
	"sync"
	"sync/atomic"
	"time"

	"github.com/anthdm/hollywood/actor"
	"github.com/tickroom/tickroom/internal/clusterpb"
	"github.com/tickroom/tickroom/netcode"
	"github.com/tickroom/tickroom/world"
	"google.golang.org/protobuf/proto"
)

// awaySeat is, on the node of a player's connection, its seat in a room on
// another node: where the link's receiver sends the client's inputs, acks
// and messages (to that node's relay, through the uplink to that node,
// which pushes them into the real seat), and the session its leave or the
// end of its link.
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
	up     *uplink    // to its node

	done atomic.Bool // Leave or Drop went: nothing more does
}

func (a *awaySeat) input(seq, ack uint32, in world.Input) {
	if !a.done.Load() {
		a.up.input(a.seat, seq, ack, in)
	}
}

func (a *awaySeat) ack(tick uint32) {
	if !a.done.Load() {
		a.up.ack(a.seat, tick)
	}
}

func (a *awaySeat) message(typ string, payload netcode.Payload) {
	if !a.done.Load() {
		a.up.then(&clusterpb.Message{Seat: a.seat, Type: typ, Payload: payload})
	}
}

// leave gives the seat up (the player left), once.
func (a *awaySeat) leave() {
	if a.done.CompareAndSwap(false, true) {
		a.up.then(&clusterpb.Leave{Seat: a.seat})
		a.cn.hub.engine.Send(a.cn.relay, awayDone{ticket: a.ticket})
	}
}

// drop tells the room the player's connection ended: it holds the seat for
// a resume, on any node.
func (a *awaySeat) drop() {
	if a.done.CompareAndSwap(false, true) {
		a.up.then(&clusterpb.Drop{Seat: a.seat})
		a.cn.hub.engine.Send(a.cn.relay, awayDone{ticket: a.ticket})
	}
}

// uplink gathers the inputs and acks of this node's players for the rooms
// of one other node for up to uplinkDelay, and sends them as one Uplink:
// a message per input would cost both nodes an actor message, a protobuf
// and a write each, many times what the input costs a room. Inputs wait
// for the room's next tick anyway (50 ms at 20 Hz), so the delay rarely
// moves one to a later tick. Everything else a player sends goes behind
// what was gathered before it (then), so a player's frames keep their
// order.
type uplink struct {
	// Static after uplinkFor.
	cn    *clusterNode
	node  string
	relay *actor.PID

	mu    sync.Mutex // a leaf: the senders are link receivers and sessions
	u     *clusterpb.Uplink
	timer *time.Timer // sends u; armed while u is not nil
}

// uplinkDelay bounds how long an input waits to be sent with others.
const uplinkDelay = 2 * time.Millisecond

// uplinkFor returns the uplink to node, made on first use.
func (cn *clusterNode) uplinkFor(node string, relay *actor.PID) *uplink {
	cn.mu.Lock()
	defer cn.mu.Unlock()
	if u := cn.uplinks[node]; u != nil {
		return u
	}
	if cn.uplinks == nil {
		cn.uplinks = make(map[string]*uplink)
	}
	u := &uplink{cn: cn, node: node, relay: relay}
	cn.uplinks[node] = u
	return u
}

// opInput and opAck are an Uplink's ops.
const (
	opInput = 0
	opAck   = 1
)

func (u *uplink) input(seat uint64, seq, ack uint32, in world.Input) {
	u.mu.Lock()
	m := u.gatherLocked(seat, opInput, seq, ack)
	n := len(in.Axes)
	for n > 0 && in.Axes[n-1] == 0 { // trailing zeros left out, as on the wire
		n--
	}
	m.Buttons = append(m.Buttons, in.Buttons)
	m.AxesCount = append(m.AxesCount, uint32(n))
	for _, v := range in.Axes[:n] {
		m.Axes = append(m.Axes, int32(v))
	}
	u.mu.Unlock()
}

func (u *uplink) ack(seat uint64, tick uint32) {
	u.mu.Lock()
	u.gatherLocked(seat, opAck, tick, 0)
	u.mu.Unlock()
}

// gatherLocked adds a frame to the Uplink being gathered, starting one
// (and its timer) if there is none. u.mu is held.
func (u *uplink) gatherLocked(seat uint64, op, a, b uint32) *clusterpb.Uplink {
	m := u.u
	if m == nil {
		m = &clusterpb.Uplink{}
		u.u = m
		if u.timer == nil {
			u.timer = time.AfterFunc(uplinkDelay, u.flush)
		} else {
			u.timer.Reset(uplinkDelay)
		}
	}
	m.Seats = append(m.Seats, seat)
	m.Ops = append(m.Ops, op)
	m.A = append(m.A, a)
	m.B = append(m.B, b)
	return m
}

// flush sends what was gathered, on the timer's goroutine.
func (u *uplink) flush() {
	u.mu.Lock()
	u.sendLocked()
	u.mu.Unlock()
}

// sendLocked sends what was gathered, if anything. Under u.mu, so that
// nothing sent to the node after it (then) can overtake it.
func (u *uplink) sendLocked() {
	if m := u.u; m != nil {
		u.u = nil
		u.cn.send(u.node, u.relay, m)
	}
}

// then sends msg right behind what was gathered before it.
func (u *uplink) then(msg proto.Message) {
	u.mu.Lock()
	defer u.mu.Unlock()
	u.sendLocked()
	u.cn.send(u.node, u.relay, msg)
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
