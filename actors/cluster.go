package actors

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"log/slog"
	"reflect"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unsafe"

	"github.com/anthdm/hollywood/actor"
	"github.com/anthdm/hollywood/cluster"
	"github.com/anthdm/hollywood/remote"
	"github.com/tickroom/tickroom/internal/clusterpb"
	"google.golang.org/protobuf/proto"
)

// clusterNode is a hub's part in a cluster: this node's identity, the live
// members as the provider last saw them, and the one gate every message to
// another node goes through. Everything in it is safe for concurrent use.
type clusterNode struct {
	// Static after newClusterNode.
	hub         *Hub
	opts        ClusterOptions
	self        string // node id
	incarnation int64  // Unix ns at start: a restarted node is a new member
	remote      *remote.Remote
	hc          *cluster.Cluster // hollywood's cluster: its agent and our provider
	agent       *actor.PID       // hollywood's agent behind its guard; set by start
	provider    *actor.PID       // our provider; set by start
	relay       *actor.PID       // this node's relay
	router      *actor.PID       // hollywood's stream router (routerOf); nil if not found
	log         *slog.Logger

	httpURL atomic.Pointer[string] // this node's game endpoints, once the server listens
	view    atomic.Pointer[memberView]
	// ready: the provider has heard from every configured peer or waited
	// MemberTimeout, and the lobby has every live peer's rooms (readyz).
	ready atomic.Bool
	// players is the seats of this node's rooms, as the lobby last counted
	// them: the load placement reads.
	players atomic.Int64
	tickets atomic.Uint64 // numbers the joins of sessions here (joinRequest.ticket)
	stats   clusterCounters
	// lastRefusal is when a refused message was last logged (Unix ns).
	lastRefusal atomic.Int64

	mu      sync.Mutex         // guards cut and uplinks
	cut     map[string]bool    // peers this node pretends it cannot reach (tests: a partition)
	uplinks map[string]*uplink // by node (cluster_away.go)
}

// memberView is the cluster as a node sees it at one moment: immutable,
// replaced whole on every change.
type memberView struct {
	self *member
	live []*member // by id, this node included
	byID map[string]*member
}

// member is one live node as this one knows it.
type member struct {
	id, addr    string
	http        string
	incarnation int64
	rooms       bool // takes new rooms
	load        nodeLoad
	// Its actors, for the gate.
	provider, lobby, relay *actor.PID
}

type nodeLoad struct {
	players, rooms int
	lateMilli      int
	overloaded     bool
}

func newMember(id, addr string) *member {
	return &member{id: id, addr: addr,
		provider: actor.NewPID(addr, "provider/"+id),
		lobby:    actor.NewPID(addr, "lobby/main"),
		relay:    actor.NewPID(addr, "relay/main")}
}

func (v *memberView) get(id string) *member {
	if v == nil {
		return nil
	}
	return v.byID[id]
}

// newClusterNode makes the engine's remote layer and the node around it;
// the engine is made with it (NewHub).
func newClusterNode(h *Hub, o ClusterOptions) (*clusterNode, error) {
	o, err := o.withDefaults()
	if err != nil {
		return nil, err
	}
	cn := &clusterNode{hub: h, opts: o, self: o.NodeID, incarnation: time.Now().UnixNano(),
		remote: remote.New(o.Addr, remote.NewConfig().WithBufferSize(o.BufferSize)),
		log:    h.log.With("node", o.NodeID)}
	self := newMember(o.NodeID, o.Addr)
	self.incarnation, self.rooms = cn.incarnation, !o.NoRooms
	cn.view.Store(newView(self, nil))
	return cn, nil
}

func newView(self *member, peers []*member) *memberView {
	v := &memberView{self: self, byID: map[string]*member{self.id: self}}
	v.live = append(v.live, self)
	for _, p := range peers {
		v.live = append(v.live, p)
		v.byID[p.id] = p
	}
	slices.SortFunc(v.live, func(a, b *member) int { return cmp.Compare(a.id, b.id) })
	return v
}

