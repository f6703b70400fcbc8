package world_test

import (
	"errors"
	"reflect"
	"slices"
	"testing"

	"github.com/tickroom/tickroom/world"
	"pgregory.net/rapid"
)

// privSchemas is a game with private fields: a player's ammo and hand, a
// crate's loot; and a type with none.
var privSchemas = []world.Schema{
	{Name: "player", Fields: []world.Field{
		{Name: "x", Type: world.Int},
		{Name: "ammo", Type: world.Int, Private: true},
		{Name: "name", Type: world.String},
		{Name: "hand", Type: world.String, Private: true},
	}},
	{Name: "crate", Fields: []world.Field{
		{Name: "loot", Type: world.Int, Private: true},
		{Name: "open", Type: world.Bool},
	}},
	{Name: "rock", Fields: []world.Field{{Name: "x", Type: world.Int}}},
}

const (
	pPlayer, pCrate, pRock  = 0, 1, 2
	pX, pAmmo, pName, pHand = 0, 1, 2, 3
	cLoot, cOpen            = 0, 1
)

func TestPrivateMask(t *testing.T) {
	t.Parallel()
	for i, want := range []uint64{0b1010, 0b01, 0} {
		if got := privSchemas[i].PrivateMask(); got != want {
			t.Errorf("%s: PrivateMask() = %b, want %b", privSchemas[i].Name, got, want)
		}
	}
	fs := make([]world.Field, world.MaxFields)
	for i := range fs {
		fs[i] = world.Field{Name: "f", Type: world.Int, Private: i == 63 || i == 0}
	}
	if got := (world.Schema{Name: "w", Fields: fs}).PrivateMask(); got != 1<<63|1 {
		t.Errorf("64 fields: PrivateMask() = %#x, want bits 0 and 63", got)
	}
}

// changesEqual compares Changes by their exported content, Type and Owner
// included.
func changesEqual(a, b []world.Change) bool {
	return slices.EqualFunc(a, b, func(x, y world.Change) bool {
		return x.ID == y.ID && x.Mask == y.Mask && x.Type == y.Type && x.Owner == y.Owner && slices.Equal(x.Values, y.Values)
	})
}

