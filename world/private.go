package world

import (
	"math/bits"
	"slices"
)

// PrivateFor appends to dst the private part of d for player p: for each
// entity of p's that d adds, its private fields that are not zero; for each
// it changes, its changed private fields (numeric differences, new text, as
// in Changed). The changes' values are appended to vals, whose new backing
// array the returned Values slices share; passing back the slices of the
// previous call keeps the buffers, so a room's sends do not allocate. dst
// comes out sorted by id, since d's lists are.
func (d *Delta) PrivateFor(schemas []Schema, p PlayerID, dst []Change, vals []Value) ([]Change, []Value) {
	dst, vals = dst[:0], vals[:0]
	if p == 0 { // nobody: an entity without an owner has no one to show its private fields
		return dst, vals
	}
	ai, ci := 0, 0
	// Merge Added and Changed by id: an entity is in one of them at most.
	for ai < len(d.Added) || ci < len(d.Changed) {
		if ci == len(d.Changed) || (ai < len(d.Added) && d.Added[ai].ID < d.Changed[ci].ID) {
			a := &d.Added[ai]
			ai++
			priv := schemas[a.Type].PrivateMask()
			if a.Owner != p || priv == 0 {
				continue
			}
			var mask uint64
			for m := priv; m != 0; m &= m - 1 {
				f := bits.TrailingZeros64(m)
				if v := a.Values[f]; v != (Value{}) {
					mask |= 1 << f
					vals = append(vals, v)
				}
			}
			if mask != 0 {
				dst = append(dst, Change{ID: a.ID, Mask: mask, Type: a.Type, Owner: p})
			}
			continue
		}
		c := &d.Changed[ci]
		ci++
		priv := schemas[c.Type].PrivateMask() & c.Mask
		if c.Owner != p || priv == 0 {
			continue
		}
		i := 0
		for m := c.Mask; m != 0; m &= m - 1 {
			if priv&(m&-m) != 0 {
				vals = append(vals, c.Values[i])
			}
			i++
		}
		dst = append(dst, Change{ID: c.ID, Mask: priv, Type: c.Type, Owner: p})
	}
	// Slice the values only now: appends above may have moved vals.
	off := 0
	for i := range dst {
		n := bits.OnesCount64(dst[i].Mask)
		dst[i].Values = vals[off : off+n : off+n]
		off += n
	}
	return dst, vals
}

// applyPrivate applies a delta's private changes to out, the state the
// rest of the delta made: every entity they name must be in it.
func applyPrivate(schemas []Schema, out []EntityState, private []Change) error {
	for _, c := range private {
		i, ok := slices.BinarySearchFunc(out, c.ID, func(e EntityState, id EntityID) int { return cmpID(e.ID, id) })
		if !ok {
			return badDelta("private change of entity %d, which the state does not have", c.ID)
		}
		if err := applyChange(schemas[out[i].Type].Fields, out[i].Values, c); err != nil {
			return err
		}
	}
	return nil
}
