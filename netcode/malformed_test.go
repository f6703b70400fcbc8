package netcode_test

import (
	"bytes"
	"errors"
	"math"
	"reflect"
	"runtime"
	"strings"
	"testing"

	"github.com/tickroom/tickroom/netcode"
	"github.com/vmihailenco/msgpack/v5"
)

// raw is spliced into an mp frame as is.
type raw []byte

// mp builds a frame with the msgpack library, compact ints, splicing raw
// bytes where given; arr(n) gives an array header of n elements.
func mp(vals ...any) []byte {
	var buf bytes.Buffer
	enc := msgpack.NewEncoder(&buf)
	enc.UseCompactInts(true)
	for _, v := range vals {
		if r, ok := v.(raw); ok {
			buf.Write(r)
			continue
		}
		if err := enc.Encode(v); err != nil {
			panic(err)
		}
	}
	return buf.Bytes()
}

func arr(n int) raw {
	var buf bytes.Buffer
	if err := msgpack.NewEncoder(&buf).EncodeArrayLen(n); err != nil {
		panic(err)
	}
	return buf.Bytes()
}

type decoder int

const (
	client decoder = iota
	server
	input
)

func (d decoder) decode(frame []byte) (netcode.Frame, error) {
	switch d {
	case client:
		return netcode.DecodeClient(frame)
	case server:
		return netcode.DecodeServer(frame)
	}
	var in netcode.Input
	return &in, netcode.DecodeInput(frame, &in)
}

func (d decoder) String() string {
	return [...]string{"DecodeClient", "DecodeServer", "DecodeInput"}[d]
}

var (
	errMalformed  = netcode.ErrMalformed
	errUnknown    = netcode.ErrUnknownKind
	errUnexpected = netcode.ErrUnexpectedKind
	errVersion    = netcode.ErrVersionMismatch
)

// field is a valid welcome schema field; schema wraps fields in a schemas
// array of one.
var field = []any{"x", 2, 0.1, 0}

func schemas(fields ...any) []any { return []any{[]any{"player", append([]any{}, fields...)}} }

// welcome is a valid welcome frame with the given schemas value.
func welcome(s any) []byte {
	return mp(arr(11), 2, 1, "sess", 1, 2, "room", "arena", 20, 20, 1000, s)
}