// TestPrivateFor follows one player's private part of a snapshot and of a
// diff: added entities of its own with their non-zero private fields,
// changed ones with their changed private fields, and nothing of others'.
func TestPrivateFor(t *testing.T) {
	t.Parallel()
	w := world.New(privSchemas, world.Options{})
	w.Advance()
	mine := w.SpawnOwned(pPlayer, 1) // 1: private fields set
	mine.SetInt(pX, 4)
	mine.SetInt(pAmmo, 30)
	mine.SetString(pHand, "AKQ")
	bare := w.SpawnOwned(pPlayer, 1) // 2: private fields zero
	bare.SetString(pName, "bob")
	theirs := w.SpawnOwned(pPlayer, 2) // 3: another player's
	theirs.SetInt(pAmmo, 8)
	nobodys := w.Spawn(pCrate) // 4: nobody's
	nobodys.SetInt(cLoot, 5)
	rock := w.SpawnOwned(pRock, 1) // 5: mine, but its type has no private field
	rock.SetInt(0, 1)
	crate := w.SpawnOwned(pCrate, 1) // 6: only loot
	crate.SetInt(cLoot, -9)
	crate.SetBool(cOpen, true)
	base := w.Tick()

	var d world.Delta
	w.DeltaSince(0, &d)
	got, vals := d.PrivateFor(privSchemas, 1, nil, nil)
	want := []world.Change{
		{ID: 1, Mask: 1<<pAmmo | 1<<pHand, Values: []world.Value{{I: 30}, {S: "AKQ"}}, Type: pPlayer, Owner: 1},
		{ID: 6, Mask: 1 << cLoot, Values: []world.Value{{I: -9}}, Type: pCrate, Owner: 1},
	}
	if !changesEqual(got, want) {
		t.Errorf("snapshot: PrivateFor(1) = %+v, want %+v", got, want)
	}
	if len(vals) != 3 {
		t.Errorf("snapshot: %d values returned, want the 3 the changes hold", len(vals))
	}
	if got, _ := d.PrivateFor(privSchemas, 2, nil, nil); !changesEqual(got, []world.Change{
		{ID: 3, Mask: 1 << pAmmo, Values: []world.Value{{I: 8}}, Type: pPlayer, Owner: 2},
	}) {
		t.Errorf("snapshot: PrivateFor(2) = %+v", got)
	}
	if got, _ := d.PrivateFor(privSchemas, 3, nil, nil); len(got) != 0 {
		t.Errorf("snapshot: PrivateFor(3), who owns nothing = %+v, want none", got)
	}

	w.Advance()
	mine.SetInt(pX, 5)         // public and
	mine.SetInt(pAmmo, 29)     // private: the private bit only
	mine.SetString(pHand, "")  // to zero: still a change
	bare.SetString(pName, "b") // public only: nothing
	theirs.SetInt(pAmmo, 7)    // another's: nothing
	nobodys.SetInt(cLoot, 6)   // nobody's: nothing
	rock.SetInt(0, 2)          // no private field: nothing
	crate.SetBool(cOpen, false)
	added := w.SpawnOwned(pPlayer, 1) // 7: added by the diff, with a private field set
	added.SetString(pHand, "J")
	w.Advance()
	crate.SetInt(cLoot, -9+100) // a change in a later tick
	w.DeltaSince(base, &d)
	if len(d.Added) != 1 || len(d.Changed) != 6 {
		t.Fatalf("diff adds %d and changes %d entities, want 1 and 6", len(d.Added), len(d.Changed))
	}
	got, _ = d.PrivateFor(privSchemas, 1, got, vals) // reusing the buffers
	want = []world.Change{
		{ID: 1, Mask: 1<<pAmmo | 1<<pHand, Values: []world.Value{{I: -1}, {S: ""}}, Type: pPlayer, Owner: 1},
		{ID: 6, Mask: 1 << cLoot, Values: []world.Value{{I: 100}}, Type: pCrate, Owner: 1},
		{ID: 7, Mask: 1 << pHand, Values: []world.Value{{S: "J"}}, Type: pPlayer, Owner: 1},
	}
	if !changesEqual(got, want) {
		t.Errorf("diff: PrivateFor(1) = %+v, want %+v", got, want)
	}
	if got, _ := d.PrivateFor(privSchemas, 2, nil, nil); !changesEqual(got, []world.Change{
		{ID: 3, Mask: 1 << pAmmo, Values: []world.Value{{I: -1}}, Type: pPlayer, Owner: 2},
	}) {
		t.Errorf("diff: PrivateFor(2) = %+v", got)
	}
	// The delta itself is untouched: its changes keep their public bits.
	if c := d.Changed[0]; c.ID != 1 || c.Mask != 1<<pX|1<<pAmmo|1<<pHand || c.Owner != 1 || c.Type != pPlayer {
		t.Errorf("Changed[0] = %+v after PrivateFor", c)
	}
}

// TestPrivateForNoAllocs: with buffers passed back, PrivateFor allocates
// nothing.
func TestPrivateForNoAllocs(t *testing.T) {
	w := world.New(privSchemas, world.Options{})
	w.Advance()
	var es []*world.Entity
	for i := range 32 {
		es = append(es, w.SpawnOwned(i%2, world.PlayerID(i%4+1)))
	}
	var d world.Delta
	var priv []world.Change
	var vals []world.Value
	for range 2 * w.History() {
		w.Advance()
		for i, e := range es {
			e.SetInt(0, int64(w.Tick())+int64(i)) // ammo or loot: private
			if e.Type() == pPlayer {
				e.SetInt(pX, int64(w.Tick()))
			}
		}
	}
	for _, base := range []uint32{0, w.Tick() - 1, w.Tick() - 10} {
		w.DeltaSince(base, &d)
		for p := world.PlayerID(1); p <= 4; p++ { // grow the buffers
			priv, vals = d.PrivateFor(privSchemas, p, priv, vals)
		}
		if len(priv) != 8 {
			t.Fatalf("base %d: %d private changes for player 4, want its 8 entities", base, len(priv))
		}
		allocs := testing.AllocsPerRun(100, func() {
			for p := world.PlayerID(1); p <= 4; p++ {
				priv, vals = d.PrivateFor(privSchemas, p, priv, vals)
			}
		})
		if allocs != 0 {
			t.Errorf("base %d: PrivateFor allocates %v times, want 0", base, allocs)
		}
	}
}

