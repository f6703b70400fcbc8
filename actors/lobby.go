package actors

import (
	"fmt"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/anthdm/hollywood/actor"
	"github.com/tickroom/tickroom/internal/clusterpb"
	"github.com/tickroom/tickroom/netcode"
	"github.com/tickroom/tickroom/world"
)

// roomInbox is a room's initial inbox. Inputs, acks and messages skip it
// (they go into each seat), so it holds ticks, admits and reconfigurations;
// hollywood grows it when a burst of joins needs more.
const roomInbox = 64

// lobby joins sessions to rooms and lists them. It is the only actor that
// creates or disposes of rooms, so "join or create" and "dispose when idle"
// cannot race: a room that reports itself idle is stopped only if no join
// is on its way to it.
type lobby struct {
	hub      *Hub
	opts     Options
	byID     map[string]*roomEntry // every live room
	byName   map[string]*roomEntry // public rooms, by roomKey(mode, name)
	byCode   map[string]*roomEntry // private rooms, by join code
	order    []*roomEntry          // creation order: matchmaking and listings
	nextID   int                   // actor ids of rooms
	nextAuto map[string]int        // per mode, for names of matchmade rooms
	checked  map[string]error      // per mode, whether its schemas fit the wire
	rooms    addrBudget            // per address: the rooms its joins may create
	gone     retired               // ids and join codes of rooms disposed lately
	cl       *clusterLobby         // nil on a hub alone
	players  int                   // seated in this node's rooms, as they last reported
}

// goneRooms is how many disposed rooms the lobby remembers (an id and, for
// a private room, a code each), so that their players are told they are
// late rather than taken for guessers: a few minutes of disposals on a busy
// server, a few hundred KB.
const goneRooms = 8192

// roomEntry is what the lobby knows of a room, as the room last reported.
type roomEntry struct {
	node           string // the node it lives on ("" on a hub alone)
	id, name, mode string
	private        bool
	code           string // join code of a private room
	pid            *actor.PID
	players        int // seated, as last reported by the room
	pending        int // admits sent and not yet answered
	maxPlayers     int
	locked         bool
	metadata       netcode.Payload
	meta           map[string]string // metadata as text, for listing filters
	created        int64             // Unix ns: listings and matchmaking go oldest first, cluster-wide
}

// full reports whether e has no seat left for one more join.
func (e *roomEntry) full() bool { return e.players+e.pending >= e.maxPlayers }

func newLobby(h *Hub, o Options) actor.Producer {
	return func() actor.Receiver {
		l := &lobby{
			hub:      h,
			opts:     o,
			byID:     make(map[string]*roomEntry),
			byName:   make(map[string]*roomEntry),
			byCode:   make(map[string]*roomEntry),
			nextAuto: make(map[string]int),
			checked:  make(map[string]error),
			gone:     newRetired(2 * goneRooms),
		}
		l.rooms.set(o.Limits.AddrRoomsPerMinute, o.Limits.AddrRoomBurst)
		if h.cl != nil {
			l.cl = newClusterLobby(h.cl)
		}
		return l
	}
}

func roomKey(mode, name string) string { return mode + "/" + name }

func (l *lobby) Receive(c *actor.Context) {
	switch m := c.Message().(type) {
	case joinRequest:
		l.join(c, m)
	case admitRefused:
		l.refused(c, m)
	case roomReport:
		if e := l.byID[m.id]; e != nil {
			l.setPlayers(e, m.players)
			e.locked = m.locked
			if m.metaChanged {
				e.metadata, e.meta = m.metadata, metaText(m.metadata)
			}
			e.pending -= m.settled
			l.roomChanged(c, e.id)
		}
	case roomIdle:
		if e := l.byID[m.id]; e != nil && e.players == 0 && e.pending == 0 {
			l.dispose(c, e)
		}
	case roomClosing:
		if e := l.byID[m.id]; e != nil {
			l.dispose(c, e)
		}
	case roomStopped:
		// A room the lobby did not dispose of (a hub shutdown) must not
		// keep its name, or joins would go to a dead letter.
		if e := l.byID[m.id]; e != nil {
			l.remove(c, e)
		}
	case listRequest:
		l.list(c, m)
	case resumeRequest:
		// A token starts with its room's id: no table of tokens is needed
		// here, and the room checks the rest.
		id, _, _ := strings.Cut(m.token, ".")
		if l.routeResumeReq(c, m, id) {
			return
		}
		if e := l.byID[id]; e != nil {
			c.Send(e.pid, m)
		} else {
			l.hub.stats.resumesRefused.Add(1)
			c.Send(m.session, joinRefused{code: netcode.CodeResumeExpired, msg: "no seat to resume", late: l.gone.has(id), guest: m.guest})
		}
	case membersChanged:
		if l.cl != nil {
			l.membersChanged(c, m)
		}
	case *clusterpb.Rooms:
		if l.cl != nil {
			l.peerRoomsCame(m)
		}
	case *clusterpb.Join:
		if l.cl != nil {
			l.nameJoin(c, m)
		}
	case *clusterpb.NameTaken:
		if l.cl != nil {
			l.nameTaken(m)
		}
	case gossipTick:
		l.gossip()
	case actor.Stopped:
		if l.cl != nil && l.cl.gossipAt != nil {
			l.cl.gossipAt.Stop()
		}
	case reconfigure:
		l.opts = m.opts
		l.rooms.set(l.opts.Limits.AddrRoomsPerMinute, l.opts.Limits.AddrRoomBurst)
		for _, e := range l.order {
			ro := l.opts.roomOptions(e.mode)
			e.maxPlayers = ro.MaxPlayers
			c.Send(e.pid, reconfigureRoom{opts: ro, settings: l.opts.Modes[e.mode].Reload})
		}
	}
}

