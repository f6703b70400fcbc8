package world

import (
	"math/bits"
	"slices"
)

// EntityState is one entity's type and values at some tick.
type EntityState struct {
	ID     EntityID
	Type   uint8
	Values []Value
	// Owner is the entity's owner in deltas a World makes (the server's
	// side); it does not travel, so a client's states have none.
	Owner PlayerID
}

// Change is a changed entity in a Delta: Mask has bit i set when field i
// changed, and Values holds one value per set bit in field order: new minus
// baseline for numeric fields, the new text for String fields.
type Change struct {
	ID     EntityID
	Mask   uint64
	Values []Value
	// Type and Owner are the entity's, in deltas a World makes (the
	// server's side); they do not travel.
	Type  uint8
	Owner PlayerID
}

// Delta turns the state at tick Base into the state at tick Tick. Base zero
// means a full snapshot: Added then holds every entity and nothing else is
// set. Added, Changed and Removed are sorted by id.
//
// A Delta filled by World.DeltaSince refers to the world's own storage and is
// valid until the world next changes. Reuse one Delta across calls: it keeps
// its buffers, so a steady room builds deltas without allocating.
type Delta struct {
	Tick    uint32
	Base    uint32
	Added   []EntityState
	Changed []Change
	Removed []EntityID
	// Private holds, in a delta made for one player, the changes of its
	// own entities' private fields (see PrivateFor), applied after the
	// rest: for an entity added by this delta, its private values (the
	// difference from zero). Sorted by id.
	Private []Change

	vals []Value   // backing store of Changed[i].Values
	ents []*Entity // scratch: changed entities of the pass being built
}

// Full reports whether d is a full snapshot rather than a delta.
func (d *Delta) Full() bool { return d.Base == 0 }

// Reset empties d and keeps its buffers.
func (d *Delta) Reset() {
	clear(d.Added) // drop references to entity storage
	d.Tick, d.Base = 0, 0
	d.Added, d.Changed, d.Removed, d.Private, d.vals = d.Added[:0], d.Changed[:0], d.Removed[:0], d.Private[:0], d.vals[:0]
}

// DeltaSince fills d with the changes from tick base to the current tick. When
// base is zero, in the future, or older than the journal, d becomes a full
// snapshot. Its cost follows the number of changes since base.
func (w *World) DeltaSince(base uint32, d *Delta) {
	d.Reset()
	d.Tick = w.tick
	if !w.journal.covers(base, w.tick) {
		w.fullInto(d)
		return
	}
	d.Base = base
	gen := w.nextGen()
	for t := base + 1; t <= w.tick; t++ {
		for _, r := range w.journal.slot(t).recs {
			switch r.field {
			case recSpawn:
				if e := w.byID[r.id]; e != nil {
					d.Added = append(d.Added, EntityState{ID: e.id, Type: e.typ, Values: e.vals, Owner: e.owner})
				}
			case recRemove:
				if r.created <= base { // the baseline had it
					d.Removed = append(d.Removed, r.id)
				}
			default:
				e := w.byID[r.id]
				if e == nil || e.created > base { // gone, or sent whole in Added
					continue
				}
				if e.gen != gen {
					e.gen, e.pending = gen, 0
					d.ents = append(d.ents, e)
				}
				// The first record after base holds the baseline value.
				if bit := uint64(1) << r.field; e.pending&bit == 0 {
					e.pending |= bit
					e.base[r.field] = r.old
				}
			}
		}
	}
	w.collectChanges(d)
	slices.Sort(d.Removed)
}

// collectChanges turns the entities gathered in d.ents into d.Changed, leaving
// out fields that changed and changed back.
func (w *World) collectChanges(d *Delta) {
	slices.SortFunc(d.ents, func(a, b *Entity) int { return cmpID(a.id, b.id) })
	for _, e := range d.ents {
		fields := w.schemas[e.typ].Fields
		var mask uint64
		for p := e.pending; p != 0; p &= p - 1 {
			f := bits.TrailingZeros64(p)
			cur, old := e.vals[f], e.base[f]
			if fields[f].Type == String {
				if cur.S == old.S {
					continue
				}
				d.vals = append(d.vals, Value{S: cur.S})
			} else {
				if cur.I == old.I {
					continue
				}
				d.vals = append(d.vals, Value{I: cur.I - old.I}) // wraps consistently on both ends
			}
			mask |= uint64(1) << f
		}
		if mask != 0 {
			d.Changed = append(d.Changed, Change{ID: e.id, Mask: mask, Type: e.typ, Owner: e.owner})
		}
	}
	clear(d.ents)
	d.ents = d.ents[:0]
	// Slice the values only now: appends above may have moved d.vals.
	off := 0
	for i := range d.Changed {
		n := bits.OnesCount64(d.Changed[i].Mask)
		d.Changed[i].Values = d.vals[off : off+n : off+n]
		off += n
	}
}

func (w *World) fullInto(d *Delta) {
	d.Base = 0
	for _, e := range w.order {
		d.Added = append(d.Added, EntityState{ID: e.id, Type: e.typ, Values: e.vals, Owner: e.owner})
	}
}

// nextGen starts a DeltaSince pass. On the (rare) wrap of the counter every
// entity's mark is cleared so no stale mark can match.
func (w *World) nextGen() uint32 {
	w.gen++
	if w.gen == 0 {
		for _, e := range w.order {
			e.gen = 0
		}
		w.gen = 1
	}
	return w.gen
}