func TestMalformed(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("x", 2000)
	many := make([]any, 65)
	for i := range many {
		many[i] = field
	}
	tooManySchemas := make([]any, 257)
	for i := range tooManySchemas {
		tooManySchemas[i] = []any{"p", []any{field}}
	}
	for _, tc := range []struct {
		name  string
		dec   decoder
		frame []byte
		want  error
	}{
		// Framing.
		{"empty frame", client, nil, errMalformed},
		{"not an array", client, mp(3), errMalformed},
		{"map", server, mp(map[string]int{"kind": 1}), errMalformed},
		{"empty array", client, mp(arr(0)), errMalformed},
		{"kind is a string", client, mp(arr(1), "join"), errMalformed},
		{"kind is nil", server, mp(arr(1), nil), errMalformed},
		{"kind is a float", client, mp(arr(1), 3.0), errMalformed},
		{"huge array", client, raw{0xdd, 0xff, 0xff, 0xff, 0xff}, errMalformed},
		{"huge array16", server, raw{0xdc, 0xff, 0xff, 5}, errMalformed},
		{"truncated array32 header", client, raw{0xdd, 0xff}, errMalformed},
		{"reserved byte", client, raw{0xc1}, errMalformed},
		{"trailing bytes", client, append(mp(arr(2), 4, 7), 0), errMalformed},
		{"two frames", server, append(mp(arr(3), 8, 1, 2), mp(arr(3), 8, 1, 2)...), errMalformed},

		// Kinds and direction.
		{"kind 0", client, mp(arr(1), 0), errUnknown},
		{"kind 11", client, mp(arr(3), 11, "future", 1), errUnknown},
		{"kind 300", server, mp(arr(1), 300), errUnknown},
		{"negative kind", client, mp(arr(1), -1), errUnknown},
		{"welcome to server", client, welcome(schemas(field)), errUnexpected},
		{"snapshot to server", client, mp(arr(5), 5, 1, 0, 0, arr(0)), errUnexpected},
		{"error to server", client, mp(arr(3), 9, 4000, "x"), errUnexpected},
		{"join to client", server, mp(arr(5), 1, 1, "", "", ""), errUnexpected},
		{"input to client", server, mp(arr(4), 3, 1, 0, 0), errUnexpected},
		{"leave to client", server, mp(arr(1), 10), errUnexpected},

		// Join.
		{"join version 2", client, mp(arr(5), 1, 2, "r", "m", "n"), errVersion},
		{"join version 2, other layout", client, mp(arr(3), 1, 2, map[string]int{}), errVersion},
		{"join version 0", client, mp(arr(5), 1, 0, "r", "m", "n"), errVersion},
		{"join without version", client, mp(arr(1), 1), errMalformed},
		{"join version string", client, mp(arr(5), 1, "1", "r", "m", "n"), errMalformed},
		{"join four elements", client, mp(arr(4), 1, 1, "r", "m"), errMalformed},
		{"join six elements", client, mp(arr(6), 1, 1, "r", "m", "n", "x"), errMalformed},
		{"join room too long", client, mp(arr(5), 1, 1, long[:65], "", ""), errMalformed},
		{"join mode too long", client, mp(arr(5), 1, 1, "", long[:33], ""), errMalformed},
		{"join name too long", client, mp(arr(5), 1, 1, "", "", long[:33]), errMalformed},
		{"join name invalid UTF-8", client, mp(arr(5), 1, 1, "", "", "a\xff"), errMalformed},
		{"join name is bin", client, mp(arr(5), 1, 1, "", "", []byte("ada")), errMalformed},
		{"join huge name", client, append(mp(arr(5), 1, 1, "", ""), 0xdb, 0xff, 0xff, 0xff, 0xff, 'a'), errMalformed},

		// Input.
		{"input three elements", client, mp(arr(3), 3, 1, 0), errMalformed},
		{"input nine elements", client, mp(arr(9), 3, 1, 0, 0, 1, 2, 3, 4, 5), errMalformed},
		{"input negative seq", client, mp(arr(4), 3, -1, 0, 0), errMalformed},
		{"input seq over u32", client, mp(arr(4), 3, uint64(math.MaxUint32)+1, 0, 0), errMalformed},
		{"input ack over u32", input, mp(arr(4), 3, 1, int64(1)<<40, 0), errMalformed},
		{"input buttons string", client, mp(arr(4), 3, 1, 0, "a"), errMalformed},
		{"input axis over i16", client, mp(arr(5), 3, 1, 0, 0, 40000), errMalformed},
		{"input axis under i16", input, mp(arr(6), 3, 1, 0, 0, 0, -40000), errMalformed},
		{"input axis float", input, mp(arr(5), 3, 1, 0, 0, 0.5), errMalformed},
		{"input uint64 max", input, mp(arr(4), 3, uint64(math.MaxUint64), 0, 0), errMalformed},
		{"input trailing", input, append(mp(arr(4), 3, 1, 0, 0), 0xc0), errMalformed},
		{"input truncated", input, mp(arr(5), 3, 1, 0, 0), errMalformed},

		// Ack, ping, leave.
		{"ack without tick", client, mp(arr(1), 4), errMalformed},
		{"ack two ticks", client, mp(arr(3), 4, 1, 2), errMalformed},
		{"ack negative", client, mp(arr(2), 4, -5), errMalformed},
		{"ping negative", client, mp(arr(2), 7, -1), errMalformed},
		{"ping string", client, mp(arr(2), 7, "now"), errMalformed},
		{"leave with reason", client, mp(arr(2), 10, "bye"), errMalformed},

		// Pong and error.
		{"pong server time over u32", server, mp(arr(3), 8, 1, uint64(1)<<32), errMalformed},
		{"pong two elements", server, mp(arr(2), 8, 1), errMalformed},
		{"error code over u16", server, mp(arr(3), 9, 70000, "x"), errMalformed},
		{"error message too long", server, mp(arr(3), 9, 4000, long[:257]), errMalformed},
		{"error message int", server, mp(arr(3), 9, 4000, 1), errMalformed},

		// Welcome.
		{"welcome version 2", server, mp(arr(2), 2, 2), errVersion},
		{"welcome ten elements", server, mp(arr(10), 2, 1, "sess", 1, 2, "room", "arena", 20, 20, 1000), errMalformed},
		{"welcome session too long", server, mp(arr(11), 2, 1, long[:65], 1, 2, "room", "arena", 20, 20, 1000, schemas(field)), errMalformed},
		{"welcome tick rate over u16", server, mp(arr(11), 2, 1, "s", 1, 2, "room", "arena", 70000, 20, 1000, schemas(field)), errMalformed},
		{"welcome 65 fields", server, welcome(schemas(many...)), errMalformed},
		{"welcome no fields", server, welcome(schemas()), errMalformed},
		{"welcome 257 schemas", server, welcome(tooManySchemas), errMalformed},
		{"welcome schema without name", server, welcome([]any{[]any{"", []any{field}}}), errMalformed},
		{"welcome schema three elements", server, welcome([]any{[]any{"p", []any{field}, 1}}), errMalformed},
		{"welcome field type 9", server, welcome(schemas([]any{"x", 9, 0.0, 0})), errMalformed},
		{"welcome field type 256", server, welcome(schemas([]any{"x", 256, 0.0, 0})), errMalformed},
		{"welcome quantum int", server, welcome(schemas([]any{"position_x", 2, 1, 0})), errMalformed},
		{"welcome float quantum 0", server, welcome(schemas([]any{"x", 2, 0.0, 0})), errMalformed},
		{"welcome quantum NaN", server, welcome(schemas([]any{"x", 1, math.NaN(), 0})), errMalformed},
		{"welcome quantum negative", server, welcome(schemas([]any{"x", 1, -1.0, 0})), errMalformed},
		{"welcome max length too big", server, welcome(schemas([]any{"x", 4, 0.0, 5000})), errMalformed},
		{"welcome field name too long", server, welcome(schemas([]any{long[:33], 1, 0.0, 0})), errMalformed},
		{"welcome huge schemas", server, append(mp(arr(11), 2, 1, "s", 1, 2, "r", "m", 20, 20, 1), 0xdd, 0xff, 0xff, 0xff, 0xff), errMalformed},

		// Snapshot.
		{"snapshot four elements", server, mp(arr(4), 5, 1, 0, 0), errMalformed},
		{"snapshot with changes", server, mp(arr(7), 5, 1, 0, 0, arr(0), arr(0), arr(0)), errMalformed},
		{"snapshot tick negative", server, mp(arr(5), 5, -1, 0, 0, arr(0)), errMalformed},
		{"snapshot added not array", server, mp(arr(5), 5, 1, 0, 0, 7), errMalformed},
		{"snapshot huge added", server, append(mp(arr(5), 5, 1, 0, 0), 0xdd, 0xff, 0xff, 0xff, 0xff), errMalformed},
		{"added entity two elements", server, mp(arr(5), 5, 1, 0, 0, []any{[]any{100000, 0}}), errMalformed},
		{"added entity 67 elements", server, mp(arr(5), 5, 1, 0, 0, []any{append([]any{1, 0}, many...)}), errMalformed},
		{"added id 0", server, mp(arr(5), 5, 1, 0, 0, []any{[]any{0, 0, 1}}), errMalformed},
		{"added type 256", server, mp(arr(5), 5, 1, 0, 0, []any{[]any{1, 256, 1}}), errMalformed},
		{"added value float", server, mp(arr(5), 5, 1, 0, 0, []any{[]any{1, 0, 1.5}}), errMalformed},
		{"added value nil", server, mp(arr(5), 5, 1, 0, 0, []any{[]any{1, 0, nil}}), errMalformed},
		{"added value over int64", server, mp(arr(5), 5, 1, 0, 0, []any{[]any{1, 0, uint64(math.MaxUint64)}}), errMalformed},
		{"added value too long", server, mp(arr(5), 5, 1, 0, 0, []any{[]any{1, 0, long[:1025]}}), errMalformed},

		// Diff.
		{"diff seven elements", server, mp(arr(7), 6, 2, 1, 0, 0, arr(0), arr(0)), errMalformed},
		{"diff baseline 0", server, mp(arr(8), 6, 2, 0, 0, 0, arr(0), arr(0), arr(0)), errMalformed},
		{"diff baseline after tick", server, mp(arr(8), 6, 2, 3, 0, 0, arr(0), arr(0), arr(0)), errMalformed},
		{"changed mask 0", server, mp(arr(8), 6, 2, 1, 0, 0, arr(0), []any{1, 0}, arr(0)), errMalformed},
		{"changed id 0", server, mp(arr(8), 6, 2, 1, 0, 0, arr(0), []any{0, 1, 5}, arr(0)), errMalformed},
		{"changed gap 0", server, mp(arr(8), 6, 2, 1, 0, 0, arr(0), []any{1, 1, 5, 0, 1, 5}, arr(0)), errMalformed},
		{"changed id overflow", server, mp(arr(8), 6, 2, 1, 0, 0, arr(0), []any{math.MaxUint32, 1, 5, 1, 1, 5}, arr(0)), errMalformed},
		{"changed gap over u32", server, mp(arr(8), 6, 2, 1, 0, 0, arr(0), []any{uint64(1) << 32, 1, 5}, arr(0)), errMalformed},
		{"changed without mask", server, mp(arr(8), 6, 2, 1, 0, 0, arr(0), []any{1}, arr(0)), errMalformed},
		{"changed too few values", server, mp(arr(8), 6, 2, 1, 0, 0, arr(0), []any{1, 7, 5, 5}, arr(0)), errMalformed},
		{"changed negative mask", server, mp(arr(8), 6, 2, 1, 0, 0, arr(0), []any{1, -1, 5}, arr(0)), errMalformed},
		{"changed value bin", server, mp(arr(8), 6, 2, 1, 0, 0, arr(0), []any{1, 1, []byte("x")}, arr(0)), errMalformed},
		{"changed nested", server, mp(arr(8), 6, 2, 1, 0, 0, arr(0), []any{[]any{1, 1, 5}, 1}, arr(0)), errMalformed},
		{"removed gap 0", server, mp(arr(8), 6, 2, 1, 0, 0, arr(0), arr(0), []any{3, 0}), errMalformed},
		{"removed id 0", server, mp(arr(8), 6, 2, 1, 0, 0, arr(0), arr(0), []any{0}), errMalformed},
		{"removed overflow", server, mp(arr(8), 6, 2, 1, 0, 0, arr(0), arr(0), []any{math.MaxUint32, 1}), errMalformed},
		{"removed huge", server, append(mp(arr(8), 6, 2, 1, 0, 0, arr(0), arr(0)), 0xdd, 0x7f, 0xff, 0xff, 0xff, 1), errMalformed},
		{"diff trailing", server, append(mp(arr(8), 6, 2, 1, 0, 0, arr(0), arr(0), arr(0)), 0x90), errMalformed},

		// DecodeInput on other kinds.
		{"DecodeInput ack", input, mp(arr(2), 4, 1), errUnexpected},
		{"DecodeInput welcome", input, welcome(schemas(field)), errUnexpected},
		{"DecodeInput unknown", input, mp(arr(1), 42), errUnknown},
		{"DecodeInput garbage", input, raw{0xff, 0x00}, errMalformed},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m, err := tc.dec.decode(tc.frame)
			if !errors.Is(err, tc.want) {
				t.Fatalf("%v(%x) = %v, want %v", tc.dec, tc.frame, err, tc.want)
			}
			t.Log(err)
			for _, other := range []error{errMalformed, errUnknown, errUnexpected, errVersion} {
				if other != tc.want && errors.Is(err, other) {
					t.Errorf("error %v also matches %v", err, other)
				}
			}
			if tc.dec != input && tc.want != errVersion && m != nil {
				t.Errorf("returned message %#v with the error", m)
			}
			if !strings.HasPrefix(err.Error(), "netcode: ") {
				t.Errorf("error %q lacks the netcode: prefix", err)
			}
		})
	}
}

