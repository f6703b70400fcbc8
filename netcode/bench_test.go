package netcode_test

import (
	"fmt"
	"testing"

	"github.com/tickroom/tickroom/netcode"
	"github.com/tickroom/tickroom/world"
)

// sendHz is the default send rate, used to turn frame sizes into bandwidth.
const sendHz = 20

// warm runs enough ticks that the world's journal slots and the pickups have
// reached their steady state.
func warm(a *arenaRun) {
	for range 3 * world.DefaultHistory {
		a.tick()
	}
}

// BenchmarkEncodeState measures one tick of an arena with every player
// moving, then the one-tick diff encoded as head and body.
func BenchmarkEncodeState(b *testing.B) {
	for _, n := range []int{16, 64, 256} {
		b.Run(fmt.Sprintf("entities=%d", n), func(b *testing.B) {
			a := newArena(b, n)
			warm(a)
			var d world.Delta
			buf := make([]byte, 0, 64<<10)
			var size int
			b.ReportAllocs()
			for b.Loop() {
				a.tick()
				a.w.DeltaSince(a.w.Tick()-1, &d)
				buf = netcode.AppendStateHead(buf[:0], &d, a.w.Tick()*50, a.w.Tick(), nil)
				buf = netcode.AppendStateBody(buf, &d, nil)
				size += len(buf)
			}
			b.ReportMetric(float64(size)/float64(b.N), "B/frame")
		})
	}
}

// BenchmarkDecodeState measures a client decoding a one-tick diff of an
// arena with every player moving.
func BenchmarkDecodeState(b *testing.B) {
	for _, n := range []int{16, 64, 256} {
		b.Run(fmt.Sprintf("entities=%d", n), func(b *testing.B) {
			a := newArena(b, n)
			warm(a)
			var d world.Delta
			a.w.DeltaSince(a.w.Tick()-1, &d)
			frame := netcode.AppendStateBody(netcode.AppendStateHead(nil, &d, 1, 1, nil), &d, nil)
			b.SetBytes(int64(len(frame)))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := netcode.DecodeServer(frame); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkArenaRoomTick is one send of a 16-player room in the steady
// state: advance, one input per player, step, one diff from the previous
// tick, its body encoded once and a head per client. B/client/s is what one
// client receives per second at 20 Hz.
func BenchmarkArenaRoomTick(b *testing.B) {
	const players = 16
	a := newArena(b, players)
	warm(a)
	var d world.Delta
	body := make([]byte, 0, 16<<10)
	var heads [players][]byte
	for i := range heads {
		heads[i] = make([]byte, 0, netcode.MaxStateHeadLen)
	}
	var sent int
	b.ReportAllocs()
	for b.Loop() {
		a.tick()
		tick := a.w.Tick()
		a.w.DeltaSince(tick-1, &d)
		body = netcode.AppendStateBody(body[:0], &d, nil)
		for i := range heads {
			heads[i] = netcode.AppendStateHead(heads[i][:0], &d, tick*50, tick, nil)
			sent += len(heads[i]) + len(body)
		}
	}
	perFrame := float64(sent) / float64(b.N*players)
	b.ReportMetric(perFrame, "B/frame")
	b.ReportMetric(perFrame*sendHz, "B/client/s")
}

// BenchmarkStep isolates the world's part of a room tick, to tell where
// allocations come from.
func BenchmarkStep(b *testing.B) {
	a := newArena(b, 16)
	warm(a)
	var d world.Delta
	b.Run("tick", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			a.tick()
		}
	})
	b.Run("tick+delta", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			a.tick()
			a.w.DeltaSince(a.w.Tick()-1, &d)
		}
	})
}
