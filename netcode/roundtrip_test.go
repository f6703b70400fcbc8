package netcode_test

import (
	"bytes"
	"errors"
	"fmt"
	"math"
	"reflect"
	"strings"
	"testing"

	"github.com/tickroom/tickroom/netcode"
	"github.com/tickroom/tickroom/world"
	"github.com/vmihailenco/msgpack/v5"
)

func TestRoundTrip(t *testing.T) {
	t.Parallel()
	kinds := map[netcode.Kind]bool{}
	for _, s := range samples() {
		kinds[s.msg.Kind()] = true
		t.Run(s.name, func(t *testing.T) {
			if got, want := s.msg.Kind().String(), s.kind(); got != want {
				t.Errorf("Kind().String() = %q, want %q", got, want)
			}
			frame := mustAppend(t, s.msg)
			if k, err := netcode.PeekKind(frame); err != nil || k != s.msg.Kind() {
				t.Errorf("PeekKind = %v, %v; want %v", k, err, s.msg.Kind())
			}
			got, err := decode(frame, s.msg)
			if err != nil {
				t.Fatalf("decode %x: %v", frame, err)
			}
			if !reflect.DeepEqual(got, s.msg) {
				t.Errorf("decode(AppendFrame(m)) = %#v, want %#v", got, s.msg)
			}
			// A value encodes like its pointer.
			byValue, err := netcode.AppendFrame(nil, reflect.ValueOf(s.msg).Elem().Interface().(netcode.Frame))
			if err != nil || !bytes.Equal(byValue, frame) {
				t.Errorf("AppendFrame(value) = %x, %v; want %x", byValue, err, frame)
			}
			// AppendFrame appends.
			if prefixed, err := netcode.AppendFrame([]byte("head"), s.msg); err != nil || string(prefixed[:4]) != "head" || !bytes.Equal(prefixed[4:], frame) {
				t.Errorf("AppendFrame(\"head\", m) = %q, %v; want head then %x", prefixed, err, frame)
			}
			// The other side's decoder refuses the kind, returning nothing.
			if m, err := decodeOther(frame, s.msg); !errors.Is(err, netcode.ErrUnexpectedKind) || m != nil {
				t.Errorf("decoding with the other side's decoder = %#v, %v; want nil, ErrUnexpectedKind", m, err)
			}
		})
	}
	if got, want := len(kinds), int(netcode.KindResume); got != want {
		t.Errorf("samples cover %d kinds, want %d", got, want)
	}
}