// TestPrivateForMatchesOwnersView: for random worlds, the delta a spectator
// sees (the public part) plus PrivateFor(p) takes p's view of the baseline
// to p's view now.
func TestPrivateForMatchesOwnersView(t *testing.T) {
	t.Parallel()
	rapid.Check(t, func(t *rapid.T) {
		w := world.New(privSchemas, world.Options{History: 64})
		const players = 3
		var snaps []world.State
		var d world.Delta
		var priv []world.Change
		var vals []world.Value
		for range rapid.IntRange(1, 12).Draw(t, "ticks") {
			w.Advance()
			for range rapid.IntRange(0, 6).Draw(t, "ops") {
				es := w.Entities()
				switch op := rapid.IntRange(0, 3).Draw(t, "op"); {
				case op == 0 || len(es) == 0:
					w.SpawnOwned(rapid.IntRange(0, len(privSchemas)-1).Draw(t, "type"), world.PlayerID(rapid.IntRange(0, players).Draw(t, "owner")))
				case op == 1:
					w.Remove(es[rapid.IntRange(0, len(es)-1).Draw(t, "remove")].ID())
				default:
					e := es[rapid.IntRange(0, len(es)-1).Draw(t, "set")]
					f := rapid.IntRange(0, len(e.Values())-1).Draw(t, "field")
					if privSchemas[e.Type()].Fields[f].Type == world.String {
						e.SetString(f, rapid.SampledFrom([]string{"", "a", "b"}).Draw(t, "s"))
					} else {
						e.SetInt(f, rapid.Int64Range(-2, 2).Draw(t, "i"))
					}
				}
			}
			snaps = append(snaps, w.Snapshot())
		}
		now := snaps[len(snaps)-1]
		for p := world.PlayerID(1); p <= players; p++ {
			baseIdx := rapid.IntRange(-1, len(snaps)-1).Draw(t, "base") // -1: a snapshot
			var base world.State
			if baseIdx >= 0 {
				base = ownersView(snaps[baseIdx], p)
			}
			w.DeltaSince(base.Tick, &d)
			priv, vals = d.PrivateFor(privSchemas, p, priv, vals)
			for i, c := range priv {
				if c.Owner != p || c.Mask&^privSchemas[c.Type].PrivateMask() != 0 || (i > 0 && priv[i-1].ID >= c.ID) {
					t.Fatalf("PrivateFor(%d) holds %+v", p, priv)
				}
			}
			public := publicPart(&d)
			public.Private = priv
			got, err := world.Apply(privSchemas, base, &public)
			if err != nil {
				t.Fatalf("player %d, base %d: Apply: %v", p, base.Tick, err)
			}
			if want := ownersView(now, p); !world.Equal(got, want) {
				t.Fatalf("player %d, base %d: got\n%+v\nwant\n%+v", p, base.Tick, got, want)
			}
		}
	})
}

// ownersView is s with the private fields of entities p does not own zero.
func ownersView(s world.State, p world.PlayerID) world.State {
	out := world.State{Tick: s.Tick}
	for _, e := range s.Entities {
		vals := slices.Clone(e.Values)
		if e.Owner != p {
			for f, fd := range privSchemas[e.Type].Fields {
				if fd.Private {
					vals[f] = world.Value{}
				}
			}
		}
		out.Entities = append(out.Entities, world.EntityState{ID: e.ID, Type: e.Type, Values: vals, Owner: e.Owner})
	}
	return out
}

// publicPart copies d with the private fields hidden as the wire hides them:
// zero in Added, left out of Changed.
func publicPart(d *world.Delta) world.Delta {
	out := world.Delta{Tick: d.Tick, Base: d.Base, Removed: slices.Clone(d.Removed)}
	for _, a := range d.Added {
		vals := slices.Clone(a.Values)
		m := privSchemas[a.Type].PrivateMask()
		for f := range vals {
			if m&(1<<f) != 0 {
				vals[f] = world.Value{}
			}
		}
		out.Added = append(out.Added, world.EntityState{ID: a.ID, Type: a.Type, Values: vals})
	}
	for _, c := range d.Changed {
		pub := c.Mask &^ privSchemas[c.Type].PrivateMask()
		if pub == 0 {
			continue
		}
		var vals []world.Value
		i := 0
		for m := c.Mask; m != 0; m &= m - 1 {
			if pub&(m&-m) != 0 {
				vals = append(vals, c.Values[i])
			}
			i++
		}
		out.Changed = append(out.Changed, world.Change{ID: c.ID, Mask: pub, Values: vals})
	}
	return out
}

