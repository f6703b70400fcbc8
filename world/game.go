package world

import "time"

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
