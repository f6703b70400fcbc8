package arena

import (
	"cmp"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/tickroom/tickroom/world"
)

// Size is the side of the square field, in units. Positions are quantized
// to a tenth of a unit.
const (
	Size    = 1000.0
	quantum = 0.1
	reach   = 20.0 // distance at which a player collects a pickup
)

// Entity types, in schema order.
const (
	Player = iota
	Pickup
)

// Field indexes of the entity types.
const (
	FieldX     = 0 // player and pickup
	FieldY     = 1 // player and pickup
	FieldScore = 2 // player
	FieldName  = 3 // player
	FieldValue = 2 // pickup
)

var schemas = []world.Schema{
	Player: {Name: "player", Fields: []world.Field{
		{Name: "x", Type: world.Float, Quantum: quantum},
		{Name: "y", Type: world.Float, Quantum: quantum},
		{Name: "score", Type: world.Int},
		{Name: "name", Type: world.String, MaxLen: 16},
	}},
	Pickup: {Name: "pickup", Fields: []world.Field{
		{Name: "x", Type: world.Float, Quantum: quantum},
		{Name: "y", Type: world.Float, Quantum: quantum},
		{Name: "value", Type: world.Int},
	}},
}

// Settings tune the arena. A server reads them from [modes.arena.settings];
// keys are the toml tags.
type Settings struct {
	Speed       float64       `toml:"speed"`        // top speed in units per second
	MaxPickups  int           `toml:"max_pickups"`  // pickups on the field at once
	PickupEvery time.Duration `toml:"pickup_every"` // a new pickup appears this often
	PickupTTL   time.Duration `toml:"pickup_ttl"`   // an uncollected pickup disappears after this
}

// DefaultSettings are the arena's settings when server.toml gives none.
func DefaultSettings() Settings {
	return Settings{Speed: 100, MaxPickups: 8, PickupEvery: 500 * time.Millisecond, PickupTTL: 5 * time.Second}
}

// Validate reports settings the arena cannot play with.
func (s Settings) Validate() error {
	var errs []error
	if !(s.Speed > 0 && s.Speed <= Size) {
		errs = append(errs, fmt.Errorf("speed = %v: must be above 0 and at most %v", s.Speed, Size))
	}
	if s.MaxPickups < 0 || s.MaxPickups > 1000 {
		errs = append(errs, fmt.Errorf("max_pickups = %d: must be between 0 and 1000", s.MaxPickups))
	}
	if s.PickupEvery <= 0 {
		errs = append(errs, fmt.Errorf("pickup_every = %q: must be greater than 0s", s.PickupEvery))
	}
	if s.PickupTTL <= 0 {
		errs = append(errs, fmt.Errorf("pickup_ttl = %q: must be greater than 0s", s.PickupTTL))
	}
	return errors.Join(errs...)
}

// Game is the arena: axes 0 and 1 of a player's input are its direction, up
// to Settings.Speed at full deflection.
//
// It sends each player one event when it joins, and everyone one when a
// reload changes the settings, so that a client can predict its own
// movement exactly:
//
//	rules  {"size": float, "speed": float, "reach": float}
type Game struct {
	room      world.Room // nil when run without a room (tests, benchmarks)
	settings  Settings
	players   []*player // sorted by id, so Step is deterministic
	pickups   []pickup  // in spawn order
	nextSpawn time.Duration
}

type player struct {
	id     world.PlayerID
	e      *world.Entity
	vx, vy float64 // direction from the last input, of length at most 1
}

type pickup struct {
	e   *world.Entity
	ttl time.Duration
}

// New returns an arena with the default settings.
func New() *Game { return NewWithSettings(DefaultSettings()) }

// NewWithSettings returns an arena with settings s.
func NewWithSettings(s Settings) *Game { return &Game{settings: s} }

// ReloadSettings takes new settings while the game runs: speed at once,
// pickups from the next one spawned. Players hear the new rules.
func (g *Game) ReloadSettings(s Settings) {
	g.settings = s
	if g.room != nil {
		_ = g.room.Broadcast("rules", g.rules())
	}
}

// Attach implements world.RoomHook.
func (g *Game) Attach(r world.Room) { g.room = r }

