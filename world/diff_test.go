package world_test

import (
	"cmp"
	"errors"
	"fmt"
	"math"
	"slices"
	"testing"

	"github.com/tickroom/tickroom/world"
	"pgregory.net/rapid"
)

// genSuccessor draws a state b from a: each entity of a is kept, changed,
// removed or replaced by one of another type under the same id, and new ids
// are added. Or, sometimes, b is drawn independently of a.
func genSuccessor(t *rapid.T, a world.State) world.State {
	tick := rapid.Uint32Range(a.Tick, math.MaxUint32).Draw(t, "b.tick")
	if rapid.IntRange(0, 9).Draw(t, "independent") == 0 {
		return genState(t, "b", tick)
	}
	b := world.State{Tick: tick}
	used := map[world.EntityID]bool{}
	for _, e := range a.Entities {
		used[e.ID] = true
		switch rapid.SampledFrom([]string{"keep", "change", "remove", "retype"}).Draw(t, "op") {
		case "keep":
			b.Entities = append(b.Entities, world.EntityState{ID: e.ID, Type: e.Type, Values: slices.Clone(e.Values)})
		case "change":
			vals := slices.Clone(e.Values)
			fields := testSchemas[e.Type].Fields
			for range rapid.IntRange(1, 4).Draw(t, "nchanges") {
				f := rapid.IntRange(0, len(fields)-1).Draw(t, "field")
				vals[f] = genValue(t, fields[f], "newval")
			}
			b.Entities = append(b.Entities, world.EntityState{ID: e.ID, Type: e.Type, Values: vals})
		case "retype":
			typ := uint8(rapid.IntRange(0, len(testSchemas)-2).Draw(t, "newtype"))
			if typ >= e.Type {
				typ++
			}
			b.Entities = append(b.Entities, genEntityOfType(t, e.ID, typ))
		}
	}
	for _, id := range rapid.SliceOfN(rapid.Uint32Range(1, 60), 0, 8).Draw(t, "newids") {
		if id := world.EntityID(id); !used[id] {
			used[id] = true
			b.Entities = append(b.Entities, genEntity(t, id, "new"))
		}
	}
	slices.SortFunc(b.Entities, func(x, y world.EntityState) int { return cmp.Compare(x.ID, y.ID) })
	return b
}

func genEntityOfType(t *rapid.T, id world.EntityID, typ uint8) world.EntityState {
	fields := testSchemas[typ].Fields
	vals := make([]world.Value, len(fields))
	for i, f := range fields {
		vals[i] = genValue(t, f, "val")
	}
	return world.EntityState{ID: id, Type: typ, Values: vals}
}

func TestDiffApply(t *testing.T) {
	t.Parallel()
	rapid.Check(t, func(t *rapid.T) {
		tick := rapid.OneOf(rapid.Uint32Range(0, 5), rapid.Uint32()).Draw(t, "a.tick")
		a := genState(t, "a", tick)
		b := genSuccessor(t, a)

		d := world.Diff(testSchemas, a, b)
		if err := checkSorted(&d); err != nil {
			t.Fatal(err)
		}
		if d.Tick != b.Tick {
			t.Fatalf("d.Tick = %d, want %d", d.Tick, b.Tick)
		}
		got, err := world.Apply(testSchemas, a, &d)
		if err != nil {
			t.Fatalf("Apply(a, Diff(a, b)): %v", err)
		}
		if !world.Equal(got, b) {
			t.Fatalf("Apply(a, Diff(a, b)) =\n%v\nwant\n%v\ndelta %+v", got, b, d)
		}
		if a.Tick == 0 {
			if !d.Full() || len(d.Changed)+len(d.Removed) != 0 || !slices.EqualFunc(d.Added, b.Entities, entityEqual) {
				t.Fatalf("Diff from tick 0 = %+v, want a full snapshot of b", d)
			}
			return
		}
		// A diff against itself is empty.
		if self := world.Diff(testSchemas, b, b); len(self.Added)+len(self.Changed)+len(self.Removed) != 0 {
			t.Fatalf("Diff(b, b) = %+v, want empty", self)
		}
	})
}

