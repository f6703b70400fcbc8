package client

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"sync"
	"testing"
	"time"

	"github.com/tickroom/tickroom/actors"
	"github.com/tickroom/tickroom/games/arena"
	"github.com/tickroom/tickroom/netcode"
	"github.com/tickroom/tickroom/transports"
	"github.com/tickroom/tickroom/world"
)

// The tests in this file run a real server (actors.Hub behind a
// transports.Server) on 127.0.0.1:0 and talk to it over real sockets.

type testServer struct {
	srv  *transports.Server
	hub  *actors.Hub
	opts actors.Options // what the hub was made with, for Reconfigure
}

const tickRate = 20 // room ticks and state sends per second in these tests

// The game modes of the test server: arena (the default), lab (see lab)
// and duo, lab with two seats per room.
const (
	modeArena = "arena"
	modeLab   = "lab"
	modeDuo   = "duo"
)

func startServer(t *testing.T, o transports.Options) *testServer {
	t.Helper()
	return startServerRoom(t, o, actors.RoomOptions{})
}

// startServerRoom starts a test server whose rooms take the fields of room
// that are set (a resume window, a history) over the tests' own.
func startServerRoom(t *testing.T, o transports.Options, room actors.RoomOptions) *testServer {
	t.Helper()
	log := slog.New(slog.DiscardHandler)
	ho := actors.Options{
		Modes: map[string]actors.Mode{
			modeArena: {NewGame: func() world.Game { return arena.New() }},
			modeLab:   {NewGame: newLab},
			modeDuo:   {NewGame: newLab, Room: actors.RoomOptions{MaxPlayers: 2}},
		},
		DefaultMode: modeArena,
		Logger:      log,
		Room:        room,
		Session:     actors.SessionOptions{InputRate: 2000, InputBurst: 1000},
	}
	ho.Room.TickRate, ho.Room.SendRate = tickRate, tickRate
	hub, err := actors.NewHub(ho)
	if err != nil {
		t.Fatal(err)
	}
	o.Logger = log
	srv := transports.NewServer(o, hub)
	if err := srv.Open("127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	s := &testServer{srv: srv, hub: hub, opts: ho}
	t.Cleanup(s.stop) // registered before any client: runs after their Close
	return s
}

func (s *testServer) stop() {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_ = s.srv.Close(ctx)
	_ = s.hub.Shutdown(ctx)
}

// steer sends in every interval until the test ends or the client closes.
func steer(t *testing.T, c *Client, in world.Input, every time.Duration) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	t.Cleanup(func() { cancel(); <-done })
	go func() {
		defer close(done)
		tk := time.NewTicker(every)
		defer tk.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-tk.C:
				if _, err := c.SendInput(in); err != nil {
					return
				}
			}
		}
	}()
}

func join(t *testing.T, ctx context.Context, c *Client, room string) world.EntityID {
	t.Helper()
	w, err := c.Join(ctx, room, "")
	if err != nil {
		t.Fatalf("join over %s: %v", c.Transport(), err)
	}
	return world.EntityID(w.Entity)
}

// position returns entity id's x and y in st.
func position(st world.State, id world.EntityID) (x, y int64, ok bool) {
	e, ok := st.Find(id)
	if !ok {
		return 0, 0, false
	}
	return e.Values[arena.FieldX].I, e.Values[arena.FieldY].I, true
}

// waitMoved waits until c sees entity id move by at least dist quanta along
// (dx, dy) from where c first sees it, or reach the arena's edge.
func waitMoved(t testing.TB, ctx context.Context, c *Client, id world.EntityID, dx, dy int64, dist int64) {
	t.Helper()
	st, err := c.WaitState(ctx, func(st world.State) bool { _, _, ok := position(st, id); return ok })
	if err != nil {
		t.Fatalf("%s client never saw entity %d: %v", c.Transport(), id, err)
	}
	x0, y0, _ := position(st, id)
	const edge = int64(arena.Size * 10) // in quanta of 0.1
	_, err = c.WaitState(ctx, func(st world.State) bool {
		x, y, ok := position(st, id)
		if !ok {
			return false
		}
		along := (x-x0)*dx + (y-y0)*dy
		atEdge := dx > 0 && x == edge || dx < 0 && x == 0 || dy > 0 && y == edge || dy < 0 && y == 0
		return along >= dist || atEdge
	})
	if err != nil {
		x, y, _ := position(c.State(), id)
		t.Fatalf("%s client: entity %d did not move by (%d,%d)×%d from (%d,%d), now (%d,%d): %v",
			c.Transport(), id, dx, dy, dist, x0, y0, x, y, err)
	}
}

