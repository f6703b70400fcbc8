package transports

import (
	"context"
	"net/http"
	"slices"
	"testing"
	"time"
)

func TestLostResponseIsResent(t *testing.T) {
	h := newTestHandler()
	s := newTestServer(t, Options{}, h)
	c := newHTTPClient(t, s).handshake("")
	rc := h.next(t)

	const k = 5
	for i := 1; i <= k; i++ {
		if err := rc.link.Send(ClassControl, seqHead(i), nil); err != nil {
			t.Fatal(err)
		}
	}
	first := c.poll(0, true).records(t) // "lost": the client keeps ack=0
	if got := frameNums(first); !slices.Equal(got, []int{1, 2, 3, 4, 5}) {
		t.Fatalf("first GET: frames %v, want 1..5", got)
	}
	again := c.poll(0, true).records(t)
	if len(again) != len(first) {
		t.Fatalf("second GET with ack=0: %v, want the same records %v", again, first)
	}
	for i := range first {
		if again[i].seq != first[i].seq || string(again[i].data) != string(first[i].data) {
			t.Fatalf("second GET with ack=0: %v, want the same records %v", again, first)
		}
	}
	for i := k + 1; i <= k+2; i++ {
		_ = rc.link.Send(ClassControl, seqHead(i), nil)
	}
	last := first[len(first)-1].seq
	if got := frameNums(c.poll(last, true).records(t)); !slices.Equal(got, []int{6, 7}) {
		t.Errorf("GET with ack=%d: frames %v, want only the new ones 6, 7", last, got)
	}
}

func TestSlowPollerGetsControlAndNewestState(t *testing.T) {
	h := newTestHandler()
	s := newTestServer(t, Options{}, h)
	c := newHTTPClient(t, s).handshake("")
	rc := h.next(t)

	// Control frames at 10, 50 and 90 among 100 state frames.
	for i := 1; i <= 100; i++ {
		if err := rc.link.Send(ClassState, seqHead(i), []byte("state")); err != nil {
			t.Fatal(err)
		}
		if i%40 == 10 {
			if err := rc.link.Send(ClassControl, seqHead(1000+i), []byte("ctl")); err != nil {
				t.Fatal(err)
			}
		}
	}
	recs := c.poll(0, true).records(t)
	if got, want := frameNums(recs), []int{1010, 1050, 1090, 100}; !slices.Equal(got, want) {
		t.Errorf("frames %v, want %v", got, want)
	}
	for i := 1; i < len(recs); i++ {
		if recs[i].seq <= recs[i-1].seq {
			t.Errorf("records not in seq order: %v", recs)
		}
	}
	if got, want := s.Stats().StaleDropped, uint64(99); got != want {
		t.Errorf("StaleDropped = %d, want %d", got, want)
	}

	// A state frame sent but not acknowledged is superseded too: the client
	// gets only the newest again.
	_ = rc.link.Send(ClassState, seqHead(101), nil)
	if got := frameNums(c.poll(0, false).records(t)); !slices.Equal(got, []int{1010, 1050, 1090, 101}) {
		t.Errorf("after a newer state: frames %v", got)
	}
}

func TestControlOverflowClosesHTTPSession(t *testing.T) {
	const code = 4008
	h := newTestHandler()
	s := newTestServer(t, Options{SendQueue: 4, SlowCloseCode: code}, h)
	c := newHTTPClient(t, s).handshake("")
	rc := h.next(t)
	for i := range 4 {
		if err := rc.link.Send(ClassControl, seqHead(i), nil); err != nil {
			t.Fatal(err)
		}
	}
	if err := rc.link.Send(ClassControl, seqHead(4), nil); err != ErrSlowConsumer {
		t.Fatalf("fifth control Send = %v, want %v", err, ErrSlowConsumer)
	}
	recs := c.poll(0, true).records(t)
	if got := frameNums(recs); !slices.Equal(got, []int{0, 1, 2, 3}) || !recs[4].isClose() || recs[4].closeCode() != code {
		t.Errorf("records %v, want frames 0..3 then a close record %d", recs, code)
	}
	if got, _ := CloseStatus(rc.waitClosed(t)); got != code {
		t.Errorf("OnClose code %d, want %d", got, code)
	}
	if got := s.Stats().SlowClosed; got != 1 {
		t.Errorf("SlowClosed = %d, want 1", got)
	}
}

