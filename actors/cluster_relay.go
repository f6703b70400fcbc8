package actors

import (
	"math"
	"time"

	"github.com/anthdm/hollywood/actor"
	"github.com/tickroom/tickroom/internal/clusterpb"
	"github.com/tickroom/tickroom/netcode"
	"github.com/tickroom/tickroom/transports"
	"github.com/tickroom/tickroom/world"
	"google.golang.org/protobuf/proto"
)

// relay is a node's one actor for its players' traffic with other nodes.
// It has two sides.
//
// For a player connected here whose join left this node (away): it keeps
// the join's ticket with the session and the link, sends the join on,
// hands the session its awaySeat when the room's node admits it, and fans
// out every Deliver from a room elsewhere to the links here, each frame
// with its own head and class, in order: the transports' loss rules then
// apply as on one node (a newer state replaces a stale one still queued;
// control frames and events are never dropped).
//
// For a player of another node in a room here (a guest): it stands in for
// the player's session, on a peerLink that ships the seat's frames back
// (cluster_link.go); the room admits, kicks and ends the seat as any; the
// player's inputs, acks and messages land in the seat as a local
// receiver's would, and its leave or the end of its connection as a
// session's would.
//
// A lost node takes with it what it shared with this one: the players
// here in its rooms get room_closed and are back in the lobby; its players
// in rooms here are dropped, and their seats held for their resume on any
// live node.
type relay struct {
	hub *Hub
	cn  *clusterNode
	pid *actor.PID

	away      map[uint64]*awayEntry // by ticket
	guests    map[uint64]*guest     // by guest number
	nextGuest uint64
	timer     *time.Timer // the sweep of joins that got no answer
}

// awayEntry is a join of a session here that went to another node.
type awayEntry struct {
	req  joinRequest // the session and its link (and, for a join, all of it)
	node string      // where it went, then the room's node
	at   time.Time   // when it went
	seat *awaySeat   // once admitted
	// early holds the frames of the seat that came before its Admitted
	// (they travel apart): they go to the link after the session has its
	// seat, so that whatever the client answers finds it seated.
	early []earlyFrame
}

type earlyFrame struct {
	class      transports.Class
	close      bool
	code       uint16
	head, body []byte
}

// maxEarlyFrames bounds the frames held for a seat not yet admitted here;
// a room sends a welcome and a state or two before then.
const maxEarlyFrames = 256

// guest is another node's player, joining or seated in a room here.
type guest struct {
	origin string // the player's node
	ref    uint64 // its ticket there
	link   *peerLink
	seat   *seat // once admitted
	// gone says the player left (leftByPlayer) or dropped before its seat
	// came: the seat is given back as it comes.
	gone leaveReason
}

// awayWait bounds the wait for the answer to a join that left this node
// (its node may be lost on the way); the session is then refused.
const awayWait = 10 * time.Second

type relaySweep struct{}

func newRelay(h *Hub) actor.Producer {
	return func() actor.Receiver {
		return &relay{hub: h, cn: h.cl, away: map[uint64]*awayEntry{}, guests: map[uint64]*guest{}}
	}
}

