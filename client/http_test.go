package client

import (
	"context"
	"errors"
	"net"
	"slices"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/tickroom/tickroom/netcode"
)

// pongs records the pongs a client receives, through Options.OnFrame.
type pongs struct {
	mu   sync.Mutex
	cond *sync.Cond
	got  []uint64
}

func newPongs() *pongs {
	p := &pongs{}
	p.cond = sync.NewCond(&p.mu)
	return p
}

func (p *pongs) onFrame(m netcode.Frame) {
	if pong, ok := m.(*netcode.Pong); ok {
		p.mu.Lock()
		p.got = append(p.got, pong.ClientTime)
		p.cond.Broadcast()
		p.mu.Unlock()
	}
}

// wait waits until n pongs have arrived or ctx ends, and returns them.
func (p *pongs) wait(ctx context.Context, n int) []uint64 {
	stop := context.AfterFunc(ctx, func() {
		p.mu.Lock()
		p.cond.Broadcast()
		p.mu.Unlock()
	})
	defer stop()
	p.mu.Lock()
	defer p.mu.Unlock()
	for len(p.got) < n && ctx.Err() == nil {
		p.cond.Wait()
	}
	return slices.Clone(p.got)
}

// checkSequence fails unless got is exactly 1..n.
func checkSequence(t *testing.T, got []uint64, n int) {
	t.Helper()
	if len(got) != n {
		t.Fatalf("got %d pongs, want %d (last %v)", len(got), n, got[max(0, len(got)-5):])
	}
	for i, v := range got {
		if v != uint64(i+1) {
			t.Fatalf("pong %d carries %d, want %d: lost, duplicated or reordered (around %v)",
				i, v, i+1, got[max(0, i-3):min(len(got), i+4)])
		}
	}
}

func ping(t *testing.T, c *Client, v uint64) error {
	t.Helper()
	return c.SendRaw(encode(t, &netcode.Ping{ClientTime: v}))
}

func dialT(t *testing.T, url string, o Options) *Client {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, err := Dial(ctx, url, o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close() })
	return c
}

func testCtx(t *testing.T, d time.Duration) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	return ctx
}

// Pings sent in a burst all come back as pongs, once each and in order, on
// every HTTP transport; frames sent while a POST is in flight share the
// next one; Close deletes the session.
func TestFakeHTTPTransportsCarryFramesInOrder(t *testing.T) {
	for _, kind := range []string{TransportLongPoll, TransportStream, TransportPoll} {
		t.Run(kind, func(t *testing.T) {
			f := newFakeServer(t)
			p := newPongs()
			c := dialT(t, f.srv.URL, Options{Transport: kind, NoUpgrade: true, OnFrame: p.onFrame, SendQueue: 1000})
			if got := c.Transport(); got != kind {
				t.Fatalf("Transport() = %q, want %q", got, kind)
			}
			const n = 300
			for i := 1; i <= n; i++ {
				if err := ping(t, c, uint64(i)); err != nil {
					t.Fatal(err)
				}
			}
			checkSequence(t, p.wait(testCtx(t, 10*time.Second), n), n)
			if st := c.Stats(); st.Frames != n || st.BadFrames != 0 || st.Bytes == 0 {
				t.Errorf("stats = %+v, want %d frames", st, n)
			}

			_ = c.Close()
			if !errors.Is(c.Err(), ErrClosed) {
				t.Errorf("Err() after Close = %v, want ErrClosed", c.Err())
			}
			f.mu.Lock()
			defer f.mu.Unlock()
			if f.deletes != 1 {
				t.Errorf("DELETEs = %d, want 1", f.deletes)
			}
			frames := 0
			for i, p := range f.posts {
				if p.seq != uint64(i+1) {
					t.Fatalf("POST %d has seq %d, want %d", i, p.seq, i+1)
				}
				frames += p.frames
			}
			if frames != n {
				t.Errorf("POSTs carried %d frames, want %d", frames, n)
			}
			if len(f.posts) >= n {
				t.Errorf("%d POSTs for %d frames sent in a burst: want batching", len(f.posts), n)
			}
		})
	}
}

// A close record ends the connection with its code, after the error frame
// that precedes it; no DELETE follows.
func TestFakeHTTPCloseRecord(t *testing.T) {
	for _, kind := range []string{TransportLongPoll, TransportStream, TransportPoll} {
		t.Run(kind, func(t *testing.T) {
			f := newFakeServer(t)
			c := dialT(t, f.srv.URL, Options{Transport: kind})
			if err := c.SendRaw(encode(t, &netcode.Join{Version: 99})); err != nil {
				t.Fatal(err)
			}
			select {
			case <-c.Done():
			case <-testCtx(t, 10*time.Second).Done():
				t.Fatal("connection not closed")
			}
			if got := c.CloseCode(); got != uint16(netcode.CodeVersionMismatch) {
				t.Fatalf("CloseCode() = %d (%v), want %d", got, c.Err(), netcode.CodeVersionMismatch)
			}
			var ce *CloseError
			if !errors.As(c.Err(), &ce) || ce.Reason != "version" {
				t.Fatalf("Err() = %#v, want a CloseError with the reason", c.Err())
			}
			if errs := c.Errors(); len(errs) != 1 || errs[0].Code != netcode.CodeVersionMismatch {
				t.Fatalf("Errors() = %+v, want the version_mismatch error frame", errs)
			}
			if err := c.Ping(); err == nil {
				t.Errorf("Ping after the close succeeded")
			}
			_ = c.Close()
			if got := c.CloseCode(); got != uint16(netcode.CodeVersionMismatch) {
				t.Errorf("CloseCode() after Close = %d, want it kept", got)
			}
			f.mu.Lock()
			defer f.mu.Unlock()
			if f.deletes != 0 {
				t.Errorf("DELETEs = %d after the server closed, want 0", f.deletes)
			}
		})
	}
}