// start runs hollywood's cluster agent with our provider, once the server
// knows its URL.
func (cn *clusterNode) start(httpURL string) error {
	cn.httpURL.Store(&httpURL)
	hc, err := cluster.New(cluster.NewConfig().
		WithID(cn.self).
		WithListenAddr(cn.opts.Addr).
		WithEngine(cn.hub.engine).
		WithProvider(newProvider(cn)))
	if err != nil {
		return fmt.Errorf("actors: cluster: %w", err)
	}
	cn.hc = hc
	// What hc.Start does, with the agent behind a guard and the hub's
	// recover middleware (cluster_agent.go); the ids are hollywood's.
	e := cn.hub.engine
	cn.agent = e.Spawn(guardAgent(cn, cluster.NewAgent(hc)), "cluster", actor.WithID(cn.self), actor.WithMiddleware(cn.hub.mw))
	cn.provider = e.Spawn(newProvider(cn)(hc), "provider", actor.WithID(cn.self))
	return nil
}

// stop says goodbye to the peers, waits (bounded by ctx) until what this
// node sent each of them has arrived, and stops the cluster and the remote
// layer.
func (cn *clusterNode) stop(ctx context.Context) error {
	var errs []error
	if cn.hc != nil {
		// The relay first sends on what the rooms gave it as they stopped
		// (seat ends for other nodes' players).
		_, _ = cn.hub.engine.Request(cn.relay, &clusterpb.Barrier{}, time.Second).Result()
		v := cn.view.Load()
		for _, m := range v.live {
			if m.id != cn.self {
				cn.send(m.id, m.provider, &clusterpb.Bye{From: cn.self, Incarnation: cn.incarnation})
			}
		}
		cn.barrier(ctx, v)
		stopped := make(chan struct{})
		go func() { // what hc.Stop does, for the actors start spawned
			e := cn.hub.engine
			<-e.Poison(cn.agent).Done()
			<-e.Poison(cn.provider).Done()
			close(stopped)
		}()
		select {
		case <-stopped:
		case <-ctx.Done():
			errs = append(errs, fmt.Errorf("stopping the cluster: %w", ctx.Err()))
		}
	}
	select {
	case <-waitGroupDone(cn.remote.Stop()):
	case <-ctx.Done():
		errs = append(errs, fmt.Errorf("stopping the remote layer: %w", ctx.Err()))
	}
	return errors.Join(errs...)
}

// barrier waits until every live peer has answered a barrier sent to its
// relay: messages to one peer travel in order on one stream, so what this
// node sent before has arrived (seat ends, frames, goodbyes).
func (cn *clusterNode) barrier(ctx context.Context, v *memberView) {
	var wg sync.WaitGroup
	for _, m := range v.live {
		if m.id == cn.self || cn.isCut(m.id) {
			continue
		}
		timeout := time.Second
		if d, ok := ctx.Deadline(); ok {
			timeout = min(timeout, time.Until(d))
		}
		if timeout <= 0 {
			return
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, _ = cn.hub.engine.Request(m.relay, &clusterpb.Barrier{}, timeout).Result()
		}()
	}
	wg.Wait()
}

// lateRemote is hollywood's remote layer, started by the hub once its
// actors are spawned instead of by actor.NewEngine: NewEngine starts it
// before the engine's event stream exists, and a peer's message arriving
// then races with that (a data race in hollywood v1.0.5), or finds no
// lobby or relay to go to.
type lateRemote struct{ *remote.Remote }

func (lateRemote) Start(*actor.Engine) error { return nil }

