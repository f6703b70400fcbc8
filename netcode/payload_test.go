package netcode_test

import (
	"bytes"
	"errors"
	"math"
	"reflect"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/tickroom/tickroom/netcode"
	"github.com/tickroom/tickroom/world"
	"github.com/vmihailenco/msgpack/v5"
	"github.com/vmihailenco/msgpack/v5/msgpcode"
)

// libValue runs fn against a msgpack.Encoder with compact ints and returns
// what it wrote: one value as the library writes it.
func libValue(tb testing.TB, fn func(*msgpack.Encoder) error) []byte {
	tb.Helper()
	var buf bytes.Buffer
	enc := msgpack.NewEncoder(&buf)
	enc.UseCompactInts(true)
	if err := fn(enc); err != nil {
		tb.Fatal(err)
	}
	return buf.Bytes()
}

// libValues is one value of every msgpack type and width the library
// writes, small enough for a message payload, as name and writer. Values
// that only fit a 32-bit length are in the package's own skip test.
func libValues() []struct {
	name string
	fn   func(*msgpack.Encoder) error
} {
	ext := func(id int8, n int) func(*msgpack.Encoder) error {
		return func(e *msgpack.Encoder) error {
			if err := e.EncodeExtHeader(id, n); err != nil {
				return err
			}
			_, err := e.Writer().Write(bytes.Repeat([]byte{0xc1}, n)) // ext data is opaque, even reserved bytes
			return err
		}
	}
	array := func(n int) func(*msgpack.Encoder) error {
		return func(e *msgpack.Encoder) error {
			if err := e.EncodeArrayLen(n); err != nil {
				return err
			}
			for i := range n {
				if err := e.EncodeInt(int64(i)); err != nil {
					return err
				}
			}
			return nil
		}
	}
	mapOf := func(n int) func(*msgpack.Encoder) error {
		return func(e *msgpack.Encoder) error {
			if err := e.EncodeMapLen(n); err != nil {
				return err
			}
			for i := range n {
				if err := e.EncodeInt(int64(i)); err != nil { // keys need not be strings
					return err
				}
				if err := e.EncodeNil(); err != nil {
					return err
				}
			}
			return nil
		}
	}
	return []struct {
		name string
		fn   func(*msgpack.Encoder) error
	}{
		{"nil", func(e *msgpack.Encoder) error { return e.EncodeNil() }},
		{"false", func(e *msgpack.Encoder) error { return e.EncodeBool(false) }},
		{"true", func(e *msgpack.Encoder) error { return e.EncodeBool(true) }},
		{"positive fixint", func(e *msgpack.Encoder) error { return e.EncodeInt(127) }},
		{"negative fixint", func(e *msgpack.Encoder) error { return e.EncodeInt(-32) }},
		{"uint8", func(e *msgpack.Encoder) error { return e.EncodeUint8(200) }},
		{"uint16", func(e *msgpack.Encoder) error { return e.EncodeUint16(60000) }},
		{"uint32", func(e *msgpack.Encoder) error { return e.EncodeUint32(4e9) }},
		{"uint64", func(e *msgpack.Encoder) error { return e.EncodeUint64(math.MaxUint64) }},
		{"int8", func(e *msgpack.Encoder) error { return e.EncodeInt8(-100) }},
		{"int16", func(e *msgpack.Encoder) error { return e.EncodeInt16(-30000) }},
		{"int32", func(e *msgpack.Encoder) error { return e.EncodeInt32(math.MinInt32) }},
		{"int64", func(e *msgpack.Encoder) error { return e.EncodeInt64(math.MinInt64) }},
		{"float32", func(e *msgpack.Encoder) error { return e.EncodeFloat32(1.5) }},
		{"float64", func(e *msgpack.Encoder) error { return e.EncodeFloat64(math.Pi) }},
		{"NaN", func(e *msgpack.Encoder) error { return e.EncodeFloat64(math.NaN()) }},
		{"fixstr", func(e *msgpack.Encoder) error { return e.EncodeString("héllo") }},
		{"empty str", func(e *msgpack.Encoder) error { return e.EncodeString("") }},
		{"str8", func(e *msgpack.Encoder) error { return e.EncodeString(strings.Repeat("s", 200)) }},
		{"str16", func(e *msgpack.Encoder) error { return e.EncodeString(strings.Repeat("s", 900)) }},
		{"bin8", func(e *msgpack.Encoder) error { return e.EncodeBytes([]byte{0xc1, 0xdd, 0xff}) }},
		{"empty bin", func(e *msgpack.Encoder) error { return e.EncodeBytes([]byte{}) }},
		{"bin16", func(e *msgpack.Encoder) error { return e.EncodeBytes(make([]byte, 300)) }},
		{"fixarray", array(15)},
		{"empty array", array(0)},
		{"array16", array(16)},
		{"fixmap", mapOf(15)},
		{"empty map", mapOf(0)},
		{"map16", mapOf(16)},
		{"fixext1", ext(1, 1)},
		{"fixext2", ext(2, 2)},
		{"fixext4", ext(3, 4)},
		{"fixext8", ext(-1, 8)},
		{"fixext16", ext(127, 16)},
		{"ext8", ext(5, 3)},
		{"ext8 empty", ext(5, 0)},
		{"ext16", ext(-128, 256)},
		{"time", func(e *msgpack.Encoder) error { return e.EncodeTime(testTime) }},
		{"struct", func(e *msgpack.Encoder) error {
			return e.Encode(struct {
				A []map[string]any
				B *int
			}{A: []map[string]any{{"x": []byte("y")}}})
		}},
	}
}

