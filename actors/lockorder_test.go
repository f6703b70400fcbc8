package actors

import (
	"context"
	"fmt"
	"log/slog"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/tickroom/tickroom/client"
	"github.com/tickroom/tickroom/games/arena"
	"github.com/tickroom/tickroom/transports"
	"github.com/tickroom/tickroom/world"
)

// TestLockOrderUnderLoad drives every edge of the lock order in doc.go at
// once, on real loopback sockets: rooms sending states into seats (seat →
// HTTP session → link → gate) at 60 Hz while clients on long-polling
// upgrade to WebSocket (HTTP session → link), post inputs through the HTTP
// session's receiver lock (recvMu → seat), leave and rejoin (seat state
// changes), close their connections and a reload reconfigures the rooms. A
// path that took two of those locks the other way round deadlocks here
// (the watchdog fails the test with every goroutine's stack), and a field
// touched outside its lock shows under -race.
func TestLockOrderUnderLoad(t *testing.T) {
	if testing.Short() {
		t.Skip("runs real sockets for a few seconds")
	}
	log := slog.New(slog.DiscardHandler)
	hub, err := NewHub(Options{
		Modes:   map[string]Mode{"arena": {NewGame: func() world.Game { return arena.New() }}},
		Room:    RoomOptions{TickRate: 60, SendRate: 60, MaxPlayers: 4, EmptyTimeout: -1},
		Session: SessionOptions{InputRate: 1000, InputBurst: 1000},
		Logger:  log,
	})
	if err != nil {
		t.Fatal(err)
	}
	srv := transports.NewServer(transports.Options{Logger: log, SendQueue: 1024}, hub)
	if err := srv.Open("127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}

	ctx, cancel := context.WithTimeout(t.Context(), 3*time.Second)
	defer cancel()
	watchdog := time.AfterFunc(20*time.Second, func() {
		buf := make([]byte, 1<<22)
		t.Errorf("deadlock: the run did not end; goroutines:\n%s", buf[:runtime.Stack(buf, true)])
		panic("deadlock")
	})
	defer watchdog.Stop()

	var wg sync.WaitGroup
	var mu sync.Mutex
	states := map[string]int{}
	transportsUsed := []string{client.TransportLongPoll, client.TransportStream, client.TransportWebSocket, client.TransportPoll}
	for i := range 12 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			tr := transportsUsed[i%len(transportsUsed)]
			n := churn(ctx, t, srv.HTTPURL(), tr, fmt.Sprintf("r%d", i%3), i)
			mu.Lock()
			states[tr] += n
			mu.Unlock()
		}()
	}
	wg.Add(1)
	go func() { // reloads, which reach every room between its ticks
		defer wg.Done()
		for rate := 50; ctx.Err() == nil; rate = 110 - rate {
			o := *hub.opts.Load()
			o.Room.TickRate, o.Room.SendRate = rate, rate
			if err := hub.Reconfigure(o); err != nil {
				t.Error(err)
			}
			time.Sleep(100 * time.Millisecond)
		}
	}()
	wg.Wait()

	shut, cancelShut := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancelShut()
	if err := srv.Close(shut); err != nil {
		t.Errorf("transports close: %v", err)
	}
	if err := hub.Shutdown(shut); err != nil {
		t.Errorf("hub shutdown: %v", err)
	}
	for _, tr := range transportsUsed {
		if states[tr] == 0 {
			t.Errorf("clients on %s received no state: the run tested nothing there", tr)
		}
	}
	if p := hub.Stats().Panics; p != 0 {
		t.Errorf("%d actor panics", p)
	}
	t.Logf("states received by transport: %v", states)
}

// churn plays one client until ctx ends: it joins, sends inputs as fast as
// the rate limit allows, leaves and rejoins, closes its connection and
// dials again. It returns how many states it applied.
func churn(ctx context.Context, t *testing.T, url, transport, room string, seed int) int {
	total := 0
	for round := 0; ctx.Err() == nil; round++ {
		// The dial has its own time: the run's end must not cut a dial short
		// and look like a failure.
		c, err := client.Dial(t.Context(), url, client.Options{Transport: transport, Name: "p", HandshakeTimeout: 5 * time.Second})
		if err != nil {
			t.Errorf("dial %s: %v", transport, err)
			return total
		}
		for j := 0; j < 3 && ctx.Err() == nil; j++ {
			jctx, cancel := context.WithTimeout(ctx, 2*time.Second)
			_, err := c.Join(jctx, room, "")
			cancel()
			if err != nil {
				break // a full room, or the run ended
			}
			for k := 0; k < 20+seed && ctx.Err() == nil; k++ {
				if _, err := c.SendInput(world.Input{Axes: [4]int16{int16(k * 100), world.MaxAxis}}); err != nil {
					break
				}
				if k%7 == 0 {
					_ = c.Ping()
				}
				time.Sleep(2 * time.Millisecond)
			}
			st := c.Stats()
			total += int(st.Snapshots + st.Diffs)
			_ = c.Leave()
		}
		_ = c.Close()
	}
	return total
}
