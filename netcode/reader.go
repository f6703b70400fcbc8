package netcode

import (
	"encoding/binary"
	"fmt"
	"math"

	"github.com/tickroom/tickroom/world"
)

// reader reads msgpack values off the front of a frame. It checks every
// length against the bytes that are left before using it, so a short frame
// claiming a huge array or string fails at once, and it never panics. It
// allocates only for the strings it returns and for errors.
type reader struct {
	b    []byte
	kind Kind // the frame's kind once known, for error messages
}

// fail returns an ErrMalformed error naming the frame's kind.
func (r *reader) fail(format string, args ...any) error {
	msg := fmt.Sprintf(format, args...)
	if r.kind == 0 {
		return fmt.Errorf("%w: %s", ErrMalformed, msg)
	}
	return fmt.Errorf("%w: %s: %s", ErrMalformed, r.kind, msg)
}

func (r *reader) truncated(what string) error { return r.fail("%s: truncated", what) }

// end reports trailing bytes after the frame's array.
func (r *reader) end() error {
	if len(r.b) != 0 {
		return r.fail("%d trailing bytes", len(r.b))
	}
	return nil
}

// arrayLen reads an array header. Every element takes at least minSize bytes,
// so a count the remaining bytes cannot hold is rejected before any caller
// sizes an allocation by it.
func (r *reader) arrayLen(what string, minSize int) (int, error) {
	if len(r.b) == 0 {
		return 0, r.truncated(what)
	}
	c := r.b[0]
	var n uint64
	switch {
	case c&0xf0 == mpFixArray:
		n, r.b = uint64(c&0x0f), r.b[1:]
	case c == mpArray16:
		if len(r.b) < 3 {
			return 0, r.truncated(what)
		}
		n, r.b = uint64(binary.BigEndian.Uint16(r.b[1:])), r.b[3:]
	case c == mpArray32:
		if len(r.b) < 5 {
			return 0, r.truncated(what)
		}
		n, r.b = uint64(binary.BigEndian.Uint32(r.b[1:])), r.b[5:]
	default:
		return 0, r.fail("%s: want array, got %s", what, describe(c))
	}
	if n > uint64(len(r.b)/minSize) {
		return 0, r.fail("%s: %d elements cannot fit in %d bytes", what, n, len(r.b))
	}
	return int(n), nil
}

// mapLen reads a map header: the number of key, value pairs. Every key and
// value takes at least minSize bytes between them.
func (r *reader) mapLen(what string, minSize int) (int, error) {
	if len(r.b) == 0 {
		return 0, r.truncated(what)
	}
	c := r.b[0]
	var n uint64
	switch {
	case c&0xf0 == mpFixMap:
		n, r.b = uint64(c&0x0f), r.b[1:]
	case c == mpMap16:
		if len(r.b) < 3 {
			return 0, r.truncated(what)
		}
		n, r.b = uint64(binary.BigEndian.Uint16(r.b[1:])), r.b[3:]
	case c == mpMap32:
		if len(r.b) < 5 {
			return 0, r.truncated(what)
		}
		n, r.b = uint64(binary.BigEndian.Uint32(r.b[1:])), r.b[5:]
	default:
		return 0, r.fail("%s: want map, got %s", what, describe(c))
	}
	if n > uint64(len(r.b)/minSize) {
		return 0, r.fail("%s: %d pairs cannot fit in %d bytes", what, n, len(r.b))
	}
	return int(n), nil
}

// bool reads a msgpack bool.
func (r *reader) bool(what string) (bool, error) {
	if len(r.b) == 0 {
		return false, r.truncated(what)
	}
	switch c := r.b[0]; c {
	case mpTrue, mpFalse:
		r.b = r.b[1:]
		return c == mpTrue, nil
	default:
		return false, r.fail("%s: want bool, got %s", what, describe(c))
	}
}

