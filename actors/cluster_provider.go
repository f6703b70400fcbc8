package actors

import (
	"fmt"
	"net"
	"runtime/debug"
	"sync"
	"time"

	"github.com/anthdm/hollywood/actor"
	"github.com/anthdm/hollywood/cluster"
	"github.com/tickroom/tickroom/internal/clusterpb"
)

// provider is the membership of hollywood's cluster for a static member
// list (ClusterOptions.Members), in place of hollywood's SelfManaged one,
// which forces mDNS, splits when nodes start in another order, never finds
// a hung peer and crashes after a peer dies (see the hollywood notes).
//
// It finds peers whatever the order they start in: a peer it does not hear
// from is probed with a plain TCP connect every HeartbeatInterval (never
// through hollywood, which would stall every remote send for three seconds
// dialling a dead address), and greeted with a Hello once it answers; a
// Hello is answered with one, so whichever starts first, both learn. Live
// peers get a Heartbeat every HeartbeatInterval, carrying this node's load.
// A peer is lost when it stays silent for MemberTimeout (a hung node, or a
// partition), when the connection to it breaks (hollywood's
// RemoteUnreachableEvent: a killed node), when it says Bye, or when it
// comes back with a new incarnation (a restart). Each loss is logged and
// counted by reason.
//
// On every change it publishes the live members: to the node's view (read
// by the gate and placement), to hollywood's cluster agent (which emits its
// MemberJoinEvent and MemberLeaveEvent), and to the lobby and the relay,
// which settle what the lost node shared with this one.
type provider struct {
	cn    *clusterNode
	hc    *cluster.Cluster
	peers map[string]*peer // the configured peers, this node excepted
	start time.Time
	// settled: every peer has answered or MemberTimeout has passed since
	// the start, so the members are known.
	settled bool
	engine  *actor.Engine
	pid     *actor.PID
	timer   *time.Timer
	probes  sync.WaitGroup // probe goroutines; Stopped waits for them
}

// peer is what the provider knows of one configured peer.
type peer struct {
	id, addr string
	up       bool
	info     *member   // as its last Hello said; nil before the first
	heard    time.Time // when anything last came from it
	probing  bool
	lost     bool   // it was taken for dead: the next Hello says so
	lostBy   string // why it was last lost
	epoch    uint64 // times this node lost it: its Hellos carry it
	seen     uint64 // the highest epoch of its Hellos that made this node forget it
}

type (
	providerTick struct{}
	probeDone    struct {
		id string
		ok bool
	}
	// hostDown is hollywood's RemoteUnreachableEvent for an address (the
	// event logger forwards it).
	hostDown struct{ addr string }
	// membersChanged tells the lobby and the relay who is live now, and
	// who left or came (a restarted peer is in both).
	membersChanged struct {
		view         *memberView
		joined, left []*member
		settled      bool
	}
)

// Peer loss reasons, in logs and metrics.
const (
	lostTimeout    = "timeout"    // silent for MemberTimeout: hung, or cut off by a partition
	lostConnection = "connection" // the connection broke: the process died, most likely
	lostLeft       = "left"       // it stopped gracefully (Bye)
	lostRestart    = "restart"    // it came back with a new incarnation
	lostPartition  = "partition"  // it had taken this node for dead, so this node forgets it too
)

func newProvider(cn *clusterNode) cluster.Producer {
	return func(hc *cluster.Cluster) actor.Producer {
		return func() actor.Receiver {
			p := &provider{cn: cn, hc: hc, peers: map[string]*peer{}}
			for _, m := range cn.opts.Members {
				if m.ID != cn.self {
					p.peers[m.ID] = &peer{id: m.ID, addr: m.Addr}
				}
			}
			return p
		}
	}
}

// Receive recovers by itself: hollywood's cluster spawns its provider
// without options, so it cannot have the hub's middleware.
func (p *provider) Receive(c *actor.Context) {
	defer func() {
		if r := recover(); r != nil {
			p.cn.hub.stats.panics.Add(1)
			p.cn.log.Error("cluster provider panic recovered", "message", shortType(c.Message()), "panic", fmt.Sprint(r), "stack", string(debug.Stack()))
		}
	}()
	switch m := c.Message().(type) {
	case providerTick:
		p.tick(time.Now())
		p.schedule()
	case probeDone:
		p.probed(m)
	case *clusterpb.Hello:
		p.hello(m)
	case *clusterpb.Heartbeat:
		p.heartbeat(m)
	case *clusterpb.Bye:
		if q := p.known(m.GetFrom(), "bye"); q != nil && q.up && q.info.incarnation == m.GetIncarnation() {
			p.down(q, lostLeft)
			p.publish(nil, []*member{q.info})
		}
	case hostDown:
		for _, q := range p.peers {
			if q.addr == m.addr && q.up { // other addresses are not members: ignored
				p.down(q, lostConnection)
				p.publish(nil, []*member{q.info})
			}
		}
	case actor.Started:
		p.engine, p.pid, p.start = c.Engine(), c.PID(), time.Now()
		p.publish(nil, nil)
		p.tick(p.start)
		p.schedule()
	case actor.Stopped:
		if p.timer != nil {
			p.timer.Stop()
		}
		p.probes.Wait()
	}
}

