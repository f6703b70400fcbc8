package transports

import (
	"errors"
	"testing"
	"time"
)

func TestStateLatestWins(t *testing.T) { testStateLatestWins(t, Options{}) }

func testStateLatestWins(t *testing.T, o Options) *Server {
	h := newTestHandler()
	s := newTestServer(t, o, h)
	c := dial(t, s, dialOptions{noRead: true, headOnly: 4})
	rc := h.next(t)

	// 1 MiB bodies fill the loopback socket buffers within a few frames, after
	// which the writer blocks and every new state frame replaces the queued one.
	body := make([]byte, 1<<20)
	const n = 1000
	for i := range n {
		if err := rc.link.Send(ClassState, seqHead(i), body); err != nil {
			t.Fatalf("Send %d: %v", i, err)
		}
	}
	// Before the client reads anything, the writer is stuck on full socket
	// buffers, so most of the sends must already have replaced a queued frame.
	if early := s.Stats().StaleDropped; early < n/2 {
		t.Errorf("StaleDropped = %d before the client read, want most of %d sends replaced", early, n)
	}

	c.start()
	var got []int
	for len(got) == 0 || got[len(got)-1] != n-1 {
		got = append(got, seqOf(c.recv(t)))
	}
	for i := 1; i < len(got); i++ {
		if got[i] <= got[i-1] {
			t.Fatalf("frames out of order: %v", got)
		}
	}
	dropped := s.Stats().StaleDropped
	t.Logf("sent %d, received %d, dropped %d", n, len(got), dropped)
	if dropped == 0 {
		t.Error("Stats().StaleDropped = 0, want the replaced frames counted")
	}
	if want := uint64(n - len(got)); dropped != want {
		t.Errorf("Stats().StaleDropped = %d, want %d (sent %d, received %d)", dropped, want, n, len(got))
	}
	return s
}

func TestSlowClientDoesNotStallOthers(t *testing.T) { testSlowClientDoesNotStallOthers(t, Options{}) }

func testSlowClientDoesNotStallOthers(t *testing.T, o Options) *Server {
	h := newTestHandler()
	// With a one-minute WriteTimeout, anything the slow client could stall
	// (a shared writer, a blocking Send) would stay stalled past waitTimeout.
	o.WriteTimeout = time.Minute
	s := newTestServer(t, o, h)
	fast := dial(t, s, dialOptions{headOnly: 4})
	fastLink := h.next(t).link
	dial(t, s, dialOptions{noRead: true})
	slowLink := h.next(t).link

	// 400 frames of 64 KiB is 25 MiB: more than the slow client's socket
	// buffers hold, so its writer blocks part way through.
	body := make([]byte, 64<<10)
	const n = 400
	tick := time.NewTicker(time.Millisecond)
	defer tick.Stop()
	var slowest time.Duration
	for i := range n {
		<-tick.C
		for _, l := range []Link{slowLink, fastLink} {
			start := time.Now()
			if err := l.Send(ClassState, seqHead(i), body); err != nil {
				t.Fatalf("Send %d to link %d: %v", i, l.ID(), err)
			}
			slowest = max(slowest, time.Since(start))
		}
	}
	// Generous for a loaded machine under -race; a Send that waited for the
	// slow socket would take the whole minute.
	if slowest > 250*time.Millisecond {
		t.Errorf("slowest Send took %v, want Send never to block", slowest)
	}

	received, last := 0, -1
	deadline := time.After(waitTimeout)
	for last != n-1 {
		select {
		case b := <-fast.msgs:
			received++
			last = seqOf(b)
		case <-deadline:
			t.Fatalf("fast client got %d frames, last %d; want frame %d", received, last, n-1)
		}
	}
	t.Logf("fast client received %d of %d; slowest Send %v; stale dropped %d", received, n, slowest, s.Stats().StaleDropped)
	// The fast client may miss frames only to CPU contention, never to the slow
	// one; a quarter is a floor that even an overloaded -race run clears.
	if received < n/4 {
		t.Errorf("fast client received %d of %d frames, want at least %d", received, n, n/4)
	}
	if s.Stats().StaleDropped == 0 {
		t.Error("Stats().StaleDropped = 0, want the slow client's stale frames dropped")
	}
	return s
}

func TestControlOverflowClosesSlowLink(t *testing.T) { testControlOverflowClosesSlowLink(t, Options{}) }

func testControlOverflowClosesSlowLink(t *testing.T, o Options) *Server {
	const code = 4008
	h := newTestHandler()
	o.SendQueue, o.SlowCloseCode = 8, code
	s := newTestServer(t, o, h)
	c := dial(t, s, dialOptions{noRead: true, headOnly: 4})
	rc := h.next(t)

	body := make([]byte, 256<<10)
	var err error
	sent := 0
	for ; sent < 10000 && err == nil; sent++ {
		err = rc.link.Send(ClassControl, seqHead(sent), body)
	}
	if !errors.Is(err, ErrSlowConsumer) {
		t.Fatalf("after %d sends: Send = %v, want %v", sent, err, ErrSlowConsumer)
	}
	t.Logf("overflow after %d sends", sent)
	if got := rc.link.Send(ClassControl, nil, nil); !errors.Is(got, ErrClosed) {
		t.Errorf("Send after overflow = %v, want %v", got, ErrClosed)
	}
	if got, want := s.Stats().SlowClosed, uint64(1); got != want {
		t.Errorf("Stats().SlowClosed = %d, want %d", got, want)
	}

	// Once the client reads again it gets what was already on its way, in
	// order, and then the slow-consumer close code.
	c.start()
	gotCode, reason := c.waitClosed(t)
	if gotCode != code {
		t.Errorf("client saw close code %d (%q), want %d", gotCode, reason, code)
	}
	for i := 0; len(c.msgs) > 0; i++ {
		if got := seqOf(<-c.msgs); got != i {
			t.Fatalf("message %d has seq %d", i, got)
		}
	}
	if got, _ := CloseStatus(rc.waitClosed(t)); got != code {
		t.Errorf("OnClose code %d, want %d", got, code)
	}
	return s
}

func TestWriteTimeoutClosesSlowLink(t *testing.T) {
	h := newTestHandler()
	s := newTestServer(t, Options{WriteTimeout: 50 * time.Millisecond}, h)
	dial(t, s, dialOptions{noRead: true})
	rc := h.next(t)

	// Keep a 1 MiB state frame queued until the socket buffers are full and a
	// write has been stuck for WriteTimeout.
	body := make([]byte, 1<<20)
	var closeErr error
	for i := 0; closeErr == nil; i++ {
		if err := rc.link.Send(ClassState, seqHead(i), body); err != nil && !errors.Is(err, ErrClosed) {
			t.Fatalf("Send: %v", err)
		}
		select {
		case closeErr = <-rc.closed:
		case <-time.After(5 * time.Millisecond):
		}
		if i > 10000 {
			t.Fatal("link not closed")
		}
	}
	if got, _ := CloseStatus(closeErr); got != ClosePolicy {
		t.Errorf("OnClose(%v), want code %d", closeErr, ClosePolicy)
	}
	if got, want := s.Stats().SlowClosed, uint64(1); got != want {
		t.Errorf("Stats().SlowClosed = %d, want %d", got, want)
	}
}
