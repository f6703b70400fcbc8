package world

import (
	"errors"
	"fmt"
	"math/bits"
	"slices"
)

// State is a self-contained copy of a world at one tick, entities sorted by
// id. Clients keep States as mirrors and baselines; tests compare them.
type State struct {
	Tick     uint32
	Entities []EntityState
}

// Snapshot copies the current state of w.
func (w *World) Snapshot() State {
	s := State{Tick: w.tick, Entities: make([]EntityState, len(w.order))}
	for i, e := range w.order {
		s.Entities[i] = EntityState{ID: e.id, Type: e.typ, Values: slices.Clone(e.vals), Owner: e.owner}
	}
	return s
}

// Find returns the entity with the given id.
func (s State) Find(id EntityID) (EntityState, bool) {
	i, ok := slices.BinarySearchFunc(s.Entities, id, func(e EntityState, id EntityID) int { return cmpID(e.ID, id) })
	if !ok {
		return EntityState{}, false
	}
	return s.Entities[i], true
}

// Equal reports whether a and b hold the same tick and entities.
func Equal(a, b State) bool {
	return a.Tick == b.Tick && slices.EqualFunc(a.Entities, b.Entities, func(x, y EntityState) bool {
		return x.ID == y.ID && x.Type == y.Type && slices.Equal(x.Values, y.Values)
	})
}

// ErrBadDelta reports a delta that does not fit its baseline or schemas:
// a client that sees it should ask for a full snapshot.
var ErrBadDelta = errors.New("bad delta")

func badDelta(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrBadDelta, fmt.Sprintf(format, args...))
}

// Apply returns the state that d turns base into. A full snapshot ignores
// base. It checks d against base and the schemas and never panics on a
// malformed delta, because deltas come off the network.
func Apply(schemas []Schema, base State, d *Delta) (State, error) {
	out := State{Tick: d.Tick}
	if !d.Full() {
		if base.Tick != d.Base {
			return State{}, badDelta("baseline tick %d, have %d", d.Base, base.Tick)
		}
		if d.Tick < d.Base {
			return State{}, badDelta("tick %d before baseline %d", d.Tick, d.Base)
		}
		var err error
		if out.Entities, err = applyChanges(schemas, base.Entities, d); err != nil {
			return State{}, err
		}
	}
	for _, a := range d.Added {
		if err := checkValues(schemas, a); err != nil {
			return State{}, err
		}
		out.Entities = append(out.Entities, EntityState{ID: a.ID, Type: a.Type, Values: slices.Clone(a.Values)})
	}
	slices.SortFunc(out.Entities, func(a, b EntityState) int { return cmpID(a.ID, b.ID) })
	for i := 1; i < len(out.Entities); i++ {
		if out.Entities[i].ID == out.Entities[i-1].ID {
			return State{}, badDelta("entity %d twice", out.Entities[i].ID)
		}
	}
	if err := applyPrivate(schemas, out.Entities, d.Private); err != nil {
		return State{}, err
	}
	return out, nil
}

// applyChanges copies base without d's removed entities and with its changes.
func applyChanges(schemas []Schema, base []EntityState, d *Delta) ([]EntityState, error) {
	out := make([]EntityState, 0, len(base)+len(d.Added))
	ri, ci := 0, 0
	for _, e := range base {
		if ri < len(d.Removed) && d.Removed[ri] == e.ID {
			ri++
			continue
		}
		vals := slices.Clone(e.Values)
		if ci < len(d.Changed) && d.Changed[ci].ID == e.ID {
			if err := applyChange(schemas[e.Type].Fields, vals, d.Changed[ci]); err != nil {
				return nil, err
			}
			ci++
		}
		out = append(out, EntityState{ID: e.ID, Type: e.Type, Values: vals})
	}
	if ri < len(d.Removed) {
		return nil, badDelta("removed entity %d is not in the baseline or not sorted", d.Removed[ri])
	}
	if ci < len(d.Changed) {
		return nil, badDelta("changed entity %d is not in the baseline or not sorted", d.Changed[ci].ID)
	}
	return out, nil
}