// TestApplyPrivate: Apply applies Delta.Private after the rest of the
// delta, to entities it adds as well as to ones it keeps.
func TestApplyPrivate(t *testing.T) {
	t.Parallel()
	player := func(id world.EntityID, x, ammo int64, name, hand string) world.EntityState {
		return world.EntityState{ID: id, Type: pPlayer, Values: []world.Value{{I: x}, {I: ammo}, {S: name}, {S: hand}}}
	}
	base := world.State{Tick: 5, Entities: []world.EntityState{player(1, 0, 10, "ada", "A"), player(2, 0, 0, "bob", "")}}
	for _, tc := range []struct {
		name string
		d    world.Delta
		want world.State
	}{
		{"private of a kept entity", world.Delta{Tick: 6, Base: 5,
			Private: []world.Change{{ID: 1, Mask: 1<<pAmmo | 1<<pHand, Values: []world.Value{{I: -3}, {S: "AK"}}}}},
			world.State{Tick: 6, Entities: []world.EntityState{player(1, 0, 7, "ada", "AK"), player(2, 0, 0, "bob", "")}}},
		{"private of an entity the delta adds", world.Delta{Tick: 6, Base: 5,
			Added:   []world.EntityState{player(3, 9, 0, "cy", "")},
			Private: []world.Change{{ID: 3, Mask: 1<<pAmmo | 1<<pHand, Values: []world.Value{{I: 12}, {S: "Q"}}}}},
			world.State{Tick: 6, Entities: []world.EntityState{player(1, 0, 10, "ada", "A"), player(2, 0, 0, "bob", ""), player(3, 9, 12, "cy", "Q")}}},
		{"private of an entity the delta changes", world.Delta{Tick: 6, Base: 5,
			Changed: []world.Change{{ID: 2, Mask: 1<<pX | 1<<pHand, Values: []world.Value{{I: 4}, {S: "public"}}}},
			Private: []world.Change{{ID: 2, Mask: 1<<pAmmo | 1<<pHand, Values: []world.Value{{I: 1}, {S: "private"}}}}},
			// The private text wins: it is applied last.
			world.State{Tick: 6, Entities: []world.EntityState{player(1, 0, 10, "ada", "A"), player(2, 4, 1, "bob", "private")}}},
		{"private in a snapshot", world.Delta{Tick: 9,
			Added:   []world.EntityState{player(1, 1, 0, "ada", ""), player(4, 2, 0, "dan", "")},
			Private: []world.Change{{ID: 4, Mask: 1 << pAmmo, Values: []world.Value{{I: 50}}}}},
			world.State{Tick: 9, Entities: []world.EntityState{player(1, 1, 0, "ada", ""), player(4, 2, 50, "dan", "")}}},
		{"private of an entity added and removed ids around it", world.Delta{Tick: 6, Base: 5,
			Removed: []world.EntityID{1},
			Added:   []world.EntityState{player(7, 0, 0, "", "")},
			Private: []world.Change{{ID: 2, Mask: 1 << pAmmo, Values: []world.Value{{I: 2}}}, {ID: 7, Mask: 1 << pAmmo, Values: []world.Value{{I: 3}}}}},
			world.State{Tick: 6, Entities: []world.EntityState{player(2, 0, 2, "bob", ""), player(7, 0, 3, "", "")}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := world.Apply(privSchemas, base, &tc.d)
			if err != nil {
				t.Fatalf("Apply: %v", err)
			}
			if !world.Equal(got, tc.want) {
				t.Errorf("Apply = %+v, want %+v", got, tc.want)
			}
		})
	}
	// Apply does not write through to its inputs.
	if want := (world.State{Tick: 5, Entities: []world.EntityState{player(1, 0, 10, "ada", "A"), player(2, 0, 0, "bob", "")}}); !world.Equal(base, want) {
		t.Errorf("Apply changed its baseline to %+v", base)
	}
}

