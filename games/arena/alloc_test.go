package arena

import (
	"runtime"
	"testing"
	"time"

	"github.com/tickroom/tickroom/world"
)

// TestArenaStepNoAllocs runs the real arena Step with 16 moving players and
// pickups switched off: a steady tick with its delta allocates nothing.
func TestArenaStepNoAllocs(t *testing.T) {
	a := New()
	w := world.New(a.Schemas(), world.Options{})
	a.Init(w)
	a.nextSpawn = 1 << 62 // no pickups
	w.Advance()
	for p := range world.PlayerID(16) {
		if _, err := a.Join(w, p, "player"); err != nil {
			t.Fatal(err)
		}
	}
	var d world.Delta
	dirs := [][2]int16{{world.MaxAxis, 0}, {0, world.MaxAxis}, {-world.MaxAxis, -world.MaxAxis}, {-world.MaxAxis, world.MaxAxis / 3}}
	tick := func() {
		w.Advance()
		for p := range world.PlayerID(16) {
			dir := dirs[(int(p)+int(w.Tick()/40))%len(dirs)]
			a.Input(w, p, world.Input{Axes: [4]int16{dir[0], dir[1]}})
		}
		a.Step(w, 50*time.Millisecond)
		w.DeltaSince(w.Tick()-1, &d)
	}
	for range 3 * w.History() {
		tick()
	}
	if got := testing.AllocsPerRun(400, tick); got != 0 {
		t.Errorf("allocs per steady arena tick without pickups = %v, want 0", got)
	}
	if len(d.Changed) == 0 {
		t.Error("nobody moved")
	}
}

// TestArenaTickAllocs measures (and bounds) what a full arena tick, pickups
// included, allocates on average: pickups are new entities.
func TestArenaTickAllocs(t *testing.T) {
	a := New()
	w := world.New(a.Schemas(), world.Options{Seed: 1})
	a.Init(w)
	w.Advance()
	for p := range world.PlayerID(16) {
		if _, err := a.Join(w, p, "player"); err != nil {
			t.Fatal(err)
		}
	}
	var d world.Delta
	tick := func() {
		w.Advance()
		for p := range world.PlayerID(16) {
			a.Input(w, p, world.Input{Axes: [4]int16{int16((int(p)*37+int(w.Tick()/40)*101)%2001 - 1000), world.MaxAxis / 2}})
		}
		a.Step(w, 50*time.Millisecond)
		w.DeltaSince(w.Tick()-1, &d)
	}
	for range 1000 {
		tick()
	}
	const n = 4000
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	for range n {
		tick()
	}
	runtime.ReadMemStats(&after)
	per := float64(after.Mallocs-before.Mallocs) / n
	t.Logf("full arena tick, 16 players: %.2f allocs/tick (%.0f B/tick), a pickup spawns every 10 ticks", per, float64(after.TotalAlloc-before.TotalAlloc)/n)
	if per > 1 {
		t.Errorf("%.2f allocs per arena tick, want at most 1 (4 per pickup spawn, every 10th tick)", per)
	}
}
