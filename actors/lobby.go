package actors

import (
	"fmt"
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
	hub         *Hub
	opts        RoomOptions
	defaultMode string
	rooms       map[string]*roomEntry // by key
	order       []*roomEntry          // creation order, for matchmaking
	nextID      int                   // actor ids of rooms
	nextAuto    map[string]int        // per mode, for names of matchmade rooms
	checked     map[string]error      // per mode, whether its schemas fit the wire
}

type roomEntry struct {
	key, name, mode string
	pid             *actor.PID
	players         int // as last reported by the room
	pending         int // admits sent and not yet answered
}

func newLobby(h *Hub, o RoomOptions, defaultMode string) actor.Producer {
	return func() actor.Receiver {
		return &lobby{
			hub:         h,
			opts:        o,
			defaultMode: defaultMode,
			rooms:       make(map[string]*roomEntry),
			nextAuto:    make(map[string]int),
			checked:     make(map[string]error),
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
			c.Send(e.pid, m)
		}
	}
}

func (l *lobby) join(c *actor.Context, m joinRequest) {
	mode := m.mode
	if mode == "" {
		mode = l.defaultMode
	}
	if !world.HasMode(mode) {
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
		if err := l.schemasFit(mode); err != nil {
			c.Send(m.session, joinRefused{code: netcode.CodeJoinRefused, msg: "this game mode cannot be served"})
			return
		}
		name := m.room
		if name == "" {
			name = l.autoName(mode)
		}
		e = l.create(c, mode, name)
	}
	if e.players+e.pending >= l.opts.MaxPlayers {
		l.hub.stats.roomFull.Add(1)
		c.Send(m.session, joinRefused{code: netcode.CodeRoomFull, msg: fmt.Sprintf("room %q is full", e.name)})
		return
	}
	e.pending++
	c.Send(e.pid, admit{session: m.session, sink: m.sink, sid: m.sid, name: m.name})
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

// schemasFit checks once per mode that the game's schemas can go on the wire;
// a registered game whose welcome cannot be encoded must not seat anyone.
func (l *lobby) schemasFit(mode string) error {
	if err, ok := l.checked[mode]; ok {
		return err
	}
	g, err := world.NewGame(mode)
	if err == nil {
		err = netcode.CheckSchemas(g.Schemas())
	}
	if err != nil {
		l.hub.log.Error("game mode cannot be served", "mode", mode, "err", err)
	}
	l.checked[mode] = err
	return err
}

// matchmake picks the oldest room of the mode with a free seat, so players
// fill rooms instead of spreading thin.
func (l *lobby) matchmake(mode string) *roomEntry {
	for _, e := range l.order {
		if e.mode == mode && e.players+e.pending < l.opts.MaxPlayers {
			return e
		}
	}
	return nil
}

func (l *lobby) create(c *actor.Context, mode, name string) *roomEntry {
	game, _ := world.NewGame(mode) // the mode was checked by the caller
	l.nextID++
	e := &roomEntry{key: roomKey(mode, name), name: name, mode: mode}
	e.pid = c.SpawnChild(newRoom(l.hub, e.key, name, mode, game, l.opts), "room",
		actor.WithID(strconv.Itoa(l.nextID)), actor.WithInboxSize(roomInbox), actor.WithMiddleware(l.hub.mw))
	l.rooms[e.key] = e
	l.order = append(l.order, e)
	return e
}

func (l *lobby) remove(e *roomEntry) {
	delete(l.rooms, e.key)
	l.order = slices.DeleteFunc(l.order, func(x *roomEntry) bool { return x == e })
}