// TestRoundTripEdges round-trips frames at their limits and with the
// optional parts present or absent.
func TestRoundTripEdges(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("é", netcode.MaxValueLen) // 2 bytes a rune
	at := func(n int) string { return long[:n] }     // n bytes, even n keeps it valid UTF-8
	x := func(n int) string { return strings.Repeat("x", n) }
	deep := pl(nest(netcode.MaxPayloadDepth, 1))
	filter := map[string]string{}
	for i := range netcode.MaxFilterKeys {
		filter[fmt.Sprintf("%s%d", x(netcode.MaxMetaKeyLen-1), i)] = x(netcode.MaxMetaValueLen)
	}
	rooms := make([]netcode.RoomInfo, netcode.MaxListLimit)
	for i := range rooms {
		rooms[i] = netcode.RoomInfo{ID: x(netcode.MaxRoomIDLen), Name: x(netcode.MaxRoomLen), Mode: x(netcode.MaxModeLen),
			Players: math.MaxUint16, MaxPlayers: math.MaxUint16, Metadata: pl(map[string]any{"k": i})}
	}
	for _, tc := range []struct {
		name string
		msg  netcode.Frame
	}{
		{"join every how", &netcode.Join{Version: netcode.ProtocolVersion, How: netcode.JoinCreatePrivate}},
		{"join at limits", &netcode.Join{Version: netcode.ProtocolVersion, Mode: at(netcode.MaxModeLen), Name: at(netcode.MaxNameLen),
			How: netcode.JoinExisting, Room: at(netcode.MaxRoomLen), Options: pl(string(make([]byte, netcode.MaxPayloadLen-3)))}},
		{"join options nested to the limit", &netcode.Join{Version: netcode.ProtocolVersion, How: netcode.JoinCreate, Options: deep}},
		{"join options scalar", &netcode.Join{Version: netcode.ProtocolVersion, Options: pl(-7)}},
		{"welcome at limits", &netcode.Welcome{Version: netcode.ProtocolVersion, Session: x(netcode.MaxSessionLen), Room: x(netcode.MaxRoomLen),
			Mode: x(netcode.MaxModeLen), TickRate: math.MaxUint16, SendRate: math.MaxUint16, ServerTime: math.MaxUint32,
			RoomID: x(netcode.MaxRoomIDLen), JoinCode: x(netcode.MaxRoomIDLen), ResumeToken: x(netcode.MaxTokenLen)}},
		{"message without payload", &netcode.Message{Type: "x"}},
		{"message at limits", &netcode.Message{Type: at(netcode.MaxTypeLen), Payload: pl(make([]byte, netcode.MaxPayloadLen-3))}},
		{"list without filter", &netcode.List{}},
		{"list at limits", &netcode.List{Request: math.MaxUint32, Mode: at(netcode.MaxModeLen), Offset: math.MaxUint32, Limit: math.MaxUint16, Filter: filter}},
		{"rooms none", &netcode.Rooms{Request: 1, Total: 0}},
		{"rooms at limits", &netcode.Rooms{Request: math.MaxUint32, Total: math.MaxUint32, Rooms: rooms}},
		{"event without payload", &netcode.Event{Tick: 1, Type: "x"}},
		{"event at limits", &netcode.Event{Tick: math.MaxUint32, ID: math.MaxUint32, Type: x(netcode.MaxTypeLen), Payload: pl(make([]byte, netcode.MaxEventLen-3))}},
		{"resume at limits", &netcode.Resume{Version: netcode.ProtocolVersion, Token: x(netcode.MaxTokenLen), LastTick: math.MaxUint32, LastEvent: math.MaxUint32}},
		{"event nested to the limit", &netcode.Event{Type: "x", Payload: deep}},
		{"rates equal", &netcode.Rates{Tick: 0, TickRate: 1, SendRate: 1}},
		{"rates at limits", &netcode.Rates{Tick: math.MaxUint32, TickRate: math.MaxUint16, SendRate: math.MaxUint16}},
		{"snapshot with only a private section", &netcode.State{Delta: world.Delta{Tick: 3,
			Private: []world.Change{{ID: math.MaxUint32, Mask: 1 << 63, Values: []world.Value{{S: "z"}}}}}}},
		{"diff with only a private section", &netcode.State{Delta: world.Delta{Tick: 3, Base: 3,
			Private: []world.Change{{ID: 1, Mask: 1, Values: []world.Value{{I: math.MinInt64}}}, {ID: 2, Mask: 3, Values: []world.Value{{}, {I: 1}}}}}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			frame := mustAppend(t, tc.msg)
			got, err := decode(frame, tc.msg)
			if err != nil {
				t.Fatalf("decode: %v", err)
			}
			if !reflect.DeepEqual(got, tc.msg) {
				t.Errorf("decode(AppendFrame(m)) = %#v, want %#v", got, tc.msg)
			}
		})
	}
	for how := netcode.JoinMatch; how <= netcode.JoinByID; how++ {
		j := &netcode.Join{Version: netcode.ProtocolVersion, How: how, Room: "r"}
		if got, err := netcode.DecodeClient(mustAppend(t, j)); err != nil || !reflect.DeepEqual(got, j) {
			t.Errorf("join how %d = %#v, %v", how, got, err)
		}
	}
}

// nest returns v inside depth arrays of one element.
func nest(depth int, v any) any {
	for range depth {
		v = []any{v}
	}
	return v
}

