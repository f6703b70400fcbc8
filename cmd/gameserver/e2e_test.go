package main

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/tickroom/tickroom/client"
	"github.com/tickroom/tickroom/games/arena"
	"github.com/tickroom/tickroom/netcode"
	"github.com/tickroom/tickroom/world"
)

// Two clients join one room over WebSocket, move in different directions
// and each sees the other move, and both see pickups appear. Their mirrors
// of a tick they both hold are identical.
func TestEndToEndTwoClientsSeeEachOther(t *testing.T) {
	s := startServer(t, testConfig(""))
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()

	a, b := dial(t, s, "alice"), dial(t, s, "bob")
	wa, err := a.Join(ctx, "e2e", "")
	if err != nil {
		t.Fatal(err)
	}
	wb, err := b.Join(ctx, "e2e", "")
	if err != nil {
		t.Fatal(err)
	}
	if wa.Room != "e2e" || wb.Room != "e2e" || wa.Entity == wb.Entity {
		t.Fatalf("welcomes: %+v / %+v", wa, wb)
	}
	ea, eb := world.EntityID(wa.Entity), world.EntityID(wb.Entity)

	// Where each avatar starts, as the other client sees it.
	startB := field(t, waitFor(t, ctx, a, hasEntity(eb)), eb, arena.FieldY)
	startA := field(t, waitFor(t, ctx, b, hasEntity(ea)), ea, arena.FieldX)

	steerCtx, stopSteering := context.WithCancel(ctx)
	waitA := steer(steerCtx, a, world.Input{Axes: [4]int16{world.MaxAxis, 0}}, 50*time.Millisecond)
	waitB := steer(steerCtx, b, world.Input{Axes: [4]int16{0, world.MaxAxis}}, 50*time.Millisecond)
	defer func() { stopSteering(); waitA(); waitB() }()

	// 30 units is 0.3 s of movement; allow for starting near the edge.
	const moved = 30 / 0.1 // in quanta
	waitFor(t, ctx, a, func(st world.State) bool {
		e, ok := st.Find(eb)
		return ok && (e.Values[arena.FieldY].I >= startB+moved || e.Values[arena.FieldY].I == 10000)
	})
	waitFor(t, ctx, b, func(st world.State) bool {
		e, ok := st.Find(ea)
		return ok && (e.Values[arena.FieldX].I >= startA+moved || e.Values[arena.FieldX].I == 10000)
	})
	for _, c := range []*client.Client{a, b} {
		waitFor(t, ctx, c, func(st world.State) bool {
			for _, e := range st.Entities {
				if e.Type == arena.Pickup {
					return true
				}
			}
			return false
		})
	}
	if a.InputAck() == 0 || b.InputAck() == 0 {
		t.Errorf("input acks = %d, %d; want the rooms to report applied inputs", a.InputAck(), b.InputAck())
	}

	// Same room, same tick, same state.
	st := b.State()
	got, ok := a.StateAt(st.Tick)
	if !ok {
		st = a.State()
		got, ok = b.StateAt(st.Tick)
	}
	if !ok {
		t.Fatalf("the clients hold no common tick (a at %d, b at %d)", a.State().Tick, b.State().Tick)
	}
	if !world.Equal(got, st) {
		t.Errorf("mirrors of tick %d differ:\n%+v\n%+v", st.Tick, got, st)
	}
	for _, c := range []*client.Client{a, b} {
		if st := c.Stats(); st.BadFrames != 0 || st.LostBaselines != 0 || st.Diffs == 0 {
			t.Errorf("client stats %+v: want diffs, no bad frames, no lost baselines", st)
		}
	}
}