func (p *provider) schedule() {
	e, pid := p.engine, p.pid
	p.timer = time.AfterFunc(p.cn.opts.HeartbeatInterval, func() { e.Send(pid, providerTick{}) })
}

// tick heartbeats the live peers, loses the silent ones, probes the rest.
func (p *provider) tick(now time.Time) {
	o := p.cn.opts
	beat := &clusterpb.Heartbeat{From: p.cn.self, Incarnation: p.cn.incarnation, Load: p.cn.load()}
	var left []*member
	for _, q := range p.peers {
		switch {
		case q.up && now.Sub(q.heard) > o.MemberTimeout:
			p.down(q, lostTimeout)
			left = append(left, q.info)
		case q.up:
			p.cn.send(q.id, q.info.provider, beat)
		}
		if !q.up && !q.probing {
			p.probe(q)
		}
	}
	settle := !p.settled && now.Sub(p.start) >= o.MemberTimeout
	if len(left) > 0 || settle {
		p.settled = p.settled || settle
		p.publish(nil, left)
	}
	p.cn.refreshSelf()
}

// probe tries a plain TCP connection to a silent peer, off the actor: a
// peer that is not listening refuses it at once, a black-holed one takes
// until the timeout.
func (p *provider) probe(q *peer) {
	q.probing = true
	e, pid, id, addr, d := p.engine, p.pid, q.id, q.addr, p.cn.opts.HeartbeatInterval
	p.probes.Add(1)
	go func() {
		defer p.probes.Done()
		conn, err := net.DialTimeout("tcp", addr, d)
		if err == nil {
			_ = conn.Close()
		}
		e.Send(pid, probeDone{id: id, ok: err == nil})
	}()
}

func (p *provider) probed(m probeDone) {
	q := p.peers[m.id]
	if q == nil {
		return
	}
	q.probing = false
	if m.ok && !q.up {
		if r := p.cn.router; r != nil && q.lostBy == lostConnection {
			// Whatever stream to q the router may still keep is gone.
			p.engine.Send(r, actor.RemoteUnreachableEvent{ListenAddr: q.addr})
		}
		p.greet(q, false)
	}
}

// greet sends q this node's Hello: through hollywood, now that q listens.
func (p *provider) greet(q *peer, reply bool) {
	if p.cn.isCut(q.id) {
		return
	}
	self := p.cn.view.Load().self
	url := ""
	if u := p.cn.httpURL.Load(); u != nil {
		url = *u
	}
	hello := &clusterpb.Hello{Reply: reply, Lost: q.lost, Epoch: q.epoch, From: &clusterpb.Node{
		Id: self.id, Addr: self.addr, Http: url, Incarnation: self.incarnation, Rooms: self.rooms}}
	// Not through the gate, which passes live peers only: a Hello is how
	// a peer becomes live.
	p.cn.stats.sent.Add(1)
	p.engine.Send(actor.NewPID(q.addr, "provider/"+q.id), hello)
}

// known returns the configured peer a message says it is from, counting
// and logging a message from anyone else.
func (p *provider) known(id, what string) *peer {
	if q := p.peers[id]; q != nil {
		if p.cn.isCut(id) {
			return nil // in flight when the tests cut it off
		}
		return q
	}
	p.cn.refuse("unknown node", "message", what, "from", id)
	return nil
}

func (p *provider) hello(m *clusterpb.Hello) {
	n := m.GetFrom()
	q := p.known(n.GetId(), "hello")
	if q == nil {
		return
	}
	if n.GetAddr() != q.addr {
		p.cn.refuse("hello from the wrong address", "from", q.id, "addr", n.GetAddr(), "want", q.addr)
		return
	}
	q.heard = time.Now()
	info := newMember(q.id, q.addr)
	info.http, info.incarnation, info.rooms = n.GetHttp(), n.GetIncarnation(), n.GetRooms()
	var left []*member
	switch {
	case q.up && q.info.incarnation != info.incarnation:
		p.down(q, lostRestart)
		left = append(left, q.info)
	case q.up && m.GetLost() && m.GetEpoch() > q.seen:
		p.down(q, lostPartition)
		left = append(left, q.info)
	}
	if m.GetLost() {
		q.seen = max(q.seen, m.GetEpoch())
	}
	if !m.GetReply() || q.lost {
		p.greet(q, true)
	}
	if q.up {
		info.load = q.info.load
		q.info = info
		p.publish(nil, nil)
		return
	}
	p.up(q, info)
	p.publish([]*member{info}, left)
}

