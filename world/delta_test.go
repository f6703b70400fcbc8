package world_test

import (
	"testing"

	"github.com/tickroom/tickroom/world"
	"pgregory.net/rapid"
)

// run is a world driven by random operations, with a snapshot of every tick
// and what a correct journal must be able to serve.
type run struct {
	w     *world.World
	snaps []world.State // snaps[t] is the state at the end of tick t
	reset uint32        // tick of the last SetHistory that changed the size
}

// covered reports whether DeltaSince(base) must be a delta rather than a full
// snapshot: base is a past tick held by the journal, and the journal has not
// been replaced since (SetHistory makes baselines before its tick full).
func (r *run) covered(base uint32) bool {
	now := r.w.Tick()
	return base >= 1 && base <= now && uint64(base)+uint64(r.w.History()) >= uint64(now) && base >= r.reset
}

func (r *run) setHistory(t *rapid.T) {
	n := rapid.SampledFrom([]int{0, 1, 2, 3, 5, 8, 64}).Draw(t, "sethistory")
	eff := n
	if eff <= 0 {
		eff = world.DefaultHistory
	}
	if eff != r.w.History() {
		r.reset = r.w.Tick()
	}
	r.w.SetHistory(n)
	if got := r.w.History(); got != eff {
		t.Fatalf("History() = %d after SetHistory(%d), want %d", got, n, eff)
	}
}

// pick returns a random live entity, or nil.
func (r *run) pick(t *rapid.T) *world.Entity {
	es := r.w.Entities()
	if len(es) == 0 {
		return nil
	}
	return es[rapid.IntRange(0, len(es)-1).Draw(t, "entity")]
}

// set writes a random value to field f of e through the typed setters.
func set(t *rapid.T, e *world.Entity, f int) {
	field := testSchemas[e.Type()].Fields[f]
	switch field.Type {
	case world.Int:
		e.SetInt(f, genInt().Draw(t, "int"))
	case world.Float:
		if rapid.Bool().Draw(t, "asfloat") {
			e.SetFloat(f, rapid.Float64Range(-1e6, 1e6).Draw(t, "float"))
		} else {
			e.SetInt(f, genInt().Draw(t, "quanta"))
		}
	case world.Bool:
		e.SetBool(f, rapid.Bool().Draw(t, "bool"))
	case world.String:
		e.SetString(f, genString().Draw(t, "string"))
	}
}

// restore sets field f of e back to v.
func restore(e *world.Entity, f int, v world.Value) {
	if testSchemas[e.Type()].Fields[f].Type == world.String {
		e.SetString(f, v.S)
	} else {
		e.SetInt(f, v.I)
	}
}

// op does one random change to the world within the current tick.
func (r *run) op(t *rapid.T) {
	field := func(e *world.Entity) int { return rapid.IntRange(0, len(e.Values())-1).Draw(t, "field") }
	switch rapid.SampledFrom([]string{"spawn", "spawn", "remove", "set", "set", "set", "setback", "setmany", "restorelater", "sethistory"}).Draw(t, "op") {
	case "spawn":
		e := r.w.Spawn(rapid.IntRange(0, len(testSchemas)-1).Draw(t, "type"))
		for range rapid.IntRange(0, 3).Draw(t, "initsets") {
			set(t, e, field(e))
		}
	case "remove":
		if rapid.IntRange(0, 4).Draw(t, "unknown") == 0 {
			r.w.Remove(world.EntityID(rapid.Uint32Range(0, 1000).Draw(t, "id")))
		} else if e := r.pick(t); e != nil {
			r.w.Remove(e.ID())
		}
	case "set":
		if e := r.pick(t); e != nil {
			set(t, e, field(e))
		}
	case "setback": // change a field and change it back within the tick
		if e := r.pick(t); e != nil {
			f := field(e)
			old := e.Values()[f]
			for range rapid.IntRange(1, 3).Draw(t, "n") {
				set(t, e, f)
			}
			restore(e, f, old)
		}
	case "setmany": // several writes to one field in one tick
		if e := r.pick(t); e != nil {
			f := field(e)
			for range rapid.IntRange(2, 5).Draw(t, "n") {
				set(t, e, f)
			}
		}
	case "restorelater": // set a field to the value it had some ticks ago
		if e := r.pick(t); e != nil && len(r.snaps) > 0 {
			past := r.snaps[rapid.IntRange(0, len(r.snaps)-1).Draw(t, "past")]
			if old, ok := past.Find(e.ID()); ok && int(old.Type) == e.Type() {
				f := field(e)
				restore(e, f, old.Values[f])
			}
		}
	case "sethistory":
		r.setHistory(t)
	}
}