func (r *relay) Receive(c *actor.Context) {
	switch m := c.Message().(type) {
	// Players connected here.
	case routeJoin:
		r.sendJoin(c, m)
	case routeResume:
		r.sendResume(c, m)
	case *clusterpb.Admitted:
		r.awayAdmitted(c, m)
	case *clusterpb.JoinRefused:
		if e := r.takeAway(m.GetRef()); e != nil {
			code := netcode.Code(min(m.GetCode(), math.MaxUint16))
			c.Send(e.req.session, joinRefused{code: code, msg: cutUTF8(m.GetMessage(), netcode.MaxErrorLen), late: m.GetLate()})
		}
	case *clusterpb.SeatEnded:
		if e := r.away[m.GetRef()]; e != nil && e.seat != nil {
			r.takeAway(m.GetRef())
			code := netcode.Code(min(m.GetCode(), math.MaxUint16))
			c.Send(e.req.session, awayEnded{seat: e.seat, code: code, msg: cutUTF8(m.GetMessage(), netcode.MaxErrorLen)})
		}
	case *clusterpb.Deliver:
		r.deliver(m)
	case awayDone:
		r.takeAway(m.ticket)

	// Other nodes' players in rooms here.
	case *clusterpb.Join:
		r.join(c, m)
	case admitted:
		r.guestAdmitted(m)
	case joinRefused:
		if g := r.guests[m.guest]; g != nil {
			r.endGuest(m.guest)
			r.tell(g.origin, &clusterpb.JoinRefused{Ref: g.ref, Code: uint32(m.code), Message: m.msg, Late: m.late})
		}
	case seatEnded:
		if g := r.guests[m.guest]; g != nil && g.seat == m.seat {
			r.endGuest(m.guest)
			r.tell(g.origin, &clusterpb.SeatEnded{Ref: g.ref, Code: uint32(m.code), Message: m.msg})
		}
	case *clusterpb.Uplink:
		r.uplink(m)
	case *clusterpb.Message:
		if g := r.seated(m.GetSeat(), "message"); g != nil {
			r.message(g, m)
		}
	case *clusterpb.Leave:
		r.guestGone(m.GetSeat(), leftByPlayer)
	case *clusterpb.Drop:
		r.guestGone(m.GetSeat(), leftByDrop)

	case *clusterpb.Barrier:
		c.Respond(&clusterpb.Barrier{})
	case membersChanged:
		for _, left := range m.left {
			r.lost(c, left.id)
		}
	case relaySweep:
		r.sweep(c)
		r.schedule(c)
	case actor.Started:
		r.pid = c.PID()
		r.schedule(c)
	case actor.Stopped:
		if r.timer != nil {
			r.timer.Stop()
		}
	}
}

func (r *relay) schedule(c *actor.Context) {
	e, pid := c.Engine(), c.PID()
	r.timer = time.AfterFunc(time.Second, func() { e.Send(pid, relaySweep{}) })
}

// tell sends a message to node's relay.
func (r *relay) tell(node string, msg proto.Message) {
	if m := r.cn.view.Load().get(node); m != nil {
		r.cn.send(node, m.relay, msg)
	}
}

// sendJoin sends a join of a session here to another node.
func (r *relay) sendJoin(c *actor.Context, m routeJoin) {
	r.away[m.req.ticket] = &awayEntry{req: m.req, node: m.node, at: time.Now()}
	if !r.cn.send(m.node, m.to, joinMsg(r.cn.self, m.req, m.named)) {
		r.takeAway(m.req.ticket)
		c.Send(m.req.session, joinRefused{code: netcode.CodeRoomNotFound, msg: "the server of that room is gone"})
	}
}

func (r *relay) sendResume(c *actor.Context, m routeResume) {
	q := m.req
	r.away[q.ticket] = &awayEntry{req: joinRequest{session: q.session, link: q.link, sid: q.sid, ticket: q.ticket},
		node: m.node, at: time.Now()}
	msg := &clusterpb.Join{Origin: r.cn.self, Ref: q.ticket, Sid: q.sid, Addr: q.link.RemoteAddr(), Transport: q.link.Transport(),
		Identity: identityMsg(q.identity), Resume: true, Token: q.token, LastTick: q.lastTick, LastEvent: q.lastEvent}
	if to := r.cn.view.Load().get(m.node); to == nil || !r.cn.send(m.node, to.relay, msg) {
		r.takeAway(q.ticket)
		c.Send(q.session, joinRefused{code: netcode.CodeResumeExpired, msg: "no seat to resume: its server is gone", late: true})
	}
}

// takeAway forgets a ticket and returns its entry, nil if it had none.
func (r *relay) takeAway(ticket uint64) *awayEntry {
	e := r.away[ticket]
	if e == nil {
		return nil
	}
	delete(r.away, ticket)
	if e.seat != nil {
		r.cn.stats.awaySeats.Add(-1)
	}
	return e
}

