package world

import (
	"math"
	"time"
)

// Helpers that nearly every game needs and that are easy to get subtly
// wrong: reading stick axes, clamping, moving a quantized value without
// drift, and counting down in simulated time.

// Axis maps a raw input axis to [-1, 1]: ±MaxAxis is full deflection, and
// anything beyond it (a client may send any int16) is clamped.
func Axis(v int16) float64 { return Clamp(float64(v)/MaxAxis, -1, 1) }

// Stick reads axes x and y of in as a direction of length at most 1, so that
// a diagonal is no faster than a straight line. x and y index in.Axes.
func Stick(in Input, x, y int) (dx, dy float64) {
	dx, dy = Axis(in.Axes[x]), Axis(in.Axes[y])
	if m := math.Hypot(dx, dy); m > 1 {
		dx, dy = dx/m, dy/m
	}
	return dx, dy
}

// Clamp returns v limited to [lo, hi]. A NaN v becomes lo, so that a
// corrupt computation cannot put NaN into the world.
func Clamp(v, lo, hi float64) float64 {
	if !(v >= lo) { // also true for NaN
		return lo
	}
	return math.Min(v, hi)
}

// Countdown is a timer in simulated time, for rounds, cooldowns and
// immunity: a game starts it, advances it by the dt of each Step, and reads
// whether it fired. It never reads the clock, so a replay fires it at the
// same tick. The zero value is stopped.
type Countdown struct {
	left    time.Duration
	over    time.Duration // how far the last Advance went past the firing
	running bool
}

// Start (re)starts the countdown to fire after d of simulated time; d <= 0
// fires at the next Advance.
func (c *Countdown) Start(d time.Duration) { c.left, c.running = d, true }

// Stop stops the countdown without firing.
func (c *Countdown) Stop() { c.left, c.running = 0, false }

// Running reports whether the countdown is started and has not fired.
func (c *Countdown) Running() bool { return c.running }

// Left returns the simulated time until it fires, 0 when it is stopped.
func (c *Countdown) Left() time.Duration {
	if !c.running {
		return 0
	}
	return max(c.left, 0)
}

// Advance moves the countdown on by dt and reports whether it fired in this
// call: true exactly once per Start.
func (c *Countdown) Advance(dt time.Duration) bool {
	if !c.running {
		return false
	}
	c.left -= dt
	if c.left > 0 {
		return false
	}
	c.running, c.over, c.left = false, -c.left, 0
	return true
}

// Again restarts a countdown that just fired so that it fires d after the
// moment it was due, not d after the step that noticed: a countdown
// restarted with Again every time it fires keeps its period exactly, where
// Start would lose up to a step each time (a point a second at 30 Hz would
// come 58 times a minute).
func (c *Countdown) Again(d time.Duration) { c.Start(d - c.over) }