// Non-shortest forms the library does not write but any msgpack decoder
// takes: a short string or array behind a 32-bit length.
var wideForms = map[string][]byte{
	"str32 short":    {0xdb, 0, 0, 0, 2, 'h', 'i'},
	"str16 short":    {0xda, 0, 1, 'h'},
	"bin32 short":    {0xc6, 0, 0, 0, 1, 0},
	"array32 short":  {0xdd, 0, 0, 0, 2, 1, 0xc0},
	"array16 empty":  {0xdc, 0, 0},
	"map32 short":    {0xdf, 0, 0, 0, 1, 0xa1, 'k', 0x91, 0x90},
	"ext32 short":    {0xc9, 0, 0, 0, 2, 7, 1, 2},
	"uint64 small":   {0xcf, 0, 0, 0, 0, 0, 0, 0, 1},
	"str8 empty":     {0xd9, 0},
	"nested ext":     {0x92, 0xd4, 1, 0, 0xc7, 1, 2, 3},
	"map with array": {0x81, 0x91, 1, 0x81, 0xc0, 0xc3},
}

// TestPayloadSkipsEveryType carries every msgpack value the library writes,
// and a few wider forms, as a message's payload and an event's: each must
// decode to its exact bytes.
func TestPayloadSkipsEveryType(t *testing.T) {
	t.Parallel()
	type value struct {
		name string
		b    []byte
	}
	var values []value
	for _, v := range libValues() {
		values = append(values, value{v.name, libValue(t, v.fn)})
	}
	for name, b := range wideForms {
		values = append(values, value{name, b})
	}
	for _, v := range values {
		t.Run(v.name, func(t *testing.T) {
			want := netcode.Payload(v.b)
			if bytes.Equal(v.b, []byte{0xc0}) {
				want = nil // nil is no payload
			}
			// The library agrees it is one value.
			if err := msgpack.NewDecoder(bytes.NewReader(v.b)).Skip(); err != nil {
				t.Fatalf("the library cannot skip %x: %v", v.b, err)
			}
			m, err := netcode.DecodeClient(append(mp(arr(3), 11, "t"), v.b...))
			if err != nil {
				t.Fatalf("message with payload %x: %v", v.b, err)
			}
			if got := m.(*netcode.Message).Payload; !bytes.Equal(got, want) || (got == nil) != (want == nil) {
				t.Errorf("message payload = %x, want %x", got, want)
			}
			e, err := netcode.DecodeServer(append(mp(arr(5), 14, 1, 1, "t"), v.b...))
			if err != nil {
				t.Fatalf("event with payload %x: %v", v.b, err)
			}
			if got := e.(*netcode.Event).Payload; !bytes.Equal(got, want) {
				t.Errorf("event payload = %x, want %x", got, want)
			}
			// Inside a map, as a join's options usually are, and followed
			// by more of the frame: the skipper stops at the value's end.
			inMap := append(append([]byte{0x82, 0xa1, 'a'}, v.b...), 0xa1, 'b', 0x07)
			j, err := netcode.DecodeClient(append(mp(arr(7), 1, 2, "", "", 0, ""), inMap...))
			if err != nil {
				t.Fatalf("join with options %x: %v", inMap, err)
			}
			if got := j.(*netcode.Join).Options; !bytes.Equal(got, inMap) {
				t.Errorf("options = %x, want %x", got, inMap)
			}
			rs, err := netcode.DecodeServer(mp(arr(4), 13, 1, 1, []any{[]any{"id", "n", "m", 1, 2, true, raw(inMap)}}))
			if err != nil {
				t.Fatalf("rooms with metadata %x: %v", inMap, err)
			}
			if got := rs.(*netcode.Rooms).Rooms[0].Metadata; !bytes.Equal(got, inMap) {
				t.Errorf("metadata = %x, want %x", got, inMap)
			}
		})
	}
}

