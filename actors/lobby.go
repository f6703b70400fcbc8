package actors

import (
	"fmt"
	"runtime/debug"
	"slices"
	"strconv"

	"github.com/anthdm/hollywood/actor"
	"github.com/tickroom/tickroom/netcode"
	"github.com/tickroom/tickroom/world"
)

// roomInbox is a room's initial inbox. Inputs and acks skip it (they go
// into each seat's inputBox), so it holds ticks, admits and leaves; hollywood
// grows it when a burst of joins needs more.
const roomInbox = 64

// lobby joins sessions to rooms. It is the only actor that creates or
// disposes of rooms, so "join or create" and "dispose when idle" cannot race:
// a room that reports itself idle is stopped only if no join is on its way
// to it.
type lobby struct {
	hub      *Hub
	opts     Options
	rooms    map[string]*roomEntry // by key
	order    []*roomEntry          // creation order, for matchmaking
	nextID   int                   // actor ids of rooms
	nextAuto map[string]int        // per mode, for names of matchmade rooms
	checked  map[string]error      // per mode, whether its schemas fit the wire
}

type roomEntry struct {
	key, name, mode string
	pid             *actor.PID
	players         int // as last reported by the room
	pending         int // admits sent and not yet answered
	maxPlayers      int // the mode's, when the room was created or last reconfigured
}

func newLobby(h *Hub, o Options) actor.Producer {
	return func() actor.Receiver {
		return &lobby{
			hub:      h,
			opts:     o,
			rooms:    make(map[string]*roomEntry),
			nextAuto: make(map[string]int),
			checked:  make(map[string]error),
		}
	}
}

func roomKey(mode, name string) string { return mode + "/" + name }

func (l *lobby) Receive(c *actor.Context) {
	switch m := c.Message().(type) {
	case joinRequest:
		l.join(c, m)
	case roomCount:
		if e := l.rooms[m.key]; e != nil && e.pid == m.room {
			e.players = m.players
			e.pending -= m.settled
		}
	case roomIdle:
		if e := l.rooms[m.key]; e != nil && e.pid == m.room && e.players == 0 && e.pending == 0 {
			l.remove(e)
			c.Engine().Poison(e.pid)
		}
	case roomStopped:
		// A room the lobby did not dispose of (today none: only the lobby
		// stops rooms) must not keep its name, or joins would go to a dead
		// letter.
		if e := l.rooms[m.key]; e != nil && e.pid == m.room {
			l.remove(e)
		}
	case reconfigure:
		l.opts = m.opts
		for _, e := range l.order {
			ro := l.opts.roomOptions(e.mode)
			e.maxPlayers = ro.MaxPlayers
			c.Send(e.pid, reconfigureRoom{opts: ro, settings: l.opts.Modes[e.mode].Reload})
		}
	}
}

func (l *lobby) join(c *actor.Context, m joinRequest) {
	mode := m.mode
	if mode == "" {
		mode = l.opts.DefaultMode
	}
	if _, ok := l.opts.Modes[mode]; !ok {
		c.Send(m.session, joinRefused{code: netcode.CodeUnknownMode, msg: fmt.Sprintf("unknown game mode %q", mode)})
		return
	}
	var e *roomEntry
	if m.room == "" {
		e = l.matchmake(mode)
	} else {
		e = l.rooms[roomKey(mode, m.room)]
	}
	if e == nil {
		if len(l.rooms) >= l.opts.MaxRooms {
			c.Send(m.session, joinRefused{code: netcode.CodeTooManyRooms, msg: "the server has no room for another room"})
			return
		}
		var err error
		if e, err = l.create(c, mode, m.room); err != nil {
			c.Send(m.session, joinRefused{code: netcode.CodeJoinRefused, msg: "this game mode cannot be served"})
			return
		}
	}
	if e.players+e.pending >= e.maxPlayers {
		l.hub.stats.roomFull.Add(1)
		c.Send(m.session, joinRefused{code: netcode.CodeRoomFull, msg: fmt.Sprintf("room %q is full", e.name)})
		return
	}
	e.pending++
	c.Send(e.pid, admit{req: m})
}

// autoName names a matchmade room, skipping names players chose themselves.
func (l *lobby) autoName(mode string) string {
	for {
		l.nextAuto[mode]++
		name := mode + "-" + strconv.Itoa(l.nextAuto[mode])
		if l.rooms[roomKey(mode, name)] == nil {
			return name
		}
	}
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

// matchmake picks the oldest room of the mode with a free seat, so players
// fill rooms instead of spreading thin.
func (l *lobby) matchmake(mode string) *roomEntry {
	for _, e := range l.order {
		if e.mode == mode && e.players+e.pending < e.maxPlayers {
			return e
		}
	}
	return nil
}

// create starts a room of mode called name (empty: a name of its own).
func (l *lobby) create(c *actor.Context, mode, name string) (*roomEntry, error) {
	game, err := l.newGame(mode)
	if err != nil {
		return nil, err
	}
	if name == "" {
		name = l.autoName(mode)
	}
	ro := l.opts.roomOptions(mode)
	l.nextID++
	e := &roomEntry{key: roomKey(mode, name), name: name, mode: mode, maxPlayers: ro.MaxPlayers}
	e.pid = c.SpawnChild(newRoom(l.hub, e.key, name, mode, game, ro), "room",
		actor.WithID(strconv.Itoa(l.nextID)), actor.WithInboxSize(roomInbox), actor.WithMiddleware(l.hub.mw))
	l.rooms[e.key] = e
	l.order = append(l.order, e)
	return e, nil
}

func (l *lobby) remove(e *roomEntry) {
	delete(l.rooms, e.key)
	l.order = slices.DeleteFunc(l.order, func(x *roomEntry) bool { return x == e })
}
