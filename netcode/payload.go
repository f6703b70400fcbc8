package netcode

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"unicode/utf8"

	"github.com/tickroom/tickroom/world"
	"github.com/vmihailenco/msgpack/v5"
)

// Payload is one msgpack value carried as is: a join's options, a
// message's or an event's body, a room's metadata. Decoders check that it
// is one well-formed value within the protocol's size and depth limits and
// keep its bytes (a copy of the frame's); Decode turns it into a Go value.
// The empty Payload is "none".
type Payload []byte

var _ world.Payload = Payload(nil)

// Decode decodes p into v, a pointer, strictly: a map key that v's struct
// has no field for, a value of the wrong type or trailing bytes are errors.
// Decoding the empty Payload leaves v alone.
func (p Payload) Decode(v any) error {
	if len(p) == 0 {
		return nil
	}
	r := bytes.NewReader(p)
	dec := msgpack.NewDecoder(r)
	dec.DisallowUnknownFields(true)
	if err := dec.Decode(v); err != nil {
		return fmt.Errorf("netcode: decode payload: %w", err)
	}
	if r.Len() != 0 {
		return fmt.Errorf("netcode: decode payload: %d trailing bytes", r.Len())
	}
	return nil
}

// Raw returns p's bytes.
func (p Payload) Raw() []byte { return p }

// ErrPayload reports a value that cannot be a Payload: it does not encode,
// or it is over the size limit for its use.
var ErrPayload = errors.New("netcode: payload")

// EncodePayload encodes v as a Payload of at most max bytes, so that a
// server encodes an event or metadata once and checks its size before any
// client sees it. A nil v is the empty Payload.
func EncodePayload(v any, max int) (Payload, error) {
	if v == nil {
		return nil, nil
	}
	var buf bytes.Buffer
	enc := msgpack.NewEncoder(&buf)
	enc.UseCompactInts(true)
	if err := enc.Encode(v); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrPayload, err)
	}
	if buf.Len() > max {
		return nil, fmt.Errorf("%w: %d bytes, limit %d", ErrPayload, buf.Len(), max)
	}
	// The depth limit too: a payload no decoder takes must not be sent.
	if err := checkPayload("payload", buf.Bytes(), max); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrPayload, err)
	}
	return buf.Bytes(), nil
}

// appendPayload writes p, or nil for the empty Payload.
func appendPayload(dst []byte, p Payload) []byte {
	if len(p) == 0 {
		return append(dst, mpNil)
	}
	return append(dst, p...)
}

// payload reads one msgpack value of at most max bytes and depth at most
// MaxPayloadDepth, and returns a copy of its bytes; nil reads as the empty
// Payload.
func (r *reader) payload(what string, max int) (Payload, error) {
	if len(r.b) > 0 && r.b[0] == mpNil {
		r.b = r.b[1:]
		return nil, nil
	}
	start := r.b
	if err := r.skip(what, MaxPayloadDepth); err != nil {
		return nil, err
	}
	n := len(start) - len(r.b)
	if n > max {
		return nil, r.fail("%s: %d bytes, limit %d", what, n, max)
	}
	return bytes.Clone(start[:n]), nil
}