// TestDiffKinds pins the shape of Diff's output for each kind of change.
func TestDiffKinds(t *testing.T) {
	t.Parallel()
	ship := func(id world.EntityID, hp int64, tag string) world.EntityState {
		return world.EntityState{ID: id, Type: 0, Values: []world.Value{{I: hp}, {I: 4}, {I: 1}, {S: tag}}}
	}
	note := func(id world.EntityID, text string, n int64) world.EntityState {
		return world.EntityState{ID: id, Type: 1, Values: []world.Value{{S: text}, {I: n}}}
	}
	a := world.State{Tick: 10, Entities: []world.EntityState{ship(1, 5, "a"), ship(2, 5, "a"), ship(3, 5, "a"), note(4, "n", 0)}}
	b := world.State{Tick: 12, Entities: []world.EntityState{ship(1, 5, "a"), ship(2, math.MinInt64, "b"), note(3, "n", 1), note(4, "n", math.MaxInt64), ship(9, 1, "")}}
	got := world.Diff(testSchemas, a, b)
	lo := int64(math.MinInt64)
	want := world.Delta{
		Tick: 12, Base: 10,
		Added: []world.EntityState{note(3, "n", 1), ship(9, 1, "")},
		Changed: []world.Change{
			{ID: 2, Mask: 0b1001, Values: []world.Value{{I: lo - 5}, {S: "b"}}},
			{ID: 4, Mask: 0b10, Values: []world.Value{{I: math.MaxInt64}}},
		},
		Removed: []world.EntityID{3},
	}
	if diff := deltaDiff(&got, &want); diff != "" {
		t.Fatalf("Diff: %s", diff)
	}
	applied, err := world.Apply(testSchemas, a, &got)
	if err != nil || !world.Equal(applied, b) {
		t.Fatalf("Apply = %v, %v; want %v", applied, err, b)
	}
}

func TestApplyRejectsBadDeltas(t *testing.T) {
	t.Parallel()
	ship := func(id world.EntityID) world.EntityState {
		return world.EntityState{ID: id, Type: 0, Values: []world.Value{{I: 1}, {I: 2}, {I: 1}, {S: "a"}}}
	}
	base := world.State{Tick: 5, Entities: []world.EntityState{
		ship(1),
		{ID: 2, Type: 1, Values: []world.Value{{S: "x"}, {I: 3}}},
		ship(4),
	}}
	one := []world.Value{{I: 1}}
	tests := []struct {
		name string
		d    world.Delta
	}{
		{"wrong baseline tick", world.Delta{Tick: 6, Base: 4}},
		{"baseline in the future", world.Delta{Tick: 9, Base: 6}},
		{"tick before baseline", world.Delta{Tick: 4, Base: 5}},
		{"changed id not in baseline", world.Delta{Tick: 6, Base: 5, Changed: []world.Change{{ID: 3, Mask: 1, Values: one}}}},
		{"changed id after last", world.Delta{Tick: 6, Base: 5, Changed: []world.Change{{ID: 99, Mask: 1, Values: one}}}},
		{"changed unsorted", world.Delta{Tick: 6, Base: 5, Changed: []world.Change{{ID: 4, Mask: 1, Values: one}, {ID: 1, Mask: 1, Values: one}}}},
		{"changed twice", world.Delta{Tick: 6, Base: 5, Changed: []world.Change{{ID: 1, Mask: 1, Values: one}, {ID: 1, Mask: 1, Values: one}}}},
		{"changed and removed", world.Delta{Tick: 6, Base: 5, Removed: []world.EntityID{1}, Changed: []world.Change{{ID: 1, Mask: 1, Values: one}}}},
		{"empty mask", world.Delta{Tick: 6, Base: 5, Changed: []world.Change{{ID: 1, Mask: 0}}}},
		{"mask beyond fields", world.Delta{Tick: 6, Base: 5, Changed: []world.Change{{ID: 2, Mask: 1 << 2, Values: one}}}},
		{"mask bit 63", world.Delta{Tick: 6, Base: 5, Changed: []world.Change{{ID: 1, Mask: 1 << 63, Values: one}}}},
		{"too few values", world.Delta{Tick: 6, Base: 5, Changed: []world.Change{{ID: 1, Mask: 0b11, Values: one}}}},
		{"too many values", world.Delta{Tick: 6, Base: 5, Changed: []world.Change{{ID: 1, Mask: 0b1, Values: []world.Value{{I: 1}, {I: 2}}}}}},
		{"no values", world.Delta{Tick: 6, Base: 5, Changed: []world.Change{{ID: 1, Mask: 0b1}}}},
		{"removed not in baseline", world.Delta{Tick: 6, Base: 5, Removed: []world.EntityID{3}}},
		{"removed after last", world.Delta{Tick: 6, Base: 5, Removed: []world.EntityID{4, 5}}},
		{"removed unsorted", world.Delta{Tick: 6, Base: 5, Removed: []world.EntityID{4, 1}}},
		{"removed twice", world.Delta{Tick: 6, Base: 5, Removed: []world.EntityID{1, 1}}},
		{"added duplicates a baseline id", world.Delta{Tick: 6, Base: 5, Added: []world.EntityState{ship(4)}}},
		{"added twice", world.Delta{Tick: 6, Base: 5, Added: []world.EntityState{ship(7), ship(7)}}},
		{"full added twice", world.Delta{Tick: 6, Added: []world.EntityState{ship(7), ship(3), ship(7)}}},
		{"unknown type", world.Delta{Tick: 6, Base: 5, Added: []world.EntityState{{ID: 7, Type: 3, Values: one}}}},
		{"unknown type 255 in full", world.Delta{Tick: 6, Added: []world.EntityState{{ID: 7, Type: 255}}}},
		{"added too few values", world.Delta{Tick: 6, Base: 5, Added: []world.EntityState{{ID: 7, Type: 0, Values: one}}}},
		{"added too many values", world.Delta{Tick: 6, Base: 5, Added: []world.EntityState{{ID: 7, Type: 1, Values: []world.Value{{}, {}, {}}}}}},
		{"added no values in full", world.Delta{Tick: 6, Added: []world.EntityState{{ID: 7, Type: 1}}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := applyNoPanic(base, &tt.d)
			if !errors.Is(err, world.ErrBadDelta) {
				t.Fatalf("Apply error = %v, want ErrBadDelta", err)
			}
			if got.Tick != 0 || got.Entities != nil {
				t.Errorf("Apply returned %v with its error, want the zero State", got)
			}
		})
	}
}

