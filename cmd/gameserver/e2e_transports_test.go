package main

import (
	"context"
	"testing"
	"time"

	"github.com/tickroom/tickroom/client"
	"github.com/tickroom/tickroom/games/arena"
	"github.com/tickroom/tickroom/world"
)

// Four players on the four transports share one room on the real binary:
// each sees every other one move, and a long-polling client that is allowed
// to upgrade ends up on WebSocket without a lost baseline.
func TestEndToEndFourTransportsOneRoom(t *testing.T) {
	s := startServer(t, testConfig(""))
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()

	type player struct {
		transport string
		c         *client.Client
		entity    world.EntityID
	}
	players := []*player{{transport: "websocket"}, {transport: "longpoll"}, {transport: "stream"}, {transport: "poll"}}
	for _, p := range players {
		c, err := client.Dial(ctx, "http://"+s.addr, client.Options{Name: p.transport, Transport: p.transport, NoUpgrade: true})
		if err != nil {
			t.Fatalf("%s: %v", p.transport, err)
		}
		t.Cleanup(func() { _ = c.Close() })
		w, err := c.Join(ctx, "mixed", "")
		if err != nil {
			t.Fatalf("%s join: %v", p.transport, err)
		}
		p.c, p.entity = c, world.EntityID(w.Entity)
		if got := c.Transport(); got != p.transport {
			t.Errorf("transport = %q, want %q", got, p.transport)
		}
	}

	// Everyone walks diagonally; each must see each other's x change.
	start := make(map[world.EntityID]int64)
	st := waitFor(t, ctx, players[0].c, func(st world.State) bool {
		for _, p := range players {
			if _, ok := st.Find(p.entity); !ok {
				return false
			}
		}
		return true
	})
	for _, p := range players {
		start[p.entity] = field(t, st, p.entity, arena.FieldX)
	}
	steerCtx, stop := context.WithCancel(ctx)
	var waits []func()
	for _, p := range players {
		dir := int16(world.MaxAxis)
		if start[p.entity] > 5000 {
			dir = -dir // head for the middle, away from the wall
		}
		waits = append(waits, steer(steerCtx, p.c, world.Input{Axes: [4]int16{dir, dir}}, 50*time.Millisecond))
	}
	defer func() {
		stop()
		for _, w := range waits {
			w()
		}
	}()
	for _, viewer := range players {
		waitFor(t, ctx, viewer.c, func(st world.State) bool {
			for _, p := range players {
				e, ok := st.Find(p.entity)
				if !ok {
					return false
				}
				if d := e.Values[arena.FieldX].I - start[p.entity]; d < 200 && d > -200 {
					return false // under 20 units so far
				}
			}
			return true
		})
	}
	for _, p := range players {
		if st := p.c.Stats(); st.LostBaselines != 0 || st.BadFrames != 0 {
			t.Errorf("%s: %+v", p.transport, st)
		}
	}

	// A long-polling client that may upgrade moves to WebSocket.
	up, err := client.Dial(ctx, "http://"+s.addr, client.Options{Name: "upgrader", Transport: "longpoll"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = up.Close() })
	if _, err := up.Join(ctx, "mixed", ""); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(20 * time.Second)
	for up.Transport() != "websocket" && time.Now().Before(deadline) {
		waitFor(t, ctx, up, func(world.State) bool { return true })
		time.Sleep(20 * time.Millisecond) // polling a condition with a deadline, not waiting for readiness
	}
	if got := up.Transport(); got != "websocket" {
		t.Fatalf("upgrader still on %q after 20s (stats %+v)", got, up.Stats())
	}
	from := up.State().Tick
	waitFor(t, ctx, up, func(st world.State) bool { return st.Tick >= from+10 })
	if st := up.Stats(); st.LostBaselines != 0 || st.BadFrames != 0 || st.Upgrades != 1 {
		t.Errorf("upgrader stats %+v, want one upgrade and no lost baseline", st)
	}
}
