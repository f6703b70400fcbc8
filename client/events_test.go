package client

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/tickroom/tickroom/netcode"
	"github.com/tickroom/tickroom/transports"
)

// burstLog checks, as a client receives them, that burst events (see lab)
// arrive exactly once, in order and in place among the states: an event
// after a state of its tick or an earlier one and before any state of a
// later tick, and every event of a tick before a state's tick ahead of
// that state (the lab's clock entity counts them).
type burstLog struct {
	mu      sync.Mutex
	cond    *sync.Cond
	got     int64  // burst events received, which are numbered 1, 2, …
	tick    uint32 // tick of the newest state applied
	states  int    // states applied while events were coming
	failure string // the first rule broken
}

func newBurstLog() *burstLog {
	l := &burstLog{}
	l.cond = sync.NewCond(&l.mu)
	return l
}

func (l *burstLog) fail(format string, args ...any) {
	if l.failure == "" {
		l.failure = fmt.Sprintf(format, args...)
	}
}

// onEvent is the client's OnEvent.
func (l *burstLog) onEvent(e netcode.Event) {
	if e.Type != "burst" {
		return
	}
	var b burstEvent
	l.mu.Lock()
	defer l.mu.Unlock()
	defer l.cond.Broadcast()
	if err := e.Payload.Decode(&b); err != nil {
		l.fail("event payload: %v", err)
		return
	}
	switch {
	case b.N != l.got+1:
		l.fail("event %d after %d: lost, repeated or reordered", b.N, l.got)
	case l.tick == 0:
		l.fail("event %d of tick %d before any state", b.N, e.Tick)
	case e.Tick < l.tick:
		l.fail("event %d of tick %d after the state of tick %d", b.N, e.Tick, l.tick)
	}
	l.got = b.N
}

// onChange is the client's OnChange.
func (l *burstLog) onChange(ch Change) {
	v := ch.Next
	clock, _ := v.TypeByName("clock")
	before, _ := v.FieldByName(clock, "before")
	l.mu.Lock()
	defer l.mu.Unlock()
	for e := range v.Entities(clock) {
		if n := e.Int(before); l.got < n {
			l.fail("state of tick %d came after %d events, but %d were sent before that tick", v.Tick(), l.got, n)
		}
	}
	if l.got > 0 {
		l.states++
	}
	l.tick = v.Tick()
}

// wait waits until n events have arrived at c, a rule was broken or ctx
// ends.
func (l *burstLog) wait(t *testing.T, ctx context.Context, c *Client, n int64) {
	t.Helper()
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	stop := context.AfterFunc(ctx, func() {
		l.mu.Lock()
		l.cond.Broadcast()
		l.mu.Unlock()
	})
	defer stop()
	go func() { // a client that ends gets no more events
		select {
		case <-c.Done():
			cancel()
		case <-ctx.Done():
		}
	}()
	l.mu.Lock()
	defer l.mu.Unlock()
	for l.got < n && l.failure == "" && ctx.Err() == nil {
		l.cond.Wait()
	}
	if l.failure != "" {
		t.Fatal(l.failure)
	}
	if l.got != n {
		t.Fatalf("%s: %d of %d events arrived: %v; newest state %d, stats %+v, errors %+v, end %v",
			c.Transport(), l.got, n, ctx.Err(), l.tick, c.Stats(), c.Errors(), c.Err())
	}
	if l.states < 2 {
		t.Errorf("%d states among the events, want the burst interleaved with states", l.states)
	}
}

// A burst of events, a few per tick, broadcast to a player on each
// transport in one room, reaches each once, in order, interleaved with the
// states as the protocol says.
func TestEventBurstOnEveryTransport(t *testing.T) {
	// A poll client acknowledges a poll's records with its next poll, so
	// under the race detector on a busy machine its unacknowledged events
	// could pass the default bound of 64 and close it as a slow consumer:
	// that bound is not what this test is about.
	s := startServer(t, transports.Options{SendQueue: 1024})
	ctx := testCtx(t, 30*time.Second)
	kinds := []string{TransportWebSocket, TransportLongPoll, TransportStream, TransportPoll}
	logs := make([]*burstLog, len(kinds))
	clients := make([]*Client, len(kinds))
	for i, kind := range kinds {
		logs[i] = newBurstLog()
		c := dialT(t, s.srv.HTTPURL(), Options{Transport: kind, NoUpgrade: true, Name: kind,
			OnEvent: logs[i].onEvent, OnChange: logs[i].onChange})
		joinWith(t, ctx, c, JoinSpec{Room: "burst", Mode: modeLab})
		clients[i] = c
	}
	const n = 150
	if err := clients[0].SendMessage("burst", burst{Left: n, PerTick: 6, Pad: 300}); err != nil {
		t.Fatal(err)
	}
	for i, l := range logs {
		t.Run(kinds[i], func(t *testing.T) { l.wait(t, ctx, clients[i], n) })
	}
}