// num reads an integer of any msgpack width. A negative value comes back as
// its two's complement in u with neg set.
func (r *reader) num(what string) (u uint64, neg bool, err error) {
	if len(r.b) == 0 {
		return 0, false, r.truncated(what)
	}
	c := r.b[0]
	switch {
	case c <= 0x7f: // positive fixint
		r.b = r.b[1:]
		return uint64(c), false, nil
	case c >= 0xe0: // negative fixint
		r.b = r.b[1:]
		return uint64(int64(int8(c))), true, nil
	}
	var size int
	switch c {
	case mpUint8, mpInt8:
		size = 1
	case mpUint16, mpInt16:
		size = 2
	case mpUint32, mpInt32:
		size = 4
	case mpUint64, mpInt64:
		size = 8
	default:
		return 0, false, r.fail("%s: want int, got %s", what, describe(c))
	}
	if len(r.b) < 1+size {
		return 0, false, r.truncated(what)
	}
	p := r.b[1 : 1+size]
	r.b = r.b[1+size:]
	var v int64
	switch c {
	case mpUint8:
		return uint64(p[0]), false, nil
	case mpUint16:
		return uint64(binary.BigEndian.Uint16(p)), false, nil
	case mpUint32:
		return uint64(binary.BigEndian.Uint32(p)), false, nil
	case mpUint64:
		return binary.BigEndian.Uint64(p), false, nil
	case mpInt8:
		v = int64(int8(p[0]))
	case mpInt16:
		v = int64(int16(binary.BigEndian.Uint16(p)))
	case mpInt32:
		v = int64(int32(binary.BigEndian.Uint32(p)))
	default: // mpInt64
		v = int64(binary.BigEndian.Uint64(p))
	}
	return uint64(v), v < 0, nil
}

// uint reads a non-negative integer no greater than max.
func (r *reader) uint(what string, max uint64) (uint64, error) {
	if len(r.b) > 0 && r.b[0] <= 0x7f && uint64(r.b[0]) <= max { // inlined fast path
		v := uint64(r.b[0])
		r.b = r.b[1:]
		return v, nil
	}
	return r.uintSlow(what, max)
}

func (r *reader) uintSlow(what string, max uint64) (uint64, error) {
	u, neg, err := r.num(what)
	if err != nil {
		return 0, err
	}
	if neg {
		return 0, r.fail("%s: %d is negative", what, int64(u))
	}
	if u > max {
		return 0, r.fail("%s: %d is over %d", what, u, max)
	}
	return u, nil
}

func (r *reader) u32(what string) (uint32, error) {
	u, err := r.uint(what, math.MaxUint32)
	return uint32(u), err
}

// int reads an integer in [min, max].
func (r *reader) int(what string, min, max int64) (int64, error) {
	if len(r.b) > 0 && (r.b[0] <= 0x7f || r.b[0] >= 0xe0) { // fixint fast path
		if v := int64(int8(r.b[0])); v >= min && v <= max {
			r.b = r.b[1:]
			return v, nil
		}
	}
	return r.intSlow(what, min, max)
}

func (r *reader) intSlow(what string, min, max int64) (int64, error) {
	u, neg, err := r.num(what)
	if err != nil {
		return 0, err
	}
	if !neg && u > math.MaxInt64 {
		return 0, r.fail("%s: %d is over %d", what, u, max)
	}
	if v := int64(u); v < min || v > max {
		return 0, r.fail("%s: %d is outside [%d, %d]", what, v, min, max)
	}
	return int64(u), nil
}

// isStr reports whether the next value is a string.
func (r *reader) isStr() bool {
	if len(r.b) == 0 {
		return false
	}
	c := r.b[0]
	return c&0xe0 == mpFixStr || c == mpStr8 || c == mpStr16 || c == mpStr32
}