// TestApplyPrivateRejects: a private change the result cannot take is a bad
// delta, whatever else the delta holds.
func TestApplyPrivateRejects(t *testing.T) {
	t.Parallel()
	player := world.EntityState{ID: 1, Type: pPlayer, Values: []world.Value{{}, {}, {}, {}}}
	base := world.State{Tick: 5, Entities: []world.EntityState{player, {ID: 3, Type: pRock, Values: []world.Value{{}}}}}
	one := []world.Value{{I: 1}}
	for _, tc := range []struct {
		name string
		d    world.Delta
	}{
		{"entity not in the result", world.Delta{Tick: 6, Base: 5, Private: []world.Change{{ID: 2, Mask: 1, Values: one}}}},
		{"entity after the last", world.Delta{Tick: 6, Base: 5, Private: []world.Change{{ID: 9, Mask: 1, Values: one}}}},
		{"entity the delta removes", world.Delta{Tick: 6, Base: 5, Removed: []world.EntityID{1}, Private: []world.Change{{ID: 1, Mask: 1, Values: one}}}},
		{"entity not in a snapshot", world.Delta{Tick: 6, Private: []world.Change{{ID: 1, Mask: 1, Values: one}}}},
		{"mask beyond the fields", world.Delta{Tick: 6, Base: 5, Private: []world.Change{{ID: 3, Mask: 0b10, Values: one}}}},
		{"mask 0", world.Delta{Tick: 6, Base: 5, Private: []world.Change{{ID: 1}}}},
		{"too few values", world.Delta{Tick: 6, Base: 5, Private: []world.Change{{ID: 1, Mask: 0b11, Values: one}}}},
		{"too many values", world.Delta{Tick: 6, Base: 5, Private: []world.Change{{ID: 1, Mask: 0b1, Values: []world.Value{{}, {}}}}}},
		{"second change bad", world.Delta{Tick: 6, Base: 5, Private: []world.Change{{ID: 1, Mask: 1, Values: one}, {ID: 4, Mask: 1, Values: one}}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := world.Apply(privSchemas, base, &tc.d)
			if !errors.Is(err, world.ErrBadDelta) {
				t.Fatalf("Apply error = %v, want ErrBadDelta", err)
			}
			if !reflect.DeepEqual(got, world.State{}) {
				t.Errorf("Apply returned %v with its error, want the zero State", got)
			}
		})
	}
}

// TestDeltaOwners: a World's deltas carry each entity's owner and type in
// Added and Changed, and Reset empties Private.
func TestDeltaOwners(t *testing.T) {
	t.Parallel()
	w := world.New(privSchemas, world.Options{})
	w.Advance()
	e := w.SpawnOwned(pCrate, 7)
	n := w.Spawn(pRock)
	if e.Owner() != 7 || n.Owner() != 0 {
		t.Fatalf("owners %d, %d; want 7, 0", e.Owner(), n.Owner())
	}
	var d world.Delta
	w.DeltaSince(0, &d)
	if d.Added[0].Owner != 7 || d.Added[1].Owner != 0 {
		t.Errorf("added owners %d, %d; want 7, 0", d.Added[0].Owner, d.Added[1].Owner)
	}
	if s := w.Snapshot(); s.Entities[0].Owner != 7 {
		t.Errorf("snapshot owner %d, want 7", s.Entities[0].Owner)
	}
	w.Advance()
	e.SetBool(cOpen, true)
	n.SetInt(0, 1)
	w.DeltaSince(1, &d)
	want := []world.Change{
		{ID: 1, Mask: 1 << cOpen, Values: []world.Value{{I: 1}}, Type: pCrate, Owner: 7},
		{ID: 2, Mask: 1, Values: []world.Value{{I: 1}}, Type: pRock},
	}
	if !changesEqual(d.Changed, want) {
		t.Errorf("changed = %+v, want %+v", d.Changed, want)
	}
	d.Private = append(d.Private, world.Change{ID: 1})
	d.Reset()
	if len(d.Private) != 0 {
		t.Errorf("Reset left Private %+v", d.Private)
	}
	// A delta from the world never fills Private itself.
	w.DeltaSince(1, &d)
	if len(d.Private) != 0 {
		t.Errorf("DeltaSince filled Private: %+v", d.Private)
	}
}