// Rules are what a client needs to move its player as the room will.
type Rules struct {
	Size  float64 `msgpack:"size"`  // the side of the field
	Speed float64 `msgpack:"speed"` // units per second at full deflection
	Reach float64 `msgpack:"reach"` // a pickup this close is collected
}

func (g *Game) rules() Rules { return Rules{Size: Size, Speed: g.settings.Speed, Reach: reach} }

// Schemas implements world.Game.
func (g *Game) Schemas() []world.Schema { return schemas }

// Init implements world.Game.
func (g *Game) Init(w *world.World) { g.nextSpawn = g.settings.PickupEvery }

// Join implements world.Game: the player appears at a random spot.
func (g *Game) Join(w *world.World, p world.PlayerID, name string) (world.EntityID, error) {
	i, found := slices.BinarySearchFunc(g.players, p, byID)
	if found {
		return 0, fmt.Errorf("arena: player %d already joined", p)
	}
	e := w.Spawn(Player)
	e.SetFloat(FieldX, w.Rand().Float64()*Size)
	e.SetFloat(FieldY, w.Rand().Float64()*Size)
	e.SetString(FieldName, name)
	g.players = slices.Insert(g.players, i, &player{id: p, e: e})
	if g.room != nil {
		_ = g.room.Send(p, "rules", g.rules())
	}
	return e.ID(), nil
}

// Leave implements world.Game.
func (g *Game) Leave(w *world.World, p world.PlayerID) {
	if i := g.find(p); i >= 0 {
		w.Remove(g.players[i].e.ID())
		g.players = slices.Delete(g.players, i, i+1)
	}
}

// Input implements world.Game: the latest input sets the player's direction.
func (g *Game) Input(w *world.World, p world.PlayerID, in world.Input) {
	if i := g.find(p); i >= 0 {
		g.players[i].vx, g.players[i].vy = world.Stick(in, 0, 1)
	}
}

// Step implements world.Game.
func (g *Game) Step(w *world.World, dt time.Duration) {
	move := g.settings.Speed * dt.Seconds()
	for _, p := range g.players {
		if p.vx != 0 {
			p.e.AddFloatClamped(FieldX, p.vx*move, 0, Size)
		}
		if p.vy != 0 {
			p.e.AddFloatClamped(FieldY, p.vy*move, 0, Size)
		}
	}
	g.collect(w, dt)
	g.nextSpawn -= dt
	if g.nextSpawn <= 0 {
		g.nextSpawn += g.settings.PickupEvery
		if len(g.pickups) < g.settings.MaxPickups {
			e := w.Spawn(Pickup)
			e.SetFloat(FieldX, w.Rand().Float64()*Size)
			e.SetFloat(FieldY, w.Rand().Float64()*Size)
			e.SetInt(FieldValue, 1+w.Rand().Int64N(5))
			g.pickups = append(g.pickups, pickup{e: e, ttl: g.settings.PickupTTL})
		}
	}
}

// collect ages pickups and hands each reached one to the first player (by
// id) within reach.
func (g *Game) collect(w *world.World, dt time.Duration) {
	kept := g.pickups[:0]
	for _, pk := range g.pickups {
		pk.ttl -= dt
		taken := false
		px, py := pk.e.Float(FieldX), pk.e.Float(FieldY)
		for _, p := range g.players {
			// Squared distances: no square root per player and pickup.
			if dx, dy := p.e.Float(FieldX)-px, p.e.Float(FieldY)-py; dx*dx+dy*dy <= reach*reach {
				p.e.SetInt(FieldScore, p.e.Int(FieldScore)+pk.e.Int(FieldValue))
				taken = true
				break
			}
		}
		if taken || pk.ttl <= 0 {
			w.Remove(pk.e.ID())
			continue
		}
		kept = append(kept, pk)
	}
	clear(g.pickups[len(kept):])
	g.pickups = kept
}

func (g *Game) find(p world.PlayerID) int {
	i, found := slices.BinarySearchFunc(g.players, p, byID)
	if !found {
		return -1
	}
	return i
}

func byID(x *player, p world.PlayerID) int { return cmp.Compare(x.id, p) }

var (
	_ world.Game     = (*Game)(nil)
	_ world.RoomHook = (*Game)(nil)
)