// SIGHUP applies a new tick rate to the running room without disconnecting
// anyone, and a bad file is rejected with the running config kept.
func TestEndToEndReloadChangesTickRate(t *testing.T) {
	s := startServer(t, testConfig("tick_rate = 20\nsend_rate = 20"))
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	c := dial(t, s, "reloader")
	if _, err := c.Join(ctx, "reload", ""); err != nil {
		t.Fatal(err)
	}
	waitFor(t, ctx, c, func(world.State) bool { return true })

	// Wide bounds: a loaded CI machine delays ticks; 20 and 50 stay apart.
	if got := tickRate(ctx, t, c); got < 12 || got > 28 {
		t.Errorf("tick rate before reload = %.1f/s, want about 20", got)
	}

	write(t, s.config, testConfig("tick_rate = 50\nsend_rate = 50"))
	s.signal(syscall.SIGHUP)
	s.logs.waitFor(t, 10*time.Second, func(l logLine) bool { return l.Msg == "room reconfigured" })
	if got := tickRate(ctx, t, c); got < 35 || got > 60 {
		t.Errorf("tick rate after reload to 50 = %.1f/s, want about 50", got)
	}

	write(t, s.config, testConfig("tick_rate = 0\nbogus = 1"))
	s.signal(syscall.SIGHUP)
	line := s.logs.waitFor(t, 10*time.Second, func(l logLine) bool { return strings.HasPrefix(l.Msg, "reload rejected") })
	if e, _ := line.Attrs["err"].(string); !strings.Contains(e, "room.tick_rate") || !strings.Contains(e, "room.bogus") {
		t.Errorf("rejection %q does not name both bad keys", e)
	}
	if got := tickRate(ctx, t, c); got < 35 || got > 60 {
		t.Errorf("tick rate after a rejected reload = %.1f/s, want 50 kept", got)
	}
	select {
	case <-c.Done():
		t.Fatalf("client disconnected during reloads: %v", c.Err())
	default:
	}
	s.stop()
}

// SIGTERM tells connected clients the server is going away and exits 0.
func TestEndToEndGracefulShutdown(t *testing.T) {
	s := startServer(t, testConfig(""))
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	c := dial(t, s, "leaver")
	if _, err := c.Join(ctx, "bye", ""); err != nil {
		t.Fatal(err)
	}
	waitFor(t, ctx, c, func(world.State) bool { return true })
	s.stop()
	select {
	case <-c.Done():
	case <-ctx.Done():
		t.Fatal("client not closed after shutdown")
	}
	if got, want := c.CloseCode(), uint16(netcode.CodeGoingAway); got != want {
		t.Errorf("close code = %d (%v), want %d going away", got, c.Err(), want)
	}
	s.logs.waitFor(t, time.Second, func(l logLine) bool { return l.Msg == "shut down" })
}

// SIGTERM ends a client on every transport with 1001 going away: the
// WebSocket one by a close frame, a held long-poll or stream by the close
// record at once, and a client between two requests by the close record of
// its next request, which the server still serves for http.close_drain. The
// polling client is that last case nearly all the time: a poll is answered at
// once and the client then waits PollInterval, here a fifth of the drain, so
// it is bound to come back in time. Before the drain, its session ended at
// SIGTERM and its next poll got 503, then a refused connection: no 1001.
func TestEndToEndGracefulShutdownEveryTransport(t *testing.T) {
	const (
		closeDrain   = time.Second
		pollInterval = closeDrain / 5
	)
	s := startServer(t, testConfig("")+"[http]\nclose_drain = \""+closeDrain.String()+"\"\n")
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()

	kinds := []string{client.TransportWebSocket, client.TransportLongPoll, client.TransportStream, client.TransportPoll}
	clients := make(map[string]*client.Client)
	for _, tr := range kinds {
		c, err := client.Dial(ctx, "http://"+s.addr, client.Options{
			Name: tr, Transport: tr, NoUpgrade: true, PollInterval: pollInterval,
		})
		if err != nil {
			t.Fatalf("%s: %v", tr, err)
		}
		t.Cleanup(func() { _ = c.Close() })
		if _, err := c.Join(ctx, "bye-all", ""); err != nil {
			t.Fatalf("%s join: %v", tr, err)
		}
		if got := c.Transport(); got != tr {
			t.Fatalf("transport = %q, want %q", got, tr)
		}
		clients[tr] = c
	}
	for _, tr := range kinds {
		waitFor(t, ctx, clients[tr], func(world.State) bool { return true })
	}

	s.stop()
	for _, tr := range kinds {
		c := clients[tr]
		select {
		case <-c.Done():
		case <-ctx.Done():
			t.Fatalf("%s client not closed after shutdown", tr)
		}
		if got, want := c.CloseCode(), uint16(netcode.CodeGoingAway); got != want {
			t.Errorf("%s: close code = %d (err %v), want %d going away", tr, got, c.Err(), want)
		}
	}
	s.logs.waitFor(t, time.Second, func(l logLine) bool { return l.Msg == "shut down" })
}