// Each transport on its own: join, steer, see the own entity move, and
// receive states at about the room's send rate.
func TestEachTransportPlays(t *testing.T) {
	s := startServer(t, transports.Options{})
	for _, kind := range []string{TransportWebSocket, TransportLongPoll, TransportStream, TransportPoll} {
		t.Run(kind, func(t *testing.T) {
			ctx := testCtx(t, 30*time.Second)
			c := dialT(t, s.srv.HTTPURL(), Options{Transport: kind, NoUpgrade: true, Name: kind})
			self := join(t, ctx, c, "solo-"+kind)
			steer(t, c, world.Input{Axes: [4]int16{world.MaxAxis, 0}}, 50*time.Millisecond)
			waitMoved(t, ctx, c, self, 1, 0, 200) // 20 units: 0.2s of movement

			// States per second, over a second of play.
			st0, t0 := c.Stats(), time.Now()
			select {
			case <-time.After(time.Second):
			case <-ctx.Done():
				t.Fatal(ctx.Err())
			}
			st1 := c.Stats()
			rate := float64(st1.Snapshots+st1.Diffs-st0.Snapshots-st0.Diffs) / time.Since(t0).Seconds()
			if rate < tickRate*0.6 || rate > tickRate*1.25 {
				t.Errorf("%.1f states/s over %s, want about %d", rate, kind, tickRate)
			}
			if st1.BadFrames != 0 || st1.Bytes == 0 || c.InputAck() == 0 {
				t.Errorf("stats %+v, input ack %d", st1, c.InputAck())
			}
			if got := c.Transport(); got != kind {
				t.Errorf("Transport() = %q, want %q", got, kind)
			}
		})
	}
}

