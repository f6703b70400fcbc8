package netcode_test

import (
	"errors"
	"testing"

	"github.com/tickroom/tickroom/netcode"
	"github.com/tickroom/tickroom/world"
)

func TestDecodeStateHeadMatchesDecodeServer(t *testing.T) {
	a := newArena(t, 16)
	for range 40 {
		a.tick()
	}
	var d world.Delta
	for _, base := range []uint32{0, a.w.Tick() - 1, a.w.Tick() - 30} {
		a.w.DeltaSince(base, &d)
		frame := netcode.AppendStateBody(netcode.AppendStateHead(nil, &d, 123456, 789, nil), &d, nil)
		m, err := netcode.DecodeServer(frame)
		if err != nil {
			t.Fatalf("base %d: DecodeServer: %v", base, err)
		}
		s := m.(*netcode.State)
		want := netcode.StateHead{Tick: s.Delta.Tick, Base: s.Delta.Base, ServerTime: s.ServerTime, InputAck: s.InputAck}
		var got netcode.StateHead
		if err := netcode.DecodeStateHead(frame, &got); err != nil {
			t.Fatalf("base %d: DecodeStateHead: %v", base, err)
		}
		if got != want {
			t.Errorf("base %d: DecodeStateHead = %+v, want %+v", base, got, want)
		}
		allocs := testing.AllocsPerRun(100, func() { _ = netcode.DecodeStateHead(frame, &got) })
		if allocs != 0 {
			t.Errorf("base %d: DecodeStateHead: %v allocations, want 0", base, allocs)
		}
	}
}

// TestDecodeStateHeadPrivate: a state with a private section has the same
// head as one without; DecodeStateHead reads it, without allocating, for
// every sample state.
func TestDecodeStateHeadPrivate(t *testing.T) {
	for _, s := range samples() {
		st, ok := s.msg.(*netcode.State)
		if !ok {
			continue
		}
		frame := mustAppend(t, st)
		want := netcode.StateHead{Tick: st.Delta.Tick, Base: st.Delta.Base, ServerTime: st.ServerTime, InputAck: st.InputAck}
		var got netcode.StateHead
		if err := netcode.DecodeStateHead(frame, &got); err != nil || got != want {
			t.Errorf("%s: DecodeStateHead = %+v, %v; want %+v", s.name, got, err, want)
		}
		if allocs := testing.AllocsPerRun(100, func() { _ = netcode.DecodeStateHead(frame, &got) }); allocs != 0 {
			t.Errorf("%s: DecodeStateHead: %v allocations, want 0", s.name, allocs)
		}
	}
}

func TestDecodeStateHeadRejects(t *testing.T) {
	welcome := mustAppend(t, &netcode.Welcome{Version: netcode.ProtocolVersion, Session: "s", Room: "r", Mode: "arena", TickRate: 20, SendRate: 20})
	var h netcode.StateHead
	if err := netcode.DecodeStateHead(welcome, &h); err != netcode.ErrUnexpectedKind {
		t.Errorf("welcome: %v, want ErrUnexpectedKind itself", err)
	}
	for name, frame := range map[string][]byte{
		"empty":           {},
		"not an array":    mp(5),
		"snapshot short":  mp(arr(4), 5, 10, 1, 2),
		"diff base zero":  mp(arr(8), 6, 10, 0, 1, 2, arr(0), arr(0), arr(0)),
		"diff base ahead": mp(arr(8), 6, 10, 11, 1, 2, arr(0), arr(0), arr(0)),
		"tick negative":   mp(arr(5), 5, -1, 1, 2, arr(0)),
		"snapshot long":   mp(arr(7), 5, 10, 1, 2, []any{1, 1, 1}, arr(0), arr(0)),
		"diff short":      mp(arr(7), 6, 10, 9, 1, 2, arr(0), arr(0)),
		"diff long":       mp(arr(10), 6, 10, 9, 1, 2, []any{1, 1, 1}, arr(0), arr(0), arr(0), arr(0)),
		"ack over u32":    mp(arr(6), 5, 10, 1, uint64(1)<<32, []any{1, 1, 1}, arr(0)),
	} {
		before := netcode.StateHead{Tick: 99}
		h := before
		err := netcode.DecodeStateHead(frame, &h)
		if !errors.Is(err, netcode.ErrMalformed) {
			t.Errorf("%s: %v, want ErrMalformed", name, err)
		}
		if h != before {
			t.Errorf("%s: head changed to %+v on error", name, h)
		}
	}
}

func FuzzDecodeStateHead(f *testing.F) {
	addSeeds(f)
	f.Fuzz(func(t *testing.T, frame []byte) {
		var h netcode.StateHead
		err := netcode.DecodeStateHead(frame, &h)
		m, serr := netcode.DecodeServer(frame)
		s, isState := m.(*netcode.State)
		if err != nil {
			if err != netcode.ErrUnexpectedKind {
				checkErr(t, err)
			}
			if serr == nil && isState {
				t.Fatalf("DecodeStateHead failed (%v) where DecodeServer decoded %#v", err, m)
			}
			return
		}
		// The head may accept a frame whose entities DecodeServer rejects;
		// when both accept, they agree.
		if serr == nil {
			want := netcode.StateHead{Tick: s.Delta.Tick, Base: s.Delta.Base, ServerTime: s.ServerTime, InputAck: s.InputAck}
			if !isState || h != want {
				t.Fatalf("DecodeStateHead = %+v, DecodeServer = %#v", h, m)
			}
		}
	})
}
