package world

import (
	"math"
	"strings"
	"unicode/utf8"
)

// EntityID names an entity within one world. IDs are never reused, so a
// delta can always tell a new entity from an old one.
type EntityID uint32

// Entity is a live entity of a World. Its setters record changes in the
// world's journal; an Entity must only be used by the goroutine that owns the
// world.
type Entity struct {
	w       *World
	id      EntityID
	owner   PlayerID // sees the private fields; 0: nobody
	typ     uint8
	created uint32 // tick it was spawned in
	removed bool
	vals    []Value
	stamp   []uint32  // tick in which each field was last journaled
	frac    []float64 // per Float field, the part below one quantum that AddFloat carries; nil until used

	// Scratch space for DeltaSince, valid while gen matches the world's.
	gen     uint32
	base    []Value // per field: value at the baseline tick
	pending uint64  // fields found changed since the baseline
}

// ID returns the entity's id.
func (e *Entity) ID() EntityID { return e.id }

// Owner returns the player who owns the entity (0: none); see SpawnOwned.
func (e *Entity) Owner() PlayerID { return e.owner }

// Type returns the index of the entity's schema in the world's schemas.
func (e *Entity) Type() int { return int(e.typ) }

// Created returns the tick the entity was spawned in.
func (e *Entity) Created() uint32 { return e.created }

// Values returns the entity's current values in field order. The slice is the
// entity's own storage: read it, do not keep or modify it.
func (e *Entity) Values() []Value { return e.vals }

// Int returns field f as an integer (also valid for Bool and Float, which
// gives the quantized value).
func (e *Entity) Int(f int) int64 { return e.vals[f].I }

// Float returns Float field f in its own units.
func (e *Entity) Float(f int) float64 {
	return float64(e.vals[f].I) * e.w.schemas[e.typ].Fields[f].Quantum
}

// Bool returns Bool field f.
func (e *Entity) Bool(f int) bool { return e.vals[f].I != 0 }

// String returns String field f.
func (e *Entity) String(f int) string { return e.vals[f].S }

// SetInt sets field f (Int, or the quantized value of a Float).
func (e *Entity) SetInt(f int, v int64) {
	if e.frac != nil {
		e.frac[f] = 0 // a value set outright has no remainder to carry
	}
	e.setInt(f, v)
}

func (e *Entity) setInt(f int, v int64) {
	if e.vals[f].I != v {
		e.touch(f)
		e.vals[f].I = v
	}
}

// SetFloat quantizes v to the field's quantum and stores it.
func (e *Entity) SetFloat(f int, v float64) {
	e.SetInt(f, Quantize(v, e.w.schemas[e.typ].Fields[f].Quantum))
}

// AddFloat adds d, in the field's units, to Float field f. Unlike
// SetFloat(f, Float(f)+d), which rounds at every call, it carries the part of
// d that is below one quantum to the next call: 30 steps of 3.33 units a
// second add up to 100, where rounding each would give 99. Setting the field
// outright drops what was carried.
func (e *Entity) AddFloat(f int, d float64) {
	e.AddFloatClamped(f, d, math.Inf(-1), math.Inf(1))
}

// AddFloatClamped is AddFloat with the result kept within [lo, hi] (see
// Clamp); reaching a bound drops what was carried.
func (e *Entity) AddFloatClamped(f int, d, lo, hi float64) {
	q := e.w.schemas[e.typ].Fields[f].Quantum
	if e.frac == nil {
		e.frac = make([]float64, len(e.vals))
	}
	exact := (float64(e.vals[f].I)+e.frac[f])*q + d
	v := Clamp(exact, lo, hi)
	n := Quantize(v, q)
	if v == exact {
		e.frac[f] = v/q - float64(n)
	} else {
		e.frac[f] = 0
	}
	e.setInt(f, n)
}

// SetBool sets Bool field f.
func (e *Entity) SetBool(f int, v bool) {
	var i int64
	if v {
		i = 1
	}
	e.SetInt(f, i)
}

// SetString sets String field f, cut to the field's MaxLen bytes at a UTF-8
// character boundary. Every client decodes it as text, so bytes that are
// not UTF-8 become U+FFFD first.
func (e *Entity) SetString(f int, v string) {
	if !utf8.ValidString(v) {
		v = strings.ToValidUTF8(v, "\uFFFD")
	}
	if n := e.w.schemas[e.typ].Fields[f].maxLen(); len(v) > n {
		for n > 0 && !utf8.RuneStart(v[n]) {
			n-- // v is valid: a rune start is at most UTFMax-1 bytes back
		}
		v = v[:n]
	}
	if e.vals[f].S != v {
		e.touch(f)
		e.vals[f].S = v
	}
}

// touch journals the old value of field f the first time it changes in the
// current tick; later changes in the same tick cost nothing more.
func (e *Entity) touch(f int) {
	t := e.w.tick
	if e.stamp[f] == t {
		return
	}
	e.stamp[f] = t
	e.w.journal.add(t, record{id: e.id, field: int16(f), old: e.vals[f]})
}

// Quantize rounds v to a multiple of q and returns the multiple's index.
// NaN reads as 0 and values beyond the int64 range as its ends, so a bad
// computation gives the same number on every platform instead of what the
// CPU's float conversion happens to make of it.
func Quantize(v, q float64) int64 {
	x := math.Round(v / q)
	switch {
	case math.IsNaN(x):
		return 0
	case x >= math.MaxInt64:
		return math.MaxInt64
	case x <= math.MinInt64:
		return math.MinInt64
	}
	return int64(x)
}