// Four clients on four transports share a room and each sees every other
// move in the direction it steers.
func TestFourTransportsOneRoom(t *testing.T) {
	s := startServer(t, transports.Options{})
	ctx := testCtx(t, 30*time.Second)
	type player struct {
		kind   string
		dx, dy int64
		c      *Client
		id     world.EntityID
	}
	players := []*player{
		{kind: TransportWebSocket, dx: 1},
		{kind: TransportLongPoll, dy: 1},
		{kind: TransportStream, dx: -1},
		{kind: TransportPoll, dy: -1},
	}
	for _, p := range players {
		p.c = dialT(t, s.srv.HTTPURL(), Options{Transport: p.kind, NoUpgrade: true, Name: p.kind})
		p.id = join(t, ctx, p.c, "mixed")
	}
	for _, p := range players {
		steer(t, p.c, world.Input{Axes: [4]int16{int16(p.dx * world.MaxAxis), int16(p.dy * world.MaxAxis)}}, 50*time.Millisecond)
	}
	var wg sync.WaitGroup
	errs := make(chan string, len(players)*len(players))
	for _, watcher := range players {
		for _, p := range players {
			wg.Add(1)
			go func() {
				defer wg.Done()
				ft := &fatalCatcher{TB: t}
				func() {
					defer ft.recover()
					waitMoved(ft, ctx, watcher.c, p.id, p.dx, p.dy, 200)
				}()
				if ft.msg != "" {
					errs <- ft.msg
				}
			}()
		}
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
	for _, p := range players {
		if got := p.c.Transport(); got != p.kind {
			t.Errorf("Transport() = %q, want %q", got, p.kind)
		}
	}
}

// fatalCatcher lets helpers that call Fatalf run on other goroutines: the
// failure is kept and reported by the test goroutine.
type fatalCatcher struct {
	testing.TB
	msg string
}

type fatalPanic struct{}

func (f *fatalCatcher) Helper() {}
func (f *fatalCatcher) Fatalf(format string, args ...any) {
	f.msg = fmt.Sprintf(format, args...)
	panic(fatalPanic{})
}
func (f *fatalCatcher) Fatal(args ...any) {
	f.msg = fmt.Sprint(args...)
	panic(fatalPanic{})
}
func (f *fatalCatcher) recover() {
	if r := recover(); r != nil {
		if _, ok := r.(fatalPanic); !ok {
			panic(r)
		}
	}
}

// A client upgrading from an HTTP transport to WebSocket while it pings
// every few milliseconds gets every pong exactly once and in order (pongs are
// control frames, never dropped), some before the switch and some after.
func TestUpgradeUnderTrafficLosesNothing(t *testing.T) {
	s := startServer(t, transports.Options{})
	for _, kind := range []string{TransportLongPoll, TransportStream} {
		t.Run(kind, func(t *testing.T) {
			ctx := testCtx(t, 30*time.Second)
			// Hold the upgrade back until pings are flowing.
			release := make(chan struct{})
			var releaseOnce sync.Once
			testHookUpgrade = func(ctx context.Context) {
				select {
				case <-release:
				case <-ctx.Done():
				}
			}
			t.Cleanup(func() { testHookUpgrade = nil })
			p := newPongs()
			var mu sync.Mutex
			on := map[string]int{} // pongs received per transport
			var c *Client
			ready := make(chan struct{})
			c = dialT(t, s.srv.HTTPURL(), Options{Transport: kind, OnFrame: func(m netcode.Frame) {
				<-ready
				if _, ok := m.(*netcode.Pong); ok {
					mu.Lock()
					on[c.Transport()]++
					mu.Unlock()
				}
				p.onFrame(m)
			}})
			close(ready)
			join(t, ctx, c, "upgrade-"+kind) // state frames flow too

			n, after := 0, 0
			for after < 100 {
				n++
				if err := ping(t, c, uint64(n)); err != nil {
					t.Fatalf("ping %d: %v", n, err)
				}
				if n == 50 {
					releaseOnce.Do(func() { close(release) })
				}
				if c.Transport() == TransportWebSocket {
					after++
				}
				if n > 5000 {
					t.Fatalf("no upgrade after %d pings: stats %+v, upgrade error %v", n, c.Stats(), c.upgradeErr)
				}
				time.Sleep(2 * time.Millisecond)
			}
			checkSequence(t, p.wait(ctx, n), n)
			if err := c.Err(); err != nil {
				t.Fatalf("connection ended: %v", err)
			}
			st := c.Stats()
			if st.Upgrades != 1 || st.UpgradeFailures != 0 || st.BadFrames != 0 || st.LostBaselines != 0 {
				t.Errorf("stats = %+v", st)
			}
			mu.Lock()
			defer mu.Unlock()
			if on[kind] == 0 || on[TransportWebSocket] == 0 {
				t.Errorf("pongs per transport %v: want some on each side of the switch", on)
			}
			// The WebSocket carries on: play a little.
			self := world.EntityID(c.Welcome().Entity)
			steer(t, c, world.Input{Axes: [4]int16{0, world.MaxAxis}}, 50*time.Millisecond)
			waitMoved(t, ctx, c, self, 0, 1, 100)
		})
	}
}

// Behind a proxy that refuses WebSocket upgrades (403), or lets them hang,
// the automatic client ends up long-polling, its background upgrade fails
// quietly, and it plays.
func TestRestrictedNetworkFallsBackToLongPoll(t *testing.T) {
	for _, mode := range []string{"refuse", "hang"} {
		t.Run(mode, func(t *testing.T) { testRestrictedNetwork(t, mode) })
	}
}

func testRestrictedNetwork(t *testing.T, mode string) {
	s := startServer(t, transports.Options{})
	target, err := url.Parse(s.srv.HTTPURL())
	if err != nil {
		t.Fatal(err)
	}
	tr := &http.Transport{}
	var mu sync.Mutex
	blocked := 0
	rp := &httputil.ReverseProxy{
		Rewrite:       func(r *httputil.ProxyRequest) { r.SetURL(target) },
		FlushInterval: -1, // streams and long-polls pass as they come
		Transport:     tr,
		ErrorLog:      slog.NewLogLogger(slog.DiscardHandler, slog.LevelError),
	}
	proxy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Upgrade") != "" {
			mu.Lock()
			blocked++
			mu.Unlock()
			if mode == "hang" {
				<-r.Context().Done() // the client gives up and hangs up
				return
			}
			http.Error(w, "websocket blocked", http.StatusForbidden)
			return
		}
		rp.ServeHTTP(w, r)
	}))
	t.Cleanup(func() { proxy.Close(); tr.CloseIdleConnections() })

	ctx := testCtx(t, 30*time.Second)
	p := newPongs()
	o := Options{Name: "restricted", OnFrame: p.onFrame}
	if mode == "hang" {
		o.HandshakeTimeout = time.Second
	}
	c := dialT(t, "ws://"+proxy.Listener.Addr().String()+"/ws", o)
	if got := c.Transport(); got != TransportLongPoll {
		t.Fatalf("Transport() = %q, want longpoll", got)
	}
	self := join(t, ctx, c, "restricted-"+mode)
	steer(t, c, world.Input{Axes: [4]int16{-world.MaxAxis, 0}}, 50*time.Millisecond)
	waitMoved(t, ctx, c, self, -1, 0, 200)
	if err := c.wait(ctx, func() bool { return c.stats.UpgradeFailures > 0 }); err != nil {
		t.Fatalf("upgrade attempt did not end: %v", err)
	}
	for i := 1; i <= 20; i++ {
		if err := ping(t, c, uint64(i)); err != nil {
			t.Fatal(err)
		}
	}
	checkSequence(t, p.wait(ctx, 20), 20)
	waitMoved(t, ctx, c, self, -1, 0, 100) // still playing after the failed upgrade
	if got := c.Transport(); got != TransportLongPoll {
		t.Errorf("Transport() = %q after the failed upgrade, want longpoll", got)
	}
	if st := c.Stats(); st.Upgrades != 0 || st.UpgradeFailures != 1 || st.BadFrames != 0 {
		t.Errorf("stats = %+v, want one failed upgrade", st)
	}
	if c.Err() != nil {
		t.Errorf("Err() = %v", c.Err())
	}
	mu.Lock()
	defer mu.Unlock()
	if blocked != 2 {
		t.Errorf("proxy blocked %d upgrades, want 2 (the dial and the probe)", blocked)
	}
}

