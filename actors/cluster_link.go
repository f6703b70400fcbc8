package actors

import (
	"sync"

	"github.com/tickroom/tickroom/internal/clusterpb"
	"github.com/tickroom/tickroom/transports"
)

// peerLink is the link of a seat whose player is connected through another
// node (the room's node holds it, for its relay's guest): what a seat sends
// on it goes to that node's relay, which hands it to the player's real link
// with the same head, class and order. The room gathers what its seats send
// to one node between two of its messages in one outbox and ships it as one
// Deliver, each state body once however many players there share it.
//
// Send never blocks and fails only once the link is closed: when the
// player's node said its connection ended (or that the player left), or
// when that node was lost. A frame the player's link refuses there is that
// node's to answer: its session drops the seat, which reaches the room as
// a Drop.
type peerLink struct {
	// Static after newPeerLink.
	cn        *clusterNode
	node      string // the player's node
	ref       uint64 // the player's join there (its ticket)
	guest     uint64 // the relay's number for it here: Link.ID
	addr      string // the client's address, as that node resolved it
	transport string

	mu     sync.Mutex // a leaf: taken under seat.mu, takes nothing
	box    *outbox    // the room's outbox to node, once a room seats it
	closed bool
}

var _ transports.Link = (*peerLink)(nil)

func newPeerLink(cn *clusterNode, node string, ref, guest uint64, addr, transport string) *peerLink {
	return &peerLink{cn: cn, node: node, ref: ref, guest: guest, addr: addr, transport: transport}
}

func (l *peerLink) ID() uint64         { return l.guest }
func (l *peerLink) RemoteAddr() string { return l.addr }
func (l *peerLink) Transport() string  { return l.transport }

// Deliver ops: what one frame of a Deliver is.
const (
	opControl = 0 // a control frame: head, then the body arg-1 (none for arg 0)
	opState   = 1 // a state frame: head, then the body arg-1 (none for arg 0)
	opClose   = 2 // a close: head is the reason, arg the code
)

func (l *peerLink) Send(class transports.Class, head, body []byte) error {
	if len(head) > transports.MaxHead {
		return transports.ErrHeadTooLarge
	}
	op := uint32(opControl)
	if class == transports.ClassState {
		op = opState
	}
	return l.ship(op, 0, head, body)
}

func (l *peerLink) Close(code uint16, reason string) {
	_ = l.ship(opClose, uint32(code), []byte(reason), nil)
	l.mu.Lock()
	l.closed = true
	l.mu.Unlock()
}

func (l *peerLink) ship(op, code uint32, head, body []byte) error {
	l.mu.Lock()
	if l.closed {
		l.mu.Unlock()
		return transports.ErrClosed
	}
	box := l.box
	l.mu.Unlock()
	if box == nil {
		// Not seated yet: on its own (nothing else of a room is queued
		// for the player to overtake).
		var b outbox
		b.init(l.cn, l.node)
		b.add(l.ref, op, code, head, body)
		b.flush()
		return nil
	}
	box.add(l.ref, op, code, head, body)
	return nil
}

// bind makes l send through box, the room's outbox to its node.
func (l *peerLink) bind(box *outbox) {
	l.mu.Lock()
	l.box = box
	l.mu.Unlock()
}

// close ends l without a word to the player (its node is gone, or told
// this one the connection ended).
func (l *peerLink) close() {
	l.mu.Lock()
	l.closed = true
	l.mu.Unlock()
}

// outbox gathers what one room sends to the players of one other node
// until the room's message is done (room.Receive flushes it), so a send of
// the room costs one message per node. A body shared by consecutive
// frames (the seats of one send group, an event broadcast) is shipped
// once.
type outbox struct {
	cn   *clusterNode
	node string

	mu        sync.Mutex // a leaf: taken under seat.mu and peerLink.mu's callers, takes nothing
	d         *clusterpb.Deliver
	lastBody  *byte // the body last added, to share it
	lastIndex int   // its index in d.Bodies, + 1
	states    int   // state bodies in d
}

func (b *outbox) init(cn *clusterNode, node string) { b.cn, b.node = cn, node }

func (b *outbox) add(ref uint64, op, code uint32, head, body []byte) {
	b.mu.Lock()
	defer b.mu.Unlock()
	d := b.d
	if d == nil {
		d = &clusterpb.Deliver{}
		b.d = d
	}
	arg := code
	if op != opClose && len(body) > 0 {
		arg = b.bodyIndex(d, body, op == opState)
	}
	d.Refs = append(d.Refs, ref)
	d.Ops = append(d.Ops, op)
	d.Args = append(d.Args, arg)
	d.HeadLens = append(d.HeadLens, uint32(len(head)))
	d.Heads = append(d.Heads, head...)
}

// bodyIndex returns body's place in d (index + 1), adding it if it is not
// there: the last body first (the seats of a send group come one after
// another), then the others (a group's first state and the events that
// waited for it take turns), which are few: one per send group and
// event.
func (b *outbox) bodyIndex(d *clusterpb.Deliver, body []byte, state bool) uint32 {
	p := &body[0]
	if p == b.lastBody {
		return uint32(b.lastIndex)
	}
	for i, have := range d.Bodies {
		if &have[0] == p {
			b.lastBody, b.lastIndex = p, i+1
			return uint32(i + 1)
		}
	}
	d.Bodies = append(d.Bodies, body)
	if state {
		b.states++
	}
	b.lastBody, b.lastIndex = p, len(d.Bodies)
	return uint32(len(d.Bodies))
}

// flush ships what was gathered, if anything.
func (b *outbox) flush() {
	b.mu.Lock()
	d, states := b.d, b.states
	b.d, b.lastBody, b.states = nil, nil, 0
	b.mu.Unlock()
	if d == nil {
		return
	}
	if m := b.cn.view.Load().get(b.node); m != nil && b.cn.send(b.node, m.relay, d) {
		b.cn.stats.shippedBodies.Add(int64(states))
	}
}

// bindPeer puts a seat's link, if it is a peerLink, on the room's outbox to
// its node.
func (r *room) bindPeer(l transports.Link) {
	pl, ok := l.(*peerLink)
	if !ok {
		return
	}
	box := r.peers[pl.node]
	if box == nil {
		if r.peers == nil {
			r.peers = make(map[string]*outbox)
		}
		box = &outbox{}
		box.init(pl.cn, pl.node)
		r.peers[pl.node] = box
	}
	pl.bind(box)
}

// flushPeers ships what the room's seats sent to other nodes' players
// during the message it just handled.
func (r *room) flushPeers() {
	for _, b := range r.peers {
		b.flush()
	}
}
