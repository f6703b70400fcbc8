package world

import (
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"
)

// PlayerID names a player within one room.
type PlayerID uint32

// MaxAxis is the full deflection of an input axis; values beyond ±MaxAxis
// are clamped by the games.
const MaxAxis = 1000

// Input is one player command, a fixed-size value in the spirit of Quake's
// usercmd: games give the buttons and axes their meaning. Fixed size keeps
// decoding allocation-free and bounds what a client can send.
type Input struct {
	Buttons uint32
	Axes    [4]int16
}

// Game is the simulation a game developer writes. A room calls it from a
// single goroutine, always in this order per tick: World.Advance, then Join,
// Leave and Input for what arrived since the last tick, then Step. A Game must
// not panic on any Input value or name and must only use World.Rand for
// randomness.
type Game interface {
	// Schemas lists the entity types; it must return the same value every call.
	Schemas() []Schema
	// Init populates a new world.
	Init(w *World)
	// Join adds player p and returns the entity that represents it.
	Join(w *World, p PlayerID, name string) (EntityID, error)
	// Leave removes player p.
	Leave(w *World, p PlayerID)
	// Input applies one command of player p.
	Input(w *World, p PlayerID, in Input)
	// Step advances the simulation by dt.
	Step(w *World, dt time.Duration)
}

// ErrUnknownMode reports a game mode that is not registered.
var ErrUnknownMode = errors.New("unknown game mode")

// registry maps game mode names to constructors. It is guarded because
// servers look modes up from many rooms while tests register their own.
var registry = struct {
	sync.RWMutex
	modes map[string]func() Game
}{modes: map[string]func() Game{
	"arena": func() Game { return NewArena() },
}}

// Modes returns the registered game mode names, sorted.
func Modes() []string {
	registry.RLock()
	defer registry.RUnlock()
	names := make([]string, 0, len(registry.modes))
	for n := range registry.modes {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}

// HasMode reports whether a game mode is registered.
func HasMode(mode string) bool {
	registry.RLock()
	defer registry.RUnlock()
	_, ok := registry.modes[mode]
	return ok
}

// NewGame returns a new game of the named mode.
func NewGame(mode string) (Game, error) {
	registry.RLock()
	f, ok := registry.modes[mode]
	registry.RUnlock()
	if !ok {
		return nil, fmt.Errorf("%w %q", ErrUnknownMode, mode)
	}
	return f(), nil
}

// RegisterMode adds a game mode, so a server built with Tickroom can host its
// own games next to the arena. It fails for an empty or taken name.
func RegisterMode(name string, newGame func() Game) error {
	if name == "" || newGame == nil {
		return errors.New("world: register mode: empty name or constructor")
	}
	registry.Lock()
	defer registry.Unlock()
	if _, taken := registry.modes[name]; taken {
		return fmt.Errorf("world: register mode %q: name taken", name)
	}
	registry.modes[name] = newGame
	return nil
}
