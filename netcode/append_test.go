package netcode

import (
	"bytes"
	"math"
	"strings"
	"testing"

	"github.com/vmihailenco/msgpack/v5"
)

// libEncode runs fn against a msgpack.Encoder with compact ints: the bytes
// the append helpers must match.
func libEncode(t *testing.T, fn func(*msgpack.Encoder) error) []byte {
	t.Helper()
	var buf bytes.Buffer
	enc := msgpack.NewEncoder(&buf)
	enc.UseCompactInts(true)
	if err := fn(enc); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

var intEdges = []int64{
	0, 1, 127, 128, 255, 256, math.MaxUint16, math.MaxUint16 + 1, math.MaxUint32, math.MaxUint32 + 1, math.MaxInt64,
	-1, -32, -33, math.MinInt8, math.MinInt8 - 1, math.MinInt16, math.MinInt16 - 1, math.MinInt32, math.MinInt32 - 1, math.MinInt64,
}

func TestAppendIntMatchesLibrary(t *testing.T) {
	for _, v := range intEdges {
		got := appendInt(nil, v)
		if want := libEncode(t, func(e *msgpack.Encoder) error { return e.EncodeInt(v) }); !bytes.Equal(got, want) {
			t.Errorf("appendInt(%d) = %x, want %x", v, got, want)
		}
		r := reader{b: got}
		if back, err := r.int("v", math.MinInt64, math.MaxInt64); err != nil || back != v || len(r.b) != 0 {
			t.Errorf("reading %x = %d, %v; want %d", got, back, err, v)
		}
	}
	for _, v := range []uint64{0, 127, 128, math.MaxUint8, math.MaxUint8 + 1, math.MaxUint32, math.MaxUint32 + 1, math.MaxUint64} {
		got := appendUint(nil, v)
		if want := libEncode(t, func(e *msgpack.Encoder) error { return e.EncodeUint(v) }); !bytes.Equal(got, want) {
			t.Errorf("appendUint(%d) = %x, want %x", v, got, want)
		}
		r := reader{b: got}
		if back, err := r.uint("v", math.MaxUint64); err != nil || back != v || len(r.b) != 0 {
			t.Errorf("reading %x = %d, %v; want %d", got, back, err, v)
		}
	}
}

func TestAppendStringAndArrayMatchLibrary(t *testing.T) {
	for _, n := range []int{0, 1, 31, 32, 255, 256, math.MaxUint16, math.MaxUint16 + 1} {
		s := strings.Repeat("é", n/2) + strings.Repeat("x", n%2)
		got := appendString(nil, s)
		if want := libEncode(t, func(e *msgpack.Encoder) error { return e.EncodeString(s) }); !bytes.Equal(got, want) {
			t.Errorf("appendString(%d bytes) starts %x, want %x", n, got[:min(len(got), 8)], want[:min(len(want), 8)])
		}
		r := reader{b: got}
		if back, err := r.str("s", math.MaxInt32); err != nil || back != s || len(r.b) != 0 {
			t.Errorf("reading a %d-byte string: %v", n, err)
		}

		got = appendArrayLen(nil, n)
		if want := libEncode(t, func(e *msgpack.Encoder) error { return e.EncodeArrayLen(n) }); !bytes.Equal(got, want) {
			t.Errorf("appendArrayLen(%d) = %x, want %x", n, got, want)
		}
		r = reader{b: append(got, make([]byte, n)...)}
		if back, err := r.arrayLen("a", 1); err != nil || back != n {
			t.Errorf("reading array header %x = %d, %v; want %d", got, back, err, n)
		}
	}
	for _, f := range []float64{0, 0.1, -2.5, math.MaxFloat64, math.SmallestNonzeroFloat64} {
		got := appendFloat64(nil, f)
		if want := libEncode(t, func(e *msgpack.Encoder) error { return e.EncodeFloat64(f) }); !bytes.Equal(got, want) {
			t.Errorf("appendFloat64(%v) = %x, want %x", f, got, want)
		}
	}
}

// TestReaderAcceptsFloat32 checks the decoder side of "float32 or float64".
func TestReaderAcceptsFloat32(t *testing.T) {
	b := libEncode(t, func(e *msgpack.Encoder) error { return e.EncodeFloat32(0.25) })
	r := reader{b: b}
	if f, err := r.float("q"); err != nil || f != 0.25 {
		t.Errorf("float32 0.25 read as %v, %v", f, err)
	}
}
