package actors

import (
	"time"
	"unicode/utf8"

	"github.com/anthdm/hollywood/actor"
	"github.com/tickroom/tickroom/internal/clusterpb"
	"github.com/tickroom/tickroom/netcode"
)

// On a node of a cluster each lobby tells every other lobby about its
// rooms (Rooms messages): all of them when a peer comes, then what changed,
// at most every gossipInterval. So every node lists, matchmakes and finds
// join codes among the rooms of the whole cluster, none of them more than
// gossipInterval (and a message's way) out of date; the room's own lobby
// still decides every join.

// gossipInterval bounds how stale a node's picture of its peers' rooms is.
const gossipInterval = 100 * time.Millisecond

// peerRooms is what a lobby knows of one live peer's rooms.
type peerRooms struct {
	incarnation int64
	full        bool                  // its full picture has come: until then the node is not ready
	rooms       map[string]*roomEntry // by id
	byKey       map[string]*roomEntry // public ones, by roomKey
	byCode      map[string]*roomEntry // private ones, by join code
}

func newPeerRooms(incarnation int64) *peerRooms {
	return &peerRooms{incarnation: incarnation, rooms: map[string]*roomEntry{},
		byKey: map[string]*roomEntry{}, byCode: map[string]*roomEntry{}}
}

func (p *peerRooms) remove(id string) {
	e := p.rooms[id]
	if e == nil {
		return
	}
	delete(p.rooms, id)
	if e.private {
		if p.byCode[e.code] == e {
			delete(p.byCode, e.code)
		}
	} else if k := roomKey(e.mode, e.name); p.byKey[k] == e {
		delete(p.byKey, k)
	}
}

func (p *peerRooms) add(e *roomEntry) {
	p.remove(e.id)
	p.rooms[e.id] = e
	if e.private {
		p.byCode[e.code] = e
	} else {
		p.byKey[roomKey(e.mode, e.name)] = e
	}
}

// clusterLobby is the lobby's part in a cluster; nil on a hub alone.
// Owned by the lobby's Receive.
type clusterLobby struct {
	cn       *clusterNode
	view     *memberView // as the provider last published it
	settled  bool
	peers    map[string]*peerRooms // by node; a peer's rooms may come before the provider says it is live
	changed  map[string]bool       // ids of this node's rooms changed since the last gossip (gone ones too)
	gossipAt *time.Timer           // pending gossip; nil when none is
	// placed counts the rooms this lobby put on each node since that
	// node's last heartbeat, so a burst of new rooms does not all go to
	// the node that looked least loaded at its start.
	placed   map[string]int
	placedAt time.Time // when placed was last cleared
	// names is the directory part this node owns: which node has the
	// public room of a mode/name key (see lobby_route.go).
	names map[string]string
}

type gossipTick struct{}

func newClusterLobby(cn *clusterNode) *clusterLobby {
	return &clusterLobby{cn: cn, view: cn.view.Load(), peers: map[string]*peerRooms{},
		changed: map[string]bool{}, placed: map[string]int{}, names: map[string]string{}}
}

// membersChanged takes the provider's news: a peer that came gets every
// room of this node, a peer that left takes its rooms with it.
func (l *lobby) membersChanged(c *actor.Context, m membersChanged) {
	cl := l.cl
	cl.view, cl.settled = m.view, m.settled
	for _, left := range m.left {
		if p := cl.peers[left.id]; p != nil && p.incarnation <= left.incarnation {
			delete(cl.peers, left.id)
		}
		for key, node := range cl.names {
			if node == left.id {
				delete(cl.names, key)
			}
		}
	}
	if len(m.joined) > 0 || len(m.left) > 0 {
		// The owners of names may have changed: tell each its names.
		for _, e := range l.order {
			l.tellOwner(e, false)
		}
	}
	for _, joined := range m.joined {
		if p := cl.peers[joined.id]; p == nil || p.incarnation != joined.incarnation {
			cl.peers[joined.id] = newPeerRooms(joined.incarnation)
		}
		cl.cn.send(joined.id, joined.lobby, l.snapshot(true))
	}
	l.checkReady()
}

// checkReady publishes whether the node has joined: the provider knows its
// members, and every live peer's rooms have come.
func (l *lobby) checkReady() {
	cl := l.cl
	ready := cl.settled
	for _, m := range cl.view.live {
		if p := cl.peers[m.id]; m.id != cl.cn.self && (p == nil || !p.full || p.incarnation != m.incarnation) {
			ready = false
		}
	}
	if cl.cn.ready.Swap(ready) != ready {
		cl.cn.log.Info("cluster membership", "ready", ready, "live", len(cl.view.live))
	}
}