func applyChange(fields []Field, vals []Value, c Change) error {
	if c.Mask == 0 || bits.Len64(c.Mask) > len(fields) {
		return badDelta("entity %d: mask %#x for %d fields", c.ID, c.Mask, len(fields))
	}
	if bits.OnesCount64(c.Mask) != len(c.Values) {
		return badDelta("entity %d: %d values for mask %#x", c.ID, len(c.Values), c.Mask)
	}
	i := 0
	for m := c.Mask; m != 0; m &= m - 1 {
		f := bits.TrailingZeros64(m)
		v := c.Values[i]
		if !fits(fields[f], v) {
			return badDelta("entity %d field %s: %s value %+v", c.ID, fields[f].Name, fields[f].Type, v)
		}
		if fields[f].Type == String {
			vals[f].S = v.S
		} else {
			vals[f].I += v.I
		}
		i++
	}
	return nil
}

// fits reports whether v is a value of field f's type: text for a String
// field (the int 0 reads as ""), an int for the others.
func fits(f Field, v Value) bool {
	if f.Type == String {
		return v.I == 0
	}
	return v.S == ""
}

func checkValues(schemas []Schema, e EntityState) error {
	if int(e.Type) >= len(schemas) {
		return badDelta("entity %d: unknown type %d", e.ID, e.Type)
	}
	fields := schemas[e.Type].Fields
	if len(e.Values) != len(fields) {
		return badDelta("entity %d: %d values for %d fields", e.ID, len(e.Values), len(fields))
	}
	for i, v := range e.Values {
		if !fits(fields[i], v) {
			return badDelta("entity %d field %s: %s value %+v", e.ID, fields[i].Name, fields[i].Type, v)
		}
	}
	return nil
}

// Diff compares two states field by field and returns the delta from a to b.
// It costs time in proportion to the size of both states; servers use
// World.DeltaSince, and Diff is the reference it is tested against. Entities
// in b with ids not in a are added; a's entities missing from b are removed.
// An entity whose type differs is removed and added. A state at tick zero is
// no baseline (Base zero means a full snapshot), so the delta from it is a full
// snapshot of b.
func Diff(schemas []Schema, a, b State) Delta {
	d := Delta{Tick: b.Tick, Base: a.Tick}
	if a.Tick == 0 {
		a.Entities = nil
	}
	i, j := 0, 0
	for i < len(a.Entities) || j < len(b.Entities) {
		switch {
		case j == len(b.Entities) || (i < len(a.Entities) && a.Entities[i].ID < b.Entities[j].ID):
			d.Removed = append(d.Removed, a.Entities[i].ID)
			i++
		case i == len(a.Entities) || b.Entities[j].ID < a.Entities[i].ID:
			d.Added = append(d.Added, b.Entities[j])
			j++
		default:
			x, y := a.Entities[i], b.Entities[j]
			if x.Type != y.Type {
				d.Removed = append(d.Removed, x.ID)
				d.Added = append(d.Added, y)
			} else if c, ok := diffEntity(schemas[x.Type].Fields, x, y); ok {
				d.Changed = append(d.Changed, c)
			}
			i++
			j++
		}
	}
	return d
}

func diffEntity(fields []Field, x, y EntityState) (Change, bool) {
	c := Change{ID: x.ID}
	for f, fd := range fields {
		if fd.Type == String {
			if x.Values[f].S != y.Values[f].S {
				c.Mask |= 1 << f
				c.Values = append(c.Values, Value{S: y.Values[f].S})
			}
		} else if d := y.Values[f].I - x.Values[f].I; d != 0 {
			c.Mask |= 1 << f
			c.Values = append(c.Values, Value{I: d})
		}
	}
	return c, c.Mask != 0
}