func (r *relay) awayAdmitted(c *actor.Context, m *clusterpb.Admitted) {
	node := r.cn.view.Load().get(m.GetNode())
	if node == nil {
		return // its node is already lost: it ended the seat
	}
	e := r.away[m.GetRef()]
	if e == nil || e.seat != nil {
		// The session gave up on this join: give the seat back.
		if m.GetResumed() {
			r.cn.send(node.id, node.relay, &clusterpb.Drop{Seat: m.GetSeat()})
		} else {
			r.cn.send(node.id, node.relay, &clusterpb.Leave{Seat: m.GetSeat()})
		}
		return
	}
	e.node = node.id
	e.seat = &awaySeat{cn: r.cn, node: node.id, relay: node.relay, ticket: m.GetRef(), seat: m.GetSeat(),
		up: r.cn.uplinkFor(node.id, node.relay)}
	r.cn.stats.awaySeats.Add(1)
	if m.GetCreated() && e.req.creates != nil {
		e.req.creates.Allow() // the connection's room budget: the room was made for it
	}
	c.Send(e.req.session, awayAdmitted{seat: e.seat, resumed: m.GetResumed()})
	for _, f := range e.early {
		if f.close {
			e.req.link.Close(f.code, string(f.head))
		} else {
			_ = e.req.link.Send(f.class, f.head, f.body)
		}
	}
	e.early = nil
}

// deliver hands a room's frames to the links here, in order.
func (r *relay) deliver(m *clusterpb.Deliver) {
	refs, ops, args, lens, heads, bodies := m.GetRefs(), m.GetOps(), m.GetArgs(), m.GetHeadLens(), m.GetHeads(), m.GetBodies()
	if len(ops) != len(refs) || len(args) != len(refs) || len(lens) != len(refs) {
		r.cn.refuse("deliver of mismatched lengths")
		return
	}
	total := 0
	for i, n := range lens {
		total += int(n)
		if total > len(heads) || (ops[i] != opClose && int(args[i]) > len(bodies)) || ops[i] > opClose {
			r.cn.refuse("deliver out of range")
			return
		}
	}
	r.cn.stats.deliveries.Add(1)
	off, n := 0, int64(0)
	for i, ref := range refs {
		head := heads[off : off+int(lens[i])]
		off += int(lens[i])
		e := r.away[ref]
		if e == nil {
			continue // the session is done with it: frames on their way
		}
		link := e.req.link
		if ops[i] == opClose {
			code := uint16(min(args[i], math.MaxUint16))
			if e.seat == nil {
				e.early = append(e.early, earlyFrame{close: true, code: code, head: head})
			} else {
				link.Close(code, string(head))
			}
			continue
		}
		var body []byte
		if args[i] > 0 {
			body = bodies[args[i]-1]
		}
		class := transports.ClassControl
		if ops[i] == opState {
			class = transports.ClassState
		}
		if len(head) > transports.MaxHead {
			body = append(append([]byte(nil), head...), body...)
			head = nil
		}
		n++
		if e.seat == nil {
			if len(e.early) >= maxEarlyFrames {
				link.Close(uint16(netcode.CodeSlowConsumer), "too many frames before the seat")
				continue
			}
			e.early = append(e.early, earlyFrame{class: class, head: head, body: body})
			continue
		}
		_ = link.Send(class, head, body) // a link that refuses is closing: its session drops the seat
	}
	r.cn.stats.delivered.Add(n)
}