// A bad config file stops the server before it listens, naming the key.
func TestEndToEndBadConfigRefusesToStart(t *testing.T) {
	path := filepath.Join(t.TempDir(), "bad.toml")
	write(t, path, "[room]\ntick_rat = 20\n")
	out, err := exec.Command(binary(t), "-config", path).CombinedOutput()
	if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 1 {
		t.Fatalf("exit = %v, want status 1; output:\n%s", err, out)
	}
	if !strings.Contains(string(out), "room.tick_rat") {
		t.Errorf("output does not name the unknown key:\n%s", out)
	}
}

// tickRate measures how fast the room's tick advances, as the client sees
// it, over two seconds of wall time.
func tickRate(ctx context.Context, t *testing.T, c *client.Client) float64 {
	t.Helper()
	t0, s0 := time.Now(), c.State().Tick
	select {
	case <-time.After(2 * time.Second):
	case <-ctx.Done():
		t.Fatal(ctx.Err())
	}
	return float64(c.State().Tick-s0) / time.Since(t0).Seconds()
}

func waitFor(t *testing.T, ctx context.Context, c *client.Client, ok func(world.State) bool) world.State {
	t.Helper()
	st, err := c.WaitState(ctx, ok)
	if err != nil {
		t.Fatalf("waiting for state: %v (last tick %d)", err, c.State().Tick)
	}
	return st
}

func hasEntity(id world.EntityID) func(world.State) bool {
	return func(st world.State) bool { _, ok := st.Find(id); return ok }
}

func field(t *testing.T, st world.State, id world.EntityID, f int) int64 {
	t.Helper()
	e, ok := st.Find(id)
	if !ok {
		t.Fatalf("entity %d not in state", id)
	}
	return e.Values[f].I
}

func write(t *testing.T, path, data string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
}

// /metrics reflects the game as it runs; /healthz and /readyz answer.
func TestEndToEndMetrics(t *testing.T) {
	s := startServer(t, testConfig(""))
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for _, path := range []string{"/healthz", "/readyz"} {
		if code, _ := get(t, "http://"+s.addr+path); code != 200 {
			t.Errorf("%s = %d, want 200", path, code)
		}
	}
	if m := scrape(t, s); m["tickroom_rooms"] != 0 || m[`tickroom_sessions{transport="websocket"}`] != 0 {
		t.Errorf("idle server metrics: rooms %v, websocket sessions %v", m["tickroom_rooms"], m[`tickroom_sessions{transport="websocket"}`])
	}
	c := dial(t, s, "metered")
	if _, err := c.Join(ctx, "m", ""); err != nil {
		t.Fatal(err)
	}
	waitFor(t, ctx, c, func(world.State) bool { return true })
	first := scrape(t, s)
	if first["tickroom_rooms"] != 1 || first[`tickroom_sessions{transport="websocket"}`] != 1 {
		t.Errorf("rooms = %v, websocket sessions = %v, want 1 and 1", first["tickroom_rooms"], first[`tickroom_sessions{transport="websocket"}`])
	}
	from := c.State().Tick
	waitFor(t, ctx, c, func(st world.State) bool { return st.Tick > from+10 })
	second := scrape(t, s)
	for _, name := range []string{"tickroom_ticks_total", `tickroom_state_frames_total{kind="diff"}`, "tickroom_state_bytes_total", "tickroom_tick_duration_seconds_count"} {
		if !(second[name] > first[name]) {
			t.Errorf("%s did not grow: %v then %v", name, first[name], second[name])
		}
	}
	// CPU is counted in clock ticks of 10ms, which an idle second of this
	// server may not reach: present is enough.
	if _, ok := second["process_cpu_seconds_total"]; !ok || second["process_resident_memory_bytes"] <= 0 {
		t.Error("process CPU and memory metrics missing")
	}
}