// TestStandardMsgpack checks every sample frame against the msgpack library:
// it must decode as one value, and re-encoding that value with compact ints
// must give the same bytes, which shows the frame is standard msgpack with
// every integer in its shortest form.
func TestStandardMsgpack(t *testing.T) {
	t.Parallel()
	for _, s := range samples() {
		t.Run(s.name, func(t *testing.T) {
			frame := mustAppend(t, s.msg)
			dec := msgpack.NewDecoder(bytes.NewReader(frame))
			v, err := dec.DecodeInterface()
			if err != nil {
				t.Fatalf("msgpack decode %x: %v", frame, err)
			}
			if _, err := dec.DecodeInterface(); err == nil {
				t.Fatalf("msgpack found a second value after %v", v)
			}
			var buf bytes.Buffer
			enc := msgpack.NewEncoder(&buf)
			enc.UseCompactInts(true)
			enc.SetSortMapKeys(true) // the list filter and the sample payloads are sorted
			if err := enc.Encode(v); err != nil {
				t.Fatal(err)
			}
			if got := buf.Bytes(); !bytes.Equal(got, frame) {
				t.Errorf("msgpack re-encoding of %v:\n got %x\nwant %x", v, got, frame)
			}
		})
	}
}

// TestDecodeLibraryFrames checks that frames written by the msgpack library,
// with integers wider than needed, decode: decoders accept any width.
func TestDecodeLibraryFrames(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	enc := msgpack.NewEncoder(&buf)
	enc.EncodeArrayLen(6)
	enc.EncodeUint64(uint64(netcode.KindInput))
	enc.EncodeUint32(7)
	enc.EncodeInt64(9)
	enc.EncodeUint16(1)
	enc.EncodeInt32(-1000)
	enc.EncodeInt16(12)
	got, err := netcode.DecodeClient(buf.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	want := &netcode.Input{Seq: 7, Ack: 9, Input: world.Input{Buttons: 1, Axes: [4]int16{-1000, 12}}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %#v, want %#v", got, want)
	}

	// Marshal writes ints in the width of their Go type: int64 as 0xd3.
	join, err := msgpack.Marshal([]any{int64(1), int64(2), "arena", "ada", uint64(3), "lobby", map[string]any{"team": int32(1)}})
	if err != nil {
		t.Fatal(err)
	}
	gotJoin, err := netcode.DecodeClient(join)
	wantJoin := &netcode.Join{Version: 2, Mode: "arena", Name: "ada", How: netcode.JoinExisting, Room: "lobby",
		Options: netcode.Payload{0x81, 0xa4, 't', 'e', 'a', 'm', 0xd2, 0, 0, 0, 1}} // kept as sent
	if err != nil || !reflect.DeepEqual(gotJoin, wantJoin) {
		t.Errorf("join = %#v, %v; want %#v", gotJoin, err, wantJoin)
	}

	buf.Reset()
	enc.EncodeArrayLen(4)
	enc.EncodeInt64(int64(netcode.KindRates))
	enc.EncodeUint64(9)
	enc.EncodeInt32(60)
	enc.EncodeUint32(20)
	if got, err := netcode.DecodeServer(buf.Bytes()); err != nil || !reflect.DeepEqual(got, &netcode.Rates{Tick: 9, TickRate: 60, SendRate: 20}) {
		t.Errorf("rates = %#v, %v", got, err)
	}

	// A schema quantum may be a float32.
	buf.Reset()
	enc.EncodeArrayLen(14)
	for _, v := range []any{netcode.KindWelcome, 2, "s", 1, 2, "r", "m", 20, 20, 0} {
		enc.Encode(v)
	}
	enc.EncodeArrayLen(1)
	enc.EncodeArrayLen(2)
	enc.EncodeString("p")
	enc.EncodeArrayLen(1)
	enc.EncodeArrayLen(5)
	enc.EncodeString("x")
	enc.EncodeUint8(uint8(world.Float))
	enc.EncodeFloat32(0.25)
	enc.EncodeUint16(0)
	enc.EncodeUint8(1)
	for range 3 {
		enc.EncodeString("")
	}
	gotWelcome, err := netcode.DecodeServer(buf.Bytes())
	wantSchemas := []world.Schema{{Name: "p", Fields: []world.Field{{Name: "x", Type: world.Float, Quantum: 0.25, Private: true}}}}
	if w, ok := gotWelcome.(*netcode.Welcome); err != nil || !ok || !reflect.DeepEqual(w.Schemas, wantSchemas) {
		t.Errorf("welcome = %#v, %v; want schemas %#v", gotWelcome, err, wantSchemas)
	}
}

// TestStateFromWorld encodes deltas a real arena world produced, full and
// diff, and checks that the decoded delta equals the world's and that
// applying it to the baseline reaches the world's snapshot.
func TestStateFromWorld(t *testing.T) {
	t.Parallel()
	a := newArena(t, 6)
	for range 30 {
		a.tick()
	}
	base := a.w.Snapshot()
	// Between base and now: a player joins (added), one leaves (removed),
	// everyone moves (changed), pickups come and go.
	a.tick()
	a.join(t, 6)
	a.tick()
	a.leave(2)
	for range 12 {
		a.tick()
	}
	schemas := a.w.Schemas()
	var d world.Delta
	for _, tc := range []struct {
		name string
		base world.State
	}{
		{"snapshot", world.State{}},
		{"diff", base},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a.w.DeltaSince(tc.base.Tick, &d)
			if tc.base.Tick != 0 && (len(d.Added) == 0 || len(d.Changed) == 0 || len(d.Removed) == 0) {
				t.Fatalf("want added, changed and removed entities; got %d, %d, %d", len(d.Added), len(d.Changed), len(d.Removed))
			}
			frame := netcode.AppendStateHead(nil, &d, 1234, 56, nil)
			if len(frame) > netcode.MaxStateHeadLen {
				t.Errorf("head is %d bytes, over MaxStateHeadLen %d", len(frame), netcode.MaxStateHeadLen)
			}
			frame = netcode.AppendStateBody(frame, &d, nil)
			m, err := netcode.DecodeServer(frame)
			if err != nil {
				t.Fatalf("DecodeServer: %v", err)
			}
			s, ok := m.(*netcode.State)
			if !ok {
				t.Fatalf("DecodeServer returned %T, want *netcode.State", m)
			}
			if got, want := s.Kind(), map[bool]netcode.Kind{true: netcode.KindSnapshot, false: netcode.KindDiff}[d.Full()]; got != want {
				t.Errorf("kind %v, want %v", got, want)
			}
			if s.ServerTime != 1234 || s.InputAck != 56 {
				t.Errorf("server time, input ack = %d, %d; want 1234, 56", s.ServerTime, s.InputAck)
			}
			if got, want := normDelta(&s.Delta), normDelta(&d); !reflect.DeepEqual(got, want) {
				t.Errorf("decoded delta\n got %+v\nwant %+v", got, want)
			}
			// The encoder checks agree: the world's delta encodes through
			// AppendFrame to the same bytes.
			if viaMsg, err := netcode.AppendFrame(nil, &netcode.State{ServerTime: 1234, InputAck: 56, Delta: d}); err != nil || !bytes.Equal(viaMsg, frame) {
				t.Errorf("AppendFrame = %x, %v; want %x", viaMsg, err, frame)
			}
			got, err := world.Apply(schemas, tc.base, &s.Delta)
			if err != nil {
				t.Fatalf("Apply: %v", err)
			}
			if want := a.w.Snapshot(); !world.Equal(got, want) {
				t.Errorf("Apply(base, decoded) = %+v, want %+v", got, want)
			}
		})
	}
}