// join takes a join or resume from another node's player: it makes the
// player a guest here and asks the lobby, as the player's session would.
func (r *relay) join(c *actor.Context, m *clusterpb.Join) {
	if m.GetOrigin() == r.cn.self {
		r.decidedHere(c, m)
		return
	}
	origin := r.cn.view.Load().get(m.GetOrigin())
	identity, idOK := identityOf(m.GetIdentity())
	if origin == nil || m.GetRef() == 0 || !idOK || !validJoin(m) {
		r.cn.refuse("join that makes no sense", "from", cutUTF8(m.GetOrigin(), 40))
		if origin != nil {
			r.cn.send(origin.id, origin.relay, &clusterpb.JoinRefused{Ref: m.GetRef(), Code: uint32(netcode.CodeJoinRefused), Message: "invalid join"})
		}
		return
	}
	r.nextGuest++
	gid := r.nextGuest
	link := newPeerLink(r.cn, origin.id, m.GetRef(), gid, m.GetAddr(), m.GetTransport())
	r.guests[gid] = &guest{origin: origin.id, ref: m.GetRef(), link: link}
	if m.GetResume() {
		c.Send(r.hub.lobby, resumeRequest{session: r.pid, link: link, sid: m.GetSid(), token: m.GetToken(),
			lastTick: m.GetLastTick(), lastEvent: m.GetLastEvent(), identity: identity, guest: gid})
		return
	}
	c.Send(r.hub.lobby, joinRequest{session: r.pid, link: link, sid: m.GetSid(), addr: addrKey(m.GetAddr()), exempt: m.GetExempt(),
		mode: m.GetMode(), name: m.GetName(), how: netcode.JoinHow(m.GetHow()), room: m.GetRoom(), options: netcode.Payload(m.GetOptions()),
		identity: identity, tried: m.GetTried(), guest: gid, routed: true, named: m.GetNamed(), target: m.GetTarget()})
}

// validJoin checks a join from another node as a client's is checked: by
// encoding it as one (the encoder refuses what the decoder would), and the
// rest within the protocol's limits.
func validJoin(m *clusterpb.Join) bool {
	short := func(s string, n int) bool { return len(s) <= n }
	if !short(m.GetSid(), netcode.MaxSessionLen) || !short(m.GetAddr(), 64) || !short(m.GetTransport(), 16) ||
		!short(m.GetTarget(), netcode.MaxRoomIDLen) || len(m.GetTried()) > maxMatchTries {
		return false
	}
	if m.GetResume() {
		_, err := netcode.AppendFrame(nil, &netcode.Resume{Version: netcode.ProtocolVersion, Token: m.GetToken(),
			LastTick: m.GetLastTick(), LastEvent: m.GetLastEvent()})
		return err == nil
	}
	if m.GetHow() > math.MaxUint8 {
		return false
	}
	_, err := netcode.AppendFrame(nil, &netcode.Join{Version: netcode.ProtocolVersion, Mode: m.GetMode(), Name: m.GetName(),
		How: netcode.JoinHow(m.GetHow()), Room: m.GetRoom(), Options: netcode.Payload(m.GetOptions())})
	return err == nil
}

// decidedHere takes back a join of a session here that the name's owner
// decided belongs to this node.
func (r *relay) decidedHere(c *actor.Context, m *clusterpb.Join) {
	e := r.takeAway(m.GetRef())
	if e == nil {
		return // the session gave up on it
	}
	req := e.req
	req.routed, req.named = true, m.GetNamed()
	c.Send(r.hub.lobby, req)
}

func (r *relay) guestAdmitted(m admitted) {
	g := r.guests[m.guest]
	if g == nil {
		return
	}
	switch g.gone {
	case leftByPlayer:
		m.seat.leave(leftByPlayer)
		r.endGuest(m.guest)
		return
	case leftByDrop:
		m.seat.drop(g.link)
		r.endGuest(m.guest)
		return
	}
	g.seat = m.seat
	r.cn.stats.remoteSeats.Add(1)
	r.tell(g.origin, &clusterpb.Admitted{Ref: g.ref, Seat: m.guest, Resumed: m.resumed, Created: m.created, Node: r.cn.self})
}

// endGuest forgets a guest; its link sends nothing more.
func (r *relay) endGuest(gid uint64) {
	g := r.guests[gid]
	if g == nil {
		return
	}
	delete(r.guests, gid)
	g.link.close()
	if g.seat != nil {
		r.cn.stats.remoteSeats.Add(-1)
	}
}