// The payload keeps its own copy: the frame's buffer may be reused.
func TestPayloadIsACopy(t *testing.T) {
	t.Parallel()
	frame := mustAppend(t, &netcode.Message{Type: "t", Payload: pl("abc")})
	m, err := netcode.DecodeClient(frame)
	if err != nil {
		t.Fatal(err)
	}
	clear(frame)
	if got := m.(*netcode.Message).Payload; !bytes.Equal(got, pl("abc")) {
		t.Errorf("payload = %x after the frame was cleared", got)
	}
}

// TestPayloadDepth pins MaxPayloadDepth: arrays and maps, empty or not,
// nested MaxPayloadDepth deep pass, one more level fails.
func TestPayloadDepth(t *testing.T) {
	t.Parallel()
	mapNest := func(depth int, inner any) any {
		v := inner
		for range depth {
			v = map[string]any{"k": v}
		}
		return v
	}
	mixed := func(depth int, inner any) any {
		v := inner
		for i := range depth {
			if i%2 == 0 {
				v = []any{1, v}
			} else {
				v = map[string]any{"a": 1, "k": v}
			}
		}
		return v
	}
	for name, nestFn := range map[string]func(int, any) any{"arrays": nest, "maps": mapNest, "mixed": mixed} {
		for _, inner := range []any{1, []any{}, map[string]any{}, nil} {
			// inner adds a level of its own when it is an array or a map.
			levels := 0
			switch inner.(type) {
			case []any, map[string]any:
				levels = 1
			}
			for depth := netcode.MaxPayloadDepth - 2 - levels; depth <= netcode.MaxPayloadDepth+1-levels; depth++ {
				p := pl(nestFn(depth, inner))
				_, err := netcode.DecodeClient(mustAppendRaw(t, 11, "t", p))
				if ok := depth+levels <= netcode.MaxPayloadDepth; ok != (err == nil) {
					t.Errorf("%s %d deep around %v (%x): err = %v, want ok %v", name, depth, inner, p, err, ok)
				}
				if err != nil && !errors.Is(err, netcode.ErrMalformed) {
					t.Errorf("%s: err = %v, want ErrMalformed", name, err)
				}
			}
		}
	}
}

// mustAppendRaw builds a frame [kind, typ, payload] with payload spliced
// as is.
func mustAppendRaw(tb testing.TB, kind int, typ string, payload []byte) []byte {
	tb.Helper()
	return append(mp(arr(3), kind, typ), payload...)
}