// A join with another protocol version gets the error frame and then the
// close code, on every transport.
func TestCloseCodeReachesClient(t *testing.T) {
	s := startServer(t, transports.Options{})
	for _, kind := range []string{TransportWebSocket, TransportLongPoll, TransportStream, TransportPoll} {
		t.Run(kind, func(t *testing.T) {
			ctx := testCtx(t, 30*time.Second)
			c := dialT(t, s.srv.HTTPURL(), Options{Transport: kind, NoUpgrade: true})
			if err := c.SendRaw(encode(t, &netcode.Join{Version: netcode.ProtocolVersion + 1})); err != nil {
				t.Fatal(err)
			}
			select {
			case <-c.Done():
			case <-ctx.Done():
				t.Fatal("not closed")
			}
			if got, want := c.CloseCode(), uint16(netcode.CodeVersionMismatch); got != want {
				t.Errorf("CloseCode() = %d (%v), want %d", got, c.Err(), want)
			}
			if errs := c.Errors(); len(errs) != 1 || errs[0].Code != netcode.CodeVersionMismatch {
				t.Errorf("Errors() = %+v, want one version_mismatch", errs)
			}
		})
	}
}

// Shutting the server down reaches clients on every transport as "going
// away".
func TestServerShutdownReachesClients(t *testing.T) {
	s := startServer(t, transports.Options{})
	ctx := testCtx(t, 30*time.Second)
	var cs []*Client
	for _, kind := range []string{TransportWebSocket, TransportLongPoll, TransportStream, TransportPoll} {
		c := dialT(t, s.srv.HTTPURL(), Options{Transport: kind, NoUpgrade: true})
		join(t, ctx, c, "shutdown")
		cs = append(cs, c)
	}
	s.stop()
	for _, c := range cs {
		select {
		case <-c.Done():
		case <-ctx.Done():
			t.Fatalf("%s client not closed", c.Transport())
		}
		got, want := c.CloseCode(), uint16(netcode.CodeGoingAway)
		switch c.Transport() {
		case TransportLongPoll, TransportPoll:
			// The server ends at once the sessions with no downlink request
			// open: a client between two requests learns of it as an
			// unknown session or a refused connection, not a close record.
			if got != want && got != 0 {
				t.Errorf("%s: CloseCode() = %d (%v), want %d or 0", c.Transport(), got, c.Err(), want)
			}
		default:
			if got != want {
				t.Errorf("%s: CloseCode() = %d (%v), want %d", c.Transport(), got, c.Err(), want)
			}
		}
	}
}

// The WebSocket endpoint URL works as before the HTTP transports, and
// automatic mode stays on WebSocket when it is available.
func TestDialWebSocketURL(t *testing.T) {
	s := startServer(t, transports.Options{})
	ctx := testCtx(t, 30*time.Second)
	c := dialT(t, s.srv.URL(), Options{})
	if got := c.Transport(); got != TransportWebSocket {
		t.Fatalf("Transport() = %q, want websocket", got)
	}
	join(t, ctx, c, "ws")
	if _, err := c.WaitState(ctx, func(world.State) bool { return true }); err != nil {
		t.Fatal(err)
	}
	_ = c.Close()
	if c.Err() != ErrClosed || c.CloseCode() != 0 {
		t.Errorf("after Close: Err() = %v, CloseCode() = %d", c.Err(), c.CloseCode())
	}
}
