package actors

import (
	"slices"
	"time"

	"github.com/anthdm/hollywood/actor"
	"github.com/tickroom/tickroom/internal/clusterpb"
	"github.com/tickroom/tickroom/netcode"
	"github.com/tickroom/tickroom/world"
	"google.golang.org/protobuf/proto"
)

// On a node of a cluster, a join from a player connected here may belong
// to another node. The lobby decides where, as the protocol's JoinHow
// says, and the node that gets it decides it as a lobby alone would,
// among its own rooms (a routed join is never routed again):
//
//   - a room id names its node (ids are the node's id, '-', 12 letters);
//   - a join code is looked up in the cluster's listing (lobby_view.go);
//   - matchmaking picks the oldest open room of the mode cluster-wide (its
//     node may still refuse it, and then tries its own rooms), or places a
//     new one;
//   - a room name belongs to one node, its owner in the directory: the
//     live member that wins the rendezvous hash of mode/name. The owner
//     alone decides where the room of that name is (the node that has it,
//     or a new one placed now), so two joins of one name on two nodes
//     meet in one room. Nodes that make a room of a name tell its owner
//     (NameTaken), and its owner also finds names in the listing, so a
//     new owner after a membership change knows the rooms that exist;
//   - a new room goes to a node chosen by ClusterOptions.Placement (place).
//
// A resume goes to the node its token's room id names.

// nodeOf returns the node a room id names; "" for an id made by a hub
// alone or a join code.
func nodeOf(id string) string {
	if n := len(id) - idLen - 1; n > 0 && id[n] == '-' && ValidNodeID(id[:n]) {
		return id[:n]
	}
	return ""
}

// routeJoin asks the relay to send a join from a session here to another
// node: to its lobby (a name it owns) or its relay (its room).
type routeJoin struct {
	req   joinRequest
	node  string
	to    *actor.PID
	named bool
}

// routeResume asks the relay to send a resume to its room's node.
type routeResume struct {
	req  resumeRequest
	node string
}

// route takes a join from a session here that belongs elsewhere, and
// reports whether it did: sent it on, or refused it. A join it leaves is
// this node's to decide, as a hub alone would.
func (l *lobby) route(c *actor.Context, m joinRequest) bool {
	cl := l.cl
	if cl == nil || m.routed {
		return false
	}
	self := cl.cn.self
	switch m.how {
	case netcode.JoinMatch:
		if m.room != "" {
			return l.routeName(c, m)
		}
		if e := l.matchmakeCluster(m.mode, m.tried); e != nil {
			if e.node == self {
				return false
			}
			m.target = e.id
			l.send(c, m, e.node, false)
			return true
		}
		return l.routeNew(c, m)
	case netcode.JoinCreate, netcode.JoinExisting:
		if m.how == netcode.JoinCreate && m.room == "" {
			return l.routeNew(c, m) // a name of the server's: a new room, like a private one
		}
		return l.routeName(c, m)
	case netcode.JoinCreatePrivate:
		return l.routeNew(c, m)
	case netcode.JoinByID:
		if l.byID[m.room] != nil || l.byCode[m.room] != nil {
			return false
		}
		node := nodeOf(m.room)
		if node == "" {
			if e := l.peerCode(m.room); e != nil {
				node = e.node
			}
		}
		switch {
		case node == "" || node == self:
			return false // not found here either: refused as a hub alone would
		case cl.view.get(node) == nil:
			// The id of a room on a node that is gone: it has ended.
			c.Send(m.session, joinRefused{code: netcode.CodeRoomNotFound, msg: "that room has ended", late: cl.cn.member(node)})
			return true
		}
		l.send(c, m, node, false)
		return true
	}
	return false
}

// routeNew places a room for a join that makes one, here or elsewhere.
func (l *lobby) routeNew(c *actor.Context, m joinRequest) bool {
	node := l.place(l.cl.cn.self)
	switch node {
	case l.cl.cn.self:
		return false
	case "":
		l.hub.stats.errorSent(netcode.CodeTooManyRooms)
		c.Send(m.session, joinRefused{code: netcode.CodeTooManyRooms, msg: "no server takes new rooms now"})
		return true
	}
	if !l.mayCreateAway(c, m) {
		return true
	}
	l.send(c, m, node, false)
	return true
}