// A POST whose response is lost is sent again with the same seq; the server
// ignores the copy, so nothing is duplicated.
func TestFakeHTTPPostRetriedWithSameSeq(t *testing.T) {
	f := newFakeServer(t)
	f.failPosts = 3
	p := newPongs()
	c := dialT(t, f.srv.URL, Options{Transport: TransportLongPoll, OnFrame: p.onFrame})
	const n = 50
	for i := 1; i <= n; i++ {
		if err := ping(t, c, uint64(i)); err != nil {
			t.Fatal(err)
		}
		time.Sleep(time.Millisecond) // spread over several POSTs
	}
	checkSequence(t, p.wait(testCtx(t, 10*time.Second), n), n)
	f.mu.Lock()
	defer f.mu.Unlock()
	repeats := 0
	for i := 1; i < len(f.posts); i++ {
		if f.posts[i].seq == f.posts[i-1].seq {
			repeats++
		}
	}
	if repeats != 3 {
		t.Errorf("%d POSTs repeated their seq, want 3: %v", repeats, f.posts)
	}
}

// A downlink response cut short is retried with the same ack: the frames
// it lost come again, and those it delivered are not delivered twice.
func TestFakeHTTPCutResponseLosesNothing(t *testing.T) {
	for _, kind := range []string{TransportLongPoll, TransportPoll} {
		t.Run(kind, func(t *testing.T) {
			f := newFakeServer(t)
			f.cutPolls = 3
			p := newPongs()
			c := dialT(t, f.srv.URL, Options{Transport: kind, OnFrame: p.onFrame})
			const n = 100
			for i := 1; i <= n; i++ {
				if err := ping(t, c, uint64(i)); err != nil {
					t.Fatal(err)
				}
				if i%10 == 0 {
					time.Sleep(5 * time.Millisecond)
				}
			}
			checkSequence(t, p.wait(testCtx(t, 10*time.Second), n), n)
			f.mu.Lock()
			defer f.mu.Unlock()
			if f.cutPolls != 0 {
				t.Errorf("%d cuts left unused", f.cutPolls)
			}
		})
	}
}

// The stream is reopened after the server ends it, each time with the
// latest ack.
func TestFakeStreamReopensWithLatestAck(t *testing.T) {
	f := newFakeServer(t)
	f.streamMax = 50 * time.Millisecond
	p := newPongs()
	c := dialT(t, f.srv.URL, Options{Transport: TransportStream, OnFrame: p.onFrame})
	const n = 60
	for i := 1; i <= n; i++ {
		if err := ping(t, c, uint64(i)); err != nil {
			t.Fatal(err)
		}
		time.Sleep(5 * time.Millisecond)
	}
	checkSequence(t, p.wait(testCtx(t, 10*time.Second), n), n)
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.acks) < 3 {
		t.Fatalf("%d stream requests, want the stream reopened several times", len(f.acks))
	}
	if !slices.IsSorted(f.acks) || f.acks[len(f.acks)-1] == 0 {
		t.Errorf("stream acks = %v, want non-decreasing and advancing", f.acks)
	}
}

// Automatic mode falls back to long-polling when the WebSocket upgrade is
// refused, and does not try to upgrade when the server offers no upgrade.
func TestFakeAutoFallsBackToLongPoll(t *testing.T) {
	f := newFakeServer(t)
	p := newPongs()
	c := dialT(t, f.srv.URL, Options{OnFrame: p.onFrame})
	if got := c.Transport(); got != TransportLongPoll {
		t.Fatalf("Transport() = %q, want longpoll", got)
	}
	if err := ping(t, c, 1); err != nil {
		t.Fatal(err)
	}
	checkSequence(t, p.wait(testCtx(t, 10*time.Second), 1), 1)
	_ = c.Close()
	if st := c.Stats(); st.Upgrades != 0 || st.UpgradeFailures != 0 {
		t.Errorf("stats = %+v: want no upgrade attempt when the server offers none", st)
	}
}

// Nothing listening: automatic mode fails at once, without a fallback.
func TestDialRefusedFails(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	_ = ln.Close()
	_, err = Dial(testCtx(t, 10*time.Second), "http://"+addr, Options{})
	if !errors.Is(err, syscall.ECONNREFUSED) {
		t.Fatalf("Dial = %v, want connection refused", err)
	}
	var he *HTTPError
	if errors.As(err, &he) {
		t.Errorf("Dial error %v comes from an HTTP fallback", err)
	}
}

