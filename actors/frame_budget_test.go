package actors

import (
	"slices"
	"testing"
	"testing/synctest"
	"time"

	"github.com/tickroom/tickroom/netcode"
	"github.com/tickroom/tickroom/transports"
	"github.com/tickroom/tickroom/world"
)

// takes counts the frames of n sent at once, at now, that the budget lets
// through.
func takes(b *frameBudget, now time.Time, n int, catchUp bool) (ok, banked int) {
	for range n {
		o, bk := b.allow(now, catchUp)
		if o {
			ok++
		}
		if bk {
			banked++
		}
	}
	return ok, banked
}

func TestFrameBudget(t *testing.T) {
	o := SessionOptions{InputRate: 60, InputBurst: 30, CatchUp: 15 * time.Second}
	t0 := time.Unix(1000, 0)
	at := func(d time.Duration) time.Time { return t0.Add(d) }

	t.Run("a new connection has its burst and no bank", func(t *testing.T) {
		b := newFrameBudget(o, t0)
		if ok, _ := takes(b, t0, 100, true); ok != 30 {
			t.Errorf("frames at once on a new connection = %d, want the burst of 30", ok)
		}
	})
	t.Run("an honest client's backlog after a stall is taken whole", func(t *testing.T) {
		b := newFrameBudget(o, t0)
		now := t0
		for range 200 { // 10 s at 20 Hz: the bank fills with what it did not use
			now = now.Add(50 * time.Millisecond)
			if ok, _ := b.allow(now, true); !ok {
				t.Fatal("a 20 Hz client was refused")
			}
		}
		now = now.Add(10 * time.Second) // the stall; the client kept sending
		if ok, banked := takes(b, now, 200, true); ok != 200 || banked == 0 {
			t.Errorf("of a 200-frame backlog %d taken (%d from the bank), want all", ok, banked)
		}
	})
	t.Run("the bank is not for frames that may not catch up", func(t *testing.T) {
		b := newFrameBudget(o, t0)
		if ok, _ := takes(b, at(20*time.Second), 100, false); ok != 30 {
			t.Errorf("lobby frames at once after 20 s of quiet = %d, want the burst of 30", ok)
		}
	})
	t.Run("a flood gets at most a burst and a bank, then the rate", func(t *testing.T) {
		b := newFrameBudget(o, t0)
		now := at(time.Minute) // a minute of quiet: everything full
		ok, _ := takes(b, now, 10000, true)
		if want := 30 + 60*15; ok != want {
			t.Errorf("frames at once after a minute of quiet = %d, want burst + bank = %d", ok, want)
		}
		total := 0
		for range 100 { // 10 s at 1000 frames a second
			now = now.Add(100 * time.Millisecond)
			n, _ := takes(b, now, 100, true)
			total += n
		}
		if total < 590 || total > 610 {
			t.Errorf("frames taken of a 10 s flood at 1000/s = %d, want the rate's 600", total)
		}
	})
	t.Run("a reload resizes the bank", func(t *testing.T) {
		b := newFrameBudget(o, t0)
		b.allow(at(time.Minute), true)
		b.set(SessionOptions{InputRate: 60, InputBurst: 30, CatchUp: -1})
		if ok, banked := takes(b, at(time.Minute), 100, true); ok != 29 || banked != 0 {
			t.Errorf("after the bank was turned off: %d taken, %d from the bank; want the 29 left of the burst", ok, banked)
		}
	})
}