// strBytes reads a string of at most max bytes and returns it as a slice of
// the frame.
func (r *reader) strBytes(what string, max int) ([]byte, error) {
	if len(r.b) == 0 {
		return nil, r.truncated(what)
	}
	c := r.b[0]
	var n uint64
	var hdr int
	switch {
	case c&0xe0 == mpFixStr:
		n, hdr = uint64(c&0x1f), 1
	case c == mpStr8 && len(r.b) >= 2:
		n, hdr = uint64(r.b[1]), 2
	case c == mpStr16 && len(r.b) >= 3:
		n, hdr = uint64(binary.BigEndian.Uint16(r.b[1:])), 3
	case c == mpStr32 && len(r.b) >= 5:
		n, hdr = uint64(binary.BigEndian.Uint32(r.b[1:])), 5
	case c == mpStr8 || c == mpStr16 || c == mpStr32:
		return nil, r.truncated(what)
	default:
		return nil, r.fail("%s: want str, got %s", what, describe(c))
	}
	if n > uint64(max) {
		return nil, r.fail("%s: %d bytes, limit %d", what, n, max)
	}
	if n > uint64(len(r.b)-hdr) {
		return nil, r.truncated(what)
	}
	s := r.b[hdr : hdr+int(n)]
	r.b = r.b[hdr+int(n):]
	return s, nil
}

func (r *reader) str(what string, max int) (string, error) {
	s, err := r.strBytes(what, max)
	return string(s), err
}

// float reads a float32 or float64.
func (r *reader) float(what string) (float64, error) {
	if len(r.b) == 0 {
		return 0, r.truncated(what)
	}
	switch c := r.b[0]; c {
	case mpFloat32:
		if len(r.b) < 5 {
			return 0, r.truncated(what)
		}
		f := math.Float32frombits(binary.BigEndian.Uint32(r.b[1:]))
		r.b = r.b[5:]
		return float64(f), nil
	case mpFloat64:
		if len(r.b) < 9 {
			return 0, r.truncated(what)
		}
		f := math.Float64frombits(binary.BigEndian.Uint64(r.b[1:]))
		r.b = r.b[9:]
		return f, nil
	default:
		return 0, r.fail("%s: want float, got %s", what, describe(c))
	}
}

// value reads one entity field value: a string for String fields, an int for
// the others.
func (r *reader) value(what string) (world.Value, error) {
	if r.isStr() {
		s, err := r.str(what, MaxValueLen)
		return world.Value{S: s}, err
	}
	i, err := r.int(what, math.MinInt64, math.MaxInt64)
	return world.Value{I: i}, err
}

// id reads a gap-encoded entity id: the gap from prev must be positive and
// the sum must stay a uint32.
func (r *reader) id(what string, prev world.EntityID) (world.EntityID, error) {
	gap, err := r.u32(what)
	if err != nil {
		return 0, err
	}
	if gap == 0 {
		if prev == 0 {
			return 0, r.fail("%s: id 0", what)
		}
		return 0, r.fail("%s: id gap 0 after %d", what, prev)
	}
	id := uint64(prev) + uint64(gap)
	if id > math.MaxUint32 {
		return 0, r.fail("%s: id %d overflows", what, id)
	}
	return world.EntityID(id), nil
}

// describe names the msgpack type a format byte starts.
func describe(c byte) string {
	switch {
	case c <= 0x7f || c >= 0xe0 || (c >= mpUint8 && c <= mpInt64):
		return "int"
	case c&0xf0 == 0x80 || c == 0xde || c == 0xdf:
		return "map"
	case c&0xf0 == mpFixArray || c == mpArray16 || c == mpArray32:
		return "array"
	case c&0xe0 == mpFixStr || (c >= mpStr8 && c <= mpStr32):
		return "str"
	case c == 0xc0:
		return "nil"
	case c == 0xc2 || c == 0xc3:
		return "bool"
	case c == mpFloat32 || c == mpFloat64:
		return "float"
	case c >= 0xc4 && c <= 0xc6:
		return "bin"
	case c == 0xc1:
		return "reserved byte 0xc1"
	}
	return "ext"
}