// routeName sends a join by name to the name's owner, or decides it here.
func (l *lobby) routeName(c *actor.Context, m joinRequest) bool {
	cl := l.cl
	key := roomKey(m.mode, m.room)
	owner := cl.view.owner(key)
	if owner.id != cl.cn.self {
		if !l.mayCreateAway(c, m) {
			return true
		}
		c.Send(cl.cn.relay, routeJoin{req: m, node: owner.id, to: owner.lobby})
		return true
	}
	node, code, msg, placed := l.decideName(key, m.how, cl.cn.self)
	switch {
	case code != 0:
		c.Send(m.session, joinRefused{code: code, msg: msg})
	case node == cl.cn.self:
		m.routed, m.named = true, true
		l.join(c, m)
	case placed && !l.mayCreateAway(c, m):
		delete(cl.names, key) // no room will have it
	default:
		l.send(c, m, node, true)
	}
	return true
}

// send hands a join to the relay for node's relay.
func (l *lobby) send(c *actor.Context, m joinRequest, node string, named bool) {
	c.Send(l.cl.cn.relay, routeJoin{req: m, node: node, to: l.cl.view.get(node).relay, named: named})
}

// mayCreateAway checks, before a join that may make a room leaves this
// node, that its connection has a room left in its budget: the node that
// makes the room spends the address's budget there, and the connection's
// is spent here once the room is made (Admitted says so).
func (l *lobby) mayCreateAway(c *actor.Context, m joinRequest) bool {
	if m.how == netcode.JoinExisting || m.creates == nil {
		return true
	}
	lo := l.opts.Limits
	if want := perMinute(lo.SessionRoomsPerMinute); m.creates.Limit() != want || m.creates.Burst() != lo.SessionRoomBurst {
		m.creates.SetLimit(want)
		m.creates.SetBurst(lo.SessionRoomBurst)
	}
	if m.creates.Tokens() >= 1 {
		return true
	}
	l.hub.stats.roomCreatesLimited.Add(1)
	l.hub.abuse.note(abuseRoomLimited, m.addr)
	c.Send(m.session, joinRefused{code: netcode.CodeRateLimited, msg: "too many new rooms from this connection or address: join one or try later"})
	return false
}

func joinMsg(self string, m joinRequest, named bool) *clusterpb.Join {
	return &clusterpb.Join{Origin: self, Ref: m.ticket, Sid: m.sid, Addr: m.link.RemoteAddr(), Exempt: m.exempt,
		Transport: m.link.Transport(), Mode: m.mode, Name: m.name, How: uint32(m.how), Room: m.room,
		Options: m.options, Identity: identityMsg(m.identity), Tried: m.tried, Target: m.target, Named: named}
}

// decideName is the owner's decision for a join by name of a player on
// origin: the node whose room it joins, or a refusal.
// placed says the owner recorded a new room's node for the name just now.
func (l *lobby) decideName(key string, how netcode.JoinHow, origin string) (node string, code netcode.Code, msg string, placed bool) {
	cl := l.cl
	node = cl.names[key]
	if node != "" && cl.view.get(node) == nil {
		delete(cl.names, key)
		node = ""
	}
	if node == "" {
		node = l.nodeWithName(key)
	}
	switch {
	case how == netcode.JoinCreate && node != "":
		return "", netcode.CodeRoomExists, "that room exists", false
	case how == netcode.JoinExisting && node == "":
		return "", netcode.CodeRoomNotFound, "no room of that name", false
	case node != "":
		return node, 0, "", false
	}
	if node = l.place(origin); node == "" {
		return "", netcode.CodeTooManyRooms, "no server takes new rooms now", false
	}
	cl.names[key] = node
	return node, 0, "", true
}

// nodeWithName finds the node whose public room has key in the listing.
func (l *lobby) nodeWithName(key string) string {
	if l.byName[key] != nil {
		return l.cl.cn.self
	}
	for _, m := range l.cl.view.live {
		if p := l.cl.peers[m.id]; p != nil && p.incarnation == m.incarnation && p.byKey[key] != nil {
			return m.id
		}
	}
	return ""
}