func TestEndpoints(t *testing.T) {
	for _, tc := range []struct {
		in, ws, http string
		o            Options
	}{
		{in: "ws://h:1/ws", ws: "ws://h:1/ws", http: "http://h:1/rt"},
		{in: "wss://h/game/ws", ws: "wss://h/game/ws", http: "https://h/game/rt"},
		{in: "ws://h:1/socket?x=1", ws: "ws://h:1/socket?x=1", http: "http://h:1/rt"},
		{in: "ws://h:1", ws: "ws://h:1/ws", http: "http://h:1/rt"},
		{in: "http://h:1", ws: "ws://h:1/ws", http: "http://h:1/rt"},
		{in: "http://h:1/", ws: "ws://h:1/ws", http: "http://h:1/rt"},
		{in: "https://h/pre/", ws: "wss://h/pre/ws", http: "https://h/pre/rt"},
		{in: "http://h:1", ws: "ws://h:1/sock", http: "http://h:1/poll", o: Options{WSPath: "sock", HTTPPath: "/poll/"}},
	} {
		ep, err := endpointsOf(tc.in, tc.o.withDefaults())
		if err != nil || ep.ws != tc.ws || ep.http != tc.http {
			t.Errorf("endpointsOf(%q) = %+v, %v; want ws %q, http %q", tc.in, ep, err, tc.ws, tc.http)
		}
	}
	for _, bad := range []string{"ftp://h/", "h:1", "://"} {
		if _, err := endpointsOf(bad, Options{}.withDefaults()); err == nil {
			t.Errorf("endpointsOf(%q) succeeded", bad)
		}
	}
	if got := (endpoints{ws: "ws://h:1/ws?x=1"}).withSID("ab12"); got != "ws://h:1/ws?sid=ab12&x=1" {
		t.Errorf("withSID = %q", got)
	}
}

func TestBatchRespectsMaxBody(t *testing.T) {
	q := [][]byte{make([]byte, 100), make([]byte, 100), make([]byte, 300), {1}}
	body, n := encodeBatch(q, 250)
	if n != 2 || len(body) != 202 {
		t.Fatalf("batch = %d bytes, %d frames; want 202, 2", len(body), n)
	}
	if body, n = encodeBatch(q[2:], 250); n != 1 || len(body) != 302 {
		t.Fatalf("oversized frame: batch = %d bytes, %d frames; want it alone", len(body), n)
	}
}

// A client that comes back after the server's shutdown drain gets 503
// shutting_down: that ends the connection at once, as the close record
// would have, instead of being retried like other 5xx answers.
func TestFakeHTTPShuttingDownIsGoingAway(t *testing.T) {
	for _, kind := range []string{TransportLongPoll, TransportStream, TransportPoll} {
		t.Run(kind, func(t *testing.T) {
			f := newFakeServer(t)
			f.pollTimeout = 50 * time.Millisecond // long-polls come back soon
			c := dialT(t, f.srv.URL, Options{Transport: kind, NoUpgrade: true})
			f.mu.Lock()
			f.shuttingDown = true
			f.mu.Unlock()
			select {
			case <-c.Done():
			case <-testCtx(t, 10*time.Second).Done():
				t.Fatal("connection not closed")
			}
			if got := c.CloseCode(); got != uint16(netcode.CodeGoingAway) {
				t.Fatalf("CloseCode() = %d (%v), want %d", got, c.Err(), netcode.CodeGoingAway)
			}
			f.mu.Lock()
			defer f.mu.Unlock()
			if f.refused > 2 {
				t.Errorf("%d requests refused with shutting_down, want the first to end the connection", f.refused)
			}
		})
	}
}

// A POST refused with 503 shutting_down ends the connection with 1001 too:
// the batch was not refused by a server that carries on, so it must not be
// dropped as if it were, leaving the connection up until its held poll
// returns.
func TestFakeHTTPPostShuttingDownIsGoingAway(t *testing.T) {
	f := newFakeServer(t)
	f.pollTimeout = time.Minute // the held poll would keep the connection up
	c := dialT(t, f.srv.URL, Options{Transport: TransportLongPoll, NoUpgrade: true})
	ctx := testCtx(t, 10*time.Second)
	for { // until the long-poll is held, so only the POST sees the shutdown
		f.mu.Lock()
		held := len(f.acks) > 0
		if held {
			f.shuttingDown = true
		}
		f.mu.Unlock()
		if held {
			break
		}
		select {
		case <-ctx.Done():
			t.Fatal("no long-poll")
		case <-time.After(5 * time.Millisecond):
		}
	}
	if err := c.send(&netcode.Ping{ClientTime: 1}); err != nil {
		t.Fatalf("send: %v", err)
	}
	select {
	case <-c.Done():
	case <-ctx.Done():
		t.Fatal("a POST refused with shutting_down left the connection up")
	}
	if got := c.CloseCode(); got != uint16(netcode.CodeGoingAway) {
		t.Errorf("CloseCode() = %d (%v), want %d", got, c.Err(), netcode.CodeGoingAway)
	}
}
