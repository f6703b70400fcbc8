package netcode_test

import (
	"testing"

	"github.com/tickroom/tickroom/netcode"
	"github.com/tickroom/tickroom/world"
)

// The hot paths allocate nothing: a room encodes one body per baseline and a
// head per client every send, and decodes an input per client per tick.

func TestStateEncodeNoAlloc(t *testing.T) {
	a := newArena(t, 16)
	for range 100 {
		a.tick()
	}
	var d world.Delta
	buf := make([]byte, 0, 64<<10)
	for _, base := range []uint32{0, a.w.Tick() - 1, a.w.Tick() - 30} {
		a.w.DeltaSince(base, &d)
		allocs := testing.AllocsPerRun(100, func() {
			buf = netcode.AppendStateHead(buf[:0], &d, 123456, 789, nil)
			buf = netcode.AppendStateBody(buf, &d, nil)
		})
		if allocs != 0 {
			t.Errorf("state from base %d: %v allocations, want 0", base, allocs)
		}
	}
}

// TestStatePrivateNoAlloc: with private fields, a room's send still
// allocates nothing once its buffers have grown: a body per baseline with
// the private fields hidden, and per client its private section and head.
func TestStatePrivateNoAlloc(t *testing.T) {
	w := world.New(privSchemas, world.Options{})
	w.Advance()
	var es []*world.Entity
	for i := range 16 {
		es = append(es, w.SpawnOwned(i%2, world.PlayerID(i%4+1)))
	}
	step := func() {
		w.Advance()
		for i, e := range es {
			e.SetInt(fx, int64(w.Tick())*int64(i))
			e.SetInt(len(privSchemas[e.Type()].Fields)-1, int64(w.Tick()%7)) // the last field is private
		}
	}
	for range 2 * w.History() {
		step()
	}
	masks := privMasks(privSchemas)
	var d world.Delta
	var priv []world.Change
	var vals []world.Value
	body := make([]byte, 0, 16<<10)
	section := make([]byte, 0, 1<<10)
	head := make([]byte, 0, 1<<10)
	for _, base := range []uint32{0, w.Tick() - 1, w.Tick() - 30} {
		w.DeltaSince(base, &d)
		send := func() {
			body = netcode.AppendStateBody(body[:0], &d, masks)
			for p := world.PlayerID(1); p <= 4; p++ {
				priv, vals = d.PrivateFor(privSchemas, p, priv, vals)
				section = netcode.AppendPrivate(section[:0], priv)
				head = netcode.AppendStateHead(head[:0], &d, 123456, 789, section)
			}
		}
		send()
		if len(priv) == 0 {
			t.Fatalf("base %d: player 4 has no private changes; the test needs some", base)
		}
		if allocs := testing.AllocsPerRun(100, send); allocs != 0 {
			t.Errorf("state from base %d with private fields: %v allocations, want 0", base, allocs)
		}
	}
}

func TestAppendEventNoAlloc(t *testing.T) {
	buf := make([]byte, 0, 256)
	p := pl(map[string]any{"by": 3})
	rates := &netcode.Rates{Tick: 9, TickRate: 30, SendRate: 15}
	allocs := testing.AllocsPerRun(100, func() {
		buf = netcode.AppendEvent(buf[:0], 1201, 77, "scored", p)
		buf, _ = netcode.AppendFrame(buf[:0], rates)
	})
	if allocs != 0 {
		t.Errorf("AppendEvent, AppendFrame(rates): %v allocations, want 0", allocs)
	}
}

func TestDecodeInputNoAlloc(t *testing.T) {
	frame := mustAppend(t, &netcode.Input{Seq: 70000, Ack: 1 << 20, Input: world.Input{Buttons: 3, Axes: [4]int16{-1000, 1000, 5, -5}}})
	var in netcode.Input
	allocs := testing.AllocsPerRun(100, func() {
		if err := netcode.DecodeInput(frame, &in); err != nil {
			t.Fatal(err)
		}
	})
	if allocs != 0 {
		t.Errorf("DecodeInput: %v allocations, want 0", allocs)
	}
}

func TestAppendControlNoAlloc(t *testing.T) {
	buf := make([]byte, 0, 256)
	in := &netcode.Input{Seq: 1, Input: world.Input{Axes: [4]int16{1, 2}}}
	pong := &netcode.Pong{ClientTime: 1, ServerTime: 2}
	allocs := testing.AllocsPerRun(100, func() {
		buf, _ = netcode.AppendFrame(buf[:0], in)
		buf, _ = netcode.AppendFrame(buf[:0], pong)
	})
	if allocs != 0 {
		t.Errorf("AppendFrame(input, pong): %v allocations, want 0", allocs)
	}
}

func TestDecodeAckNoAlloc(t *testing.T) {
	frame := mustAppend(t, &netcode.Ack{Tick: 1 << 20})
	allocs := testing.AllocsPerRun(100, func() {
		if tick, err := netcode.DecodeAck(frame); err != nil || tick != 1<<20 {
			t.Fatalf("DecodeAck = %d, %v", tick, err)
		}
	})
	if allocs != 0 {
		t.Errorf("DecodeAck: %v allocations, want 0", allocs)
	}
	if _, err := netcode.DecodeAck(mustAppend(t, &netcode.Leave{})); err != netcode.ErrUnexpectedKind {
		t.Errorf("DecodeAck(leave) = %v, want ErrUnexpectedKind itself", err)
	}
}

func TestPeekKindNoAllocs(t *testing.T) {
	frame, err := netcode.AppendFrame(nil, &netcode.Input{Seq: 9, Ack: 7})
	if err != nil {
		t.Fatal(err)
	}
	var k netcode.Kind
	if n := testing.AllocsPerRun(100, func() { k, _ = netcode.PeekKind(frame) }); n != 0 || k != netcode.KindInput {
		t.Errorf("PeekKind: %v allocs, kind %s; want 0 and input", n, k)
	}
}
