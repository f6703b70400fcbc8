package netcode

import (
	"bytes"
	"errors"
	"math"
	"runtime"
	"strconv"
	"strings"
	"testing"

	"github.com/vmihailenco/msgpack/v5"
)

// skipValues is one value of every msgpack type and width the library
// writes, the 32-bit lengths included (too long for any payload limit, so
// only reader.skip sees them).
func skipValues(t *testing.T) map[string][]byte {
	enc := func(fn func(*msgpack.Encoder) error) []byte { return libEncode(t, fn) }
	ext := func(id int8, n int) []byte {
		return enc(func(e *msgpack.Encoder) error {
			if err := e.EncodeExtHeader(id, n); err != nil {
				return err
			}
			_, err := e.Writer().Write(make([]byte, n))
			return err
		})
	}
	array := func(n int) []byte {
		return enc(func(e *msgpack.Encoder) error {
			if err := e.EncodeArrayLen(n); err != nil {
				return err
			}
			for range n {
				if err := e.EncodeNil(); err != nil {
					return err
				}
			}
			return nil
		})
	}
	mapOf := func(n int) []byte {
		return enc(func(e *msgpack.Encoder) error {
			if err := e.EncodeMapLen(n); err != nil {
				return err
			}
			for i := range n {
				if err := e.EncodeUint(uint64(i)); err != nil {
					return err
				}
				if err := e.EncodeBool(true); err != nil {
					return err
				}
			}
			return nil
		})
	}
	vals := map[string][]byte{
		"nil":      enc(func(e *msgpack.Encoder) error { return e.EncodeNil() }),
		"false":    enc(func(e *msgpack.Encoder) error { return e.EncodeBool(false) }),
		"true":     enc(func(e *msgpack.Encoder) error { return e.EncodeBool(true) }),
		"float32":  enc(func(e *msgpack.Encoder) error { return e.EncodeFloat32(-0.5) }),
		"float64":  enc(func(e *msgpack.Encoder) error { return e.EncodeFloat64(math.Inf(-1)) }),
		"str8":     enc(func(e *msgpack.Encoder) error { return e.EncodeString(strings.Repeat("a", 255)) }),
		"str16":    enc(func(e *msgpack.Encoder) error { return e.EncodeString(strings.Repeat("a", math.MaxUint16)) }),
		"str32":    enc(func(e *msgpack.Encoder) error { return e.EncodeString(strings.Repeat("a", math.MaxUint16+1)) }),
		"bin8":     enc(func(e *msgpack.Encoder) error { return e.EncodeBytes(make([]byte, 255)) }),
		"bin16":    enc(func(e *msgpack.Encoder) error { return e.EncodeBytes(make([]byte, math.MaxUint16)) }),
		"bin32":    enc(func(e *msgpack.Encoder) error { return e.EncodeBytes(make([]byte, math.MaxUint16+1)) }),
		"fixarray": array(15),
		"array16":  array(math.MaxUint16),
		"array32":  array(math.MaxUint16 + 1),
		"fixmap":   mapOf(15),
		"map16":    mapOf(math.MaxUint16),
		"map32":    mapOf(math.MaxUint16 + 1),
		"fixext1":  ext(1, 1),
		"fixext2":  ext(1, 2),
		"fixext4":  ext(1, 4),
		"fixext8":  ext(1, 8),
		"fixext16": ext(1, 16),
		"ext8":     ext(-5, 255),
		"ext16":    ext(-5, math.MaxUint16),
		"ext32":    ext(-5, math.MaxUint16+1),
	}
	for _, v := range intEdges {
		vals["int "+strconv.FormatInt(v, 10)] = enc(func(e *msgpack.Encoder) error { return e.EncodeInt(v) })
	}
	for name, fn := range map[string]func(*msgpack.Encoder) error{
		"uint8":  func(e *msgpack.Encoder) error { return e.EncodeUint8(1) },
		"uint16": func(e *msgpack.Encoder) error { return e.EncodeUint16(1) },
		"uint32": func(e *msgpack.Encoder) error { return e.EncodeUint32(1) },
		"uint64": func(e *msgpack.Encoder) error { return e.EncodeUint64(math.MaxUint64) },
		"int8":   func(e *msgpack.Encoder) error { return e.EncodeInt8(1) },
		"int16":  func(e *msgpack.Encoder) error { return e.EncodeInt16(1) },
		"int32":  func(e *msgpack.Encoder) error { return e.EncodeInt32(1) },
		"int64":  func(e *msgpack.Encoder) error { return e.EncodeInt64(1) },
	} {
		vals[name] = enc(fn)
	}
	return vals
}

// TestSkipEveryType: skip steps over exactly one value of every type the
// library writes, allocating nothing, and fails on every truncation of it.
func TestSkipEveryType(t *testing.T) {
	for name, b := range skipValues(t) {
		t.Run(name, func(t *testing.T) {
			if err := msgpack.NewDecoder(bytes.NewReader(b)).Skip(); err != nil {
				t.Fatalf("the library cannot skip its own %x…: %v", b[:min(len(b), 8)], err)
			}
			tail := []byte{0xc3, 0x07}
			r := reader{b: append(append([]byte{}, b...), tail...)}
			if err := r.skip("v", MaxPayloadDepth); err != nil {
				t.Fatalf("skip: %v", err)
			}
			if !bytes.Equal(r.b, tail) {
				t.Fatalf("skip left %x, want %x", r.b[:min(len(r.b), 8)], tail)
			}
			if allocs := testing.AllocsPerRun(10, func() {
				r := reader{b: b}
				_ = r.skip("v", MaxPayloadDepth)
			}); allocs != 0 {
				t.Errorf("skip allocates %v times, want 0", allocs)
			}
			// Every cut fails.
			for _, n := range cuts(len(b)) {
				r := reader{b: b[:n]}
				if err := r.skip("v", MaxPayloadDepth); !errors.Is(err, ErrMalformed) {
					t.Fatalf("skip of %d of %d bytes = %v, want ErrMalformed", n, len(b), err)
				}
			}
		})
	}
}

