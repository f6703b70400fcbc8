package actors

import (
	"fmt"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tickroom/tickroom/games/arena"
	"github.com/tickroom/tickroom/world"
)

// newTestSeat returns an admitted seat on a fake link, as a room creates it.
func newTestSeat(limit int) *seat {
	return newSeat(joinRequest{link: newFakeLink(), sid: "test"}, 1, 0, RoomOptions{InputBuffer: limit, MessageBuffer: 4}, time.Now())
}

func seqs(q []queuedInput) []uint32 {
	var out []uint32
	for _, x := range q {
		out = append(out, x.seq)
	}
	return out
}

func TestSeatInputKeepsOrder(t *testing.T) {
	b := newTestSeat(8)
	for seq := uint32(1); seq <= 3; seq++ {
		b.push(seq, 0, world.Input{Buttons: seq * 10})
	}
	q, received, dropped, _ := b.take()
	if got, want := seqs(q), []uint32{1, 2, 3}; !slices.Equal(got, want) {
		t.Errorf("seqs = %v, want %v", got, want)
	}
	for _, x := range q {
		if x.in.Buttons != x.seq*10 {
			t.Errorf("seq %d carries input %+v, want buttons %d", x.seq, x.in, x.seq*10)
		}
	}
	if received != 3 || dropped != 0 {
		t.Errorf("received, dropped = %d, %d, want 3, 0", received, dropped)
	}
	if q, received, _, _ := b.take(); len(q) != 0 || received != 0 {
		t.Errorf("second take = %v (received %d), want nothing", seqs(q), received)
	}
}

func TestSeatInputFullDropsOldest(t *testing.T) {
	b := newTestSeat(4)
	for seq := uint32(1); seq <= 10; seq++ {
		b.push(seq, 0, world.Input{})
	}
	q, received, dropped, _ := b.take()
	if got, want := seqs(q), []uint32{7, 8, 9, 10}; !slices.Equal(got, want) {
		t.Errorf("seqs = %v, want the newest %v", got, want)
	}
	if received != 10 || dropped != 6 {
		t.Errorf("received, dropped = %d, %d, want 10, 6", received, dropped)
	}

	// A smaller limit applies at the next push; a larger one lets the
	// queue grow.
	b.setLimits(2, 4, false)
	for seq := uint32(11); seq <= 13; seq++ {
		b.push(seq, 0, world.Input{})
	}
	if q, _, dropped, _ := b.take(); !slices.Equal(seqs(q), []uint32{12, 13}) || dropped != 1 {
		t.Errorf("after limit 2: seqs %v dropped %d, want [12 13] and 1", seqs(q), dropped)
	}
	b.setLimits(6, 4, false)
	for seq := uint32(14); seq <= 19; seq++ {
		b.push(seq, 0, world.Input{})
	}
	if q, _, dropped, _ := b.take(); len(q) != 6 || dropped != 0 {
		t.Errorf("after limit 6: seqs %v dropped %d, want 6 and 0", seqs(q), dropped)
	}
}

func TestSeatInputDropsReplays(t *testing.T) {
	b := newTestSeat(8)
	b.push(5, 0, world.Input{})
	b.push(5, 0, world.Input{}) // replay
	b.push(3, 0, world.Input{}) // reordered
	b.push(6, 0, world.Input{})
	q, received, dropped, _ := b.take()
	if got, want := seqs(q), []uint32{5, 6}; !slices.Equal(got, want) {
		t.Errorf("seqs = %v, want %v", got, want)
	}
	if received != 4 || dropped != 2 {
		t.Errorf("received, dropped = %d, %d, want 4, 2", received, dropped)
	}
	// The highest seq survives a take: a replay after it is still one.
	b.push(6, 0, world.Input{})
	if q, _, dropped, _ := b.take(); len(q) != 0 || dropped != 1 {
		t.Errorf("replay after take: seqs %v dropped %d, want none and 1", seqs(q), dropped)
	}
}

func TestSeatInputAcks(t *testing.T) {
	type ack struct {
		reset bool
		tick  uint32
	}
	cases := []struct {
		name string
		acks []uint32 // a zero here is an ack of tick 0
		want ack
	}{
		{"none", nil, ack{}},
		{"newest wins", []uint32{3, 4, 7}, ack{tick: 7}},
		{"cumulative: an older one does not go back", []uint32{7, 5}, ack{tick: 7}},
		{"zero asks for a snapshot", []uint32{7, 0}, ack{reset: true}},
		{"acks after a zero count from there", []uint32{9, 0, 2, 3}, ack{reset: true, tick: 3}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			b := newTestSeat(8)
			for i, a := range tc.acks {
				if i%2 == 0 { // both ways in: with an input and alone
					b.acknowledge(a)
				} else {
					b.push(uint32(i+1), a, world.Input{})
				}
			}
			reset, tick := b.takeAck()
			if got := (ack{reset, tick}); got != tc.want {
				t.Errorf("takeAck = %+v, want %+v", got, tc.want)
			}
			if reset, tick := b.takeAck(); reset || tick != 0 {
				t.Errorf("second takeAck = %v, %d, want nothing", reset, tick)
			}
		})
	}
}