// snapshot returns this node's rooms for its peers: all of them (full) or
// those changed since the last gossip.
func (l *lobby) snapshot(full bool) *clusterpb.Rooms {
	cl := l.cl
	out := &clusterpb.Rooms{From: cl.cn.self, Incarnation: cl.cn.incarnation, Full: full}
	add := func(e *roomEntry) {
		out.Rooms = append(out.Rooms, &clusterpb.Room{Id: e.id, Name: e.name, Mode: e.mode,
			Players: uint32(e.players), MaxPlayers: uint32(e.maxPlayers), Locked: e.locked, Private: e.private,
			Code: e.code, Metadata: e.metadata, Created: e.created, Pending: uint32(e.pending)})
	}
	if full {
		for _, e := range l.order {
			add(e)
		}
		return out
	}
	for id := range cl.changed {
		if e := l.byID[id]; e != nil {
			add(e)
		} else {
			out.Removed = append(out.Removed, id)
		}
	}
	return out
}

// roomChanged notes that a room of this node changed (or went), for the
// next gossip.
func (l *lobby) roomChanged(c *actor.Context, id string) {
	cl := l.cl
	if cl == nil {
		return
	}
	cl.changed[id] = true
	if cl.gossipAt == nil {
		e, pid := c.Engine(), c.PID()
		cl.gossipAt = time.AfterFunc(gossipInterval, func() { e.Send(pid, gossipTick{}) })
	}
}

// gossip sends the peers what changed since the last gossip.
func (l *lobby) gossip() {
	cl := l.cl
	cl.gossipAt = nil
	if len(cl.changed) == 0 {
		return
	}
	msg := l.snapshot(false)
	clear(cl.changed)
	for _, m := range cl.view.live {
		if m.id != cl.cn.self {
			cl.cn.send(m.id, m.lobby, msg)
		}
	}
}

// peerRoomsCame takes a peer's rooms.
func (l *lobby) peerRoomsCame(m *clusterpb.Rooms) {
	cl := l.cl
	from, inc := m.GetFrom(), m.GetIncarnation()
	p := cl.peers[from]
	switch {
	case from == cl.cn.self || !cl.cn.member(from):
		cl.cn.refuse("rooms from a node that is not a peer", "from", cutUTF8(from, 40))
		return
	case p == nil || p.incarnation < inc:
		// Its rooms may come before the provider has this node's word
		// that it is live (or back): kept, and counted once it is. Only
		// the rooms of live peers, of the incarnation the provider knows,
		// are listed and matchmade.
		p = newPeerRooms(inc)
		cl.peers[from] = p
	case p.incarnation > inc:
		return // from before its restart
	}
	if m.GetFull() {
		*p = *newPeerRooms(inc)
		p.full = true
	}
	for _, id := range m.GetRemoved() {
		p.remove(id)
	}
	for _, r := range m.GetRooms() {
		if !validPeerRoom(r) {
			cl.cn.refuse("malformed room", "from", m.GetFrom(), "room", cutUTF8(r.GetId(), 40))
			continue
		}
		p.add(&roomEntry{node: m.GetFrom(), id: r.GetId(), name: r.GetName(), mode: r.GetMode(),
			private: r.GetPrivate(), code: r.GetCode(), players: int(r.GetPlayers()), pending: int(r.GetPending()),
			maxPlayers: int(r.GetMaxPlayers()), locked: r.GetLocked(), metadata: r.GetMetadata(),
			meta: metaText(r.GetMetadata()), created: r.GetCreated()})
	}
	if m.GetFull() {
		l.checkReady()
	}
}

// validPeerRoom checks what a listing would show of a peer's room, as a
// client's join is checked: lengths within the protocol's limits.
func validPeerRoom(r *clusterpb.Room) bool {
	ok := func(s string, n int) bool { return len(s) <= n && utf8.ValidString(s) }
	return r.GetId() != "" && ok(r.GetId(), netcode.MaxRoomIDLen) && ok(r.GetName(), netcode.MaxRoomLen) &&
		ok(r.GetMode(), netcode.MaxModeLen) && ok(r.GetCode(), netcode.MaxRoomIDLen) &&
		len(r.GetMetadata()) <= netcode.MaxMetadataLen && r.GetMaxPlayers() <= 1<<16 && r.GetPlayers() <= 1<<16
}
