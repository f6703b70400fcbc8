package actors

import (
	"container/heap"
	"time"

	"github.com/tickroom/tickroom/world"
)

// timers are a room's game timers (world.Room.After and Every), due at tick
// boundaries: the same inputs fire the same timers at the same ticks, so
// games stay deterministic. Ordered by due tick, then by the order they
// were set in.
type timers struct {
	q    timerHeap
	next world.TimerID
	live map[world.TimerID]*gameTimer
}

type gameTimer struct {
	id    world.TimerID
	due   uint32 // tick it fires at
	every uint32 // ticks between firings; 0 fires once
	f     func(w *world.World)
}

// ticksFor converts a game duration to whole ticks at rate ticks a second,
// rounding up: at least one (a timer never fires in the tick that set it)
// and at most maxTimerTicks. It counts from the rate, not from the step,
// which is truncated to nanoseconds: a second at 60 Hz is 60 ticks, not 61.
func ticksFor(d time.Duration, rate int) uint32 {
	if d <= 0 {
		return 1
	}
	whole, frac := int64(d/time.Second), int64(d%time.Second)
	if whole >= maxTimerTicks {
		return maxTimerTicks
	}
	n := whole*int64(rate) + (frac*int64(rate)+int64(time.Second)-1)/int64(time.Second)
	return uint32(min(max(n, 1), maxTimerTicks))
}

// maxTimerTicks bounds a timer, so that its due tick cannot wrap: at 60 Hz
// it is about seven months.
const maxTimerTicks = 1 << 30

// add schedules f at tick now+after and, when every is set, every that
// many ticks after.
func (t *timers) add(now, after, every uint32, f func(w *world.World)) world.TimerID {
	if t.live == nil {
		t.live = make(map[world.TimerID]*gameTimer)
	}
	t.next++
	gt := &gameTimer{id: t.next, due: now + after, every: every, f: f}
	t.live[gt.id] = gt
	heap.Push(&t.q, gt)
	return gt.id
}

func (t *timers) cancel(id world.TimerID) { delete(t.live, id) }

// fire runs the timers due at tick now or earlier, in order; a repeating
// one is set again. A timer cancelled meanwhile (even by an earlier timer
// of the same tick) does not run.
func (t *timers) fire(now uint32, w *world.World) {
	for len(t.q) > 0 && t.q[0].due <= now {
		gt := heap.Pop(&t.q).(*gameTimer)
		if t.live[gt.id] != gt {
			continue
		}
		if gt.every > 0 {
			gt.due += gt.every
			heap.Push(&t.q, gt)
		} else {
			delete(t.live, gt.id)
		}
		gt.f(w)
	}
}

type timerHeap []*gameTimer

func (h timerHeap) Len() int { return len(h) }
func (h timerHeap) Less(i, j int) bool {
	if h[i].due != h[j].due {
		return h[i].due < h[j].due
	}
	return h[i].id < h[j].id
}
func (h timerHeap) Swap(i, j int) { h[i], h[j] = h[j], h[i] }
func (h *timerHeap) Push(x any)   { *h = append(*h, x.(*gameTimer)) }
func (h *timerHeap) Pop() any {
	old := *h
	x := old[len(old)-1]
	old[len(old)-1] = nil
	*h = old[:len(old)-1]
	return x
}