func TestSecondDownlinkConflicts(t *testing.T) {
	h := newTestHandler()
	s := newTestServer(t, Options{}, h)
	c := newHTTPClient(t, s).handshake("")
	rc := h.next(t)

	held := c.asyncPoll(0)
	waitHeld(t, s, c.sid)
	for _, path := range []string{"/" + c.sid + "?ack=0", "/" + c.sid + "?ack=0&wait=0", "/" + c.sid + "/stream?ack=0"} {
		a := c.do(http.MethodGet, path, nil, nil)
		if a.status != http.StatusConflict || a.errCode() != "poll_in_progress" {
			t.Errorf("GET %s during a held poll: %d %s, want 409 poll_in_progress", path, a.status, a.body)
		}
	}
	// The first poll is unaffected and returns normally.
	_ = rc.link.Send(ClassControl, seqHead(7), nil)
	if got := frameNums(recvAnswer(t, held).records(t)); !slices.Equal(got, []int{7}) {
		t.Errorf("held poll returned frames %v, want [7]", got)
	}
	if got := s.Stats().HTTPErrors["poll_in_progress"]; got != 3 {
		t.Errorf(`HTTPErrors["poll_in_progress"] = %d, want 3`, got)
	}
}

func TestLinkCloseDeliversCodeOverHTTP(t *testing.T) {
	for _, held := range []bool{false, true} {
		name := "next GET"
		if held {
			name = "held GET"
		}
		t.Run(name, func(t *testing.T) {
			h := newTestHandler()
			s := newTestServer(t, Options{}, h)
			c := newHTTPClient(t, s).handshake("")
			rc := h.next(t)

			var pending <-chan answer
			if held {
				pending = c.asyncPoll(0)
				waitHeld(t, s, c.sid)
			}
			for i := 1; i <= 3; i++ {
				_ = rc.link.Send(ClassControl, seqHead(i), nil)
			}
			_ = rc.link.Send(ClassState, seqHead(99), nil) // dropped by Close
			rc.link.Close(4007, "slow")
			rc.link.Close(4001, "ignored")
			if err := rc.link.Send(ClassControl, nil, nil); err != ErrClosed {
				t.Errorf("Send after Close = %v, want %v", err, ErrClosed)
			}

			var recs []rec
			if held {
				// The held poll may have returned with the first frame alone.
				a := recvAnswer(t, pending)
				recs = a.records(t)
				if n := len(recs); n > 0 && !recs[n-1].isClose() {
					recs = append(recs, c.poll(recs[n-1].seq, true).records(t)...)
				}
			} else {
				recs = c.poll(0, true).records(t)
			}
			n := len(recs)
			if got := frameNums(recs); !slices.Equal(got, []int{1, 2, 3}) || !recs[n-1].isClose() {
				t.Fatalf("records %v, want frames 1..3 and a close record", recs)
			}
			if code, reason := recs[n-1].closeCode(), string(recs[n-1].data[2:]); code != 4007 || reason != "slow" {
				t.Errorf("close record %d %q, want 4007 %q", code, reason, "slow")
			}
			if ce, ok := rc.waitClosed(t).(*CloseError); !ok || ce.Code != 4007 {
				t.Errorf("OnClose(%v), want code 4007", ce)
			}
			if a := c.poll(0, false); a.status != http.StatusNotFound || a.errCode() != "unknown_session" {
				t.Errorf("GET after the close record: %d %s, want 404 unknown_session", a.status, a.body)
			}
		})
	}
}

