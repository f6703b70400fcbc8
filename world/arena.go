package world

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"time"
)

// Arena rules. Positions are in field units, quantized to a tenth of a unit.
const (
	ArenaSize        = 1000.0 // the field is ArenaSize × ArenaSize
	ArenaSpeed       = 100.0  // top speed in units per second
	ArenaMaxPickups  = 8
	arenaPickupEvery = 500 * time.Millisecond
	arenaPickupTTL   = 5 * time.Second
	arenaReach       = 20.0 // distance at which a player collects a pickup
	arenaQuantum     = 0.1
)

// Arena entity types and their fields, in schema order.
const (
	ArenaPlayer = iota
	ArenaPickup
)

// Field indexes of the arena's entity types.
const (
	FieldX     = 0 // player and pickup
	FieldY     = 1 // player and pickup
	FieldScore = 2 // player
	FieldName  = 3 // player
	FieldValue = 2 // pickup
)

var arenaSchemas = []Schema{
	ArenaPlayer: {Name: "player", Fields: []Field{
		{Name: "x", Type: Float, Quantum: arenaQuantum},
		{Name: "y", Type: Float, Quantum: arenaQuantum},
		{Name: "score", Type: Int},
		{Name: "name", Type: String, MaxLen: 16},
	}},
	ArenaPickup: {Name: "pickup", Fields: []Field{
		{Name: "x", Type: Float, Quantum: arenaQuantum},
		{Name: "y", Type: Float, Quantum: arenaQuantum},
		{Name: "value", Type: Int},
	}},
}

// Arena is the demo game: players move by their inputs (axes 0 and 1 are the
// x and y direction, up to ArenaSpeed at full deflection) in a square field,
// and pickups appear, expire, and score for the player who reaches them. It
// exercises every kind of change a delta carries.
type Arena struct {
	players   []*arenaPlayer // sorted by id, so Step is deterministic
	pickups   []arenaPickup  // in spawn order
	nextSpawn time.Duration
}

type arenaPlayer struct {
	id     PlayerID
	e      *Entity
	vx, vy float64 // current direction from the last input, each in [-1, 1]
}

type arenaPickup struct {
	e   *Entity
	ttl time.Duration
}

// NewArena returns an arena game.
func NewArena() *Arena { return &Arena{} }

// Schemas implements Game.
func (a *Arena) Schemas() []Schema { return arenaSchemas }

// Init implements Game.
func (a *Arena) Init(w *World) { a.nextSpawn = arenaPickupEvery }

// Join implements Game: the player appears at a random spot.
func (a *Arena) Join(w *World, p PlayerID, name string) (EntityID, error) {
	i, found := slices.BinarySearchFunc(a.players, p, func(x *arenaPlayer, p PlayerID) int { return cmp.Compare(x.id, p) })
	if found {
		return 0, fmt.Errorf("arena: player %d already joined", p)
	}
	e := w.Spawn(ArenaPlayer)
	e.SetFloat(FieldX, w.Rand().Float64()*ArenaSize)
	e.SetFloat(FieldY, w.Rand().Float64()*ArenaSize)
	e.SetString(FieldName, name)
	a.players = slices.Insert(a.players, i, &arenaPlayer{id: p, e: e})
	return e.ID(), nil
}

// Leave implements Game.
func (a *Arena) Leave(w *World, p PlayerID) {
	if i := a.find(p); i >= 0 {
		w.Remove(a.players[i].e.ID())
		a.players = slices.Delete(a.players, i, i+1)
	}
}

// Input implements Game: the latest input sets the player's direction.
func (a *Arena) Input(w *World, p PlayerID, in Input) {
	i := a.find(p)
	if i < 0 {
		return
	}
	vx, vy := axis(in.Axes[0]), axis(in.Axes[1])
	if m := math.Hypot(vx, vy); m > 1 { // diagonals are no faster
		vx, vy = vx/m, vy/m
	}
	a.players[i].vx, a.players[i].vy = vx, vy
}

// Step implements Game.
func (a *Arena) Step(w *World, dt time.Duration) {
	sec := dt.Seconds()
	for _, p := range a.players {
		if p.vx != 0 {
			p.e.SetFloat(FieldX, clamp(p.e.Float(FieldX)+p.vx*ArenaSpeed*sec, 0, ArenaSize))
		}
		if p.vy != 0 {
			p.e.SetFloat(FieldY, clamp(p.e.Float(FieldY)+p.vy*ArenaSpeed*sec, 0, ArenaSize))
		}
	}
	a.collect(w, dt)
	a.nextSpawn -= dt
	if a.nextSpawn <= 0 {
		a.nextSpawn += arenaPickupEvery
		if len(a.pickups) < ArenaMaxPickups {
			e := w.Spawn(ArenaPickup)
			e.SetFloat(FieldX, w.Rand().Float64()*ArenaSize)
			e.SetFloat(FieldY, w.Rand().Float64()*ArenaSize)
			e.SetInt(FieldValue, 1+w.Rand().Int64N(5))
			a.pickups = append(a.pickups, arenaPickup{e: e, ttl: arenaPickupTTL})
		}
	}
}

// collect ages pickups and hands each reached one to the first player (by
// id) within reach.
func (a *Arena) collect(w *World, dt time.Duration) {
	kept := a.pickups[:0]
	for _, pk := range a.pickups {
		pk.ttl -= dt
		taken := false
		px, py := pk.e.Float(FieldX), pk.e.Float(FieldY)
		for _, p := range a.players {
			// Squared distances: no square root per player and pickup.
			if dx, dy := p.e.Float(FieldX)-px, p.e.Float(FieldY)-py; dx*dx+dy*dy <= arenaReach*arenaReach {
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
	clear(a.pickups[len(kept):])
	a.pickups = kept
}

func (a *Arena) find(p PlayerID) int {
	i, found := slices.BinarySearchFunc(a.players, p, func(x *arenaPlayer, p PlayerID) int { return cmp.Compare(x.id, p) })
	if !found {
		return -1
	}
	return i
}

// axis maps a raw axis to [-1, 1], clamping out-of-range input.
func axis(v int16) float64 { return clamp(float64(v)/MaxAxis, -1, 1) }

func clamp(v, lo, hi float64) float64 { return math.Max(lo, math.Min(hi, v)) }