// dispose stops room e: joins no longer find it, and its seats end as it
// stops.
func (l *lobby) dispose(c *actor.Context, e *roomEntry) {
	l.remove(c, e)
	c.Engine().Poison(e.pid)
}

func (l *lobby) remove(c *actor.Context, e *roomEntry) {
	l.setPlayers(e, 0)
	l.roomChanged(c, e.id)
	l.tellOwner(e, true)
	delete(l.byID, e.id)
	l.gone.add(e.id)
	if e.private {
		l.gone.add(e.code)
		delete(l.byCode, e.code)
	} else if l.byName[roomKey(e.mode, e.name)] == e {
		delete(l.byName, roomKey(e.mode, e.name))
	}
	l.order = slices.DeleteFunc(l.order, func(x *roomEntry) bool { return x == e })
}

// newGame makes a game of mode and checks, once per mode, that its schemas
// can go on the wire: a game whose welcome cannot be encoded must not seat
// anyone. A constructor that panics refuses the join instead of leaving it
// unanswered.
func (l *lobby) newGame(mode string) (g world.Game, err error) {
	defer func() {
		if p := recover(); p != nil {
			l.hub.stats.panics.Add(1)
			err = fmt.Errorf("new game panicked: %v", p)
			l.hub.log.Error("game mode cannot be served", "mode", mode, "err", err, "stack", string(debug.Stack()))
		}
	}()
	g = l.opts.Modes[mode].NewGame()
	err, checked := l.checked[mode]
	if !checked {
		if err = netcode.CheckSchemas(g.Schemas()); err != nil {
			l.hub.log.Error("game mode cannot be served", "mode", mode, "err", err)
		}
		l.checked[mode] = err
	}
	return g, err
}

// create starts a room of mode called name (empty: a name of its own);
// private rooms get a join code and no place among the names.
func (l *lobby) create(c *actor.Context, mode, name string, private bool) (*roomEntry, error) {
	game, err := l.newGame(mode)
	if err != nil {
		return nil, err
	}
	if name == "" {
		name = l.autoName(mode)
	}
	ro := l.opts.roomOptions(mode)
	e := &roomEntry{id: l.newRoomID(), name: name, mode: mode, private: private, maxPlayers: ro.MaxPlayers,
		created: time.Now().UnixNano()}
	if l.cl != nil {
		e.node = l.cl.cn.self
	}
	if private {
		e.code = l.newJoinCode()
		l.byCode[e.code] = e
	} else {
		l.byName[roomKey(mode, name)] = e
	}
	l.nextID++
	info := roomInfo{id: e.id, name: name, mode: mode, code: e.code}
	e.pid = c.SpawnChild(newRoom(l.hub, info, game, ro), "room",
		actor.WithID(strconv.Itoa(l.nextID)), actor.WithInboxSize(roomInbox), actor.WithMiddleware(l.hub.mw))
	l.byID[e.id] = e
	l.order = append(l.order, e)
	l.roomChanged(c, e.id)
	l.tellOwner(e, false)
	return e, nil
}

// setPlayers records a room's seated players, keeping the node's total.
func (l *lobby) setPlayers(e *roomEntry, n int) {
	l.players += n - e.players
	e.players = n
	if l.cl != nil {
		l.cl.cn.players.Store(int64(l.players))
	}
}

// autoName names a room the server names, skipping names players chose.
// On a node of a cluster the name carries the node's id (arena-n2-1):
// every node counts its own, and a name means one room cluster-wide.
func (l *lobby) autoName(mode string) string {
	prefix := mode + "-"
	if l.cl != nil {
		prefix += l.cl.cn.self + "-"
	}
	for {
		l.nextAuto[mode]++
		name := prefix + strconv.Itoa(l.nextAuto[mode])
		if key := roomKey(mode, name); l.byName[key] == nil && (l.cl == nil || l.nodeWithName(key) == "") {
			return name
		}
	}
}

func (l *lobby) newRoomID() string {
	for {
		id := newRoomID()
		if l.cl != nil {
			id = l.cl.cn.self + "-" + id // the id names its node
		}
		if l.byID[id] == nil && l.byCode[id] == nil {
			return id
		}
	}
}

func (l *lobby) newJoinCode() string {
	for {
		if code := newJoinCode(); l.byCode[code] == nil && l.byID[code] == nil {
			return code
		}
	}
}