// nameJoin decides a join by name that another node sent this one, its
// owner: it goes on to the room's node, or back refused.
func (l *lobby) nameJoin(c *actor.Context, m *clusterpb.Join) {
	cl := l.cl
	origin := cl.view.get(m.GetOrigin())
	how := netcode.JoinHow(m.GetHow())
	if origin == nil || (how != netcode.JoinMatch && how != netcode.JoinCreate && how != netcode.JoinExisting) ||
		m.GetRoom() == "" || len(m.GetRoom()) > netcode.MaxRoomLen || len(m.GetMode()) > netcode.MaxModeLen {
		cl.cn.refuse("join by name that makes no sense", "from", cutUTF8(m.GetOrigin(), 40))
		if origin != nil { // its player is waiting for an answer
			cl.cn.send(origin.id, origin.relay, &clusterpb.JoinRefused{Ref: m.GetRef(), Code: uint32(netcode.CodeInternal), Message: "the room's name could not be looked up"})
		}
		return
	}
	node, code, msg, _ := l.decideName(roomKey(m.GetMode(), m.GetRoom()), how, origin.id)
	if code != 0 {
		l.hub.stats.errorSent(code)
		cl.cn.send(origin.id, origin.relay, &clusterpb.JoinRefused{Ref: m.GetRef(), Code: uint32(code), Message: msg})
		return
	}
	fwd := proto.Clone(m).(*clusterpb.Join)
	fwd.Named = true
	cl.cn.send(node, cl.view.get(node).relay, fwd)
}

// nameTaken records, at a name's owner, which node has its room.
func (l *lobby) nameTaken(m *clusterpb.NameTaken) {
	cl := l.cl
	if cl.view.get(m.GetNode()) == nil || len(m.GetKey()) > netcode.MaxModeLen+1+netcode.MaxRoomLen {
		return // from a node that is gone, or nonsense
	}
	switch {
	case m.GetGone() && cl.names[m.GetKey()] == m.GetNode():
		delete(cl.names, m.GetKey())
	case !m.GetGone():
		if had := cl.names[m.GetKey()]; had != "" && had != m.GetNode() && cl.view.get(had) != nil {
			cl.cn.log.Warn("two rooms of one name", "key", m.GetKey(), "kept", had, "other", m.GetNode())
			return
		}
		cl.names[m.GetKey()] = m.GetNode()
	}
}

// nameNotMade tells the owner of a name it sent here, for a room this
// node was to make, that the join was refused and no room has the name:
// the owner forgets it (it recorded the name as this node's when it
// decided), so the name is free and the owner's table does not keep it.
func (l *lobby) nameNotMade(m joinRequest) {
	cl := l.cl
	if cl == nil || !m.named || m.room == "" || l.byName[roomKey(m.mode, m.room)] != nil {
		return
	}
	key := roomKey(m.mode, m.room)
	msg := &clusterpb.NameTaken{Key: key, Node: cl.cn.self, Gone: true}
	if owner := cl.view.owner(key); owner.id != cl.cn.self {
		cl.cn.send(owner.id, owner.lobby, msg)
		return
	}
	l.nameTaken(msg)
}

// tellOwner tells the owner of a public room's name that this node has it
// (or no longer does).
func (l *lobby) tellOwner(e *roomEntry, gone bool) {
	cl := l.cl
	if cl == nil || e.private {
		return
	}
	key := roomKey(e.mode, e.name)
	owner := cl.view.owner(key)
	msg := &clusterpb.NameTaken{Key: key, Node: cl.cn.self, Gone: gone}
	if owner.id == cl.cn.self {
		l.nameTaken(msg)
		return
	}
	cl.cn.send(owner.id, owner.lobby, msg)
}

