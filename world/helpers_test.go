package world_test

import (
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/tickroom/tickroom/world"
	"pgregory.net/rapid"
)

// testSchemas covers every field type, the default and a small MaxLen, and a
// schema with MaxFields fields so that mask bit 63 is exercised.
var testSchemas = []world.Schema{
	{Name: "ship", Fields: []world.Field{
		{Name: "hp", Type: world.Int},
		{Name: "x", Type: world.Float, Quantum: 0.25},
		{Name: "alive", Type: world.Bool},
		{Name: "tag", Type: world.String, MaxLen: 6},
	}},
	{Name: "note", Fields: []world.Field{
		{Name: "text", Type: world.String},
		{Name: "n", Type: world.Int},
	}},
	{Name: "wide", Fields: wideFields()},
}

// Indexes of testSchemas' ship type and its fields.
const (
	shipType  = 0
	shipHP    = 0
	shipX     = 1
	shipAlive = 2
)

func wideFields() []world.Field {
	types := []world.FieldType{world.Int, world.Float, world.Bool, world.String}
	fs := make([]world.Field, world.MaxFields)
	for i := range fs {
		fs[i] = world.Field{Name: fmt.Sprintf("f%d", i), Type: types[i%len(types)], Quantum: 0.5, MaxLen: 4}
	}
	return fs
}

// genInt draws small numbers most of the time, so that values repeat and
// fields change back, and the extremes often enough to test wrap-around.
func genInt() *rapid.Generator[int64] {
	return rapid.OneOf(
		rapid.Int64Range(-2, 2),
		rapid.Int64(),
		rapid.SampledFrom([]int64{math.MinInt64, math.MaxInt64, math.MinInt64 + 1, math.MaxInt64 - 1, 1 << 40, -1 << 40}),
	)
}

// genString draws short repeated texts, arbitrary UTF-8 and long texts.
func genString() *rapid.Generator[string] {
	return rapid.OneOf(
		rapid.SampledFrom([]string{"", "a", "b", "héllo", "ünïcødé-name", strings.Repeat("x", 40)}),
		rapid.StringN(0, 12, 48),
	)
}

// genValue draws a well-formed value of field f: I for numeric fields, S for
// strings, as a World stores them.
func genValue(t *rapid.T, f world.Field, label string) world.Value {
	switch f.Type {
	case world.String:
		return world.Value{S: genString().Draw(t, label)}
	case world.Bool:
		return world.Value{I: rapid.Int64Range(0, 1).Draw(t, label)}
	}
	return world.Value{I: genInt().Draw(t, label)}
}

func genEntity(t *rapid.T, id world.EntityID, label string) world.EntityState {
	typ := rapid.IntRange(0, len(testSchemas)-1).Draw(t, label+".type")
	fields := testSchemas[typ].Fields
	vals := make([]world.Value, len(fields))
	for i, f := range fields {
		vals[i] = genValue(t, f, label+".val")
	}
	return world.EntityState{ID: id, Type: uint8(typ), Values: vals}
}

// genState draws a state with distinct ids from a small range, so that two
// drawn states overlap.
func genState(t *rapid.T, label string, tick uint32) world.State {
	ids := rapid.SliceOfNDistinct(rapid.Uint32Range(1, 40), 0, 16, rapid.ID[uint32]).Draw(t, label+".ids")
	slices.Sort(ids)
	s := world.State{Tick: tick}
	for _, id := range ids {
		s.Entities = append(s.Entities, genEntity(t, world.EntityID(id), label))
	}
	return s
}

// deltaDiff describes the first difference between two deltas, or returns ""
// when they hold the same content (nil and empty slices are alike).
func deltaDiff(got, want *world.Delta) string {
	if got.Tick != want.Tick || got.Base != want.Base {
		return fmt.Sprintf("tick/base %d/%d, want %d/%d", got.Tick, got.Base, want.Tick, want.Base)
	}
	if !slices.EqualFunc(got.Added, want.Added, entityEqual) {
		return fmt.Sprintf("Added %v, want %v", got.Added, want.Added)
	}
	if !slices.EqualFunc(got.Changed, want.Changed, func(a, b world.Change) bool {
		return a.ID == b.ID && a.Mask == b.Mask && slices.Equal(a.Values, b.Values)
	}) {
		return fmt.Sprintf("Changed %v, want %v", got.Changed, want.Changed)
	}
	if !slices.Equal(got.Removed, want.Removed) {
		return fmt.Sprintf("Removed %v, want %v", got.Removed, want.Removed)
	}
	return ""
}

func entityEqual(a, b world.EntityState) bool {
	return a.ID == b.ID && a.Type == b.Type && slices.Equal(a.Values, b.Values)
}

// checkSorted reports a delta whose lists are not strictly increasing by id
// or which holds an empty change.
func checkSorted(d *world.Delta) error {
	for i := 1; i < len(d.Added); i++ {
		if d.Added[i-1].ID >= d.Added[i].ID {
			return fmt.Errorf("Added not sorted: %v", d.Added)
		}
	}
	for i := range d.Changed {
		if d.Changed[i].Mask == 0 {
			return fmt.Errorf("Changed[%d] has an empty mask", i)
		}
		if i > 0 && d.Changed[i-1].ID >= d.Changed[i].ID {
			return fmt.Errorf("Changed not sorted: %v", d.Changed)
		}
	}
	for i := 1; i < len(d.Removed); i++ {
		if d.Removed[i-1] >= d.Removed[i] {
			return fmt.Errorf("Removed not sorted: %v", d.Removed)
		}
	}
	return nil
}