// cuts lists the lengths below n to cut a value to: all of them for a
// small value; for a large one, those in and just after its header and
// those near its end.
func cuts(n int) []int {
	var out []int
	for i := range n {
		if n < 600 || i < 24 || i > n-24 {
			out = append(out, i)
		}
	}
	return out
}

// TestSkipLyingLengths: every length header is checked against the bytes
// left before anything depends on it. A header claiming up to 4 GiB in a
// frame of a few bytes fails, allocating the error alone.
func TestSkipLyingLengths(t *testing.T) {
	var frames [][]byte
	for _, c := range []byte{0xd9, 0xc4, 0xc7} {
		frames = append(frames, []byte{c, 0xff, 1, 2})
	}
	for _, c := range []byte{0xda, 0xc5, 0xc8, 0xdc, 0xde} {
		frames = append(frames, []byte{c, 0xff, 0xff, 1, 2}, []byte{c, 0, 5, 1, 2, 3, 4})
	}
	for _, c := range []byte{0xdb, 0xc6, 0xc9, 0xdd, 0xdf} {
		frames = append(frames, []byte{c, 0xff, 0xff, 0xff, 0xff, 1}, []byte{c, 0x80, 0, 0, 0, 1}, []byte{c, 0, 0, 0, 5, 1, 2, 3, 4})
	}
	// A map of n pairs needs 2n values: n pairs in 2n-1 bytes is a lie.
	frames = append(frames, []byte{0x82, 1, 2, 3}, []byte{0xde, 0, 2, 1, 2, 3}, []byte{0xdf, 0, 0, 0, 2, 1, 2, 3})
	// Lies nested inside honest containers.
	frames = append(frames, []byte{0x92, 0xc0, 0xdd, 0xff, 0xff, 0xff, 0xff}, []byte{0x81, 0xdb, 0xff, 0xff, 0xff, 0xff, 0xc0})
	// What an error costs: that of a value cut after its first byte.
	errAllocs := testing.AllocsPerRun(20, func() {
		r := reader{b: []byte{0x91}}
		_ = r.skip("v", MaxPayloadDepth)
	})
	for _, f := range frames {
		var err error
		allocs := testing.AllocsPerRun(20, func() {
			r := reader{b: f}
			err = r.skip("v", MaxPayloadDepth)
		})
		if !errors.Is(err, ErrMalformed) {
			t.Errorf("skip(%x) = %v, want ErrMalformed", f, err)
		}
		if allocs > errAllocs && !raceEnabled {
			t.Errorf("skip(%x) allocates %v times, an error %v", f, allocs, errAllocs)
		}
		const runs = 20
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		for range runs {
			r := reader{b: f}
			_ = r.skip("v", MaxPayloadDepth)
		}
		runtime.ReadMemStats(&after)
		if perRun := (after.TotalAlloc - before.TotalAlloc) / runs; perRun > 1024 {
			t.Errorf("skip(%x) allocates %d bytes, want only the error's", f, perRun)
		}
	}
}

// TestSkipDepth: containers nest MaxPayloadDepth deep at most, counting
// empty ones; scalars add no level.
func TestSkipDepth(t *testing.T) {
	for _, tc := range []struct {
		name string
		b    []byte
		ok   bool
	}{
		{"scalar", []byte{1}, true},
		{"8 arrays", append(bytes.Repeat([]byte{0x91}, 7), 0x91, 1), true},
		{"8 arrays, innermost empty", append(bytes.Repeat([]byte{0x91}, 7), 0x90), true},
		{"9 arrays", append(bytes.Repeat([]byte{0x91}, 8), 0x91, 1), false},
		{"9 arrays, innermost empty", append(bytes.Repeat([]byte{0x91}, 8), 0x90), false},
		{"9 maps, innermost empty", append(bytes.Repeat([]byte{0x81, 0xc0}, 8), 0x80), false},
		{"8 levels of array16 and map32", append(bytes.Repeat([]byte{0xdc, 0, 1, 0xdf, 0, 0, 0, 1, 0xc0}, 4), 0xc3), true},
		{"9 levels of array16 and map32", append(bytes.Repeat([]byte{0xdc, 0, 1, 0xdf, 0, 0, 0, 1, 0xc0}, 4), 0xdc, 0, 0), false},
		{"a key 9 deep", append(append(bytes.Repeat([]byte{0x81, 0xc0}, 7), 0x81), 0x91, 0x90, 0xc0), false},
		{"8 deep then a sibling", []byte{0x92, 0x91, 0x91, 0x91, 0x91, 0x91, 0x91, 0x90, 0x91, 0x90}, true},
		{"ext holding array bytes", append([]byte{0xc7, 20, 1}, bytes.Repeat([]byte{0x91}, 20)...), true},
	} {
		r := reader{b: tc.b}
		err := r.skip("v", MaxPayloadDepth)
		if (err == nil) != tc.ok {
			t.Errorf("%s (%x): %v, want ok %v", tc.name, tc.b, err, tc.ok)
		}
		if err == nil && len(r.b) != 0 {
			t.Errorf("%s: %d bytes left", tc.name, len(r.b))
		}
	}
}
