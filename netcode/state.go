package netcode

import (
	"fmt"
	"math"
	"math/bits"
	"slices"

	"github.com/tickroom/tickroom/world"
)

// MaxStateHeadLen bounds what AppendStateHead appends before its private
// section.
const MaxStateHeadLen = 1 + 1 + 4*5 // array header, kind, four u32s

// AppendStateHead appends the per-client start of a snapshot or diff frame:
// the array header, the kind, the tick (and the baseline of a diff), the
// server time, the client's input ack and, when private is not empty, the
// client's private section (AppendPrivate). Followed by AppendStateBody of
// the same delta it makes one frame. It appends MaxStateHeadLen bytes at
// most, plus private, and does not allocate when dst has room.
func AppendStateHead(dst []byte, d *world.Delta, serverTime, inputAck uint32, private []byte) []byte {
	n := byte(0)
	if len(private) > 0 {
		n = 1
	}
	if d.Base == 0 {
		dst = append(dst, mpFixArray|(5+n), byte(KindSnapshot))
		dst = appendUint(dst, uint64(d.Tick))
	} else {
		dst = append(dst, mpFixArray|(8+n), byte(KindDiff))
		dst = appendUint(dst, uint64(d.Tick))
		dst = appendUint(dst, uint64(d.Base))
	}
	dst = appendUint(dst, uint64(serverTime))
	dst = appendUint(dst, uint64(inputAck))
	return append(dst, private...)
}

// AppendPrivate appends a private section: the changes of the receiver's own
// entities' private fields (World.SpawnOwned, Field.Private) since its
// baseline, in the layout of changed. cs is sorted by id, with nonzero
// masks (world.Delta.PrivateFor makes it). An empty cs appends nothing, so
// that AppendStateHead leaves the section out, as it must.
func AppendPrivate(dst []byte, cs []world.Change) []byte {
	if len(cs) == 0 {
		return dst
	}
	return appendChanges(dst, cs, nil)
}

// AppendStateBody appends the rest of a state frame: added, then for a diff
// changed and removed. The body depends only on the delta, so a room encodes
// it once per distinct baseline and sends it, behind each client's own head,
// to every client on that baseline. It does not allocate when dst has room.
//
// private, when not nil, is the game's private fields per entity type
// (world.Schema.PrivateMask): the body then carries them as zero, and each
// owner gets its own in its private section.
//
// AppendStateBody trusts d: a delta from World.DeltaSince is always
// encodable. AppendFrame checks a hand-built one first.
func AppendStateBody(dst []byte, d *world.Delta, private []uint64) []byte {
	dst = appendArrayLen(dst, len(d.Added))
	for i := range d.Added {
		e := &d.Added[i]
		dst = appendArrayLen(dst, 2+len(e.Values))
		dst = appendUint(dst, uint64(e.ID))
		dst = appendUint(dst, uint64(e.Type))
		var hidden uint64
		if private != nil {
			hidden = private[e.Type]
		}
		for f, v := range e.Values {
			if hidden&(1<<f) != 0 {
				v = world.Value{}
			}
			dst = appendValue(dst, v)
		}
	}
	if d.Base == 0 {
		return dst
	}
	dst = appendChanges(dst, d.Changed, private)
	dst = appendArrayLen(dst, len(d.Removed))
	var prev world.EntityID
	for _, id := range d.Removed {
		dst = appendUint(dst, uint64(id-prev))
		prev = id
	}
	return dst
}

// appendChanges writes the flat changed layout: per entity an id gap, a
// mask and one value per set bit. private (nil: none) hides the private
// fields, leaving out entities whose only changes are private.
func appendChanges(dst []byte, cs []world.Change, private []uint64) []byte {
	n := 0
	for i := range cs {
		if m := publicMask(&cs[i], private); m != 0 {
			n += 2 + bits.OnesCount64(m)
		}
	}
	dst = appendArrayLen(dst, n)
	var prev world.EntityID
	for i := range cs {
		c := &cs[i]
		m := publicMask(c, private)
		if m == 0 {
			continue
		}
		dst = appendUint(dst, uint64(c.ID-prev))
		dst = appendUint(dst, m)
		if m == c.Mask {
			for _, v := range c.Values {
				dst = appendValue(dst, v)
			}
		} else {
			i := 0
			for b := c.Mask; b != 0; b &= b - 1 {
				if m&(b&-b) != 0 {
					dst = appendValue(dst, c.Values[i])
				}
				i++
			}
		}
		prev = c.ID
	}
	return dst
}