// routerOf returns the remote layer's stream router, an unexported field
// of remote.Remote in hollywood v1.0.5 (TestRouterOf fails if a version
// moves it); nil when it cannot be found. The router keeps one stream per
// peer address and forgets it when it hears the stream's connection broke;
// a message it routes while that stream is still ending makes it keep a
// stream that is gone, and every later message to that peer is a dead
// letter. Telling it the address is unreachable again, before this node
// greets a peer it could not reach, makes it dial afresh.
func routerOf(r *remote.Remote) *actor.PID {
	v := reflect.ValueOf(r).Elem().FieldByName("streamRouterPID")
	if !v.IsValid() || v.Type() != reflect.TypeFor[*actor.PID]() {
		return nil
	}
	return *(**actor.PID)(unsafe.Pointer(v.UnsafeAddr()))
}

func waitGroupDone(wg *sync.WaitGroup) <-chan struct{} {
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	return done
}

// send is the gate every message to another node's actors goes through:
// it takes protobuf messages only (hollywood's remote layer panics the
// sender on anything else) and drops what is for a node that is not live
// (a send to a dead address stalls all of this node's remote traffic for
// three seconds while hollywood dials it). It reports whether it sent.
func (cn *clusterNode) send(node string, to *actor.PID, msg proto.Message) bool {
	if node != cn.self {
		if cn.view.Load().get(node) == nil || cn.isCut(node) {
			cn.stats.dropped.Add(1)
			return false
		}
		cn.stats.sent.Add(1)
	}
	cn.hub.engine.Send(to, msg)
	return true
}

// member reports whether id is one of the configured members.
func (cn *clusterNode) member(id string) bool {
	for _, m := range cn.opts.Members {
		if m.ID == id {
			return true
		}
	}
	return false
}

// isCut reports whether the tests cut this node off from node.
func (cn *clusterNode) isCut(node string) bool {
	cn.mu.Lock()
	defer cn.mu.Unlock()
	return cn.cut[node]
}

// owner returns the live node that owns key in the directory: rendezvous
// (highest random weight) hashing of key over the live members, so every
// node that sees the same members picks the same owner, and a member
// joining or leaving moves only the keys it wins or held.
func (v *memberView) owner(key string) *member {
	var best *member
	var bestW uint64
	for _, m := range v.live {
		h := fnv.New64a()
		h.Write([]byte(m.id))
		h.Write([]byte{0})
		h.Write([]byte(key))
		if w := mix64(h.Sum64()); best == nil || w > bestW {
			best, bestW = m, w
		}
	}
	return best
}

// mix64 spreads FNV's bits (its high bits vary little with a short suffix).
func mix64(x uint64) uint64 {
	x ^= x >> 33
	x *= 0xff51afd7ed558ccd
	x ^= x >> 33
	x *= 0xc4ceb9fe1a85ec53
	x ^= x >> 33
	return x
}

// clusterCounters count the cluster's traffic and faults.
type clusterCounters struct {
	sent, dropped atomic.Int64 // messages to other nodes: sent, or dropped at the gate (the node was not live)
	refused       atomic.Int64 // messages from other nodes refused as malformed or unexpected
	peerUps       atomic.Int64
	peerDowns     sync.Map     // reason → *atomic.Int64
	remoteSeats   atomic.Int64 // gauge: players of this node's rooms connected through other nodes
	awaySeats     atomic.Int64 // gauge: players connected here seated in other nodes' rooms
	delivered     atomic.Int64 // frames received from other nodes' rooms for players here
	deliveries    atomic.Int64 // messages that carried them
	shippedBodies atomic.Int64 // state bodies shipped to other nodes (each once per node)
	forwarded     atomic.Int64 // HTTP requests of other nodes' sessions passed to them
}

func (c *clusterCounters) peerDown(reason string) {
	v, _ := c.peerDowns.LoadOrStore(reason, new(atomic.Int64))
	v.(*atomic.Int64).Add(1)
}