func applyNoPanic(base world.State, d *world.Delta) (s world.State, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("Apply panicked: %v", r)
		}
	}()
	return world.Apply(testSchemas, base, d)
}

// TestApplyNeverPanics feeds Apply arbitrary deltas against a valid
// baseline: it must return a valid state or ErrBadDelta, never panic.
func TestApplyNeverPanics(t *testing.T) {
	t.Parallel()
	rapid.Check(t, func(t *rapid.T) {
		base := genState(t, "base", rapid.Uint32Range(1, 4).Draw(t, "base.tick"))
		genVals := rapid.SliceOfN(rapid.Custom(func(t *rapid.T) world.Value {
			return world.Value{I: genInt().Draw(t, "i"), S: rapid.SampledFrom([]string{"", "s"}).Draw(t, "s")}
		}), 0, 6)
		genChanges := rapid.SliceOfN(rapid.Custom(func(t *rapid.T) world.Change {
			return world.Change{
				ID:     world.EntityID(rapid.Uint32Range(0, 45).Draw(t, "id")),
				Mask:   rapid.OneOf(rapid.Uint64Range(0, 15), rapid.Uint64()).Draw(t, "mask"),
				Values: genVals.Draw(t, "values"),
			}
		}), 0, 4)
		d := world.Delta{
			Tick: rapid.Uint32Range(0, 6).Draw(t, "tick"),
			Base: rapid.Uint32Range(0, 5).Draw(t, "base"),
			Added: rapid.SliceOfN(rapid.Custom(func(t *rapid.T) world.EntityState {
				return world.EntityState{
					ID:     world.EntityID(rapid.Uint32Range(0, 45).Draw(t, "id")),
					Type:   rapid.Uint8Range(0, 4).Draw(t, "type"),
					Values: genVals.Draw(t, "values"),
				}
			}), 0, 4).Draw(t, "added"),
			Changed: genChanges.Draw(t, "changed"),
			Removed: rapid.SliceOfN(rapid.Map(rapid.Uint32Range(0, 45), func(v uint32) world.EntityID { return world.EntityID(v) }), 0, 4).Draw(t, "removed"),
			Private: genChanges.Draw(t, "private"),
		}
		got, err := applyNoPanic(base, &d)
		if err != nil {
			if !errors.Is(err, world.ErrBadDelta) {
				t.Fatalf("Apply error = %v, want ErrBadDelta", err)
			}
			return
		}
		if got.Tick != d.Tick {
			t.Fatalf("tick %d, want %d", got.Tick, d.Tick)
		}
		for i, e := range got.Entities {
			if i > 0 && got.Entities[i-1].ID >= e.ID {
				t.Fatalf("result not sorted by id: %v", got.Entities)
			}
			if int(e.Type) >= len(testSchemas) || len(e.Values) != len(testSchemas[e.Type].Fields) {
				t.Fatalf("result holds a malformed entity %v", e)
			}
		}
	})
}