// TestClientMirror follows a client through many ticks: each state is a
// diff from the last acknowledged tick, which lags a few ticks behind, and
// the mirror built by applying decoded frames always equals the world.
func TestClientMirror(t *testing.T) {
	t.Parallel()
	a := newArena(t, 8)
	schemas := a.w.Schemas()
	kept := map[uint32]world.State{} // states the client has applied, by tick
	var acked uint32
	var snapshots int
	var d world.Delta
	var frame []byte
	for i := range 400 {
		a.tick()
		if i%50 == 10 {
			a.join(t, 8+i)
		}
		if i%70 == 20 {
			a.leave(i % len(a.players))
		}
		a.w.DeltaSince(acked, &d)
		frame = netcode.AppendStateBody(netcode.AppendStateHead(frame[:0], &d, uint32(i), 0, nil), &d, nil)
		m, err := netcode.DecodeServer(frame)
		if err != nil {
			t.Fatalf("tick %d: %v", a.w.Tick(), err)
		}
		st := m.(*netcode.State)
		s, err := world.Apply(schemas, kept[st.Delta.Base], &st.Delta)
		if err != nil {
			t.Fatalf("tick %d: Apply on %d: %v", a.w.Tick(), st.Delta.Base, err)
		}
		if want := a.w.Snapshot(); !world.Equal(s, want) {
			t.Fatalf("tick %d: mirror differs from world", a.w.Tick())
		}
		kept[s.Tick] = s
		if st.Delta.Full() {
			snapshots++
		}
		if i%3 == 0 && (i < 300 || i > 380) { // acks arrive every third tick, then stall
			acked = s.Tick
		}
		if i == 200 { // a client that lost its state acks 0
			acked = 0
		}
	}
	// Snapshots: the first state, the one after ack 0, and those sent once
	// the last ack before the stall (i=297, tick 299; tick is i+2) has left
	// the history, up to and including i=381, whose ack comes after it.
	firstStale := 299 + world.DefaultHistory + 1 - 2
	if want := 2 + 381 - firstStale + 1; snapshots != want {
		t.Errorf("%d snapshots, want %d", snapshots, want)
	}
}