func TestVersionMismatchReturnsJoin(t *testing.T) {
	t.Parallel()
	m, err := netcode.DecodeClient(mp(arr(5), 1, 2, "r", "m", "n"))
	if !errors.Is(err, netcode.ErrVersionMismatch) {
		t.Fatalf("err = %v, want ErrVersionMismatch", err)
	}
	if got, want := m, (&netcode.Join{Version: 2}); !reflect.DeepEqual(got, want) {
		t.Errorf("message = %#v, want %#v", got, want)
	}
	if got, want := netcode.CodeOf(err), netcode.CodeVersionMismatch; got != want {
		t.Errorf("CodeOf = %v, want %v", got, want)
	}
}

// TestTruncatedAndTrailing cuts every sample frame at every length and
// appends a byte to it: each must fail as malformed.
func TestTruncatedAndTrailing(t *testing.T) {
	t.Parallel()
	for _, s := range samples() {
		frame := mustAppend(t, s.msg)
		for n := range len(frame) {
			if _, err := decode(frame[:n], s.msg); !errors.Is(err, netcode.ErrMalformed) {
				t.Errorf("%s cut to %d of %d bytes: err = %v, want ErrMalformed", s.name, n, len(frame), err)
			}
		}
		if _, err := decode(append(frame, 0), s.msg); !errors.Is(err, netcode.ErrMalformed) {
			t.Errorf("%s with a trailing byte: err = %v, want ErrMalformed", s.name, err)
		}
	}
}