// publicMask is c's mask without the private fields of its entity's type
// (private is indexed by type; nil: nothing is private).
func publicMask(c *world.Change, private []uint64) uint64 {
	if private == nil {
		return c.Mask
	}
	return c.Mask &^ private[c.Type]
}

// appendValue writes a field value: its text if it has any, else its
// integer. The encoder does not know the schema, and it need not: an empty
// String value is the zero Value, which reads back the same from 0 or "".
func appendValue(dst []byte, v world.Value) []byte {
	if v.S != "" {
		return appendString(dst, v.S)
	}
	return appendInt(dst, v.I)
}

// checkDelta reports what in d the wire cannot carry or a decoder would
// reject.
func checkDelta(d *world.Delta) error {
	for _, e := range d.Added {
		if e.ID == 0 {
			return fmt.Errorf("added entity with id 0")
		}
		if len(e.Values) == 0 || len(e.Values) > MaxFields {
			return fmt.Errorf("added entity %d: %d values, want 1..%d", e.ID, len(e.Values), MaxFields)
		}
		if err := checkValues(e.Values); err != nil {
			return fmt.Errorf("added entity %d: %w", e.ID, err)
		}
	}
	if err := checkChanges("private", d.Private); err != nil {
		return err
	}
	if d.Base == 0 {
		if len(d.Changed) != 0 || len(d.Removed) != 0 {
			return fmt.Errorf("snapshot with changed or removed entities")
		}
		return nil
	}
	if d.Base > d.Tick {
		return fmt.Errorf("baseline %d after tick %d", d.Base, d.Tick)
	}
	if err := checkChanges("changed", d.Changed); err != nil {
		return err
	}
	var prev world.EntityID
	for _, id := range d.Removed {
		if id <= prev {
			return fmt.Errorf("removed entity %d after %d: ids must ascend from 1", id, prev)
		}
		prev = id
	}
	return nil
}

func checkChanges(what string, cs []world.Change) error {
	var prev world.EntityID
	for _, c := range cs {
		if c.ID <= prev {
			return fmt.Errorf("%s entity %d after %d: ids must ascend from 1", what, c.ID, prev)
		}
		if c.Mask == 0 || bits.OnesCount64(c.Mask) != len(c.Values) {
			return fmt.Errorf("%s entity %d: %d values for mask %#x", what, c.ID, len(c.Values), c.Mask)
		}
		if err := checkValues(c.Values); err != nil {
			return fmt.Errorf("%s entity %d: %w", what, c.ID, err)
		}
		prev = c.ID
	}
	return nil
}

func checkValues(vals []world.Value) error {
	for i, v := range vals {
		if v.S != "" && v.I != 0 {
			return fmt.Errorf("value %d has both an int and a string", i)
		}
		if len(v.S) > MaxValueLen {
			return fmt.Errorf("value %d: %d bytes, limit %d", i, len(v.S), MaxValueLen)
		}
	}
	return nil
}

// decodeState reads a snapshot or diff after its kind. The values of all
// entities share one freshly allocated backing array, sliced only at the end
// because appends may move it.
func decodeState(r *reader, n int) (*State, error) {
	want := 5
	if r.kind == KindDiff {
		want = 8
	}
	hasPrivate := n == want+1
	if n != want && !hasPrivate {
		return nil, r.fail("%d elements, want %d or %d", n, want, want+1)
	}
	s := &State{}
	d := &s.Delta
	var err error
	if d.Tick, err = r.u32("tick"); err != nil {
		return nil, err
	}
	if r.kind == KindDiff {
		if d.Base, err = r.u32("baseline"); err != nil {
			return nil, err
		}
		if d.Base == 0 || d.Base > d.Tick {
			return nil, r.fail("baseline %d for tick %d", d.Base, d.Tick)
		}
	}
	if s.ServerTime, err = r.u32("server time"); err != nil {
		return nil, err
	}
	if s.InputAck, err = r.u32("input ack"); err != nil {
		return nil, err
	}
	var vals []world.Value
	if hasPrivate {
		if d.Private, vals, err = decodeChanges(r, "private", vals); err != nil {
			return nil, err
		}
		if len(d.Private) == 0 {
			return nil, r.fail("private: empty (leave it out)")
		}
	}
	if vals, err = decodeAdded(r, d, vals); err != nil {
		return nil, err
	}
	if r.kind == KindDiff {
		if d.Changed, vals, err = decodeChanges(r, "changed", vals); err != nil {
			return nil, err
		}
		if err = decodeRemoved(r, d); err != nil {
			return nil, err
		}
	}
	// Slice the values now that vals has stopped moving, in the order they
	// were read.
	off := 0
	for i := range d.Private {
		k := len(d.Private[i].Values)
		d.Private[i].Values = vals[off : off+k : off+k]
		off += k
	}
	for i := range d.Added {
		k := len(d.Added[i].Values)
		d.Added[i].Values = vals[off : off+k : off+k]
		off += k
	}
	for i := range d.Changed {
		k := len(d.Changed[i].Values)
		d.Changed[i].Values = vals[off : off+k : off+k]
		off += k
	}
	return s, r.end()
}