func TestAppendMessageRejects(t *testing.T) {
	t.Parallel()
	long := string(bytes.Repeat([]byte("x"), 2000))
	manyFields := world.Schema{Name: "big"}
	for range netcode.MaxFields + 1 {
		manyFields.Fields = append(manyFields.Fields, world.Field{Name: "f", Type: world.Int})
	}
	one := []world.Schema{{Name: "p", Fields: []world.Field{{Name: "x", Type: world.Int}}}}
	tooMany := make([]world.Schema, netcode.MaxSchemas+1)
	for i := range tooMany {
		tooMany[i] = one[0]
	}
	manyKeys := map[string]string{}
	for i := range netcode.MaxFilterKeys + 1 {
		manyKeys[fmt.Sprint(i)] = ""
	}
	const v = netcode.ProtocolVersion
	for _, tc := range []struct {
		name string
		msg  netcode.Frame
	}{
		{"nil", nil},
		{"nil pointer", (*netcode.Join)(nil)},
		{"nil message pointer", (*netcode.Message)(nil)},
		{"nil list pointer", (*netcode.List)(nil)},
		{"nil rooms pointer", (*netcode.Rooms)(nil)},
		{"nil event pointer", (*netcode.Event)(nil)},
		{"nil rates pointer", (*netcode.Rates)(nil)},
		{"long room", &netcode.Join{Version: v, Room: long[:netcode.MaxRoomLen+1]}},
		{"long mode", &netcode.Join{Version: v, Mode: long[:netcode.MaxModeLen+1]}},
		{"long name", &netcode.Join{Version: v, Name: long[:netcode.MaxNameLen+1]}},
		{"invalid UTF-8 name", &netcode.Join{Version: v, Name: "a\xffb"}},
		{"invalid UTF-8 mode", &netcode.Join{Version: v, Mode: "\xc3"}},
		{"invalid UTF-8 room", &netcode.Join{Version: v, Room: "\xed\xa0\x80"}}, // a surrogate
		{"join how out of range", &netcode.Join{Version: v, How: netcode.JoinByID + 1}},
		{"join options not msgpack", &netcode.Join{Version: v, Options: netcode.Payload{0xc1}}},
		{"join options truncated", &netcode.Join{Version: v, Options: netcode.Payload{0x92, 1}}},
		{"join options two values", &netcode.Join{Version: v, Options: netcode.Payload{1, 2}}},
		{"join options too long", &netcode.Join{Version: v, Options: pl(long[:netcode.MaxPayloadLen-2])}},
		{"join options too deep", &netcode.Join{Version: v, Options: pl(nest(netcode.MaxPayloadDepth+1, 1))}},
		{"long session", &netcode.Welcome{Version: v, Session: long[:netcode.MaxSessionLen+1]}},
		{"long welcome room", &netcode.Welcome{Version: v, Room: long[:netcode.MaxRoomLen+1]}},
		{"long welcome mode", &netcode.Welcome{Version: v, Mode: long[:netcode.MaxModeLen+1]}},
		{"negative tick rate", &netcode.Welcome{Version: v, TickRate: -1}},
		{"send rate over u16", &netcode.Welcome{Version: v, SendRate: math.MaxUint16 + 1}},
		{"65 fields", &netcode.Welcome{Version: v, Schemas: []world.Schema{manyFields}}},
		{"257 schemas", &netcode.Welcome{Version: v, Schemas: tooMany}},
		{"invalid schema", &netcode.Welcome{Version: v, Schemas: []world.Schema{{Name: "p", Fields: []world.Field{{Name: "x", Type: world.Float}}}}}},
		{"schema max length over MaxValueLen", &netcode.Welcome{Version: v, Schemas: []world.Schema{{Name: "p", Fields: []world.Field{{Name: "s", Type: world.String, MaxLen: netcode.MaxValueLen + 1}}}}}},
		{"schema quantum infinite", &netcode.Welcome{Version: v, Schemas: []world.Schema{{Name: "p", Fields: []world.Field{{Name: "x", Type: world.Float, Quantum: math.Inf(1)}}}}}},
		{"long schema name", &netcode.Welcome{Version: v, Schemas: []world.Schema{{Name: long[:netcode.MaxSchemaNameLen+1], Fields: one[0].Fields}}}},
		{"long room id", &netcode.Welcome{Version: v, RoomID: long[:netcode.MaxRoomIDLen+1]}},
		{"long join code", &netcode.Welcome{Version: v, JoinCode: long[:netcode.MaxRoomIDLen+1]}},
		{"long resume token", &netcode.Welcome{Version: v, ResumeToken: long[:netcode.MaxTokenLen+1]}},
		{"long error", &netcode.Error{Code: netcode.CodeInternal, Message: long}},
		{"message empty type", &netcode.Message{}},
		{"message long type", &netcode.Message{Type: long[:netcode.MaxTypeLen+1]}},
		{"message invalid UTF-8 type", &netcode.Message{Type: "\xff"}},
		{"message payload not msgpack", &netcode.Message{Type: "t", Payload: netcode.Payload{0xc1}}},
		{"message payload trailing", &netcode.Message{Type: "t", Payload: netcode.Payload{0xc0, 0xc0}}},
		{"message payload too long", &netcode.Message{Type: "t", Payload: pl(long[:netcode.MaxPayloadLen-2])}},
		{"message payload too deep", &netcode.Message{Type: "t", Payload: pl(nest(netcode.MaxPayloadDepth+1, nil))}},
		{"message payload too deep, empty", &netcode.Message{Type: "t", Payload: pl(nest(netcode.MaxPayloadDepth, []any{}))}},
		{"list long mode", &netcode.List{Mode: long[:netcode.MaxModeLen+1]}},
		{"list invalid UTF-8 mode", &netcode.List{Mode: "\x80"}},
		{"list too many filter keys", &netcode.List{Filter: manyKeys}},
		{"list long filter key", &netcode.List{Filter: map[string]string{long[:netcode.MaxMetaKeyLen+1]: ""}}},
		{"list long filter value", &netcode.List{Filter: map[string]string{"k": long[:netcode.MaxMetaValueLen+1]}}},
		{"list invalid UTF-8 filter key", &netcode.List{Filter: map[string]string{"\xff": "v"}}},
		{"list invalid UTF-8 filter value", &netcode.List{Filter: map[string]string{"k": "\xff"}}},
		{"rooms over MaxListLimit", &netcode.Rooms{Rooms: make([]netcode.RoomInfo, netcode.MaxListLimit+1)}},
		{"room long id", &netcode.Rooms{Rooms: []netcode.RoomInfo{{ID: long[:netcode.MaxRoomIDLen+1]}}}},
		{"room long name", &netcode.Rooms{Rooms: []netcode.RoomInfo{{Name: long[:netcode.MaxRoomLen+1]}}}},
		{"room long mode", &netcode.Rooms{Rooms: []netcode.RoomInfo{{Mode: long[:netcode.MaxModeLen+1]}}}},
		{"room negative players", &netcode.Rooms{Rooms: []netcode.RoomInfo{{Players: -1}}}},
		{"room max players over u16", &netcode.Rooms{Rooms: []netcode.RoomInfo{{MaxPlayers: math.MaxUint16 + 1}}}},
		{"room metadata too long", &netcode.Rooms{Rooms: []netcode.RoomInfo{{Metadata: pl(map[string]string{"k": long[:netcode.MaxMetadataLen]})}}}},
		{"room metadata not msgpack", &netcode.Rooms{Rooms: []netcode.RoomInfo{{Metadata: netcode.Payload{0x81, 0xa1, 'k'}}}}},
		{"event empty type", &netcode.Event{Tick: 1}},
		{"event long type", &netcode.Event{Type: long[:netcode.MaxTypeLen+1]}},
		{"event payload too long", &netcode.Event{Type: "t", Payload: pl(strings.Repeat("x", netcode.MaxEventLen))}},
		{"event payload too deep", &netcode.Event{Type: "t", Payload: pl(nest(netcode.MaxPayloadDepth+1, 1))}},
		{"rates zero", &netcode.Rates{}},
		{"rates send over tick", &netcode.Rates{TickRate: 20, SendRate: 21}},
		{"rates send zero", &netcode.Rates{TickRate: 20}},
		{"rates tick over u16", &netcode.Rates{TickRate: math.MaxUint16 + 1, SendRate: 1}},
		{"rates negative", &netcode.Rates{TickRate: -20, SendRate: -30}},
		{"long value", &netcode.State{Delta: world.Delta{Tick: 1, Added: []world.EntityState{{ID: 1, Values: []world.Value{{S: long}}}}}}},
		{"value with int and string", &netcode.State{Delta: world.Delta{Tick: 1, Added: []world.EntityState{{ID: 1, Values: []world.Value{{I: 1, S: "x"}}}}}}},
		{"entity id 0", &netcode.State{Delta: world.Delta{Tick: 1, Added: []world.EntityState{{Values: []world.Value{{}}}}}}},
		{"no values", &netcode.State{Delta: world.Delta{Tick: 1, Added: []world.EntityState{{ID: 1}}}}},
		{"snapshot with removals", &netcode.State{Delta: world.Delta{Tick: 1, Removed: []world.EntityID{1}}}},
		{"baseline after tick", &netcode.State{Delta: world.Delta{Tick: 1, Base: 2}}},
		{"unsorted changes", &netcode.State{Delta: world.Delta{Tick: 2, Base: 1, Changed: []world.Change{
			{ID: 2, Mask: 1, Values: []world.Value{{I: 1}}}, {ID: 1, Mask: 1, Values: []world.Value{{I: 1}}}}}}},
		{"mask 0", &netcode.State{Delta: world.Delta{Tick: 2, Base: 1, Changed: []world.Change{{ID: 1}}}}},
		{"values do not match mask", &netcode.State{Delta: world.Delta{Tick: 2, Base: 1, Changed: []world.Change{{ID: 1, Mask: 3, Values: []world.Value{{I: 1}}}}}}},
		{"duplicate removal", &netcode.State{Delta: world.Delta{Tick: 2, Base: 1, Removed: []world.EntityID{4, 4}}}},
		{"private unsorted", &netcode.State{Delta: world.Delta{Tick: 1, Private: []world.Change{
			{ID: 2, Mask: 1, Values: []world.Value{{I: 1}}}, {ID: 1, Mask: 1, Values: []world.Value{{I: 1}}}}}}},
		{"private id 0", &netcode.State{Delta: world.Delta{Tick: 1, Private: []world.Change{{Mask: 1, Values: []world.Value{{I: 1}}}}}}},
		{"private mask 0", &netcode.State{Delta: world.Delta{Tick: 2, Base: 1, Private: []world.Change{{ID: 1}}}}},
		{"private values do not match mask", &netcode.State{Delta: world.Delta{Tick: 1, Private: []world.Change{{ID: 1, Mask: 1}}}}},
		{"private long value", &netcode.State{Delta: world.Delta{Tick: 1, Private: []world.Change{{ID: 1, Mask: 1, Values: []world.Value{{S: long}}}}}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dst := []byte("keep")
			got, err := netcode.AppendFrame(dst, tc.msg)
			if !errors.Is(err, netcode.ErrMalformed) {
				t.Errorf("AppendFrame error = %v, want ErrMalformed", err)
			}
			if string(got) != "keep" {
				t.Errorf("AppendFrame changed dst to %q", got)
			}
		})
	}
}

// A list whose filter is nil decodes as a list with no filter.
func TestListNilFilter(t *testing.T) {
	m, err := netcode.DecodeClient(mp(arr(6), 12, 1, "", 0, 0, nil))
	if l, ok := m.(*netcode.List); err != nil || !ok || l.Filter != nil || l.Request != 1 {
		t.Errorf("DecodeClient(list with nil filter) = %#v, %v; want a list with no filter", m, err)
	}
}