// A burst that goes on while a long-polling or streaming client moves to
// WebSocket arrives exactly once and in order, some events on each side of
// the switch.
func TestEventBurstAcrossUpgrade(t *testing.T) {
	s := startServer(t, transports.Options{})
	for _, kind := range []string{TransportLongPoll, TransportStream} {
		t.Run(kind, func(t *testing.T) {
			ctx := testCtx(t, 30*time.Second)
			release := make(chan struct{})
			var releaseOnce sync.Once
			testHookUpgrade = func(ctx context.Context) {
				select {
				case <-release:
				case <-ctx.Done():
				}
			}
			t.Cleanup(func() { testHookUpgrade = nil })
			l := newBurstLog()
			var mu sync.Mutex
			on := map[string]int{} // events received per transport
			var c *Client
			ready := make(chan struct{})
			c = dialT(t, s.srv.HTTPURL(), Options{Transport: kind, OnChange: l.onChange, OnEvent: func(e netcode.Event) {
				<-ready
				l.onEvent(e)
				mu.Lock()
				on[c.Transport()]++
				n := on[kind]
				mu.Unlock()
				if n == 20 { // well into the burst
					releaseOnce.Do(func() { close(release) })
				}
			}})
			close(ready)
			joinWith(t, ctx, c, JoinSpec{Room: "upgrade-" + kind, Mode: modeLab})
			const n = 200
			if err := c.SendMessage("burst", burst{Left: n, PerTick: 5, Pad: 100}); err != nil {
				t.Fatal(err)
			}
			l.wait(t, ctx, c, n)
			if st := c.Stats(); st.Upgrades != 1 || st.Events != n {
				t.Errorf("stats %+v: want one upgrade and %d events", st, n)
			}
			mu.Lock()
			defer mu.Unlock()
			if on[kind] == 0 || on[TransportWebSocket] == 0 {
				t.Errorf("events per transport %v: want some on each side of the switch", on)
			}
		})
	}
}

// A message the game echoes comes back as an event with the payload, on
// every transport; EventQueue waits for it.
func TestMessageEcho(t *testing.T) {
	s := startServer(t, transports.Options{})
	for _, kind := range []string{TransportWebSocket, TransportLongPoll, TransportStream, TransportPoll} {
		t.Run(kind, func(t *testing.T) {
			ctx := testCtx(t, 30*time.Second)
			var q EventQueue
			c := dialT(t, s.srv.HTTPURL(), Options{Transport: kind, NoUpgrade: true, OnEvent: q.Push})
			joinWith(t, ctx, c, JoinSpec{Mode: modeLab, Room: "echo-" + kind})
			type hello struct {
				Text string `msgpack:"text"`
				N    int    `msgpack:"n"`
			}
			for i := range 3 {
				if err := c.SendMessage("echo", hello{Text: "hi", N: i}); err != nil {
					t.Fatal(err)
				}
			}
			if err := c.SendMessage("echo", netcode.Payload("\x81\xa4text\xa3raw")); err != nil {
				t.Fatal(err)
			}
			for i := range 4 {
				e, err := q.Next(ctx)
				if err != nil {
					t.Fatal(err)
				}
				var got hello
				want := hello{Text: "hi", N: i}
				if i == 3 {
					want = hello{Text: "raw"}
				}
				if err := e.Payload.Decode(&got); err != nil || e.Type != "echo" || got != want || e.Tick == 0 {
					t.Fatalf("event %d: %+v (%v) decoded to %+v, want echo of %+v", i, e, err, got, want)
				}
			}
			if n := q.Len(); n != 0 {
				t.Errorf("%d more events", n)
			}
			if st := c.Stats(); st.Events != 4 {
				t.Errorf("Stats().Events = %d, want 4", st.Events)
			}
		})
	}
}

// Messages that cannot be sent fail at once.
func TestSendMessageChecks(t *testing.T) {
	c, f := newFakeClient(t, Options{})
	for _, tc := range []struct {
		typ     string
		payload any
	}{
		{"", nil},
		{string(make([]byte, netcode.MaxTypeLen+1)), nil},
		{"big", make([]byte, netcode.MaxPayloadLen)},
		{"func", func() {}},
		{"raw", netcode.Payload{0xc1}},
	} {
		if err := c.SendMessage(tc.typ, tc.payload); err == nil {
			t.Errorf("SendMessage(%q, %T) succeeded", tc.typ, tc.payload)
		}
	}
	if err := c.SendMessage("ok", map[string]int{"a": 1}); err != nil {
		t.Fatal(err)
	}
	sent := f.sentMessages(t)
	if len(sent) != 1 {
		t.Fatalf("sent %v, want one message", sent)
	}
	m, ok := sent[0].(*netcode.Message)
	var got map[string]int
	if !ok || m.Type != "ok" || m.Payload.Decode(&got) != nil || got["a"] != 1 {
		t.Errorf("sent %+v", sent[0])
	}
}

func TestEventQueueNextEndsWithContext(t *testing.T) {
	var q EventQueue
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() {
		_, err := q.Next(ctx)
		done <- err
	}()
	cancel()
	if err := <-done; err != context.Canceled {
		t.Fatalf("Next = %v, want context.Canceled", err)
	}
	q.Push(netcode.Event{Type: "a"})
	q.Push(netcode.Event{Type: "b"})
	for _, want := range []string{"a", "b"} {
		if e, err := q.Next(context.Background()); err != nil || e.Type != want {
			t.Fatalf("Next = %+v, %v; want %s", e, err, want)
		}
	}
}
