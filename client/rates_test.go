package client

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/tickroom/tickroom/actors"
	"github.com/tickroom/tickroom/netcode"
	"github.com/tickroom/tickroom/transports"
	"github.com/tickroom/tickroom/world"
)

// Rates apply from the first state of the tick the rates frame names:
// before it the welcome's rates hold, and the poll aim follows the new send
// rate.
func TestRatesApplyFromTheirTick(t *testing.T) {
	c, _ := newFakeClient(t, Options{})
	welcome(t, c)
	if got, want := c.Rates(), (netcode.Rates{TickRate: 20, SendRate: 20}); got != want {
		t.Fatalf("Rates() after the welcome = %+v, want %+v", got, want)
	}
	s1, s2, s3 := counterState(1, 1), counterState(2, 2), counterState(3, 3)
	c.deliver(stateFrame(t, world.State{}, s1))
	c.deliver(encode(t, &netcode.Rates{Tick: 3, TickRate: 40, SendRate: 10}))
	c.deliver(stateFrame(t, s1, s2))
	if got := c.Rates(); got.TickRate != 20 || c.sendInterval() != 50*time.Millisecond {
		t.Fatalf("Rates() at tick 2 = %+v, send interval %v; want the welcome's until tick 3", got, c.sendInterval())
	}
	c.deliver(stateFrame(t, s2, s3))
	if got, want := c.Rates(), (netcode.Rates{Tick: 3, TickRate: 40, SendRate: 10}); got != want {
		t.Fatalf("Rates() at tick 3 = %+v, want %+v", got, want)
	}
	if got := c.sendInterval(); got != 100*time.Millisecond {
		t.Errorf("send interval %v, want 100ms", got)
	}
	// One for a tick already reached applies at once.
	c.deliver(encode(t, &netcode.Rates{Tick: 3, TickRate: 30, SendRate: 30}))
	if got := c.Rates(); got.TickRate != 30 {
		t.Errorf("Rates() = %+v, want the late frame's", got)
	}
	welcome(t, c)
	if got := c.Rates(); got != (netcode.Rates{TickRate: 20, SendRate: 20}) {
		t.Errorf("Rates() after a new welcome = %+v", got)
	}
}

// A reload that changes a running room's rates reaches its clients as a
// rates frame before any state of its tick, on every transport, and the
// client goes by the new rates from that tick.
func TestRatesFromReload(t *testing.T) {
	s := startServer(t, transports.Options{})
	ctx := testCtx(t, 30*time.Second)
	kinds := []string{TransportWebSocket, TransportLongPoll, TransportStream, TransportPoll}
	type seen struct {
		mu      sync.Mutex
		rates   *netcode.Rates
		failure string
		after   int // states at the new rates
	}
	clients := make([]*Client, len(kinds))
	logs := make([]*seen, len(kinds))
	ready := make(chan struct{})
	for i, kind := range kinds {
		l := &seen{}
		logs[i] = l
		clients[i] = dialT(t, s.srv.HTTPURL(), Options{Transport: kind, NoUpgrade: true, OnFrame: func(m netcode.Frame) {
			<-ready
			l.mu.Lock()
			defer l.mu.Unlock()
			switch m := m.(type) {
			case *netcode.Rates:
				l.rates = m
			case *netcode.State:
				want := netcode.Rates{TickRate: tickRate, SendRate: tickRate}
				if l.rates != nil && m.Delta.Tick >= l.rates.Tick {
					want = *l.rates
					l.after++
				}
				if r := clients[i].Rates(); r != want && l.failure == "" {
					l.failure = fmt.Sprintf("state of tick %d: rates %+v, want %+v", m.Delta.Tick, r, want)
				}
			}
		}})
	}
	close(ready)
	for _, c := range clients {
		join(t, ctx, c, "reloaded")
	}
	for _, c := range clients {
		nextState(t, ctx, c)
	}
	o := s.opts
	o.Room = actors.RoomOptions{TickRate: 2 * tickRate, SendRate: tickRate / 2}
	if err := s.hub.Reconfigure(o); err != nil {
		t.Fatal(err)
	}
	for i, c := range clients {
		if _, err := c.WaitState(ctx, func(world.State) bool { return c.rates.now.Tick != 0 }); err != nil {
			t.Fatalf("%s: no new rates: %v", kinds[i], err)
		}
		nextState(t, ctx, c)
		r := c.Rates()
		if r.TickRate != 2*tickRate || r.SendRate != tickRate/2 || c.sendInterval() != time.Second/(tickRate/2) {
			t.Errorf("%s: Rates() = %+v, send interval %v", kinds[i], r, c.sendInterval())
		}
		l := logs[i]
		l.mu.Lock()
		if l.failure != "" || l.after == 0 {
			t.Errorf("%s: %s (%d states at the new rates)", kinds[i], l.failure, l.after)
		}
		l.mu.Unlock()
	}
}
