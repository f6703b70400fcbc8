package client

import (
	"errors"
	"strings"
	"time"

	"github.com/tickroom/tickroom/world"
)

// lab is the game of the protocol 2 tests. It uses every hook a test needs
// to reach from a client: options checked at create and join, refusals
// with a reason, messages that echo as events, bursts of events, kicks,
// locks, metadata, room close, and private fields.
type lab struct {
	room     world.Room
	password string                            // set by the creating join's options
	players  map[world.PlayerID]world.EntityID // each player's entity
	clock    world.EntityID
	bursts   []burst
	sent     int64 // burst events emitted
}

// Entity types and fields of the lab.
const (
	labPlayer = iota
	labClock
)

const (
	fName   = 0 // player: the name it joined with
	fX      = 1 // player: a float, set by message "x"
	fReady  = 2 // player: a bool, set by message "ready"
	fSecret = 3 // player: private int, 1000+player id at first, set by message "secret"
	fMotto  = 4 // player: private string
	fBefore = 0 // clock: burst events emitted in ticks before this one
)

const labQuantum = 0.25

var labSchemas = []world.Schema{
	labPlayer: {Name: "player", Fields: []world.Field{
		{Name: "name", Type: world.String},
		{Name: "x", Type: world.Float, Quantum: labQuantum},
		{Name: "ready", Type: world.Bool},
		{Name: "secret", Type: world.Int, Private: true},
		{Name: "motto", Type: world.String, Private: true},
	}},
	labClock: {Name: "clock", Fields: []world.Field{{Name: "before", Type: world.Int}}},
}

// labOptions are the lab's join options.
type labOptions struct {
	Password string         `msgpack:"password"`
	Meta     map[string]any `msgpack:"meta"` // metadata, from the creating join
}

// burst is a run of numbered events broadcast a few per tick.
type burst struct {
	Left, PerTick int
	Pad           int // payload padding, in bytes
}

// burstEvent is the payload of a burst's events.
type burstEvent struct {
	N   int64  `msgpack:"n"`
	Pad string `msgpack:"pad"`
}

var (
	_ world.RoomHook    = (*lab)(nil)
	_ world.CreateHook  = (*lab)(nil)
	_ world.JoinHook    = (*lab)(nil)
	_ world.MessageHook = (*lab)(nil)
)

func newLab() world.Game { return &lab{players: make(map[world.PlayerID]world.EntityID)} }

func (g *lab) Schemas() []world.Schema { return labSchemas }
func (g *lab) Attach(r world.Room)     { g.room = r }
func (g *lab) Init(w *world.World)     { g.clock = w.Spawn(labClock).ID() }

func (g *lab) Create(_ *world.World, options world.Payload) error {
	var o labOptions
	if err := options.Decode(&o); err != nil {
		return err
	}
	g.password = o.Password
	if o.Meta != nil {
		return g.room.SetMetadata(o.Meta)
	}
	return nil
}

func (g *lab) JoinAttempt(_ *world.World, a world.JoinAttempt) error {
	var o labOptions
	if err := a.Options.Decode(&o); err != nil {
		return err
	}
	switch {
	case a.Name == "refused":
		return errors.New("no entry for refused")
	case o.Password != g.password:
		return errors.New("wrong password")
	}
	return nil
}

func (g *lab) Join(w *world.World, p world.PlayerID, name string) (world.EntityID, error) {
	e := w.SpawnOwned(labPlayer, p)
	e.SetString(fName, name)
	e.SetInt(fSecret, 1000+int64(p))
	e.SetString(fMotto, "mine")
	g.players[p] = e.ID()
	return e.ID(), nil
}

func (g *lab) Leave(w *world.World, p world.PlayerID) {
	w.Remove(g.players[p])
	delete(g.players, p)
}

func (g *lab) Input(*world.World, world.PlayerID, world.Input) {}

func (g *lab) Message(w *world.World, p world.PlayerID, typ string, payload world.Payload) {
	e := w.Entity(g.players[p])
	switch typ {
	case "echo":
		var v any
		if payload.Decode(&v) == nil {
			_ = g.room.Send(p, "echo", v)
		}
	case "burst":
		var b burst
		if payload.Decode(&b) == nil {
			g.bursts = append(g.bursts, b)
		}
	case "kick":
		g.room.Kick(p, "you asked for it")
	case "lock":
		g.room.Lock()
	case "meta":
		var m map[string]any
		if payload.Decode(&m) == nil {
			_ = g.room.SetMetadata(m)
		}
	case "close":
		g.room.Close("closed on request")
	case "x":
		var x float64
		if payload.Decode(&x) == nil && e != nil {
			e.SetFloat(fX, x)
		}
	case "ready":
		if e != nil {
			e.SetBool(fReady, true)
		}
	case "secret":
		var v int64
		if payload.Decode(&v) == nil && e != nil {
			e.SetInt(fSecret, v)
		}
	}
}

// Step emits this tick's share of every burst and records on the clock how
// many burst events earlier ticks emitted: a client must have seen those
// before it sees this tick's state.
func (g *lab) Step(w *world.World, _ time.Duration) {
	w.Entity(g.clock).SetInt(fBefore, g.sent) // only Step emits burst events
	bursts := g.bursts[:0]
	for _, b := range g.bursts {
		for i := 0; i < b.PerTick && b.Left > 0; i++ {
			g.sent++
			b.Left--
			_ = g.room.Broadcast("burst", burstEvent{N: g.sent, Pad: strings.Repeat("x", b.Pad)})
		}
		if b.Left > 0 {
			bursts = append(bursts, b)
		}
	}
	g.bursts = bursts
}