// TestHugeLengthFailsFast checks that length fields are checked against the
// frame before anything is sized by them: a 5-byte frame claiming 4 billion
// elements costs only the error.
func TestHugeLengthFailsFast(t *testing.T) {
	frames := [][]byte{
		{0xdd, 0xff, 0xff, 0xff, 0xff},
		append(mp(arr(5), 5, 1, 0, 0), 0xdd, 0xff, 0xff, 0xff, 0xff),
		append(mp(arr(8), 6, 2, 1, 0, 0, arr(0)), 0xdd, 0xff, 0xff, 0xff, 0xff),
		append(mp(arr(11), 2, 1, "s", 1, 2, "r", "m", 20, 20, 1), 0xdd, 0xff, 0xff, 0xff, 0xff),
		append(mp(arr(5), 1, 1, "", ""), 0xdb, 0xff, 0xff, 0xff, 0xff),
	}
	for _, f := range frames {
		const runs = 100
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		for range runs {
			if _, err := netcode.DecodeServer(f); err == nil {
				t.Fatalf("DecodeServer(%x) succeeded", f)
			}
			if _, err := netcode.DecodeClient(f); err == nil {
				t.Fatalf("DecodeClient(%x) succeeded", f)
			}
		}
		runtime.ReadMemStats(&after)
		if perRun := (after.TotalAlloc - before.TotalAlloc) / runs; perRun > 2048 {
			t.Errorf("decoding %x allocates %d bytes, want only the errors'", f, perRun)
		}
	}
}

func TestDecodeInputUnexpectedIsBare(t *testing.T) {
	var in netcode.Input
	frame := mp(arr(2), 4, 1)
	if err := netcode.DecodeInput(frame, &in); err != netcode.ErrUnexpectedKind {
		t.Fatalf("err = %v, want ErrUnexpectedKind itself", err)
	}
	if allocs := testing.AllocsPerRun(100, func() { netcode.DecodeInput(frame, &in) }); allocs != 0 {
		t.Errorf("DecodeInput(ack) allocates %v times, want 0", allocs)
	}
}
