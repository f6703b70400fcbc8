// Command hill is a complete Tickroom game server in one file: "king of the
// hill", where every player steers a dot with a stick and the player
// closest to the hill in the middle of the field scores a point each
// second. Run it with
//
//	go run ./examples/hill
//
// and connect any Tickroom client to http://127.0.0.1:8080 (mode "hill" is
// the default: it is the only one defined). With -config FILE it reads a
// server.toml, whose [modes.hill.settings] table tunes the game.
package main

import (
	"errors"
	"math"
	"os"
	"time"

	"github.com/tickroom/tickroom"
	"github.com/tickroom/tickroom/world"
)

func main() {
	srv := tickroom.New(tickroom.Options{})
	tickroom.DefineWithSettings(srv, "hill", Settings{Speed: 150, Radius: 100}, NewHill)
	os.Exit(srv.Main(os.Args[1:]))
}

// Settings come from [modes.hill.settings] in server.toml.
type Settings struct {
	Speed  float64 `toml:"speed"`  // units per second at full stick
	Radius float64 `toml:"radius"` // a player this close to the centre holds the hill
}

// Validate refuses settings the game cannot play with; the server names the
// key and keeps running with the old settings on a bad reload.
func (s Settings) Validate() error {
	if s.Speed <= 0 || s.Radius <= 0 {
		return errors.New("speed and radius must be positive")
	}
	return nil
}

const size = 1000.0 // the field is size × size; the hill is at its centre

// Entity fields, in schema order: clients read them by name.
const (
	fieldX = iota
	fieldY
	fieldScore
	fieldName
)

var schemas = []world.Schema{{Name: "player", Fields: []world.Field{
	{Name: "x", Type: world.Float, Quantum: 0.1},
	{Name: "y", Type: world.Float, Quantum: 0.1},
	{Name: "score", Type: world.Int},
	{Name: "name", Type: world.String, MaxLen: 16},
}}}

// Hill is the game of one room.
type Hill struct {
	settings Settings
	players  map[world.PlayerID]*player
	order    []world.PlayerID // join order, so every tick visits players alike
	point    world.Countdown  // the next point is awarded when it fires
}

type player struct {
	e      *world.Entity
	dx, dy float64
}

// NewHill returns a game with settings s.
func NewHill(s Settings) *Hill {
	return &Hill{settings: s, players: map[world.PlayerID]*player{}}
}

// ReloadSettings takes reloaded settings while the game runs.
func (h *Hill) ReloadSettings(s Settings) { h.settings = s }

func (h *Hill) Schemas() []world.Schema { return schemas }

func (h *Hill) Init(w *world.World) { h.point.Start(time.Second) }

func (h *Hill) Join(w *world.World, p world.PlayerID, name string) (world.EntityID, error) {
	e := w.Spawn(0)
	e.SetFloat(fieldX, w.Rand().Float64()*size)
	e.SetFloat(fieldY, w.Rand().Float64()*size)
	e.SetString(fieldName, name)
	h.players[p] = &player{e: e}
	h.order = append(h.order, p)
	return e.ID(), nil
}

func (h *Hill) Leave(w *world.World, p world.PlayerID) {
	if pl := h.players[p]; pl != nil {
		w.Remove(pl.e.ID())
		delete(h.players, p)
		for i, q := range h.order {
			if q == p {
				h.order = append(h.order[:i], h.order[i+1:]...)
				break
			}
		}
	}
}

func (h *Hill) Input(w *world.World, p world.PlayerID, in world.Input) {
	if pl := h.players[p]; pl != nil {
		pl.dx, pl.dy = world.Stick(in, 0, 1)
	}
}

func (h *Hill) Step(w *world.World, dt time.Duration) {
	move := h.settings.Speed * dt.Seconds()
	var king *player
	best := h.settings.Radius
	for _, p := range h.order {
		pl := h.players[p]
		pl.e.AddFloatClamped(fieldX, pl.dx*move, 0, size)
		pl.e.AddFloatClamped(fieldY, pl.dy*move, 0, size)
		if d := math.Hypot(pl.e.Float(fieldX)-size/2, pl.e.Float(fieldY)-size/2); d <= best {
			king, best = pl, d
		}
	}
	if h.point.Advance(dt) {
		h.point.Again(time.Second)
		if king != nil {
			king.e.SetInt(fieldScore, king.e.Int(fieldScore)+1)
		}
	}
}
