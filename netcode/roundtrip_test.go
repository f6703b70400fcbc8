package netcode_test

import (
	"bytes"
	"errors"
	"reflect"
	"testing"

	"github.com/tickroom/tickroom/netcode"
	"github.com/tickroom/tickroom/world"
	"github.com/vmihailenco/msgpack/v5"
)

func TestRoundTrip(t *testing.T) {
	t.Parallel()
	kinds := map[netcode.Kind]bool{}
	for _, s := range samples() {
		t.Run(s.name, func(t *testing.T) {
			kinds[s.msg.Kind()] = true
			if got, want := s.msg.Kind().String(), s.name; got != want {
				t.Errorf("Kind().String() = %q, want %q", got, want)
			}
			frame := mustAppend(t, s.msg)
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
		})
	}
	if got, want := len(kinds), 10; got != want {
		t.Errorf("samples cover %d kinds, want %d", got, want)
	}
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

	join, err := msgpack.Marshal([]any{1, 1, "", "arena", "ada"})
	if err != nil {
		t.Fatal(err)
	}
	gotJoin, err := netcode.DecodeClient(join)
	if wantJoin := (&netcode.Join{Version: 1, Mode: "arena", Name: "ada"}); err != nil || !reflect.DeepEqual(gotJoin, wantJoin) {
		t.Errorf("join = %#v, %v; want %#v", gotJoin, err, wantJoin)
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
	for _, tc := range []struct {
		name string
		msg  netcode.Frame
	}{
		{"nil", nil},
		{"nil pointer", (*netcode.Join)(nil)},
		{"long room", &netcode.Join{Version: 1, Room: long[:netcode.MaxRoomLen+1]}},
		{"long mode", &netcode.Join{Version: 1, Mode: long[:netcode.MaxModeLen+1]}},
		{"long name", &netcode.Join{Version: 1, Name: long[:netcode.MaxNameLen+1]}},
		{"invalid UTF-8 name", &netcode.Join{Version: 1, Name: "a\xffb"}},
		{"long session", &netcode.Welcome{Version: 1, Session: long[:netcode.MaxSessionLen+1]}},
		{"negative tick rate", &netcode.Welcome{Version: 1, TickRate: -1}},
		{"65 fields", &netcode.Welcome{Version: 1, Schemas: []world.Schema{manyFields}}},
		{"257 schemas", &netcode.Welcome{Version: 1, Schemas: tooMany}},
		{"invalid schema", &netcode.Welcome{Version: 1, Schemas: []world.Schema{{Name: "p", Fields: []world.Field{{Name: "x", Type: world.Float}}}}}},
		{"long error", &netcode.Error{Code: netcode.CodeInternal, Message: long}},
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
