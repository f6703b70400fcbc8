package world

import (
	"fmt"
	"math/rand/v2"
	"slices"
)

// DefaultHistory is the number of ticks of changes a world keeps when
// Options.History is zero: 3.2 s at 20 Hz.
const DefaultHistory = 64

// Options configure a World. The zero value is usable.
type Options struct {
	// History is how many ticks of changes are kept for deltas against older
	// baselines. Default DefaultHistory.
	History int
	// Seed seeds the world's random source, so a replay with the same seed and
	// inputs reaches the same states.
	Seed uint64
}

// World is the state of one room: entities of the given schemas, the current
// tick, a journal of recent changes and a seeded random source. A World is not
// safe for concurrent use; its owner (a room actor) serializes all access.
type World struct {
	schemas []Schema
	tick    uint32
	nextID  EntityID
	byID    map[EntityID]*Entity
	order   []*Entity // live entities sorted by id
	journal journal
	rng     *rand.Rand
	gen     uint32 // DeltaSince pass counter
}

// New returns an empty world at tick 0. It panics if a schema is invalid,
// since schemas are part of a game's code, not of its input.
func New(schemas []Schema, o Options) *World {
	if len(schemas) == 0 || len(schemas) > 256 {
		panic(fmt.Sprintf("world: %d schemas, want 1..256", len(schemas)))
	}
	for _, s := range schemas {
		if err := s.Validate(); err != nil {
			panic(err)
		}
	}
	if o.History <= 0 {
		o.History = DefaultHistory
	}
	return &World{
		schemas: schemas,
		nextID:  1,
		byID:    make(map[EntityID]*Entity),
		journal: newJournal(o.History, 0),
		rng:     rand.New(rand.NewPCG(o.Seed, o.Seed^0x9e3779b97f4a7c15)),
	}
}

// Schemas returns the world's entity types, indexed by Entity.Type.
func (w *World) Schemas() []Schema { return w.schemas }

// Tick returns the current tick. Changes made now belong to this tick.
func (w *World) Tick() uint32 { return w.tick }

// Advance starts the next tick. All changes of a tick must happen after its
// Advance and before the next one, so that a delta to this tick sees them.
func (w *World) Advance() {
	w.tick++
	w.journal.begin(w.tick)
}

// SetHistory changes how many ticks of changes are kept. Deltas from
// baselines before the current tick become full snapshots once.
func (w *World) SetHistory(n int) {
	if n <= 0 {
		n = DefaultHistory
	}
	if n == len(w.journal.slots) {
		return
	}
	// The new journal misses this tick's earlier changes, so only baselines
	// from this tick on are covered.
	w.journal = newJournal(n, w.tick+1)
	w.journal.begin(w.tick)
}

// History returns how many ticks of changes are kept.
func (w *World) History() int { return len(w.journal.slots) }

// Rand returns the world's seeded random source. Games must use it, not a
// global one, to stay deterministic.
func (w *World) Rand() *rand.Rand { return w.rng }

// Len returns the number of live entities.
func (w *World) Len() int { return len(w.order) }

// Entities returns the live entities sorted by id. The slice is the world's
// own: do not keep or modify it, and do not spawn or remove while ranging
// over it without copying.
func (w *World) Entities() []*Entity { return w.order }

// Entity returns the live entity with the given id, or nil.
func (w *World) Entity(id EntityID) *Entity { return w.byID[id] }

// Spawn adds an entity of schema typ with zero values.
func (w *World) Spawn(typ int) *Entity { return w.SpawnOwned(typ, 0) }

// SpawnOwned adds an entity of schema typ owned by player owner for its
// whole life: the owner alone receives its private fields (Field.Private),
// and always sees it. Owner 0 is nobody.
func (w *World) SpawnOwned(typ int, owner PlayerID) *Entity {
	if typ < 0 || typ >= len(w.schemas) {
		panic(fmt.Sprintf("world: spawn of unknown type %d", typ))
	}
	n := len(w.schemas[typ].Fields)
	e := &Entity{
		w:       w,
		id:      w.nextID,
		owner:   owner,
		typ:     uint8(typ),
		created: w.tick,
		vals:    make([]Value, n),
		stamp:   make([]uint32, n),
		base:    make([]Value, n),
	}
	for i := range e.stamp {
		e.stamp[i] = w.tick // changes in the spawn tick are part of the spawn
	}
	w.nextID++
	w.byID[e.id] = e
	w.order = append(w.order, e) // ids only grow, so order stays sorted
	w.journal.add(w.tick, record{id: e.id, field: recSpawn, created: w.tick})
	return e
}

// Remove deletes the entity with the given id; removing an unknown id does
// nothing.
func (w *World) Remove(id EntityID) {
	e, ok := w.byID[id]
	if !ok {
		return
	}
	delete(w.byID, id)
	i, _ := slices.BinarySearchFunc(w.order, id, func(e *Entity, id EntityID) int { return cmpID(e.id, id) })
	w.order = slices.Delete(w.order, i, i+1)
	e.removed = true
	w.journal.add(w.tick, record{id: id, field: recRemove, created: e.created})
}

func cmpID(a, b EntityID) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// CanDelta reports whether DeltaSince(base) would produce a delta rather than
// a full snapshot, so a room can group clients by the baseline they will
// actually get.
func (w *World) CanDelta(base uint32) bool { return w.journal.covers(base, w.tick) }