// tick runs one tick of random operations and records its snapshot.
func (r *run) tick(t *rapid.T) {
	if rapid.IntRange(0, 15).Draw(t, "historybetween") == 0 {
		r.setHistory(t) // after the last snapshot, before Advance
	}
	r.w.Advance()
	for range rapid.IntRange(0, 12).Draw(t, "ops") {
		r.op(t)
	}
	r.snaps = append(r.snaps, r.w.Snapshot())
}

func newRun(t *rapid.T) *run {
	h := rapid.SampledFrom([]int{0, 1, 2, 4, 8, 8, 64}).Draw(t, "history")
	r := &run{w: world.New(testSchemas, world.Options{History: h, Seed: 7})}
	for range rapid.IntRange(0, 3).Draw(t, "initspawns") { // Init-time entities at tick 0
		e := r.w.Spawn(rapid.IntRange(0, len(testSchemas)-1).Draw(t, "type"))
		set(t, e, 0)
	}
	r.snaps = append(r.snaps, r.w.Snapshot())
	return r
}

// check compares DeltaSince(base) with the reference: Diff from the snapshot
// at base when the journal covers base, a full snapshot otherwise. It also
// fills reused and checks it holds the same as a fresh Delta.
func (r *run) check(t *rapid.T, base uint32, reused *world.Delta) {
	now := r.w.Tick()
	cur := r.snaps[now]
	d := new(world.Delta)
	r.w.DeltaSince(base, d)
	r.w.DeltaSince(base, reused)
	if diff := deltaDiff(reused, d); diff != "" {
		t.Fatalf("DeltaSince(%d) into a reused Delta differs from a fresh one: %s", base, diff)
	}
	if err := checkSorted(d); err != nil {
		t.Fatalf("DeltaSince(%d): %v", base, err)
	}
	if d.Tick != now {
		t.Fatalf("DeltaSince(%d).Tick = %d, want %d", base, d.Tick, now)
	}
	if want := !r.covered(base); d.Full() != want {
		t.Fatalf("DeltaSince(%d) at tick %d, history %d, reset at %d: Full() = %v, want %v",
			base, now, r.w.History(), r.reset, d.Full(), want)
	}
	if d.Full() {
		if len(d.Changed)+len(d.Removed) != 0 {
			t.Fatalf("full DeltaSince(%d) has changes or removals: %+v", base, d)
		}
		// A full snapshot applies to anything.
		for _, from := range []world.State{{}, r.snaps[0], r.snaps[len(r.snaps)/2]} {
			got, err := world.Apply(testSchemas, from, d)
			if err != nil || !world.Equal(got, cur) {
				t.Fatalf("Apply(full DeltaSince(%d)) = %v, %v; want %v", base, got, err, cur)
			}
		}
		return
	}
	got, err := world.Apply(testSchemas, r.snaps[base], d)
	if err != nil {
		t.Fatalf("Apply(snap[%d], DeltaSince(%d)): %v", base, base, err)
	}
	if !world.Equal(got, cur) {
		t.Fatalf("Apply(snap[%d], DeltaSince(%d)) =\n%v\nwant\n%v", base, base, got, cur)
	}
	want := world.Diff(testSchemas, r.snaps[base], cur)
	if diff := deltaDiff(d, &want); diff != "" {
		t.Fatalf("DeltaSince(%d) != Diff(snap[%d], snap[%d]): %s", base, base, now, diff)
	}
}

func TestDeltaSinceMatchesDiff(t *testing.T) {
	t.Parallel()
	rapid.Check(t, func(t *rapid.T) {
		r := newRun(t)
		reused := new(world.Delta)
		for range rapid.IntRange(1, 40).Draw(t, "ticks") {
			r.tick(t)
			now := r.w.Tick()
			for range 3 {
				r.check(t, rapid.Uint32Range(0, now+1).Draw(t, "base"), reused)
			}
		}
		now := r.w.Tick()
		for base := uint32(0); base <= now+1; base++ {
			r.check(t, base, reused)
		}
		r.check(t, ^uint32(0), reused)
	})
}