// decodeAdded reads the added entities, appending their values to vals and
// leaving in each Values a placeholder of the right length.
func decodeAdded(r *reader, d *world.Delta, vals []world.Value) ([]world.Value, error) {
	n, err := r.arrayLen("added", 4) // [id, type, value] takes at least 4 bytes
	if err != nil || n == 0 {
		return vals, err
	}
	d.Added = make([]world.EntityState, n)
	for i := range d.Added {
		m, err := r.arrayLen("added entity", 1)
		if err != nil {
			return vals, err
		}
		if m < 3 || m > 2+MaxFields {
			return vals, r.fail("added entity: %d elements, want 3..%d", m, 2+MaxFields)
		}
		if i == 0 { // guess that all entities are this size
			vals = slices.Grow(vals, n*(m-2))
		}
		e := &d.Added[i]
		id, err := r.id("added id", 0)
		if err != nil {
			return vals, err
		}
		typ, err := r.uint("added type", math.MaxUint8)
		if err != nil {
			return vals, err
		}
		e.ID, e.Type = id, uint8(typ)
		for range m - 2 {
			v, err := r.value("added value")
			if err != nil {
				return vals, err
			}
			vals = append(vals, v)
		}
		e.Values = placeholder[: m-2 : m-2]
	}
	return vals, nil
}

// decodeChanges reads a flat changed array (changed, or a private
// section): per entity an id gap, a mask and one value per set bit.
func decodeChanges(r *reader, what string, vals []world.Value) ([]world.Change, []world.Value, error) {
	n, err := r.arrayLen(what, 1)
	if err != nil || n == 0 {
		return nil, vals, err
	}
	// An entity takes at least three elements; most changes are of one or
	// two fields.
	cs := make([]world.Change, 0, n/3)
	vals = slices.Grow(vals, n/2)
	var id world.EntityID
	for n > 0 {
		if n < 2 {
			return nil, vals, r.fail("%s: %d element left, an entity takes at least 2", what, n)
		}
		if id, err = r.id(what+" id", id); err != nil {
			return nil, vals, err
		}
		mask, err := r.uint(what+" mask", math.MaxUint64)
		if err != nil {
			return nil, vals, err
		}
		if mask == 0 {
			return nil, vals, r.fail("%s: entity %d has mask 0", what, id)
		}
		k := bits.OnesCount64(mask)
		if n-2 < k {
			return nil, vals, r.fail("%s: entity %d: mask %#x needs %d values, %d left", what, id, mask, k, n-2)
		}
		for range k {
			v, err := r.value(what + " value")
			if err != nil {
				return nil, vals, err
			}
			vals = append(vals, v)
		}
		cs = append(cs, world.Change{ID: id, Mask: mask, Values: placeholder[:k:k]})
		n -= 2 + k
	}
	return cs, vals, nil
}

func decodeRemoved(r *reader, d *world.Delta) error {
	n, err := r.arrayLen("removed", 1)
	if err != nil || n == 0 {
		return err
	}
	d.Removed = make([]world.EntityID, n)
	var id world.EntityID
	for i := range d.Removed {
		if id, err = r.id("removed id", id); err != nil {
			return err
		}
		d.Removed[i] = id
	}
	return nil
}

// placeholder gives decoded Values their length until decodeState points them
// at the real backing array; nothing reads or writes through it.
var placeholder = make([]world.Value, MaxFields)