// skip steps over one msgpack value of any type, nested at most depth
// deep. Every length is checked against the bytes left before it is used,
// so a lying header fails at once; nothing is allocated but errors.
func (r *reader) skip(what string, depth int) error {
	if len(r.b) == 0 {
		return r.truncated(what)
	}
	c := r.b[0]
	var head, body, elems int // header bytes, then body bytes or contained values
	container := false        // an array or map, even an empty one, is a level
	switch {
	case c <= 0x7f || c >= 0xe0 || c == mpNil || c == mpFalse || c == mpTrue:
		head = 1
	case c&0xe0 == mpFixStr:
		head, body = 1, int(c&0x1f)
	case c&0xf0 == mpFixArray:
		head, elems, container = 1, int(c&0x0f), true
	case c&0xf0 == mpFixMap:
		head, elems, container = 1, 2*int(c&0x0f), true
	default:
		size, kind, ok := formatSize(c)
		if !ok {
			return r.fail("%s: reserved byte 0xc1", what)
		}
		if len(r.b) < 1+size {
			return r.truncated(what)
		}
		var n uint64
		switch size {
		case 1:
			n = uint64(r.b[1])
		case 2:
			n = uint64(binary.BigEndian.Uint16(r.b[1:]))
		case 4:
			n = uint64(binary.BigEndian.Uint32(r.b[1:]))
		}
		head = 1 + size
		switch kind {
		case fmtFixed: // ints and floats: the size is the body
			head, body = 1, size
		case fmtBytes:
			if n > uint64(len(r.b)) {
				return r.truncated(what)
			}
			body = int(n)
		case fmtExt:
			if n > uint64(len(r.b)) {
				return r.truncated(what)
			}
			body = int(n) + 1 // the type byte
		case fmtFixExt:
			head, body = 1, size+1
		case fmtArray, fmtMap:
			if n > uint64(len(r.b)) { // every element takes a byte at least
				return r.truncated(what)
			}
			elems, container = int(n), true
			if kind == fmtMap {
				elems *= 2
			}
		}
	}
	if head+body > len(r.b) {
		return r.truncated(what)
	}
	if isStr(c) && !utf8.Valid(r.b[head:head+body]) {
		return r.fail("%s: a str that is not UTF-8", what)
	}
	r.b = r.b[head+body:]
	if container && depth == 0 {
		return r.fail("%s: nested deeper than %d", what, MaxPayloadDepth)
	}
	if elems == 0 {
		return nil
	}
	if elems > len(r.b) {
		return r.truncated(what)
	}
	for range elems {
		if err := r.skip(what, depth-1); err != nil {
			return err
		}
	}
	return nil
}

// msgpack format codes the payload reader needs beyond the helpers'.
const (
	mpFixMap = 0x80
	mpNil    = 0xc0
	mpFalse  = 0xc2
	mpTrue   = 0xc3
	mpMap16  = 0xde
	mpMap32  = 0xdf
)

// isStr reports whether c starts a msgpack str (not a bin).
func isStr(c byte) bool {
	return c&0xe0 == mpFixStr || c == mpStr8 || c == mpStr16 || c == mpStr32
}

type formatKind uint8

const (
	fmtFixed  formatKind = iota // ints and floats: size bytes of body
	fmtBytes                    // str, bin: size bytes of length, then the bytes
	fmtExt                      // ext: size bytes of length, a type byte, the bytes
	fmtFixExt                   // fixext: a type byte and size bytes
	fmtArray                    // size bytes of count, then the values
	fmtMap                      // size bytes of count, then key, value pairs
)

// formatSize tells, for a format byte that is not a fix type, how many
// bytes follow it as its size or value and what they mean.
func formatSize(c byte) (size int, kind formatKind, ok bool) {
	switch c {
	case mpUint8, mpInt8:
		return 1, fmtFixed, true
	case mpUint16, mpInt16:
		return 2, fmtFixed, true
	case mpUint32, mpInt32, mpFloat32:
		return 4, fmtFixed, true
	case mpUint64, mpInt64, mpFloat64:
		return 8, fmtFixed, true
	case 0xc4, mpStr8: // bin8, str8
		return 1, fmtBytes, true
	case 0xc5, mpStr16:
		return 2, fmtBytes, true
	case 0xc6, mpStr32:
		return 4, fmtBytes, true
	case 0xc7:
		return 1, fmtExt, true
	case 0xc8:
		return 2, fmtExt, true
	case 0xc9:
		return 4, fmtExt, true
	case 0xd4:
		return 1, fmtFixExt, true
	case 0xd5:
		return 2, fmtFixExt, true
	case 0xd6:
		return 4, fmtFixExt, true
	case 0xd7:
		return 8, fmtFixExt, true
	case 0xd8:
		return 16, fmtFixExt, true
	case mpArray16:
		return 2, fmtArray, true
	case mpArray32:
		return 4, fmtArray, true
	case mpMap16:
		return 2, fmtMap, true
	case mpMap32:
		return 4, fmtMap, true
	}
	return 0, 0, false
}