// ClusterStats are a node's cluster counters (zero for a hub alone).
type ClusterStats struct {
	Node        string
	Peers       map[string]bool  // every configured peer: live or not
	PeerUps     int64            // peers that came up (joined, came back, restarted)
	PeerDowns   map[string]int64 // peers lost, by reason: timeout, connection, left, restart
	Sent        int64            // messages to other nodes
	Dropped     int64            // messages to nodes that were not live, dropped
	Refused     int64            // messages from other nodes refused as malformed or unexpected
	RemoteSeats int64            // gauge: players in this node's rooms connected elsewhere
	AwaySeats   int64            // gauge: players connected here in rooms elsewhere
	Delivered   int64            // frames from other nodes' rooms handed to links here
	Deliveries  int64            // messages that carried them (one per room per node per send)
	Bodies      int64            // state bodies shipped to other nodes
	Forwarded   int64            // HTTP requests of other nodes' sessions passed to them
	Ready       bool
}

// ClusterStats returns the node's cluster counters; the zero value when the
// hub is not part of a cluster.
func (h *Hub) ClusterStats() ClusterStats {
	cn := h.cl
	if cn == nil {
		return ClusterStats{}
	}
	s := ClusterStats{
		Node: cn.self, Peers: map[string]bool{}, PeerDowns: map[string]int64{},
		PeerUps: cn.stats.peerUps.Load(), Sent: cn.stats.sent.Load(), Dropped: cn.stats.dropped.Load(),
		Refused: cn.stats.refused.Load(), RemoteSeats: cn.stats.remoteSeats.Load(), AwaySeats: cn.stats.awaySeats.Load(),
		Delivered: cn.stats.delivered.Load(), Deliveries: cn.stats.deliveries.Load(), Bodies: cn.stats.shippedBodies.Load(),
		Forwarded: cn.stats.forwarded.Load(),
		Ready:     cn.ready.Load(),
	}
	v := cn.view.Load()
	for _, m := range cn.opts.Members {
		if m.ID != cn.self {
			s.Peers[m.ID] = v.get(m.ID) != nil
		}
	}
	cn.stats.peerDowns.Range(func(k, v any) bool {
		s.PeerDowns[k.(string)] = v.(*atomic.Int64).Load()
		return true
	})
	return s
}

// SIDPrefix is what this node's HTTP session ids start with
// (transports.Options.SIDPrefix), so that another node given a request of
// one of them passes it here (SessionNode); "" for a hub alone.
func (h *Hub) SIDPrefix() string {
	if h.cl == nil {
		return ""
	}
	return sidPrefix(h.cl.self)
}

// SessionNode returns the base URL of the live peer whose HTTP session
// ids start as sid does; "" when it is this node or no live one.
func (h *Hub) SessionNode(sid string) string {
	if h.cl == nil {
		return ""
	}
	for _, m := range h.cl.view.Load().live {
		if m.id != h.cl.self && m.http != "" && strings.HasPrefix(sid, sidPrefix(m.id)) {
			h.cl.stats.forwarded.Add(1)
			return m.http
		}
	}
	return ""
}

// sidPrefix is a node's HTTP session id prefix: four hex digits of a hash
// of its id (ClusterOptions checks the members' differ).
func sidPrefix(node string) string {
	h := fnv.New32a()
	h.Write([]byte(node))
	return fmt.Sprintf("%04x", h.Sum32()&0xffff)
}

// Clustered reports whether the hub is a node of a cluster.
func (h *Hub) Clustered() bool { return h.cl != nil }

// ClusterReady reports whether the node has joined its cluster: it has
// heard from every peer or waited ClusterOptions.MemberTimeout for them,
// and it has the rooms of every live peer. A hub alone is always ready.
func (h *Hub) ClusterReady() bool { return h.cl == nil || h.cl.ready.Load() }

// StartCluster joins the cluster, telling peers that this node's game
// endpoints are at httpURL (they forward HTTP requests of its sessions
// there). The server calls it once it listens; a hub alone does nothing.
func (h *Hub) StartCluster(httpURL string) error {
	if h.cl == nil {
		return nil
	}
	return h.cl.start(httpURL)
}