func (p *provider) heartbeat(m *clusterpb.Heartbeat) {
	q := p.known(m.GetFrom(), "heartbeat")
	if q == nil {
		return
	}
	q.heard = time.Now()
	switch {
	case !q.up || q.info.incarnation != m.GetIncarnation():
		// It takes this node for live and this node does not know it (a
		// partition healed on its side first, or it restarted): ask who
		// it is before taking it back.
		if q.up {
			p.down(q, lostRestart)
			p.publish(nil, []*member{q.info})
		}
		p.greet(q, false)
	default:
		l := m.GetLoad()
		info := *q.info
		info.load = nodeLoad{players: int(l.GetPlayers()), rooms: int(l.GetRooms()),
			lateMilli: int(l.GetLatenessMilli()), overloaded: l.GetOverloaded()}
		q.info = &info
		p.cn.storeView(p.live())
	}
}

func (p *provider) up(q *peer, info *member) {
	q.up, q.info, q.lost = true, info, false
	p.cn.stats.peerUps.Add(1)
	p.cn.log.Info("cluster peer up", "peer", q.id, "addr", q.addr, "http", info.http)
}

func (p *provider) down(q *peer, reason string) {
	q.up, q.lost, q.lostBy = false, reason == lostTimeout || reason == lostConnection, reason
	if q.lost {
		q.epoch++
	}
	p.cn.stats.peerDown(reason)
	p.cn.log.Warn("cluster peer down", "peer", q.id, "addr", q.addr, "reason", reason,
		"silent", time.Since(q.heard).Round(time.Millisecond).String())
}

func (p *provider) live() []*member {
	var out []*member
	for _, q := range p.peers {
		if q.up {
			out = append(out, q.info)
		}
	}
	return out
}

// publish makes the live members known: to the node's view, hollywood's
// agent, the lobby and the relay.
func (p *provider) publish(joined, left []*member) {
	if len(p.peers) == 0 {
		p.settled = true
	}
	if !p.settled && len(p.live()) == len(p.peers) {
		p.settled = true
	}
	v := p.cn.storeView(p.live())
	members := make([]*cluster.Member, 0, len(v.live))
	for _, m := range v.live {
		members = append(members, &cluster.Member{ID: m.id, Host: m.addr, Kinds: []string{"room"}, Region: "default"})
	}
	p.engine.Send(p.cn.agent, &cluster.Members{Members: members})
	ch := membersChanged{view: v, joined: joined, left: left, settled: p.settled}
	p.engine.Send(p.cn.hub.lobby, ch)
	if p.cn.relay != nil {
		p.engine.Send(p.cn.relay, ch)
	}
}

// storeView replaces the node's view with self and peers.
func (cn *clusterNode) storeView(peers []*member) *memberView {
	self := *cn.view.Load().self
	self.load = cn.localLoad()
	v := newView(&self, peers)
	cn.view.Store(v)
	return v
}

// refreshSelf updates this node's own load in its view.
func (cn *clusterNode) refreshSelf() {
	old := cn.view.Load()
	var peers []*member
	for _, m := range old.live {
		if m != old.self {
			peers = append(peers, m)
		}
	}
	cn.storeView(peers)
}

func (cn *clusterNode) localLoad() nodeLoad {
	h := cn.hub
	return nodeLoad{players: int(cn.players.Load()), rooms: int(h.stats.rooms.Load()),
		lateMilli: int(h.stats.lateMilli.Load()), overloaded: h.overloaded.Load()}
}

func (cn *clusterNode) load() *clusterpb.Load {
	l := cn.localLoad()
	return &clusterpb.Load{Players: uint32(l.players), Rooms: uint32(l.rooms),
		LatenessMilli: uint32(l.lateMilli), Overloaded: l.overloaded}
}

// refuse counts and logs a message from another node that this node will
// not act on: malformed, from an unknown node, or about something that
// does not exist. At most one line a second.
func (cn *clusterNode) refuse(why string, attrs ...any) {
	cn.stats.refused.Add(1)
	now := time.Now().UnixNano()
	if last := cn.lastRefusal.Load(); now-last < int64(time.Second) || !cn.lastRefusal.CompareAndSwap(last, now) {
		return
	}
	cn.log.Warn("cluster message refused: "+why, attrs...)
}
