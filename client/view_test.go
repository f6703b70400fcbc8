package client

import (
	"fmt"
	"slices"
	"testing"

	"github.com/tickroom/tickroom/netcode"
	"github.com/tickroom/tickroom/world"
)

// shipSchemas: a ship with a float position and a name, a rock with a size.
var shipSchemas = []world.Schema{
	{Name: "ship", Fields: []world.Field{
		{Name: "x", Type: world.Float, Quantum: 0.5},
		{Name: "name", Type: world.String},
		{Name: "shield", Type: world.Bool},
	}},
	{Name: "rock", Fields: []world.Field{{Name: "size", Type: world.Int}}},
}

func ship(id world.EntityID, x int64, name string) world.EntityState {
	return world.EntityState{ID: id, Type: 0, Values: []world.Value{{I: x}, {S: name}, {}}}
}

func rock(id world.EntityID, size int64) world.EntityState {
	return world.EntityState{ID: id, Type: 1, Values: []world.Value{{I: size}}}
}

func shipFrame(t *testing.T, base, to world.State) []byte {
	t.Helper()
	d := world.Diff(shipSchemas, base, to)
	return encode(t, &netcode.State{Delta: d})
}

// A View reads entities by type and field name, floats in units; OnChange
// reports what each applied state added, changed and removed against the
// state before it, even when the diff's baseline is older.
func TestViewAndOnChange(t *testing.T) {
	var changes []Change
	c, _ := newFakeClient(t, Options{OnChange: func(ch Change) { changes = append(changes, ch) }})
	c.deliver(encode(t, &netcode.Welcome{Version: netcode.ProtocolVersion, Room: "r", TickRate: 20, SendRate: 20, Schemas: shipSchemas}))
	s1 := world.State{Tick: 1, Entities: []world.EntityState{ship(1, 4, "a"), rock(2, 7), ship(3, 0, "c")}}
	s2 := world.State{Tick: 2, Entities: []world.EntityState{ship(1, 5, "a"), rock(2, 7), ship(3, 0, "c")}}
	s3 := world.State{Tick: 3, Entities: []world.EntityState{ship(1, 5, "b"), rock(2, 7), rock(4, 1)}}
	c.deliver(shipFrame(t, world.State{}, s1))
	c.deliver(shipFrame(t, s1, s2))
	c.deliver(shipFrame(t, s1, s3)) // against an older baseline: still compared with s2

	v := c.View()
	shipT, ok1 := v.TypeByName("ship")
	rockT, ok2 := v.TypeByName("rock")
	x, ok3 := v.FieldByName(shipT, "x")
	name, ok4 := v.FieldByName(shipT, "name")
	shield, ok5 := v.FieldByName(shipT, "shield")
	size, ok6 := v.FieldByName(rockT, "size")
	if !ok1 || !ok2 || !ok3 || !ok4 || !ok5 || !ok6 || shipT != 0 || rockT != 1 || x != 0 || name != 1 || size != 0 {
		t.Fatalf("lookups: %d %d %d %d %d %v", shipT, rockT, x, name, size, []bool{ok1, ok2, ok3, ok4, ok5, ok6})
	}
	if _, ok := v.TypeByName("tree"); ok {
		t.Error("TypeByName found a type that does not exist")
	}
	for _, bad := range []int{-1, 2} {
		if _, ok := v.FieldByName(bad, "x"); ok {
			t.Errorf("FieldByName(%d) found a field", bad)
		}
	}
	if _, ok := v.FieldByName(rockT, "x"); ok {
		t.Error("FieldByName found x on rocks")
	}
	e, ok := v.Entity(1)
	if !ok || e.Float(x) != 2.5 || e.Int(x) != 5 || e.String(name) != "b" || e.Bool(shield) || e.TypeName() != "ship" {
		t.Errorf("entity 1 = %+v", e)
	}
	if _, ok := v.Entity(3); ok {
		t.Error("removed entity 3 still in the view")
	}
	var rocks []string
	for r := range v.Entities(rockT) {
		rocks = append(rocks, fmt.Sprint(r.ID, ":", r.Int(size)))
	}
	if fmt.Sprint(rocks) != "[2:7 4:1]" {
		t.Errorf("rocks %v", rocks)
	}
	n := 0
	for range v.Entities(-1) {
		n++
	}
	if n != 3 {
		t.Errorf("Entities(-1) yielded %d, want 3", n)
	}

	if len(changes) != 3 {
		t.Fatalf("%d changes, want one per state", len(changes))
	}
	ids := func(ids []world.EntityID) string { return fmt.Sprint(ids) }
	c0, c1, c2 := changes[0], changes[1], changes[2]
	if ids(c0.Added) != "[1 2 3]" || len(c0.Changed) != 0 || len(c0.Removed) != 0 || c0.Prev.Tick() != 0 || c0.Next.Tick() != 1 {
		t.Errorf("first change %+v, want everything added", c0)
	}
	if len(c1.Added) != 0 || len(c1.Removed) != 0 || !slices.Equal(c1.Changed, []EntityChange{{ID: 1, Fields: 1 << x}}) {
		t.Errorf("second change %+v, want ship 1's x", c1)
	}
	if !c1.Changed[0].Has(x) || c1.Changed[0].Has(name) || c1.Changed[0].Has(64) {
		t.Errorf("Has: %+v", c1.Changed[0])
	}
	if ids(c2.Added) != "[4]" || ids(c2.Removed) != "[3]" || !slices.Equal(c2.Changed, []EntityChange{{ID: 1, Fields: 1 << name}}) {
		t.Errorf("third change %+v, want rock 4 added, ship 3 removed, ship 1's name", c2)
	}
	if old, ok := c2.Prev.Entity(3); !ok || old.String(name) != "c" {
		t.Errorf("the removed entity's last values are not in Prev: %+v", old)
	}

	// A diff whose baseline is gone changes nothing and reports nothing.
	c.deliver(shipFrame(t, world.State{Tick: 9}, world.State{Tick: 10}))
	if len(changes) != 3 {
		t.Errorf("%d changes after a lost baseline, want 3", len(changes))
	}
}

// Outside a room the view is empty and reads nothing.
func TestViewInLobby(t *testing.T) {
	c, _ := newFakeClient(t, Options{})
	v := c.View()
	if _, ok := v.TypeByName("ship"); ok || v.Tick() != 0 {
		t.Errorf("lobby view %+v", v)
	}
	if _, ok := v.Entity(1); ok {
		t.Error("entity in the lobby")
	}
}