// TestPayloadLimits pins the size limits: a payload of exactly the limit
// passes, one byte more fails; the limit is on the payload's bytes alone.
func TestPayloadLimits(t *testing.T) {
	t.Parallel()
	at := func(n int) []byte { return pl(make([]byte, n-3)) } // bin16: 3 header bytes
	for _, tc := range []struct {
		name  string
		frame func(p []byte) []byte
		dec   func([]byte) (netcode.Frame, error)
		limit int
	}{
		{"message", func(p []byte) []byte { return mustAppendRaw(t, 11, "t", p) }, netcode.DecodeClient, netcode.MaxPayloadLen},
		{"options", func(p []byte) []byte { return append(mp(arr(7), 1, 2, "", "", 0, ""), p...) }, netcode.DecodeClient, netcode.MaxPayloadLen},
		{"event", func(p []byte) []byte { return append(mp(arr(5), 14, 1, 1, "t"), p...) }, netcode.DecodeServer, netcode.MaxEventLen},
		{"metadata", func(p []byte) []byte {
			return mp(arr(4), 13, 1, 1, []any{[]any{"id", "n", "m", 1, 2, true, raw(p)}})
		}, netcode.DecodeServer, netcode.MaxMetadataLen},
	} {
		if _, err := tc.dec(tc.frame(at(tc.limit))); err != nil {
			t.Errorf("%s of %d bytes: %v", tc.name, tc.limit, err)
		}
		if _, err := tc.dec(tc.frame(at(tc.limit + 1))); !errors.Is(err, netcode.ErrMalformed) {
			t.Errorf("%s of %d bytes: %v, want ErrMalformed", tc.name, tc.limit+1, err)
		}
	}
}

