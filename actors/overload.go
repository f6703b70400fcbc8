package actors

import (
	"math"
	"sync/atomic"
	"time"
)

// The load signal is how late the rooms' ticks run. A room schedules each
// tick for when its next step falls due; when the machine has the CPU to
// spare the timer fires within a fraction of a millisecond, and as it runs
// out, every room's ticks start late together (their goroutines wait to
// run), before rooms overrun or queues fill. A room that fell behind
// counts its whole backlog (room.noteLateness). Lateness is counted in
// ticks of the room's own rate, so rooms of every rate weigh alike, and
// each tick counts at most maxLateMilli, so that one room whose game is
// slow on its own moves the mean of many only a little.

// tickLateness gathers the lateness of every room's ticks between two
// samples of the governor. Rooms add, the governor takes.
type tickLateness struct {
	milli atomic.Int64 // sum, in thousandths of a tick
	n     atomic.Int64 // ticks
}

const maxLateMilli = 4000

// note adds one tick that ran late by late, for a room whose ticks are
// step apart.
func (t *tickLateness) note(late, step time.Duration) {
	if step <= 0 {
		return
	}
	m := min(max(late.Microseconds()*1000/max(step.Microseconds(), 1), 0), maxLateMilli)
	t.milli.Add(m)
	t.n.Add(1)
}

// take returns the mean lateness, in ticks, of the ticks noted since the
// last take (0 when none ran: rooms that do not tick are not late), and
// how many there were.
func (t *tickLateness) take() (late float64, ticks int64) {
	n := t.n.Swap(0)
	m := t.milli.Swap(0) // a tick noted between the swaps counts in the next sample
	if n <= 0 {
		return 0, 0
	}
	return float64(m) / float64(n) / 1000, n
}

// loadControl turns samples of the lateness into the hub's response: an
// overload flag, which refuses newcomers, and a level by which every room
// lowers its send rate (scaledSendRate). It steps down fast and back up
// slowly, with a band between OverloadOptions.LateLow and LateHigh where it
// holds, so that the rates do not swing with every sample. The slow way
// back is for the players: their rates come back step by step, and
// newcomers wait until they have. So when no room is playing (no room
// ticked and none is awake: every one is empty) there is nobody to wait
// for, and the response ends at once; the next player's room is measured
// afresh. It reads no clock and no atomics: the governor feeds it, and
// tests drive it.
type loadControl struct {
	smooth     float64   // the lateness, smoothed, in ticks
	overloaded bool      // refusing newcomers
	level      int       // steps the send rates are lowered by
	calmSince  time.Time // since when smooth is at or below LateLow; zero: it is not
	stepAt     time.Time // when level last changed
}

const (
	loadInterval  = 500 * time.Millisecond // how often the governor samples
	loadSmoothing = 0.5                    // weight of the new sample in smooth: about a second's memory
	stepDownEvery = time.Second            // least time between two steps down of the send rates
	sendStep      = 0.75                   // each step scales the configured send rates by this
	maxSendLevels = 16
)

// update folds one sample (the mean lateness since the last, in ticks) in
// at now and decides; idle says that no room is playing. maxLevel is the
// level at which every room is at its floor. It reports whether the flag
// or the level changed.
func (l *loadControl) update(sample float64, idle bool, now time.Time, o OverloadOptions, maxLevel int) bool {
	was, wasLevel := l.overloaded, l.level
	l.smooth += loadSmoothing * (sample - l.smooth)
	switch {
	case o.Disabled:
		l.overloaded, l.level, l.calmSince = false, 0, time.Time{}
	case idle:
		l.smooth, l.overloaded, l.level, l.calmSince = 0, false, 0, time.Time{}
	case l.smooth >= o.LateHigh:
		l.calmSince = time.Time{}
		l.overloaded = true
		if l.level < maxLevel && now.Sub(l.stepAt) >= stepDownEvery {
			l.level++
			l.stepAt = now
		}
	case l.smooth <= o.LateLow:
		if l.calmSince.IsZero() {
			l.calmSince = now
		}
		calm := now.Sub(l.calmSince) >= o.RecoverAfter
		if calm && l.level > 0 && now.Sub(l.stepAt) >= o.RecoverAfter {
			l.level--
			l.stepAt = now
		}
		// Newcomers wait until the players have their rates back: they
		// come first.
		if calm && l.level == 0 {
			l.overloaded = false
		}
	default: // in the band: hold
		l.calmSince = time.Time{}
	}
	l.level = min(l.level, maxLevel) // a reload may have raised the floor
	return l.overloaded != was || l.level != wasLevel
}

// scaledSendRate is the send rate of a room configured at rate when the
// send rates are lowered by level steps: never below floor, and a rate at
// or below the floor is kept.
func scaledSendRate(rate, level, floor int) int {
	if level <= 0 || rate <= floor {
		return rate
	}
	scaled := int(math.Round(float64(rate) * math.Pow(sendStep, float64(level))))
	return max(scaled, floor)
}

// sendLevels returns the level at which the rooms of every mode are at
// the floor: steps beyond it would change nothing.
func sendLevels(o *Options) int {
	top := 0
	for mode := range o.Modes {
		top = max(top, o.roomOptions(mode).SendRate)
	}
	floor := o.Overload.MinSendRate
	for level := range maxSendLevels {
		if scaledSendRate(top, level, floor) <= floor {
			return level
		}
	}
	return maxSendLevels
}