// place picks the node of a new room for a player connected on origin
// (ClusterOptions.Placement); "" when no live node takes rooms.
func (l *lobby) place(origin string) string {
	cl := l.cl
	if now := time.Now(); now.Sub(cl.placedAt) > cl.cn.opts.HeartbeatInterval {
		// The loads the nodes reported since count the rooms placed.
		clear(cl.placed)
		cl.placedAt = now
	}
	now := cl.cn.view.Load() // the heartbeats' loads; the lobby's view changes with the members only
	load := func(m *member) nodeLoad {
		if m.id == cl.cn.self {
			return cl.cn.localLoad()
		}
		if cur := now.get(m.id); cur != nil {
			return cur.load
		}
		return m.load
	}
	if cl.cn.opts.Placement == PlaceLocal {
		if m := cl.view.get(origin); m != nil && m.rooms && !load(m).overloaded {
			cl.placed[m.id]++
			return m.id
		}
	}
	var best *member
	var bestLoad nodeLoad
	better := func(m *member, ml nodeLoad) bool {
		switch {
		case best == nil:
			return true
		case ml.overloaded != bestLoad.overloaded:
			return !ml.overloaded
		case ml.players != bestLoad.players:
			return ml.players < bestLoad.players
		case ml.lateMilli != bestLoad.lateMilli:
			return ml.lateMilli < bestLoad.lateMilli
		}
		return m.id < best.id
	}
	for _, m := range cl.view.live {
		if !m.rooms {
			continue
		}
		ml := load(m)
		ml.players += cl.placed[m.id]
		if better(m, ml) {
			best, bestLoad = m, ml
		}
	}
	if best == nil {
		return ""
	}
	cl.placed[best.id]++
	return best.id
}

// matchmakeCluster picks the oldest public, unlocked room of mode with a
// seat free in the cluster's listing, skipping those tried.
func (l *lobby) matchmakeCluster(mode string, tried []string) *roomEntry {
	var best *roomEntry
	consider := func(e *roomEntry) {
		if e.mode == mode && !e.private && !e.locked && !e.full() && !slices.Contains(tried, e.id) &&
			(best == nil || e.created < best.created) {
			best = e
		}
	}
	if e := l.matchmake(mode, tried); e != nil {
		consider(e) // the oldest here
	}
	for _, m := range l.cl.view.live {
		if p := l.cl.peers[m.id]; p != nil && p.incarnation == m.incarnation {
			for _, e := range p.rooms {
				consider(e)
			}
		}
	}
	return best
}

// peerCode finds a private room of a live peer by its join code.
func (l *lobby) peerCode(code string) *roomEntry {
	for _, m := range l.cl.view.live {
		if p := l.cl.peers[m.id]; p != nil && p.incarnation == m.incarnation {
			if e := p.byCode[code]; e != nil {
				return e
			}
		}
	}
	return nil
}

// routeResumeReq sends a resume to its token's room's node; it reports
// whether the resume belongs elsewhere.
func (l *lobby) routeResumeReq(c *actor.Context, m resumeRequest, id string) bool {
	cl := l.cl
	if cl == nil || m.guest != 0 {
		return false
	}
	node := nodeOf(id)
	if node == "" || node == cl.cn.self {
		return false
	}
	if cl.view.get(node) == nil {
		l.hub.stats.resumesRefused.Add(1)
		c.Send(m.session, joinRefused{code: netcode.CodeResumeExpired, msg: "no seat to resume: its server is gone", late: cl.cn.member(node)})
		return true
	}
	c.Send(cl.cn.relay, routeResume{req: m, node: node})
	return true
}

func identityMsg(id world.Identity) *clusterpb.Identity {
	if id.UserID == "" && id.DisplayName == "" && len(id.Claims) == 0 {
		return nil
	}
	return &clusterpb.Identity{UserId: id.UserID, DisplayName: id.DisplayName, Claims: id.Claims}
}

// identityOf reads an identity another node proved, with the bounds its
// authentication keeps (auth.go): a longer one is nonsense.
func identityOf(m *clusterpb.Identity) (world.Identity, bool) {
	if m == nil {
		return world.Identity{}, true
	}
	if len(m.GetUserId()) > 256 || len(m.GetDisplayName()) > 256 || len(m.GetClaims()) > 64 {
		return world.Identity{}, false
	}
	for k, v := range m.GetClaims() {
		if len(k) > 256 || len(v) > 1024 {
			return world.Identity{}, false
		}
	}
	return world.Identity{UserID: m.GetUserId(), DisplayName: m.GetDisplayName(), Claims: m.GetClaims()}, true
}
