package world_test

import (
	"math"
	"testing"
	"time"

	"github.com/tickroom/tickroom/world"
)

func TestAxisAndStick(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		in   int16
		want float64
	}{{0, 0}, {world.MaxAxis, 1}, {-world.MaxAxis, -1}, {world.MaxAxis / 2, 0.5}, {math.MaxInt16, 1}, {math.MinInt16, -1}} {
		if got := world.Axis(tt.in); got != tt.want {
			t.Errorf("Axis(%d) = %v, want %v", tt.in, got, tt.want)
		}
	}
	dx, dy := world.Stick(world.Input{Axes: [4]int16{math.MaxInt16, 0, world.MaxAxis}}, 0, 2)
	if got := math.Hypot(dx, dy); math.Abs(got-1) > 1e-12 || math.Abs(dx-dy) > 1e-12 {
		t.Errorf("Stick of a full diagonal = (%v, %v), want length 1 at 45°", dx, dy)
	}
	if dx, dy := world.Stick(world.Input{Axes: [4]int16{world.MaxAxis / 2}}, 0, 1); dx != 0.5 || dy != 0 {
		t.Errorf("Stick of half right = (%v, %v), want (0.5, 0): short sticks are not stretched", dx, dy)
	}
}

func TestClamp(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct{ v, want float64 }{{-1, 0}, {0.5, 0.5}, {2, 1}, {math.NaN(), 0}, {math.Inf(1), 1}, {math.Inf(-1), 0}} {
		if got := world.Clamp(tt.v, 0, 1); got != tt.want {
			t.Errorf("Clamp(%v, 0, 1) = %v, want %v", tt.v, got, tt.want)
		}
	}
}

func TestCountdown(t *testing.T) {
	t.Parallel()
	var c world.Countdown
	if c.Running() || c.Advance(time.Hour) || c.Left() != 0 {
		t.Fatal("the zero Countdown must be stopped and never fire")
	}
	c.Start(120 * time.Millisecond)
	fired := 0
	for i := 1; i <= 10; i++ {
		if c.Advance(50 * time.Millisecond) {
			fired++
			if i != 3 {
				t.Errorf("fired at step %d, want 3 (120ms in steps of 50ms)", i)
			}
		}
	}
	if fired != 1 || c.Running() {
		t.Errorf("fired %d times, running %v; want once, then stopped", fired, c.Running())
	}
	c.Start(time.Second)
	c.Advance(400 * time.Millisecond)
	if got := c.Left(); got != 600*time.Millisecond {
		t.Errorf("Left = %v, want 600ms", got)
	}
	c.Stop()
	if c.Advance(time.Hour) {
		t.Error("a stopped countdown fired")
	}
	c.Start(0)
	if !c.Advance(0) {
		t.Error("Start(0) did not fire at the next Advance")
	}
}

// TestAddFloatNoDrift moves an entity at 100 units/s at 30 Hz, where one
// step (3.33… units) is not a whole number of quanta: SetFloat of the sum
// would lose a third of a quantum a step, AddFloat loses nothing.
func TestAddFloatNoDrift(t *testing.T) {
	t.Parallel()
	w := world.New(testSchemas, world.Options{})
	w.Advance()
	exact, rounded := w.Spawn(shipType), w.Spawn(shipType)
	step := 100.0 / 30
	for range 30 * 10 {
		w.Advance()
		exact.AddFloat(shipX, step)
		rounded.SetFloat(shipX, rounded.Float(shipX)+step)
	}
	if got := exact.Float(shipX); math.Abs(got-1000) > 0.125 {
		t.Errorf("after 10 s at 100 u/s: x = %v, want 1000 within half a quantum", got)
	}
	if got := rounded.Float(shipX); math.Abs(got-1000) < 1 {
		t.Errorf("SetFloat of the sum reached %v: the test no longer shows the drift AddFloat avoids", got)
	}
}

func TestAddFloatClamped(t *testing.T) {
	t.Parallel()
	w := world.New(testSchemas, world.Options{})
	w.Advance()
	e := w.Spawn(shipType)
	e.SetFloat(shipX, 9)
	for range 10 {
		e.AddFloatClamped(shipX, 0.4, 0, 10)
	}
	if got := e.Float(shipX); got != 10 {
		t.Errorf("x = %v, want the bound 10", got)
	}
	e.AddFloatClamped(shipX, -0.1, 0, 10) // nothing carried from beyond the bound
	if got := e.Float(shipX); got != 10 {
		t.Errorf("after -0.1 at the bound: x = %v, want 10 (a quarter quantum rounds back)", got)
	}
	e.AddFloatClamped(shipX, math.NaN(), 0, 10)
	if got := e.Float(shipX); got != 0 {
		t.Errorf("NaN step: x = %v, want the lower bound 0", got)
	}
	// Setting the field drops the carry: two steps of 0.4 quantum after a
	// SetFloat each round to nothing, where together they would make one.
	e.SetFloat(shipX, 5)
	e.AddFloat(shipX, 0.1)
	e.SetFloat(shipX, 5)
	e.AddFloat(shipX, 0.1)
	if got := e.Float(shipX); got != 5 {
		t.Errorf("x = %v, want 5: a SetFloat must drop the carried remainder", got)
	}
}

func TestFieldByName(t *testing.T) {
	t.Parallel()
	s := testSchemas[shipType]
	if got := s.FieldIndex("x"); got != shipX {
		t.Errorf(`FieldIndex("x") = %d, want %d`, got, shipX)
	}
	if got := s.FieldIndex("nope"); got != -1 {
		t.Errorf(`FieldIndex("nope") = %d, want -1`, got)
	}
	if got := s.Fields[shipX].Float(world.Value{I: 6}); got != 1.5 {
		t.Errorf("Float of 6 quanta of 0.25 = %v, want 1.5", got)
	}
	if got := s.Fields[shipHP].Float(world.Value{I: 6}); got != 6 {
		t.Errorf("Float of an int field = %v, want 6", got)
	}
}

// Again keeps a countdown's period exact: restarted on every firing, a
// one-second countdown stepped every 30 ms fires 60 times a minute, where
// Start, losing the overshoot each time, fires every 34 steps (58 times).
func TestCountdownAgain(t *testing.T) {
	t.Parallel()
	for _, again := range []bool{true, false} {
		var c world.Countdown
		c.Start(time.Second)
		fired := 0
		for range 2000 { // 60 s
			if c.Advance(30 * time.Millisecond) {
				fired++
				if again {
					c.Again(time.Second)
				} else {
					c.Start(time.Second)
				}
			}
		}
		if want := map[bool]int{true: 60, false: 58}[again]; fired != want {
			t.Errorf("again=%v: fired %d times in a minute, want %d", again, fired, want)
		}
	}
}

// Quantize gives the same answer everywhere for values no field can hold.
func TestQuantizeSaturates(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		v    float64
		want int64
	}{{math.NaN(), 0}, {math.Inf(1), math.MaxInt64}, {math.Inf(-1), math.MinInt64}, {1e300, math.MaxInt64}, {2.5, 25}} {
		if got := world.Quantize(tt.v, 0.1); got != tt.want {
			t.Errorf("Quantize(%v, 0.1) = %d, want %d", tt.v, got, tt.want)
		}
	}
}