// The room's ack rules applied to what a seat hands over give the same
// baseline as applying each ack as it came.
func TestSeatInputAcksMatchOneByOne(t *testing.T) {
	seqsOfAcks := [][]uint32{{5, 6, 8}, {8, 0}, {8, 0, 4, 6}, {0}, {3, 0, 0, 2}, {9, 7}}
	for _, acks := range seqsOfAcks {
		for _, start := range []uint32{0, 4, 8} {
			// since 1: the player has had states from tick 1 on, so every
			// ack in range counts (since 0 would ignore them all).
			one := seat{base: start, since: 1}
			r := &room{w: world.New(arena.New().Schemas(), world.Options{})}
			for range 10 {
				r.w.Advance()
			}
			for _, a := range acks {
				r.acknowledge(&one, a)
			}
			boxed := newTestSeat(8)
			boxed.base, boxed.since = start, 1
			b := boxed
			for _, a := range acks {
				b.acknowledge(a)
			}
			reset, tick := b.takeAck()
			if reset {
				r.acknowledge(boxed, 0)
			}
			if tick != 0 {
				r.acknowledge(boxed, tick)
			}
			if boxed.base != one.base {
				t.Errorf("acks %v from %d: seat baseline %d, one by one %d", acks, start, boxed.base, one.base)
			}
		}
	}
}

func TestClosedSeatTakesNothing(t *testing.T) {
	b := newTestSeat(4)
	b.push(1, 3, world.Input{})
	b.push(1, 3, world.Input{}) // a replay, counted before the close
	prev, received, dropped := b.close()
	if prev != seatAdmitted || received != 2 || dropped != 1 {
		t.Errorf("close returned %v, %d, %d, want admitted and the untaken counts 2, 1", prev, received, dropped)
	}
	for seq := uint32(2); seq < 100; seq++ {
		b.push(seq, seq, world.Input{})
		b.acknowledge(seq)
	}
	if q, received, dropped, _ := b.take(); len(q) != 0 || received != 0 || dropped != 0 {
		t.Errorf("take after close = %v, %d, %d, want nothing", seqs(q), received, dropped)
	}
	if reset, tick := b.takeAck(); reset || tick != 0 {
		t.Errorf("takeAck after close = %v, %d, want nothing", reset, tick)
	}
	if prev, received, dropped := b.close(); prev != seatClosed || received != 0 || dropped != 0 {
		t.Errorf("second close = %v, %d, %d, want closed, 0, 0", prev, received, dropped)
	}
	if b.queue != nil {
		t.Errorf("closed seat holds a queue of cap %d", cap(b.queue))
	}
}

// Pushers (the reader, the session) race the room's takes.
// Every input pushed is either taken once or counted as dropped; what is
// taken is in strictly increasing seq order; the newest input and the newest
// ack are never lost; the two buffers are reused, never grown. With one
// pusher, in order, the only drops are of the oldest: each take is a run of
// consecutive seqs. With several, pushes race between taking a seq and
// pushing it, so reorderings are dropped too.
func TestSeatInputConcurrentPushAndTake(t *testing.T) {
	for _, pushers := range []int{1, 8} {
		t.Run(fmt.Sprintf("%d pushers", pushers), func(t *testing.T) {
			testConcurrentPushAndTake(t, pushers)
		})
	}
}

func testConcurrentPushAndTake(t *testing.T, pushers int) {
	const total, limit = 16000, 16
	b := newTestSeat(limit)
	var next atomic.Uint32
	var wg sync.WaitGroup
	for range pushers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range total / pushers {
				seq := next.Add(1)
				b.push(seq, seq, world.Input{Buttons: seq})
				runtime.Gosched() // let the drainer in between pushes
			}
		}()
	}
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()

	var taken []uint32
	takes := 0
	var received, dropped int64
	var maxAck uint32
	drain := func() {
		q, rx, dr, _ := b.take()
		if len(q) > 0 {
			takes++
		}
		for i, x := range q {
			if x.in.Buttons != x.seq {
				t.Fatalf("seq %d carries input of seq %d", x.seq, x.in.Buttons)
			}
			if pushers == 1 && i > 0 && x.seq != q[i-1].seq+1 {
				t.Fatalf("one pusher: take %v is not a run of consecutive seqs", seqs(q))
			}
			taken = append(taken, x.seq)
		}
		received += rx
		dropped += dr
		if _, tick := b.takeAck(); tick > maxAck {
			maxAck = tick
		}
		if cap(q) > limit {
			t.Fatalf("queue grew to cap %d, limit %d", cap(q), limit)
		}
	}
	for running := true; running; {
		select {
		case <-done:
			running = false
		default:
		}
		drain()
	}
	drain() // whatever came after the last take of the loop

	if got, want := received, int64(total); got != want {
		t.Errorf("received = %d, want %d", got, want)
	}
	if got, want := int64(len(taken))+dropped, received; got != want {
		t.Errorf("taken %d + dropped %d = %d, want every input received (%d)", len(taken), dropped, got, want)
	}
	for i := 1; i < len(taken); i++ {
		if taken[i] <= taken[i-1] {
			t.Fatalf("taken[%d] = %d after %d: out of order or duplicated", i, taken[i], taken[i-1])
		}
	}
	if len(taken) == 0 || taken[len(taken)-1] != total {
		t.Errorf("the newest input, seq %d, was not taken", total)
	}
	if maxAck != total {
		t.Errorf("newest ack taken = %d, want %d", maxAck, total)
	}
	t.Logf("taken %d in %d takes, dropped %d", len(taken), takes, dropped)
}

// Once both buffers have their capacity, a step's worth of pushes and the
// room's take allocate nothing.
func TestSeatInputDoesNotAllocate(t *testing.T) {
	b := newTestSeat(8)
	seq := uint32(0)
	allocs := testing.AllocsPerRun(100, func() {
		for range 12 { // more than fit: the oldest are dropped in place
			seq++
			b.push(seq, seq, world.Input{})
		}
		b.acknowledge(seq)
		b.take()
		b.takeAck()
	})
	if allocs != 0 {
		t.Errorf("%v allocations per step, want 0", allocs)
	}
}