// seated returns the admitted guest a message names; nil, counted as
// refused, when there is none.
func (r *relay) seated(gid uint64, what string) *guest {
	g := r.guests[gid]
	if g == nil || g.seat == nil {
		r.cn.refuse("player traffic for no seat here", "message", what)
		return nil
	}
	return g
}

// uplink pushes another node's players' inputs and acks into their seats,
// as their links' receivers would.
func (r *relay) uplink(m *clusterpb.Uplink) {
	seats, ops, a, b, buttons, counts, axes := m.GetSeats(), m.GetOps(), m.GetA(), m.GetB(), m.GetButtons(), m.GetAxesCount(), m.GetAxes()
	if len(ops) != len(seats) || len(a) != len(seats) || len(b) != len(seats) || len(counts) != len(buttons) {
		r.cn.refuse("uplink of mismatched lengths")
		return
	}
	in, ax := 0, 0 // the next input's buttons and axes
	for i, gid := range seats {
		var frame world.Input
		if ops[i] == opInput {
			if in >= len(buttons) || counts[in] > uint32(len(frame.Axes)) || ax+int(counts[in]) > len(axes) {
				r.cn.refuse("uplink input out of range")
				return
			}
			frame.Buttons = buttons[in]
			for j, v := range axes[ax : ax+int(counts[in])] {
				frame.Axes[j] = int16(max(min(v, math.MaxInt16), math.MinInt16))
			}
			ax += int(counts[in])
			in++
		}
		g := r.seated(gid, "input or ack")
		switch {
		case g == nil:
		case ops[i] == opInput:
			g.seat.push(a[i], b[i], frame)
		case ops[i] == opAck:
			g.seat.acknowledge(a[i])
		default:
			r.cn.refuse("uplink op unknown")
		}
	}
}

func (r *relay) message(g *guest, m *clusterpb.Message) {
	if _, err := netcode.AppendFrame(nil, &netcode.Message{Type: m.GetType(), Payload: m.GetPayload()}); err != nil {
		r.cn.refuse("malformed game message")
		return
	}
	if !g.seat.pushMessage(m.GetType(), netcode.Payload(m.GetPayload())) {
		r.hub.messageRefused(g.link, clientAddr(g.link), true)
		if g.link.box != nil {
			g.link.box.flush()
		}
	}
}

// guestGone takes a guest's leave, or the end of its connection: the seat
// leaves, or is held for a resume.
func (r *relay) guestGone(gid uint64, why leaveReason) {
	g := r.guests[gid]
	switch {
	case g == nil:
		r.cn.refuse("leave for no seat here")
	case g.seat == nil:
		g.gone = why // given back as it comes
	case why == leftByPlayer:
		g.seat.leave(leftByPlayer)
		r.endGuest(gid)
	default:
		g.seat.drop(g.link)
		r.endGuest(gid)
	}
}

// lost settles what this node shared with a node that was lost.
func (r *relay) lost(c *actor.Context, node string) {
	for ticket, e := range r.away {
		if e.node != node {
			continue
		}
		r.takeAway(ticket)
		if e.seat != nil {
			c.Send(e.req.session, awayEnded{seat: e.seat, code: netcode.CodeRoomClosed, msg: "the server of this room is gone"})
		} else {
			c.Send(e.req.session, joinRefused{code: netcode.CodeRoomClosed, msg: "the server of that room is gone"})
		}
	}
	for gid, g := range r.guests {
		if g.origin != node {
			continue
		}
		if g.seat != nil {
			g.seat.drop(g.link) // held for the player's resume on a live node
			r.endGuest(gid)
		} else {
			g.gone = leftByDrop
			g.link.close()
		}
	}
}

// sweep refuses the joins that got no answer in time.
func (r *relay) sweep(c *actor.Context) {
	now := time.Now()
	for ticket, e := range r.away {
		if e.seat == nil && now.Sub(e.at) > awayWait {
			r.takeAway(ticket)
			c.Send(e.req.session, joinRefused{code: netcode.CodeServerBusy, msg: "no answer from the server of that room: try again"})
		}
	}
}