// TestPayloadStrIsUTF8: a str anywhere in a payload must be UTF-8, since
// the payload may be relayed to other clients; bytes go in a bin.
func TestPayloadStrIsUTF8(t *testing.T) {
	t.Parallel()
	msg := func(p []byte) []byte { return mustAppendRaw(t, 11, "chat", p) }
	bad := "hi \xff\xfe"
	for name, p := range map[string][]byte{
		"fixstr":       mp(bad),
		"str8":         mp(strings.Repeat("x", 40) + bad),
		"str16":        mp(strings.Repeat("x", 300) + bad),
		"in a map":     mp(map[string]any{"text": bad}),
		"as a map key": mp(map[string]any{bad: 1}),
		"in an array":  mp([]any{1, []any{bad}}),
	} {
		if _, err := netcode.DecodeClient(msg(p)); !errors.Is(err, netcode.ErrMalformed) {
			t.Errorf("%s: %v, want ErrMalformed", name, err)
		}
	}
	for name, p := range map[string][]byte{
		"utf-8": mp(map[string]any{"text": "héllo ✓ 🎮"}),
		"bin":   mp([]byte(bad)),
	} {
		if _, err := netcode.DecodeClient(msg(p)); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
}

// TestPayloadLyingLengths: a length the bytes left cannot hold fails at
// once, wherever it is in the payload, without a panic and without
// allocating by it.
func TestPayloadLyingLengths(t *testing.T) {
	var headers [][]byte
	for _, c := range []byte{0xd9, 0xc4, 0xc7} { // str8, bin8, ext8
		headers = append(headers, []byte{c, 0xff})
	}
	for _, c := range []byte{0xda, 0xc5, 0xc8, 0xdc, 0xde} { // str16, bin16, ext16, array16, map16
		headers = append(headers, []byte{c, 0xff, 0xff})
	}
	for _, c := range []byte{0xdb, 0xc6, 0xc9, 0xdd, 0xdf} { // str32, bin32, ext32, array32, map32
		headers = append(headers, []byte{c, 0xff, 0xff, 0xff, 0xff}, []byte{c, 0x7f, 0xff, 0xff, 0xff})
	}
	headers = append(headers, []byte{0x9f}, []byte{0x8f, 1}, []byte{0xbf, 'a'}) // fix types claiming more
	for i := range headers {
		headers[i] = append(headers[i], 1, 2, 3) // a few bytes, far fewer than claimed
	}
	// Fixed sizes, one byte short.
	for c, size := range map[byte]int{0xd4: 2, 0xd5: 3, 0xd6: 5, 0xd7: 9, 0xd8: 17, 0xcc: 1, 0xcd: 2, 0xce: 4, 0xcf: 8,
		0xd0: 1, 0xd1: 2, 0xd2: 4, 0xd3: 8, 0xca: 4, 0xcb: 8, 0xc7: 2, 0xc8: 3, 0xc9: 5} {
		headers = append(headers, append([]byte{c}, make([]byte, size-1)...))
	}
	var frames [][]byte
	for _, h := range headers {
		for _, wrap := range [][]byte{nil, {0x91}, {0x81, 0xa1, 'k'}, {0x92, 0xc0}, {0x93, 0x91, 0x91}} {
			p := append(slices.Clone(wrap), h...)
			frames = append(frames, mustAppendRaw(t, 11, "t", p), append(mp(arr(5), 14, 1, 1, "t"), p...))
		}
	}
	for _, f := range frames {
		const runs = 50
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		for range runs {
			for _, dec := range []func([]byte) (netcode.Frame, error){netcode.DecodeClient, netcode.DecodeServer} {
				m, err := dec(f)
				if errors.Is(err, netcode.ErrUnexpectedKind) {
					continue
				}
				if !errors.Is(err, netcode.ErrMalformed) || m != nil {
					t.Fatalf("decoding %x = %#v, %v; want ErrMalformed", f, m, err)
				}
			}
		}
		runtime.ReadMemStats(&after)
		if perRun := (after.TotalAlloc - before.TotalAlloc) / runs; perRun > 2048 {
			t.Errorf("decoding %x allocates %d bytes, want only the errors'", f, perRun)
		}
	}
}

// testTime is a time.Time, which the library writes as an ext.
var testTime = time.Date(2026, 12, 5, 10, 1, 41, 5, time.UTC)

type options struct {
	Team  string `msgpack:"team"`
	Level int    `msgpack:"level"`
	Tags  []string
}

// TestPayloadDecode: Decode is strict, as games rely on.
func TestPayloadDecode(t *testing.T) {
	t.Parallel()
	good := pl(map[string]any{"team": "red", "level": 3, "Tags": []string{"a"}})
	var o options
	if err := netcode.Payload(good).Decode(&o); err != nil || !reflect.DeepEqual(o, options{Team: "red", Level: 3, Tags: []string{"a"}}) {
		t.Errorf("Decode = %+v, %v", o, err)
	}
	// A payload off the wire decodes the same.
	m, err := netcode.DecodeClient(mustAppend(t, &netcode.Join{Version: netcode.ProtocolVersion, Options: good}))
	if err != nil {
		t.Fatal(err)
	}
	var o2 options
	if err := m.(*netcode.Join).Options.Decode(&o2); err != nil || !reflect.DeepEqual(o2, o) {
		t.Errorf("Decode of the decoded options = %+v, %v", o2, err)
	}
	// world.Payload is what games see.
	var wp world.Payload = m.(*netcode.Join).Options
	if !bytes.Equal(wp.Raw(), good) {
		t.Errorf("Raw() = %x, want %x", wp.Raw(), good)
	}

	for _, tc := range []struct {
		name string
		p    netcode.Payload
		v    any
	}{
		{"unknown field", pl(map[string]any{"team": "red", "color": "blue"}), new(options)},
		{"string for int", pl(map[string]any{"level": "3"}), new(options)},
		{"int for string", pl(map[string]any{"team": 3}), new(options)},
		{"map for slice", pl(map[string]any{"Tags": map[string]any{}}), new(options)},
		{"array for struct", pl([]any{"red", 3}), new(options)},
		{"string for int", pl("x"), new(int)},
		{"float for int", pl(1.5), new(int)},
		{"trailing bytes", append(pl(map[string]any{"team": "red"}), 0xc0), new(options)},
		{"two values", append(pl(1), pl(2)...), new(any)},
		{"truncated", pl(map[string]any{"team": "red"})[:4], new(options)},
		{"reserved byte", netcode.Payload{0xc1}, new(any)},
		{"not a pointer", pl(1), 0},
	} {
		if err := tc.p.Decode(tc.v); err == nil {
			t.Errorf("%s: Decode(%x) into %T succeeded", tc.name, []byte(tc.p), tc.v)
		} else if !strings.HasPrefix(err.Error(), "netcode: decode payload: ") {
			t.Errorf("%s: error %q lacks its prefix", tc.name, err)
		}
	}

	// The empty payload leaves v alone.
	o3 := options{Team: "keep"}
	if err := netcode.Payload(nil).Decode(&o3); err != nil || o3.Team != "keep" {
		t.Errorf("empty Decode = %+v, %v; want v unchanged", o3, err)
	}
	if err := (netcode.Payload{}).Decode(&o3); err != nil || o3.Team != "keep" {
		t.Errorf("empty Decode = %+v, %v; want v unchanged", o3, err)
	}
	// A decoded payload of none is the empty Payload.
	msg, err := netcode.DecodeClient(mustAppendRaw(t, 11, "t", []byte{0xc0}))
	if err != nil || msg.(*netcode.Message).Payload != nil {
		t.Errorf("nil payload decodes as %#v, %v; want the empty Payload", msg, err)
	}
}

// TestEncodePayload: EncodePayload writes what the decoders take, or
// fails with ErrPayload.
func TestEncodePayload(t *testing.T) {
	t.Parallel()
	if p, err := netcode.EncodePayload(nil, 10); err != nil || p != nil {
		t.Errorf("EncodePayload(nil) = %x, %v; want the empty Payload", p, err)
	}
	p, err := netcode.EncodePayload(map[string]any{"score": 300}, netcode.MaxEventLen)
	if want := pl(map[string]any{"score": 300}); err != nil || !bytes.Equal(p, want) {
		t.Errorf("EncodePayload = %x, %v; want %x (compact ints)", p, err, want)
	}
	var back map[string]int
	if err := p.Decode(&back); err != nil || back["score"] != 300 {
		t.Errorf("Decode(EncodePayload) = %v, %v", back, err)
	}
	// Exactly the limit passes, a byte more fails.
	exact := strings.Repeat("x", 100-2) // str8: 2 header bytes
	if p, err := netcode.EncodePayload(exact, 100); err != nil || len(p) != 100 {
		t.Errorf("EncodePayload of 100 bytes, limit 100 = %d bytes, %v", len(p), err)
	}
	if p, err := netcode.EncodePayload(exact+"x", 100); !errors.Is(err, netcode.ErrPayload) || p != nil {
		t.Errorf("EncodePayload of 101 bytes, limit 100 = %x, %v; want ErrPayload", p, err)
	}
	// Depth: MaxPayloadDepth levels pass, one more does not, empty or not.
	if _, err := netcode.EncodePayload(nest(netcode.MaxPayloadDepth, 1), netcode.MaxEventLen); err != nil {
		t.Errorf("EncodePayload %d deep: %v", netcode.MaxPayloadDepth, err)
	}
	for _, v := range []any{nest(netcode.MaxPayloadDepth+1, 1), nest(netcode.MaxPayloadDepth, []int{}), nest(netcode.MaxPayloadDepth, map[string]int{})} {
		p, err := netcode.EncodePayload(v, netcode.MaxEventLen)
		if !errors.Is(err, netcode.ErrPayload) || errors.Is(err, netcode.ErrMalformed) || p != nil {
			t.Errorf("EncodePayload(%v) = %x, %v; want ErrPayload alone", v, p, err)
		}
	}
	// What cannot encode.
	for _, v := range []any{make(chan int), func() {}, map[string]any{"f": complex64(1)}} {
		if p, err := netcode.EncodePayload(v, netcode.MaxEventLen); !errors.Is(err, netcode.ErrPayload) || p != nil {
			t.Errorf("EncodePayload(%T) = %x, %v; want ErrPayload", v, p, err)
		}
	}
	// Whatever EncodePayload accepts, an event carries.
	for _, v := range []any{1, "s", []any{nil, true, 1.5}, map[string]any{"a": []byte{1}}, testTime, options{Team: "x"}} {
		p, err := netcode.EncodePayload(v, netcode.MaxEventLen)
		if err != nil {
			t.Errorf("EncodePayload(%v): %v", v, err)
			continue
		}
		m, err := netcode.DecodeServer(netcode.AppendEvent(nil, 1, 1, "t", p))
		if err != nil || !bytes.Equal(m.(*netcode.Event).Payload, p) {
			t.Errorf("event of EncodePayload(%v) = %#v, %v", v, m, err)
		}
	}
}

// FuzzPayload checks the payload reader against the msgpack library: a
// payload decodes if and only if the library reads it as exactly one value
// within the size and depth limits, and it decodes to its own bytes.
func FuzzPayload(f *testing.F) {
	for _, v := range libValues() {
		f.Add(libValue(f, v.fn))
	}
	for _, b := range wideForms {
		f.Add(b)
	}
	for _, s := range samples() { // whole frames are payloads too
		f.Add(mustAppend(f, s.msg))
	}
	f.Add([]byte(pl(nest(netcode.MaxPayloadDepth, 1))))
	f.Add([]byte(pl(nest(netcode.MaxPayloadDepth, []any{}))))
	f.Add([]byte{0xdd, 0xff, 0xff, 0xff, 0xff})
	f.Fuzz(func(t *testing.T, p []byte) {
		depth, libErr := libDepth(p)
		for _, tc := range []struct {
			frame []byte
			dec   func([]byte) (netcode.Frame, error)
			limit int
			get   func(netcode.Frame) netcode.Payload
		}{
			{mustAppendRaw(t, 11, "t", p), netcode.DecodeClient, netcode.MaxPayloadLen, func(m netcode.Frame) netcode.Payload { return m.(*netcode.Message).Payload }},
			{append(mp(arr(5), 14, 1, 1, "t"), p...), netcode.DecodeServer, netcode.MaxEventLen, func(m netcode.Frame) netcode.Payload { return m.(*netcode.Event).Payload }},
		} {
			m, err := tc.dec(tc.frame)
			want := libErr == nil && len(p) <= tc.limit && depth <= netcode.MaxPayloadDepth
			if (err == nil) != want {
				t.Fatalf("payload %x (library: depth %d, %v; limit %d): err = %v", p, depth, libErr, tc.limit, err)
			}
			if err != nil {
				if !errors.Is(err, netcode.ErrMalformed) {
					t.Fatalf("payload %x: err = %v, want ErrMalformed", p, err)
				}
				continue
			}
			got := tc.get(m)
			if bytes.Equal(p, []byte{0xc0}) {
				if got != nil {
					t.Fatalf("nil payload decoded as %x", got)
				}
			} else if !bytes.Equal(got, p) {
				t.Fatalf("payload %x decoded as %x", p, got)
			}
			checkStable(t, m, tc.dec)
			var v any
			_ = got.Decode(&v) // may fail (an unregistered ext), must not panic
		}
	})
}

// libDepth walks one msgpack value with the library's own readers and
// returns how deep its arrays and maps nest (a scalar is 0, an empty array
// 1); the error is the library's, or one for bytes after the value.
func libDepth(p []byte) (int, error) {
	r := bytes.NewReader(p)
	d := msgpack.NewDecoder(r)
	depth, err := libWalk(d)
	if err == nil && r.Len() != 0 {
		err = errors.New("trailing bytes")
	}
	return depth, err
}

func libWalk(d *msgpack.Decoder) (int, error) {
	c, err := d.PeekCode()
	if err != nil {
		return 0, err
	}
	var n int
	switch {
	case msgpcode.IsFixedArray(c) || c == msgpcode.Array16 || c == msgpcode.Array32:
		n, err = d.DecodeArrayLen()
	case msgpcode.IsFixedMap(c) || c == msgpcode.Map16 || c == msgpcode.Map32:
		n, err = d.DecodeMapLen()
		n *= 2
	case msgpcode.IsFixedString(c) || c == msgpcode.Str8 || c == msgpcode.Str16 || c == msgpcode.Str32:
		s, err := d.DecodeString()
		if err == nil && !utf8.ValidString(s) {
			err = errors.New("a str that is not UTF-8")
		}
		return 0, err
	default:
		return 0, d.Skip()
	}
	if err != nil {
		return 0, err
	}
	deepest := 0
	for range n {
		k, err := libWalk(d)
		if err != nil {
			return 0, err
		}
		deepest = max(deepest, k)
	}
	return deepest + 1, nil
}
