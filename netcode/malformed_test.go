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

	"github.com/tickroom/tickroom/netcode"
	"github.com/vmihailenco/msgpack/v5"
)

// raw is spliced into an mp frame as is, at the top level or nested in a
// value.
type raw []byte

// EncodeMsgpack implements msgpack.CustomEncoder.
func (r raw) EncodeMsgpack(enc *msgpack.Encoder) error {
	_, err := enc.Writer().Write(r)
	return err
}

// mp builds a frame with the msgpack library, compact ints, splicing raw
// bytes where given; arr(n) gives an array header of n elements.
func mp(vals ...any) []byte {
	var buf bytes.Buffer
	enc := msgpack.NewEncoder(&buf)
	enc.UseCompactInts(true)
	enc.SetSortMapKeys(true)
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
var field = []any{"x", 2, 0.1, 0, 0}

func schemas(fields ...any) []any { return []any{[]any{"player", append([]any{}, fields...)}} }

// welcome is a valid welcome frame with the given schemas value.
func welcome(s any) []byte {
	return mp(arr(14), 2, 2, "sess", 1, 2, "room", "arena", 20, 20, 1000, s, "rid", "", "")
}

// welcomeTail is a valid welcome frame with the given room id, join code and
// resume token values.
func welcomeTail(id, code, token any) []byte {
	return mp(arr(14), 2, 2, "sess", 1, 2, "room", "arena", 20, 20, 1000, schemas(field), id, code, token)
}

// join is a join frame of this version with the given mode, name, how,
// room and options values.
func join(mode, name, how, room, options any) []byte {
	return mp(arr(7), 1, 2, mode, name, how, room, options)
}

// message, list, rooms, event and rates are frames of their kind with the
// given elements after the kind, counted.
func message(elems ...any) []byte { return mp(append([]any{arr(1 + len(elems)), 11}, elems...)...) }
func list(elems ...any) []byte    { return mp(append([]any{arr(1 + len(elems)), 12}, elems...)...) }
func rooms(elems ...any) []byte   { return mp(append([]any{arr(1 + len(elems)), 13}, elems...)...) }
func event(elems ...any) []byte   { return mp(append([]any{arr(1 + len(elems)), 14}, elems...)...) }
func rates(elems ...any) []byte   { return mp(append([]any{arr(1 + len(elems)), 15}, elems...)...) }

// room is a rooms entry with the given metadata.
func room(meta any) []any { return []any{"id", "name", "arena", 1, 2, false, meta} }

// deepArray is a payload of depth nested arrays around 1; deepMap the same
// with maps.
func deepArray(depth int) raw { return raw(pl(nest(depth, 1))) }

func deepMap(depth int) raw {
	var v any = 1
	for range depth {
		v = map[string]any{"k": v}
	}
	return raw(pl(v))
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
	manyRooms := make([]any, netcode.MaxListLimit+1)
	for i := range manyRooms {
		manyRooms[i] = room(nil)
	}
	manyKeys := map[string]string{}
	for i := range netcode.MaxFilterKeys + 1 {
		manyKeys[string(rune('a'+i))] = "v"
	}
	bigStr := func(n int) raw { return raw(pl(long[:n])) }
	bigBin := func(n int) raw { return raw(pl(make([]byte, n))) }
	payloadPad := netcode.MaxPayloadLen - 3 // a str16 or bin16 of this many bytes is exactly at the limit
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
		{"kind 17", client, mp(arr(3), 17, "future", 1), errUnknown},
		{"kind 17 to client", server, mp(arr(1), 17), errUnknown},
		{"resume to client", server, mp(arr(5), 16, 2, "t", 1, 1), errUnexpected},
		{"resume four elements", client, mp(arr(4), 16, 2, "t", 1), errMalformed},
		{"resume empty token", client, mp(arr(5), 16, 2, "", 1, 1), errMalformed},
		{"resume token too long", client, mp(arr(5), 16, 2, strings.Repeat("t", netcode.MaxTokenLen+1), 1, 1), errMalformed},
		{"resume token invalid UTF-8", client, mp(arr(5), 16, 2, "\xff", 1, 1), errMalformed},
		{"resume negative tick", client, mp(arr(5), 16, 2, "t", -1, 1), errMalformed},
		{"resume event over u32", client, mp(arr(5), 16, 2, "t", 1, int64(1)<<32), errMalformed},
		{"resume other version", client, mp(arr(2), 16, 1), errVersion},
		{"kind 255", client, mp(arr(1), 255), errUnknown},
		{"kind 300", server, mp(arr(1), 300), errUnknown},
		{"negative kind", client, mp(arr(1), -1), errUnknown},
		{"welcome to server", client, welcome(schemas(field)), errUnexpected},
		{"snapshot to server", client, mp(arr(5), 5, 1, 0, 0, arr(0)), errUnexpected},
		{"error to server", client, mp(arr(3), 9, 4000, "x"), errUnexpected},
		{"rooms to server", client, rooms(1, 0, arr(0)), errUnexpected},
		{"event to server", client, event(1, "x", nil), errUnexpected},
		{"rates to server", client, rates(1, 20, 20), errUnexpected},
		{"join to client", server, join("", "", 0, "", nil), errUnexpected},
		{"input to client", server, mp(arr(4), 3, 1, 0, 0), errUnexpected},
		{"leave to client", server, mp(arr(1), 10), errUnexpected},
		{"message to client", server, message("chat", nil), errUnexpected},
		{"list to client", server, list(1, "", 0, 0, map[string]string{}), errUnexpected},

		// Join. A join of another version is a version mismatch whatever
		// follows the version; TestVersionMismatch checks what comes back.
		{"join version 1", client, mp(arr(5), 1, 1, "r", "m", "n"), errVersion},
		{"join version 3", client, mp(arr(7), 1, 3, "arena", "ada", 0, "", nil), errVersion},
		{"join version 3, other layout", client, mp(arr(3), 1, 3, map[string]int{}), errVersion},
		{"join version 0", client, mp(arr(2), 1, 0), errVersion},
		{"join version negative", client, mp(arr(7), 1, -2, "arena", "ada", 0, "", nil), errVersion},
		{"join version over int64", client, mp(arr(2), 1, uint64(math.MaxUint64)), errMalformed},
		{"join without version", client, mp(arr(1), 1), errMalformed},
		{"join version string", client, mp(arr(7), 1, "2", "arena", "ada", 0, "", nil), errMalformed},
		{"join version float", client, mp(arr(7), 1, 2.0, "arena", "ada", 0, "", nil), errMalformed},
		{"join version 1 layout at version 2", client, mp(arr(5), 1, 2, "r", "m", "n"), errMalformed},
		{"join six elements", client, mp(arr(6), 1, 2, "arena", "ada", 0, ""), errMalformed},
		{"join eight elements", client, mp(arr(8), 1, 2, "arena", "ada", 0, "", nil, nil), errMalformed},
		{"join mode too long", client, join(long[:netcode.MaxModeLen+1], "", 0, "", nil), errMalformed},
		{"join name too long", client, join("", long[:netcode.MaxNameLen+1], 0, "", nil), errMalformed},
		{"join room too long", client, join("", "", 0, long[:netcode.MaxRoomLen+1], nil), errMalformed},
		{"join mode invalid UTF-8", client, join("\xc3", "", 0, "", nil), errMalformed},
		{"join name invalid UTF-8", client, join("", "a\xff", 0, "", nil), errMalformed},
		{"join room invalid UTF-8", client, join("", "", 4, "\xed\xa0\x80", nil), errMalformed},
		{"join name is bin", client, join("", []byte("ada"), 0, "", nil), errMalformed},
		{"join mode nil", client, join(nil, "", 0, "", nil), errMalformed},
		{"join huge name", client, append(mp(arr(7), 1, 2, ""), 0xdb, 0xff, 0xff, 0xff, 0xff, 'a'), errMalformed},
		{"join how 5", client, join("", "", 5, "", nil), errMalformed},
		{"join how 256", client, join("", "", 256, "", nil), errMalformed},
		{"join how negative", client, join("", "", -1, "", nil), errMalformed},
		{"join how string", client, join("", "", "match", "", nil), errMalformed},
		{"join how bool", client, join("", "", false, "", nil), errMalformed},
		{"join options missing, array short", client, mp(arr(7), 1, 2, "", "", 0, ""), errMalformed},
		{"join options too long", client, join("", "", 0, "", bigStr(payloadPad+1)), errMalformed},
		{"join options too deep", client, join("", "", 0, "", deepArray(netcode.MaxPayloadDepth+1)), errMalformed},
		{"join options maps too deep", client, join("", "", 0, "", deepMap(netcode.MaxPayloadDepth+1)), errMalformed},
		{"join options reserved byte", client, join("", "", 0, "", raw{0xc1}), errMalformed},
		{"join options truncated map", client, join("", "", 0, "", raw{0x81, 0xa1, 'k'}), errMalformed},
		{"join options huge str32", client, append(mp(arr(7), 1, 2, "", "", 0, ""), 0xdb, 0xff, 0xff, 0xff, 0xff), errMalformed},
		{"join options huge map32", client, append(mp(arr(7), 1, 2, "", "", 0, ""), 0xdf, 0xff, 0xff, 0xff, 0xff, 1, 1), errMalformed},
		{"join options two values", client, append(join("", "", 0, "", 1), 2), errMalformed},

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
		{"welcome version 1", server, mp(arr(11), 2, 1, "sess", 1, 2, "room", "arena", 20, 20, 1000, arr(0)), errVersion},
		{"welcome version 3", server, mp(arr(2), 2, 3), errVersion},
		{"welcome without version", server, mp(arr(1), 2), errMalformed},
		{"welcome eleven elements", server, mp(arr(11), 2, 2, "sess", 1, 2, "room", "arena", 20, 20, 1000, schemas(field)), errMalformed},
		{"welcome thirteen elements", server, mp(arr(13), 2, 2, "sess", 1, 2, "room", "arena", 20, 20, 1000, schemas(field), "rid", ""), errMalformed},
		{"welcome fifteen elements", server, mp(arr(15), 2, 2, "sess", 1, 2, "room", "arena", 20, 20, 1000, schemas(field), "rid", "", "", ""), errMalformed},
		{"welcome session too long", server, mp(arr(14), 2, 2, long[:65], 1, 2, "room", "arena", 20, 20, 1000, schemas(field), "", "", ""), errMalformed},
		{"welcome player over u32", server, mp(arr(14), 2, 2, "s", uint64(1)<<32, 2, "room", "arena", 20, 20, 1000, schemas(field), "", "", ""), errMalformed},
		{"welcome tick rate over u16", server, mp(arr(14), 2, 2, "s", 1, 2, "room", "arena", 70000, 20, 1000, schemas(field), "", "", ""), errMalformed},
		{"welcome room id too long", server, welcomeTail(long[:netcode.MaxRoomIDLen+1], "", ""), errMalformed},
		{"welcome join code too long", server, welcomeTail("", long[:netcode.MaxRoomIDLen+1], ""), errMalformed},
		{"welcome resume token too long", server, welcomeTail("", "", long[:netcode.MaxTokenLen+1]), errMalformed},
		{"welcome room id int", server, welcomeTail(7, "", ""), errMalformed},
		{"welcome join code nil", server, welcomeTail("", nil, ""), errMalformed},
		{"welcome resume token bin", server, welcomeTail("", "", []byte("t")), errMalformed},
		{"welcome 65 fields", server, welcome(schemas(many...)), errMalformed},
		{"welcome no fields", server, welcome(schemas()), errMalformed},
		{"welcome 257 schemas", server, welcome(tooManySchemas), errMalformed},
		{"welcome schema without name", server, welcome([]any{[]any{"", []any{field}}}), errMalformed},
		{"welcome schema three elements", server, welcome([]any{[]any{"p", []any{field}, 1}}), errMalformed},
		{"welcome field of version 1", server, welcome(schemas([]any{"x", 1, 0.0, 0})), errMalformed},
		{"welcome field six elements", server, welcome(schemas([]any{"x", 1, 0.0, 0, 0, 0})), errMalformed},
		{"welcome field type 9", server, welcome(schemas([]any{"x", 9, 0.0, 0, 0})), errMalformed},
		{"welcome field type 256", server, welcome(schemas([]any{"x", 256, 0.0, 0, 0})), errMalformed},
		{"welcome quantum int", server, welcome(schemas([]any{"position_x", 2, 1, 0, 0})), errMalformed},
		{"welcome float quantum 0", server, welcome(schemas([]any{"x", 2, 0.0, 0, 0})), errMalformed},
		{"welcome quantum NaN", server, welcome(schemas([]any{"x", 1, math.NaN(), 0, 0})), errMalformed},
		{"welcome quantum infinite", server, welcome(schemas([]any{"x", 2, math.Inf(1), 0, 0})), errMalformed},
		{"welcome quantum negative", server, welcome(schemas([]any{"x", 1, -1.0, 0, 0})), errMalformed},
		{"welcome max length too big", server, welcome(schemas([]any{"x", 4, 0.0, 5000, 0})), errMalformed},
		{"welcome max length negative", server, welcome(schemas([]any{"x", 4, 0.0, -1, 0})), errMalformed},
		{"welcome field name too long", server, welcome(schemas([]any{long[:33], 1, 0.0, 0, 0})), errMalformed},
		{"welcome field flags 2", server, welcome(schemas([]any{"x", 1, 0.0, 0, 2})), errMalformed},
		{"welcome field flags 3", server, welcome(schemas([]any{"x", 1, 0.0, 0, 3})), errMalformed},
		{"welcome field flags negative", server, welcome(schemas([]any{"x", 1, 0.0, 0, -1})), errMalformed},
		{"welcome field flags bool", server, welcome(schemas([]any{"x", 1, 0.0, 0, true})), errMalformed},
		{"welcome field flags nil", server, welcome(schemas([]any{"x", 1, 0.0, 0, nil})), errMalformed},
		{"welcome huge schemas", server, append(mp(arr(14), 2, 2, "s", 1, 2, "r", "m", 20, 20, 1), 0xdd, 0xff, 0xff, 0xff, 0xff), errMalformed},

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

		// Private sections.
		{"snapshot seven elements", server, mp(arr(7), 5, 1, 0, 0, []any{1, 1, 5}, arr(0), arr(0)), errMalformed},
		{"snapshot empty private", server, mp(arr(6), 5, 1, 0, 0, arr(0), arr(0)), errMalformed},
		{"diff empty private", server, mp(arr(9), 6, 2, 1, 0, 0, arr(0), arr(0), arr(0), arr(0)), errMalformed},
		{"diff ten elements", server, mp(arr(10), 6, 2, 1, 0, 0, []any{1, 1, 5}, arr(0), arr(0), arr(0), arr(0)), errMalformed},
		{"private not an array", server, mp(arr(6), 5, 1, 0, 0, nil, arr(0)), errMalformed},
		{"private mask 0", server, mp(arr(6), 5, 1, 0, 0, []any{1, 0}, arr(0)), errMalformed},
		{"private id 0", server, mp(arr(6), 5, 1, 0, 0, []any{0, 1, 5}, arr(0)), errMalformed},
		{"private gap 0", server, mp(arr(6), 5, 1, 0, 0, []any{1, 1, 5, 0, 1, 5}, arr(0)), errMalformed},
		{"private id overflow", server, mp(arr(9), 6, 2, 1, 0, 0, []any{math.MaxUint32, 1, 5, 1, 1, 5}, arr(0), arr(0), arr(0)), errMalformed},
		{"private too few values", server, mp(arr(6), 5, 1, 0, 0, []any{1, 3, 5}, arr(0)), errMalformed},
		{"private without mask", server, mp(arr(6), 5, 1, 0, 0, []any{1}, arr(0)), errMalformed},
		{"private value float", server, mp(arr(6), 5, 1, 0, 0, []any{1, 1, 0.5}, arr(0)), errMalformed},
		{"private value too long", server, mp(arr(6), 5, 1, 0, 0, []any{1, 1, long[:netcode.MaxValueLen+1]}, arr(0)), errMalformed},
		{"private after added", server, mp(arr(6), 5, 1, 0, 0, []any{[]any{1, 0, 5}}, []any{1, 1, 5}), errMalformed},
		{"private huge", server, append(mp(arr(6), 5, 1, 0, 0), 0xdd, 0xff, 0xff, 0xff, 0xff, 1), errMalformed},

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

		// Message.
		{"message two elements", client, message("chat"), errMalformed},
		{"message four elements", client, message("chat", nil, nil), errMalformed},
		{"message empty type", client, message("", nil), errMalformed},
		{"message type too long", client, message(long[:netcode.MaxTypeLen+1], nil), errMalformed},
		{"message type invalid UTF-8", client, message("ch\xffat", nil), errMalformed},
		{"message type int", client, message(7, nil), errMalformed},
		{"message type nil", client, message(nil, nil), errMalformed},
		{"message payload too long", client, message("t", bigBin(payloadPad+1)), errMalformed},
		{"message payload too deep", client, message("t", deepArray(netcode.MaxPayloadDepth+1)), errMalformed},
		{"message payload too deep, empty", client, message("t", raw(pl(nest(netcode.MaxPayloadDepth, []any{})))), errMalformed},
		{"message payload maps too deep", client, message("t", deepMap(netcode.MaxPayloadDepth+1)), errMalformed},
		{"message payload truncated", client, append(mp(arr(3), 11, "t"), 0xd9, 10, 'a'), errMalformed},
		{"message payload reserved byte", client, message("t", raw{0xc1}), errMalformed},
		{"message payload ext truncated", client, message("t", raw{0xc7, 200, 1, 0}), errMalformed},
		{"message payload huge bin32", client, append(mp(arr(3), 11, "t"), 0xc6, 0xff, 0xff, 0xff, 0xff, 0), errMalformed},
		{"message payload huge array32", client, append(mp(arr(3), 11, "t"), 0xdd, 0xff, 0xff, 0xff, 0xff, 1, 1), errMalformed},

		// List.
		{"list five elements", client, list(1, "", 0, 0), errMalformed},
		{"list seven elements", client, list(1, "", 0, 0, map[string]string{}, nil), errMalformed},
		{"list request negative", client, list(-1, "", 0, 0, map[string]string{}), errMalformed},
		{"list request over u32", client, list(uint64(1)<<32, "", 0, 0, map[string]string{}), errMalformed},
		{"list mode too long", client, list(1, long[:netcode.MaxModeLen+1], 0, 0, map[string]string{}), errMalformed},
		{"list mode invalid UTF-8", client, list(1, "\x80", 0, 0, map[string]string{}), errMalformed},
		{"list offset over u32", client, list(1, "", uint64(1)<<32, 0, map[string]string{}), errMalformed},
		{"list limit over u16", client, list(1, "", 0, 70000, map[string]string{}), errMalformed},
		{"list limit negative", client, list(1, "", 0, -1, map[string]string{}), errMalformed},
		{"list filter array", client, list(1, "", 0, 0, []string{"k", "v"}), errMalformed},
		{"list filter over MaxFilterKeys", client, list(1, "", 0, 0, manyKeys), errMalformed},
		{"list filter key too long", client, list(1, "", 0, 0, map[string]string{long[:netcode.MaxMetaKeyLen+1]: "v"}), errMalformed},
		{"list filter value too long", client, list(1, "", 0, 0, map[string]string{"k": long[:netcode.MaxMetaValueLen+1]}), errMalformed},
		{"list filter key invalid UTF-8", client, list(1, "", 0, 0, map[string]string{"\xff": "v"}), errMalformed},
		{"list filter value invalid UTF-8", client, list(1, "", 0, 0, map[string]string{"k": "\xff"}), errMalformed},
		{"list filter key int", client, list(1, "", 0, 0, map[int]string{1: "v"}), errMalformed},
		{"list filter value int", client, list(1, "", 0, 0, map[string]int{"k": 1}), errMalformed},
		{"list filter value nil", client, list(1, "", 0, 0, map[string]any{"k": nil}), errMalformed},
		{"list filter truncated", client, list(1, "", 0, 0, raw{0x82, 0xa1, 'k', 0xa1, 'v'}), errMalformed},
		{"list filter huge map32", client, append(mp(arr(6), 12, 1, "", 0, 0), 0xdf, 0xff, 0xff, 0xff, 0xff, 0xa0), errMalformed},

		// Rooms.
		{"rooms three elements", server, rooms(1, 0), errMalformed},
		{"rooms five elements", server, rooms(1, 0, arr(0), nil), errMalformed},
		{"rooms request over u32", server, rooms(uint64(1)<<32, 0, arr(0)), errMalformed},
		{"rooms total negative", server, rooms(1, -1, arr(0)), errMalformed},
		{"rooms not an array", server, rooms(1, 0, nil), errMalformed},
		{"rooms over MaxListLimit", server, rooms(1, 101, manyRooms), errMalformed},
		{"rooms huge array", server, append(mp(arr(4), 13, 1, 0), 0xdd, 0xff, 0xff, 0xff, 0xff, 0x97), errMalformed},
		{"room six elements", server, rooms(1, 1, []any{[]any{"id", "name", "arena", 1, 2, false}}), errMalformed},
		{"room eight elements", server, rooms(1, 1, []any{append(room(nil), 1)}), errMalformed},
		{"room not an array", server, rooms(1, 1, []any{long[:20]}), errMalformed},
		{"room id too long", server, rooms(1, 1, []any{[]any{long[:netcode.MaxRoomIDLen+1], "n", "m", 1, 2, false, nil}}), errMalformed},
		{"room name too long", server, rooms(1, 1, []any{[]any{"id", long[:netcode.MaxRoomLen+1], "m", 1, 2, false, nil}}), errMalformed},
		{"room mode too long", server, rooms(1, 1, []any{[]any{"id", "n", long[:netcode.MaxModeLen+1], 1, 2, false, nil}}), errMalformed},
		{"room players over u16", server, rooms(1, 1, []any{[]any{"id", "n", "m", 70000, 2, false, nil}}), errMalformed},
		{"room max players negative", server, rooms(1, 1, []any{[]any{"id", "n", "m", 1, -2, false, nil}}), errMalformed},
		{"room locked int", server, rooms(1, 1, []any{[]any{"id", "n", "m", 1, 2, 1, nil}}), errMalformed},
		{"room locked nil", server, rooms(1, 1, []any{[]any{"id", "n", "m", 1, 2, nil, nil}}), errMalformed},
		{"room metadata too long", server, rooms(1, 1, []any{room(bigStr(netcode.MaxMetadataLen - 2))}), errMalformed},
		{"room metadata too deep", server, rooms(1, 1, []any{room(deepMap(netcode.MaxPayloadDepth + 1))}), errMalformed},
		{"room metadata missing", server, rooms(1, 1, []any{[]any{"id", "n", "m", 1, 2, false}}), errMalformed},

		// Event.
		{"event three elements", server, event(1, "t"), errMalformed},
		{"event five elements", server, event(1, "t", nil, nil), errMalformed},
		{"event tick over u32", server, event(uint64(1)<<32, "t", nil), errMalformed},
		{"event tick negative", server, event(-1, "t", nil), errMalformed},
		{"event empty type", server, event(1, "", nil), errMalformed},
		{"event type too long", server, event(1, long[:netcode.MaxTypeLen+1], nil), errMalformed},
		{"event type int", server, event(1, 1, nil), errMalformed},
		{"event payload too long", server, event(1, "t", bigBin(netcode.MaxEventLen-2)), errMalformed},
		{"event payload too deep", server, event(1, "t", deepArray(netcode.MaxPayloadDepth+1)), errMalformed},
		{"event payload reserved byte", server, event(1, "t", raw{0xc1}), errMalformed},
		{"event payload truncated fixext", server, event(1, "t", raw{0xd8, 1, 2, 3}), errMalformed},
		{"event without payload", server, mp(arr(4), 14, 1, 1, "t"), errMalformed},

		// Rates.
		{"rates three elements", server, rates(1, 20), errMalformed},
		{"rates five elements", server, rates(1, 20, 20, 20), errMalformed},
		{"rates send over tick", server, rates(1, 20, 21), errMalformed},
		{"rates send 0", server, rates(1, 20, 0), errMalformed},
		{"rates tick 0", server, rates(1, 0, 0), errMalformed},
		{"rates tick rate over u16", server, rates(1, 70000, 20), errMalformed},
		{"rates send rate negative", server, rates(1, 20, -1), errMalformed},
		{"rates tick over u32", server, rates(uint64(1)<<32, 20, 20), errMalformed},
		{"rates tick rate float", server, rates(1, 20.0, 20), errMalformed},

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

// TestVersionMismatch: a join (or welcome) of another version comes back
// holding only that version, with ErrVersionMismatch, whatever the rest of
// its array holds: that version's layout is not this one's to judge.
func TestVersionMismatch(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name    string
		frame   []byte
		version int
	}{
		{"version 1 layout", mp(arr(5), 1, 1, "r", "m", "n"), 1},
		{"version 2 layout at version 3", mp(arr(7), 1, 3, "arena", "ada", 0, "", nil), 3},
		{"two elements", mp(arr(2), 1, 99), 99},
		{"other types", mp(arr(6), 1, 3, map[string]int{"a": 1}, 2.5, nil, []any{true}), 3},
		{"invalid msgpack after the version", mp(arr(4), 1, 3, raw{0xc1, 0xc1}), 3},
		{"version 0", mp(arr(7), 1, 0, "arena", "ada", 0, "", nil), 0},
		{"negative version", mp(arr(2), 1, -7), -7},
		{"version int64 max", mp(arr(2), 1, int64(math.MaxInt64)), math.MaxInt64},
		{"version int64 min", mp(arr(2), 1, int64(math.MinInt64)), math.MinInt64},
		{"wide version", mp(arr(2), 1, raw{0xcf, 0, 0, 0, 0, 0, 0, 0, 3}), 3},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m, err := netcode.DecodeClient(tc.frame)
			if !errors.Is(err, netcode.ErrVersionMismatch) {
				t.Fatalf("err = %v, want ErrVersionMismatch", err)
			}
			if errors.Is(err, netcode.ErrMalformed) {
				t.Errorf("err = %v also matches ErrMalformed", err)
			}
			if got, want := m, (&netcode.Join{Version: tc.version}); !reflect.DeepEqual(got, want) {
				t.Errorf("message = %#v, want %#v", got, want)
			}
			if got, want := netcode.CodeOf(err), netcode.CodeVersionMismatch; got != want {
				t.Errorf("CodeOf = %v, want %v", got, want)
			}
			if !netcode.CodeOf(err).Closes() {
				t.Errorf("version_mismatch does not close")
			}
			// The same array as a welcome comes back as a *Welcome.
			welcome := slices.Clone(tc.frame)
			welcome[1] = byte(netcode.KindWelcome)
			m, err = netcode.DecodeServer(welcome)
			if !errors.Is(err, netcode.ErrVersionMismatch) || !reflect.DeepEqual(m, &netcode.Welcome{Version: tc.version}) {
				t.Errorf("as a welcome: %#v, %v; want the version and ErrVersionMismatch", m, err)
			}
		})
	}
	// The check is on the version alone: a join of this version must be
	// well formed, and one that is not is malformed, not a mismatch.
	if _, err := netcode.DecodeClient(mp(arr(5), 1, netcode.ProtocolVersion, "r", "m", "n")); !errors.Is(err, netcode.ErrMalformed) {
		t.Errorf("version %d in the version 1 layout: %v, want ErrMalformed", netcode.ProtocolVersion, err)
	}
	// A truncated array is malformed before its version is read.
	if _, err := netcode.DecodeClient(mp(arr(7), 1, 3)); !errors.Is(err, netcode.ErrMalformed) {
		t.Errorf("a 7-element join holding 2: %v, want ErrMalformed", err)
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
		append(mp(arr(14), 2, 2, "s", 1, 2, "r", "m", 20, 20, 1), 0xdd, 0xff, 0xff, 0xff, 0xff),
		append(mp(arr(7), 1, 2, "", ""), 0xdb, 0xff, 0xff, 0xff, 0xff),
		append(mp(arr(6), 5, 1, 0, 0), 0xdd, 0xff, 0xff, 0xff, 0xff),          // private
		append(mp(arr(7), 1, 2, "", "", 0, ""), 0xc6, 0xff, 0xff, 0xff, 0xff), // options bin32
		append(mp(arr(7), 1, 2, "", "", 0, ""), 0xdd, 0xff, 0xff, 0xff, 0xff), // options array32
		append(mp(arr(3), 11, "t"), 0xdf, 0xff, 0xff, 0xff, 0xff),             // message payload map32
		append(mp(arr(3), 11, "t"), 0xc9, 0xff, 0xff, 0xff, 0xff, 1),          // message payload ext32
		append(mp(arr(3), 11, "t"), 0x91, 0x91, 0xdd, 0xff, 0xff, 0xff, 0xff), // nested
		append(mp(arr(6), 12, 1, "", 0, 0), 0xdf, 0xff, 0xff, 0xff, 0xff),     // filter map32
		append(mp(arr(4), 13, 1, 1), 0xdd, 0xff, 0xff, 0xff, 0xff),            // rooms array32
		append(mp(arr(5), 14, 1, 1, "t"), 0xdb, 0xff, 0xff, 0xff, 0xff),       // event payload str32
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