// An honest 20 Hz player whose network stalls for 10 s, then delivers the
// inputs it kept sending all at once, stays connected, and its inputs
// reach the game; a client that floods is still closed with rate_limited.
func TestStalledClientIsNotClosedButAFlooderIs(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newTestHub(t, Options{Room: RoomOptions{AckTimeout: time.Minute}})
		honest, flooder := connect(t, h), connect(t, h)
		honest.join("r")
		flooder.join("r")
		play := func(d time.Duration) {
			for end := time.Now().Add(d); time.Now().Before(end); {
				time.Sleep(50 * time.Millisecond)
				synctest.Wait()
				honest.input(1)
				flooder.input(1)
			}
		}
		play(3 * time.Second)
		applied := h.Stats().InputsApplied

		time.Sleep(10 * time.Second) // the stall: nothing arrives
		synctest.Wait()
		ack := honest.lastTick() // the client heard nothing meanwhile
		for range 200 {          // then everything it sent meanwhile, at once
			honest.seq++
			honest.send(&netcode.Input{Seq: honest.seq, Ack: ack})
		}
		play(time.Second)
		if closed, code := honest.link.closeState(); closed {
			t.Fatalf("an honest client was closed (code %d) for its backlog after a stall", code)
		}
		if got := honest.errorCodes(); len(got) != 0 {
			t.Errorf("an honest client got %v for its backlog", got)
		}
		st := h.Stats()
		if st.FramesLimited != 0 || st.FramesCaughtUp == 0 {
			t.Errorf("FramesLimited %d, FramesCaughtUp %d; want none limited and the backlog caught up", st.FramesLimited, st.FramesCaughtUp)
		}
		if st.InputsApplied <= applied {
			t.Error("no input reached the game after the stall")
		}

		ack = flooder.lastTick()
		for range 5000 { // a flood: far over any backlog
			flooder.seq++
			flooder.send(&netcode.Input{Seq: flooder.seq, Ack: ack})
		}
		synctest.Wait()
		if closed, code := flooder.link.closeState(); !closed || code != uint16(netcode.CodeRateLimited) {
			t.Errorf("a flooder: closed %v code %d, want closed with rate_limited", closed, code)
		}
		if got := h.Stats().FloodClosed; got != 1 {
			t.Errorf("FloodClosed = %d, want 1", got)
		}
		closeAll(honest, flooder)
	})
}

// A client that sends twice the rate for long is closed once its bank is
// spent, however steadily it sends.
func TestSteadyFlooderIsClosed(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newTestHub(t, Options{Room: RoomOptions{AckTimeout: time.Minute}})
		c := connect(t, h)
		c.join("r")
		c.run(2*time.Second, 50*time.Millisecond)
		for i := 0; i < 60*20; i++ { // 60 s at 120 frames a second
			if closed, _ := c.link.closeState(); closed {
				break
			}
			time.Sleep(time.Second / 120)
			c.input(world.MaxAxis)
		}
		synctest.Wait()
		if closed, code := c.link.closeState(); !closed || code != uint16(netcode.CodeRateLimited) {
			t.Errorf("a client at twice the rate: closed %v code %d, want closed with rate_limited", closed, code)
		}
		if got := c.errorCodes(); !slices.Contains(got, netcode.CodeRateLimited) {
			t.Errorf("errors %v, want rate_limited", got)
		}
	})
}

// WebSocket pings and pongs cost a frame each: a client that floods them
// is closed as a frame flooder would be, and one that pings politely is
// not.
func TestControlFramesCount(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newTestHub(t, Options{})
		polite, flooder := connect(t, h), connect(t, h)
		counter, ok := flooder.recv.(transports.ControlCounter)
		if !ok {
			t.Fatal("the receiver does not count control frames")
		}
		for range 10_000 {
			if closed, _ := flooder.link.closeState(); closed {
				break
			}
			counter.OnControl()
		}
		for range 20 { // a ping a second for 20 s
			polite.recv.(transports.ControlCounter).OnControl()
			time.Sleep(time.Second)
		}
		synctest.Wait()
		if closed, code := flooder.link.closeState(); !closed || code != uint16(netcode.CodeRateLimited) {
			t.Errorf("a ping flood: closed %v code %d, want closed with rate_limited", closed, code)
		}
		if closed, _ := polite.link.closeState(); closed {
			t.Error("a client pinging once a second was closed")
		}
		closeAll(polite, flooder)
	})
}
