package world_test

import (
	"errors"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/tickroom/tickroom/world"
)

// TestNoClock keeps the package free of clock reads and timers: a world only
// knows the durations it is handed.
func TestNoClock(t *testing.T) {
	t.Parallel()
	forbidden := []string{"time.Now(", "time.Sleep(", "time.After", "time.NewTimer", "time.NewTicker", "time.Since(", "time.Until(", "time.Tick("}
	entries, err := os.ReadDir(".")
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, e := range entries {
		name := e.Name()
		if e.IsDir() || !strings.HasSuffix(name, ".go") || strings.HasSuffix(name, "_test.go") {
			continue
		}
		n++
		src, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range forbidden {
			if strings.Contains(string(src), f) {
				t.Errorf("%s contains %q", name, f)
			}
		}
	}
	if n == 0 {
		t.Fatal("no source files found")
	}
}

func TestSchemaValidate(t *testing.T) {
	t.Parallel()
	many := make([]world.Field, world.MaxFields+1)
	for i := range many {
		many[i] = world.Field{Name: "f", Type: world.Int}
	}
	tests := []struct {
		name string
		s    world.Schema
		ok   bool
	}{
		{"valid", world.Schema{Name: "s", Fields: []world.Field{{Name: "a", Type: world.Int}}}, true},
		{"max fields", world.Schema{Name: "s", Fields: many[:world.MaxFields]}, true},
		{"no name", world.Schema{Fields: []world.Field{{Name: "a", Type: world.Int}}}, false},
		{"no fields", world.Schema{Name: "s"}, false},
		{"too many fields", world.Schema{Name: "s", Fields: many}, false},
		{"float without quantum", world.Schema{Name: "s", Fields: []world.Field{{Name: "a", Type: world.Float}}}, false},
		{"float with negative quantum", world.Schema{Name: "s", Fields: []world.Field{{Name: "a", Type: world.Float, Quantum: -1}}}, false},
		{"zero type", world.Schema{Name: "s", Fields: []world.Field{{Name: "a"}}}, false},
		{"unknown type", world.Schema{Name: "s", Fields: []world.Field{{Name: "a", Type: 9}}}, false},
	}
	for _, tt := range tests {
		err := tt.s.Validate()
		if tt.ok && err != nil {
			t.Errorf("%s: Validate() = %v, want nil", tt.name, err)
		}
		if !tt.ok && !errors.Is(err, world.ErrInvalidSchema) {
			t.Errorf("%s: Validate() = %v, want ErrInvalidSchema", tt.name, err)
		}
	}
	for _, s := range testSchemas {
		if err := s.Validate(); err != nil {
			t.Errorf("test schema %s: %v", s.Name, err)
		}
	}
}

func TestNewPanicsOnBadSchemas(t *testing.T) {
	t.Parallel()
	for name, schemas := range map[string][]world.Schema{
		"none":    nil,
		"invalid": {{Name: "s"}},
		"257":     make([]world.Schema, 257),
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("New with %s schemas did not panic", name)
				}
			}()
			world.New(schemas, world.Options{})
		}()
	}
}

func TestEntityFields(t *testing.T) {
	t.Parallel()
	w := world.New(testSchemas, world.Options{})
	w.Advance()
	e := w.Spawn(0)
	if e.ID() != 1 || e.Type() != 0 || e.Created() != 1 {
		t.Fatalf("entity id %d type %d created %d, want 1 0 1", e.ID(), e.Type(), e.Created())
	}
	e.SetInt(0, -7)
	e.SetFloat(1, 1.13) // quantum 0.25
	e.SetBool(2, true)
	e.SetString(3, "longer than six")
	if got := e.Int(0); got != -7 {
		t.Errorf("Int = %d", got)
	}
	if got, raw := e.Float(1), e.Int(1); got != 1.25 || raw != 5 {
		t.Errorf("Float = %v (%d quanta), want 1.25 (5)", got, raw)
	}
	if !e.Bool(2) {
		t.Error("Bool = false")
	}
	if got := e.String(3); got != "longer" {
		t.Errorf("String = %q, want %q (MaxLen 6)", got, "longer")
	}
	n := w.Spawn(1)
	n.SetString(0, strings.Repeat("y", 40))
	if got := len(n.String(0)); got != world.DefaultMaxLen {
		t.Errorf("default MaxLen: kept %d bytes, want %d", got, world.DefaultMaxLen)
	}
	for _, q := range []struct {
		v, q float64
		want int64
	}{{0.06, 0.1, 1}, {-0.06, 0.1, -1}, {0.04, 0.1, 0}, {1000, 0.1, 10000}, {-2.5, 1, -3}} {
		if got := world.Quantize(q.v, q.q); got != q.want {
			t.Errorf("Quantize(%v, %v) = %d, want %d", q.v, q.q, got, q.want)
		}
	}
}

func TestSpawnRemove(t *testing.T) {
	t.Parallel()
	w := world.New(testSchemas, world.Options{})
	if w.Tick() != 0 || w.History() != world.DefaultHistory {
		t.Fatalf("new world: tick %d history %d", w.Tick(), w.History())
	}
	w.Advance()
	for i := range 5 {
		w.Spawn(i % 2)
	}
	w.Remove(2)
	w.Remove(4)
	w.Remove(4)  // twice
	w.Remove(77) // unknown
	var ids []world.EntityID
	for _, e := range w.Entities() {
		ids = append(ids, e.ID())
	}
	if want := []world.EntityID{1, 3, 5}; !slices.Equal(ids, want) || w.Len() != 3 {
		t.Fatalf("ids %v, want %v", ids, want)
	}
	if w.Entity(2) != nil || w.Entity(3) == nil {
		t.Error("Entity lookup disagrees with Entities")
	}
	if e := w.Spawn(0); e.ID() != 6 {
		t.Errorf("new id %d, want 6: ids are never reused", e.ID())
	}
	s := w.Snapshot()
	if e, ok := s.Find(3); !ok || e.Type != 0 {
		t.Errorf("Find(3) = %v, %v", e, ok)
	}
	if _, ok := s.Find(4); ok {
		t.Error("Find(4) found a removed entity")
	}
	func() {
		defer func() {
			if recover() == nil {
				t.Error("Spawn of an unknown type did not panic")
			}
		}()
		w.Spawn(len(testSchemas))
	}()
}
