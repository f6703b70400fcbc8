package arena_test

import (
	"fmt"
	"testing"

	"github.com/tickroom/tickroom/games/arena"
	"github.com/tickroom/tickroom/world"
)

var benchSizes = []int{16, 64, 256}

// benchArena is an arena with n players, all moving, whose inputs change
// direction every 40 ticks.
type benchArena struct {
	w *world.World
	a *arena.Game
	n int
}

var benchDirs = [][2]int16{
	{world.MaxAxis, 0}, {world.MaxAxis, world.MaxAxis}, {0, world.MaxAxis}, {-world.MaxAxis, world.MaxAxis / 2},
	{-world.MaxAxis, 0}, {-world.MaxAxis, -world.MaxAxis}, {0, -world.MaxAxis}, {world.MaxAxis / 2, -world.MaxAxis},
}

func newBenchArena(b *testing.B, n int) *benchArena {
	a := arena.New()
	w := world.New(a.Schemas(), world.Options{Seed: 1})
	a.Init(w)
	w.Advance()
	for p := range n {
		if _, err := a.Join(w, world.PlayerID(p), fmt.Sprintf("player-%d", p)); err != nil {
			b.Fatal(err)
		}
	}
	ba := &benchArena{w: w, a: a, n: n}
	ba.steer()
	for range 200 { // past the first pickups and a full journal ring
		ba.tick()
	}
	return ba
}

// steer gives every player a direction that depends on the player and on the
// current 40-tick period.
func (ba *benchArena) steer() {
	period := int(ba.w.Tick() / 40)
	for p := range ba.n {
		d := benchDirs[(p*3+period)%len(benchDirs)]
		ba.a.Input(ba.w, world.PlayerID(p), world.Input{Axes: [4]int16{d[0], d[1]}})
	}
}

func (ba *benchArena) tick() {
	ba.w.Advance()
	if ba.w.Tick()%40 == 0 {
		ba.steer()
	}
	ba.a.Step(ba.w, dt)
}

// BenchmarkStep measures one arena tick: Advance, the inputs of every 40th
// tick, and Step.
func BenchmarkStep(b *testing.B) {
	for _, n := range benchSizes {
		b.Run(fmt.Sprintf("entities=%d", n), func(b *testing.B) {
			ba := newBenchArena(b, n)
			b.ReportAllocs()
			for b.Loop() {
				ba.tick()
			}
		})
	}
}

// BenchmarkArenaTick is a room's tick for 16 players: Advance, inputs, Step
// and the delta from the previous tick into a reused Delta.
func BenchmarkArenaTick(b *testing.B) {
	ba := newBenchArena(b, 16)
	var d world.Delta
	b.ReportAllocs()
	for b.Loop() {
		ba.tick()
		ba.w.DeltaSince(ba.w.Tick()-1, &d)
	}
}

// BenchmarkDeltaSince builds the delta from the previous tick, in which every
// player moved.
func BenchmarkDeltaSince(b *testing.B) {
	for _, n := range benchSizes {
		b.Run(fmt.Sprintf("entities=%d", n), func(b *testing.B) {
			ba := newBenchArena(b, n)
			for ba.w.Tick()%40 == 0 { // not a tick where directions change
				ba.tick()
			}
			var d world.Delta
			base := ba.w.Tick() - 1
			ba.w.DeltaSince(base, &d)
			b.ReportAllocs()
			for b.Loop() {
				ba.w.DeltaSince(base, &d)
			}
			b.ReportMetric(float64(len(d.Changed)), "changed/op")
		})
	}
}

// BenchmarkDiff is the reference comparator on the same tick as
// BenchmarkDeltaSince at 256 players, for contrast: it walks both states.
func BenchmarkDiff(b *testing.B) {
	ba := newBenchArena(b, 256)
	prev := ba.w.Snapshot()
	ba.tick()
	cur := ba.w.Snapshot()
	schemas := ba.w.Schemas()
	b.ReportAllocs()
	for b.Loop() {
		d := world.Diff(schemas, prev, cur)
		_ = d
	}
}