func TestServerCloseEndsHTTPSessions(t *testing.T) {
	h := newTestHandler()
	s := NewServer(Options{}, h)
	if err := s.Open("127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	polling := newHTTPClient(t, s).handshake("")
	rcPoll := h.next(t)
	streaming := newHTTPClient(t, s).handshake("")
	rcStream := h.next(t)
	idle := newHTTPClient(t, s).handshake("")
	rcIdle := h.next(t)
	probing := newHTTPClient(t, s).handshake("")
	rcProbe := h.next(t)

	_ = rcPoll.link.Send(ClassControl, seqHead(1), nil)
	polling.get(true)
	// The answer can arrive before its handler has let go of the downlink;
	// waitHeld below must see the next poll, not that one.
	waitFor(t, "first poll finished", func() bool {
		open, _ := sessionState(s, polling.sid)
		return !open
	})
	held := polling.asyncPoll(polling.ack)
	waitHeld(t, s, polling.sid)
	st := streaming.openStream(0)
	waitHeld(t, s, streaming.sid)
	p, _, err := probing.dialProbe()
	if err != nil {
		t.Fatal(err)
	}

	ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
	defer cancel()
	if err := s.Close(ctx); err != nil {
		t.Fatalf("Close: %v", err)
	}
	recs := recvAnswer(t, held).records(t)
	if len(recs) != 1 || !recs[0].isClose() || recs[0].closeCode() != CloseGoingAway {
		t.Errorf("held poll got %v, want a close record %d", recs, CloseGoingAway)
	}
	var last rec
	for r, ok := st.next(t); ok; r, ok = st.next(t) {
		last = r
	}
	if !last.isClose() || last.closeCode() != CloseGoingAway {
		t.Errorf("stream ended with %v, want a close record %d", last, CloseGoingAway)
	}
	p.waitClosed(t)
	for i, rc := range []*testReceiver{rcPoll, rcStream, rcIdle, rcProbe} {
		select {
		case err := <-rc.closed:
			if code, _ := CloseStatus(err); code != CloseGoingAway {
				t.Errorf("receiver %d: OnClose(%v), want code %d", i, err, CloseGoingAway)
			}
		default:
			t.Errorf("receiver %d: OnClose not called before Close returned", i)
		}
	}
	if st := s.Stats(); st.HTTPSessions != 0 || st.Active != 0 {
		t.Errorf("after Close: HTTPSessions %d, Active %d; want 0, 0", st.HTTPSessions, st.Active)
	}
	_ = idle
}

func TestServerCloseWaitsForHandshakeInFlight(t *testing.T) {
	release := make(chan struct{})
	entered := make(chan struct{})
	s := NewServer(Options{}, handlerFunc(func(l Link, _ *http.Request) (Receiver, error) {
		close(entered)
		<-release
		return &serialReceiver{}, nil
	}))
	if err := s.Open("127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	c := newHTTPClient(t, s)
	done := make(chan answer, 1)
	go func() {
		a, err := c.doErr(http.MethodPost, "", nil, nil)
		if err != nil {
			a.status = -1
		}
		done <- a
	}()
	<-entered
	closed := make(chan error, 1)
	go func() { closed <- s.Close(context.Background()) }()
	// Close cannot finish while Accept runs; let it go once Close has begun.
	waitFor(t, "Close to begin", func() bool {
		s.mu.Lock()
		defer s.mu.Unlock()
		return s.closing
	})
	close(release)
	if a := <-done; a.status != http.StatusServiceUnavailable || a.errCode() != "shutting_down" {
		t.Errorf("handshake during Close: %d %s, want 503 shutting_down", a.status, a.body)
	}
	select {
	case err := <-closed:
		if err != nil {
			t.Errorf("Close: %v", err)
		}
	case <-time.After(waitTimeout):
		t.Fatal("Close did not return")
	}
	if got := s.Stats().HTTPSessions; got != 0 {
		t.Errorf("HTTPSessions = %d after Close", got)
	}
}