// TestDeltaReuse fills one Delta with deltas of different shapes (full,
// large, small, empty) and compares each with a fresh Delta.
func TestDeltaReuse(t *testing.T) {
	t.Parallel()
	rapid.Check(t, func(t *rapid.T) {
		r := newRun(t)
		for range rapid.IntRange(1, 20).Draw(t, "ticks") {
			r.tick(t)
		}
		reused := new(world.Delta)
		now := r.w.Tick()
		for range rapid.IntRange(1, 30).Draw(t, "calls") {
			base := rapid.Uint32Range(0, now+1).Draw(t, "base")
			fresh := new(world.Delta)
			r.w.DeltaSince(base, fresh)
			r.w.DeltaSince(base, reused)
			if diff := deltaDiff(reused, fresh); diff != "" {
				t.Fatalf("DeltaSince(%d) into a reused Delta: %s", base, diff)
			}
		}
		reused.Reset()
		if diff := deltaDiff(reused, new(world.Delta)); diff != "" {
			t.Fatalf("Reset left %s", diff)
		}
	})
}

// TestDeltaSinceFollowsChanges changes 3 of 10,000 static entities: the delta
// holds exactly those 3.
func TestDeltaSinceFollowsChanges(t *testing.T) {
	t.Parallel()
	w := world.New(testSchemas, world.Options{})
	w.Advance()
	for i := range 10_000 {
		e := w.Spawn(i % 2)
		e.SetInt(1, int64(i))
	}
	w.Advance()
	base := w.Snapshot()
	for range 5 {
		w.Advance()
	}
	changed := []world.EntityID{17, 4242, 9999}
	w.Entity(17).SetInt(0, -3)
	w.Entity(4242).SetString(0, "moved") // a note: field 0 is text
	w.Entity(4242).SetInt(1, 1e12)
	w.Entity(9999).SetFloat(1, 12.5)
	w.Entity(501).SetInt(0, 9) // a ship: changed and changed back
	w.Entity(501).SetInt(0, 0)
	w.Advance()
	w.Entity(9999).SetBool(2, true)

	var d world.Delta
	w.DeltaSince(base.Tick, &d)
	if len(d.Added) != 0 || len(d.Removed) != 0 {
		t.Fatalf("delta adds %d and removes %d, want none", len(d.Added), len(d.Removed))
	}
	var got []world.EntityID
	for _, c := range d.Changed {
		got = append(got, c.ID)
	}
	if len(got) != len(changed) || got[0] != changed[0] || got[1] != changed[1] || got[2] != changed[2] {
		t.Fatalf("changed ids %v, want %v", got, changed)
	}
	if masks := []uint64{d.Changed[0].Mask, d.Changed[1].Mask, d.Changed[2].Mask}; masks[0] != 0b1 || masks[1] != 0b11 || masks[2] != 0b110 {
		t.Fatalf("masks %b, want [1 11 110]", masks)
	}
	applied, err := world.Apply(testSchemas, base, &d)
	if err != nil || !world.Equal(applied, w.Snapshot()) {
		t.Fatalf("Apply(base, delta) does not reach the current state: %v", err)
	}
	// A delta against the current tick is empty.
	w.DeltaSince(w.Tick(), &d)
	if d.Full() || len(d.Added)+len(d.Changed)+len(d.Removed) != 0 {
		t.Fatalf("DeltaSince(now) = %+v, want empty", d)
	}
}

// TestDeltaSinceSteadyNoAllocs drives 16 moving entities through their
// setters: once the journal and the Delta have grown, a tick and its delta
// allocate nothing.
func TestDeltaSinceSteadyNoAllocs(t *testing.T) {
	w := world.New(testSchemas, world.Options{})
	w.Advance()
	var es []*world.Entity
	for range 16 {
		es = append(es, w.Spawn(shipType))
	}
	var d world.Delta
	tick := func() {
		w.Advance()
		for i, e := range es {
			e.SetFloat(shipX, float64((int(w.Tick())*(i+1))%1000))
			e.SetInt(shipHP, int64((int(w.Tick())+i)%1000))
			if w.Tick()%10 == 0 {
				e.SetBool(shipAlive, !e.Bool(shipAlive))
			}
		}
		w.DeltaSince(w.Tick()-1, &d)
	}
	for range 2 * w.History() {
		tick()
	}
	if got := testing.AllocsPerRun(500, tick); got != 0 {
		t.Errorf("allocs per steady tick = %v, want 0", got)
	}
	if len(d.Changed) != 16 {
		t.Errorf("last delta changes %d entities, want 16", len(d.Changed))
	}
}
