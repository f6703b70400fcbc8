package client

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tickroom/tickroom/actors"
	"github.com/tickroom/tickroom/netcode"
	"github.com/tickroom/tickroom/transports"
	"github.com/tickroom/tickroom/world"
)

// The tests in this file drop a client's connection (Client.Drop closes it
// under the client, as a network failure would) and watch it come back to a
// real server, as the tests of server_test.go run one.

// e2eReconnect comes back quickly: the tests are about the way back, not
// the wait.
var e2eReconnect = Reconnect{Attempts: 10, MaxTime: 20 * time.Second, BaseDelay: 10 * time.Millisecond, MaxDelay: 200 * time.Millisecond}

// comebacks hands a reconnecting client's callbacks to the test.
type comebacks struct {
	dropped  chan error
	resumed  chan bool
	rejoined chan *netcode.Welcome
	gaveUp   chan error
}

func newComebacks() *comebacks {
	return &comebacks{dropped: make(chan error, 16), resumed: make(chan bool, 16), rejoined: make(chan *netcode.Welcome, 16), gaveUp: make(chan error, 16)}
}

func (b *comebacks) options(o Options) Options {
	o.Reconnect = e2eReconnect
	o.OnDropped = func(err error) { b.dropped <- err }
	o.OnResumed = func(snapshot bool) { b.resumed <- snapshot }
	o.OnRejoined = func(w *netcode.Welcome, err error) {
		if err != nil {
			b.gaveUp <- err // a refused rejoin: none of these tests expects one
			return
		}
		b.rejoined <- w
	}
	o.OnGaveUp = func(err error) { b.gaveUp <- err }
	return o
}

// waitResumed waits for OnResumed and returns its snapshot flag.
func (b *comebacks) waitResumed(t *testing.T, ctx context.Context, c *Client) bool {
	t.Helper()
	select {
	case s := <-b.resumed:
		return s
	case w := <-b.rejoined:
		t.Fatalf("rejoined as player %d instead of resuming", w.Player)
	case err := <-b.gaveUp:
		t.Fatalf("gave up: %v", err)
	case <-ctx.Done():
		t.Fatalf("not resumed: stats %+v, errors %+v", c.Stats(), c.Errors())
	}
	return false
}

// sameSeat fails unless w2, a resumed welcome, is w1's seat with a new
// token and session.
func sameSeat(t *testing.T, w1, w2 *netcode.Welcome) {
	t.Helper()
	if w2.Player != w1.Player || w2.Entity != w1.Entity || w2.RoomID != w1.RoomID {
		t.Errorf("resumed as player %d entity %d in %s, want player %d entity %d in %s",
			w2.Player, w2.Entity, w2.RoomID, w1.Player, w1.Entity, w1.RoomID)
	}
	if w2.ResumeToken == "" || w2.ResumeToken == w1.ResumeToken || w2.Session == w1.Session {
		t.Errorf("resumed welcome token %q session %q: want new ones (were %q, %q)", w2.ResumeToken, w2.Session, w1.ResumeToken, w1.Session)
	}
}

// gateDials makes c's reconnection dials wait until the returned function
// is called.
func gateDials(c *Client) (release func()) {
	gate := make(chan struct{})
	open := c.dial
	c.dial = func(ctx context.Context, resume bool) (conn, error) {
		select {
		case <-gate:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
		return open(ctx, resume)
	}
	return func() { close(gate) }
}

// A dropped client resumes on its own transport: the same player and
// entity, a new token, a diff from the tick it had, and it plays on.
func TestResumeOnEachTransport(t *testing.T) {
	s := startServer(t, transports.Options{})
	for _, kind := range []string{TransportWebSocket, TransportLongPoll, TransportStream, TransportPoll} {
		t.Run(kind, func(t *testing.T) {
			ctx := testCtx(t, 30*time.Second)
			b := newComebacks()
			c := dialT(t, s.srv.HTTPURL(), b.options(Options{Transport: kind, NoUpgrade: true, Name: kind}))
			self := join(t, ctx, c, "resume-"+kind)
			w1 := c.Welcome()
			steer(t, c, world.Input{Axes: [4]int16{world.MaxAxis, world.MaxAxis}}, 50*time.Millisecond)
			waitMoved(t, ctx, c, self, 1, 1, 30)
			before := c.State().Tick

			c.Drop(0)
			if snapshot := b.waitResumed(t, ctx, c); snapshot {
				t.Error("the first state after a quick resume was a snapshot, want a diff")
			}
			if err := <-b.dropped; !errors.Is(err, ErrDropped) {
				t.Errorf("OnDropped(%v), want ErrDropped", err)
			}
			sameSeat(t, w1, c.Welcome())
			if got := c.State().Tick; got <= before {
				t.Errorf("state tick %d after the resume, want past %d", got, before)
			}
			if got := c.Transport(); got != kind {
				t.Errorf("Transport() = %q after the resume, want %q", got, kind)
			}
			waitMoved(t, ctx, c, self, 1, 1, 30) // its inputs reach the room again
			st := c.Stats()
			if st.Drops != 1 || st.Resumes != 1 || st.ResumeSnapshots != 0 || st.ResumesRefused != 0 || st.BadFrames != 0 || st.LostBaselines != 0 {
				t.Errorf("stats %+v", st)
			}
		})
	}
}

// waitGot waits until l has n events.
func (l *burstLog) waitGot(t *testing.T, ctx context.Context, n int64) {
	t.Helper()
	stop := context.AfterFunc(ctx, func() {
		l.mu.Lock()
		l.cond.Broadcast()
		l.mu.Unlock()
	})
	defer stop()
	l.mu.Lock()
	defer l.mu.Unlock()
	for l.got < n && l.failure == "" && ctx.Err() == nil {
		l.cond.Wait()
	}
	if l.failure != "" {
		t.Fatal(l.failure)
	}
	if l.got < n {
		t.Fatalf("%d of %d events: %v", l.got, n, ctx.Err())
	}
}

// A burst of numbered events that goes on while a client is away reaches
// it exactly once and in order: the missed ones after its resumed welcome,
// before newer state.
func TestResumeEventsExactlyOnce(t *testing.T) {
	s := startServer(t, transports.Options{SendQueue: 1024})
	for _, kind := range []string{TransportWebSocket, TransportStream} {
		t.Run(kind, func(t *testing.T) {
			ctx := testCtx(t, 30*time.Second)
			l := newBurstLog()
			b := newComebacks()
			c := dialT(t, s.srv.HTTPURL(), b.options(Options{Transport: kind, NoUpgrade: true, OnEvent: l.onEvent, OnChange: l.onChange}))
			joinWith(t, ctx, c, JoinSpec{Room: "away-" + kind, Mode: modeLab})
			sender := dialT(t, s.srv.HTTPURL(), Options{Transport: TransportWebSocket})
			joinWith(t, ctx, sender, JoinSpec{Room: "away-" + kind, Mode: modeLab})
			const n = 120 // 2 a tick: 3 s of events
			if err := sender.SendMessage("burst", burst{Left: n, PerTick: 2, Pad: 50}); err != nil {
				t.Fatal(err)
			}
			l.waitGot(t, ctx, 20)
			c.Drop(600 * time.Millisecond) // about 24 events go by
			b.waitResumed(t, ctx, c)
			l.wait(t, ctx, c, n)
			if st := c.Stats(); st.Resumes != 1 || st.DuplicateEvents != 0 || st.EventsLost != 0 || st.Events != n {
				t.Errorf("stats %+v: want one resume and %d events, none twice or lost", st, n)
			}
		})
	}
}

// blockingProxy passes everything to target, but refuses WebSocket
// upgrades (403) while block is set, as a network that blocks WebSocket
// does.
func blockingProxy(t *testing.T, target string, block *atomic.Bool) string {
	t.Helper()
	u, err := url.Parse(target)
	if err != nil {
		t.Fatal(err)
	}
	tr := &http.Transport{}
	rp := &httputil.ReverseProxy{
		Rewrite:       func(r *httputil.ProxyRequest) { r.SetURL(u) },
		FlushInterval: -1,
		Transport:     tr,
		ErrorLog:      slog.NewLogLogger(slog.DiscardHandler, slog.LevelError),
	}
	proxy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Upgrade") != "" && block.Load() {
			http.Error(w, "websocket blocked", http.StatusForbidden)
			return
		}
		rp.ServeHTTP(w, r)
	}))
	t.Cleanup(func() { proxy.Close(); tr.CloseIdleConnections() })
	return proxy.URL
}

// A client dropped on WebSocket where WebSocket is then blocked resumes on
// long-polling, and dropped there once WebSocket is open again, resumes on
// WebSocket: the same seat throughout, and the events of a burst that goes
// on meanwhile arrive exactly once, in order.
func TestResumeAcrossTransports(t *testing.T) {
	s := startServer(t, transports.Options{SendQueue: 1024})
	var block atomic.Bool
	proxy := blockingProxy(t, s.srv.HTTPURL(), &block)
	ctx := testCtx(t, 30*time.Second)
	l := newBurstLog()
	b := newComebacks()
	c := dialT(t, proxy, b.options(Options{NoUpgrade: true, OnEvent: l.onEvent, OnChange: l.onChange}))
	if got := c.Transport(); got != TransportWebSocket {
		t.Fatalf("Transport() = %q, want websocket", got)
	}
	joinWith(t, ctx, c, JoinSpec{Room: "across", Mode: modeLab})
	w1 := c.Welcome()
	sender := dialT(t, s.srv.HTTPURL(), Options{Transport: TransportWebSocket})
	joinWith(t, ctx, sender, JoinSpec{Room: "across", Mode: modeLab})
	const n = 200 // 2 a tick: 5 s of events
	if err := sender.SendMessage("burst", burst{Left: n, PerTick: 2, Pad: 50}); err != nil {
		t.Fatal(err)
	}

	l.waitGot(t, ctx, 20)
	block.Store(true)
	c.Drop(0)
	b.waitResumed(t, ctx, c)
	if got := c.Transport(); got != TransportLongPoll {
		t.Fatalf("Transport() = %q after a resume with WebSocket blocked, want longpoll", got)
	}
	w2 := c.Welcome()
	sameSeat(t, w1, w2)

	l.waitGot(t, ctx, 60)
	block.Store(false)
	c.Drop(0)
	b.waitResumed(t, ctx, c)
	if got := c.Transport(); got != TransportWebSocket {
		t.Fatalf("Transport() = %q after a resume with WebSocket open, want websocket", got)
	}
	sameSeat(t, w2, c.Welcome())

	l.wait(t, ctx, c, n)
	if st := c.Stats(); st.Drops != 2 || st.Resumes != 2 || st.DuplicateEvents != 0 || st.EventsLost != 0 || st.BadFrames != 0 {
		t.Errorf("stats %+v", st)
	}
}

// At the edge of the resume window: a client away for most of it resumes
// its seat; one away past it finds the seat gone (the game removed its
// player) and joins its room afresh, with the options of its first join
// (the room's password).
func TestResumeAtTheEdgeOfTheWindow(t *testing.T) {
	const window = 2 * time.Second
	s := startServerRoom(t, transports.Options{}, actors.RoomOptions{ResumeWindow: window})
	ctx := testCtx(t, 30*time.Second)
	b := newComebacks()
	spec := JoinSpec{Room: "edge", Mode: modeLab, Options: labOptions{Password: "pw"}}
	c := dialT(t, s.srv.HTTPURL(), b.options(Options{Transport: TransportWebSocket, Name: "edge"}))
	w1 := joinWith(t, ctx, c, spec)
	watcher := dialT(t, s.srv.HTTPURL(), Options{Transport: TransportWebSocket})
	joinWith(t, ctx, watcher, spec)
	sees := func(id uint32) func(world.State) bool {
		return func(st world.State) bool { _, ok := st.Find(world.EntityID(id)); return ok }
	}
	if _, err := watcher.WaitState(ctx, sees(w1.Entity)); err != nil {
		t.Fatal(err)
	}

	c.Drop(window * 6 / 10)
	b.waitResumed(t, ctx, c)
	sameSeat(t, w1, c.Welcome())

	release := gateDials(c)
	c.Drop(0)
	// The window passes: the seat is freed and the game removes the
	// player's entity, which the watcher sees.
	if _, err := watcher.WaitState(ctx, func(st world.State) bool { return !sees(w1.Entity)(st) }); err != nil {
		t.Fatalf("the seat was not freed: %v", err)
	}
	release()
	var w2 *netcode.Welcome
	select {
	case w2 = <-b.rejoined:
	case s := <-b.resumed:
		t.Fatalf("resumed (snapshot %v) after the window", s)
	case err := <-b.gaveUp:
		t.Fatalf("gave up: %v", err)
	case <-ctx.Done():
		t.Fatal("not back")
	}
	if w2.Player == w1.Player || w2.Entity == w1.Entity || w2.RoomID != w1.RoomID {
		t.Errorf("rejoined as player %d entity %d in %s: want a new player and entity in %s", w2.Player, w2.Entity, w2.RoomID, w1.RoomID)
	}
	if _, err := c.WaitState(ctx, sees(w2.Entity)); err != nil {
		t.Fatal(err)
	}
	if st := c.Stats(); st.Resumes != 1 || st.ResumesRefused != 1 || st.Rejoins != 1 {
		t.Errorf("stats %+v: want a resume, then a refused resume and a rejoin", st)
	}
}

// A client away for longer than the room's history resumes its seat with a
// snapshot: the room no longer has the changes since the tick it had.
func TestResumePastTheHistory(t *testing.T) {
	const history = 10
	s := startServerRoom(t, transports.Options{}, actors.RoomOptions{History: history})
	ctx := testCtx(t, 30*time.Second)
	b := newComebacks()
	c := dialT(t, s.srv.HTTPURL(), b.options(Options{Transport: TransportLongPoll, NoUpgrade: true}))
	w1 := joinWith(t, ctx, c, JoinSpec{Room: "history", Mode: modeLab})
	watcher := dialT(t, s.srv.HTTPURL(), Options{Transport: TransportWebSocket})
	joinWith(t, ctx, watcher, JoinSpec{Room: "history", Mode: modeLab})
	had, err := c.WaitState(ctx, func(world.State) bool { return true })
	if err != nil {
		t.Fatal(err)
	}

	release := gateDials(c)
	c.Drop(0)
	if _, err := watcher.WaitState(ctx, func(st world.State) bool { return st.Tick > had.Tick+3*history }); err != nil {
		t.Fatal(err)
	}
	release()
	if snapshot := b.waitResumed(t, ctx, c); !snapshot {
		t.Error("the first state after an absence past the history was a diff, want a snapshot")
	}
	sameSeat(t, w1, c.Welcome())
	if st := c.Stats(); st.Resumes != 1 || st.ResumeSnapshots != 1 || st.LostBaselines != 0 {
		t.Errorf("stats %+v", st)
	}
}

// A resume while the seat's connection is still open takes the seat: the
// old connection ends with replaced, and its client, told not to come
// back, does not.
func TestResumeReplacesTheOldConnection(t *testing.T) {
	s := startServer(t, transports.Options{})
	ctx := testCtx(t, 30*time.Second)
	b := newComebacks()
	old := dialT(t, s.srv.HTTPURL(), b.options(Options{Transport: TransportWebSocket}))
	w1 := joinWith(t, ctx, old, JoinSpec{Room: "replaced", Mode: modeLab})
	had, err := old.WaitState(ctx, func(world.State) bool { return true })
	if err != nil {
		t.Fatal(err)
	}

	thief := dialT(t, s.srv.HTTPURL(), Options{Transport: TransportLongPoll, NoUpgrade: true})
	if err := thief.SendRaw(encode(t, &netcode.Resume{Version: netcode.ProtocolVersion, Token: w1.ResumeToken, LastTick: had.Tick})); err != nil {
		t.Fatal(err)
	}
	if _, err := thief.WaitState(ctx, func(world.State) bool { return true }); err != nil {
		t.Fatal(err)
	}
	sameSeat(t, w1, thief.Welcome())

	select {
	case err := <-b.gaveUp:
		var ce *CloseError
		if !errors.As(err, &ce) || ce.Code != uint16(netcode.CodeReplaced) || !errors.Is(err, ErrGaveUp) {
			t.Errorf("OnGaveUp(%v), want replaced", err)
		}
	case <-ctx.Done():
		t.Fatal("the replaced client did not give up")
	}
	<-old.Done()
	if got := old.CloseCode(); got != uint16(netcode.CodeReplaced) {
		t.Errorf("CloseCode() = %d (%v), want replaced", got, old.Err())
	}
	if st := old.Stats(); st.Attempts != 0 || st.Drops != 0 {
		t.Errorf("replaced client stats %+v: want no attempt to come back", st)
	}
}

// A long-polling client that moved to WebSocket and dropped comes back on
// long-polling, its transport, resumes, and moves to WebSocket again.
func TestResumeThenUpgradeAgain(t *testing.T) {
	s := startServer(t, transports.Options{})
	ctx := testCtx(t, 30*time.Second)
	b := newComebacks()
	c := dialT(t, s.srv.HTTPURL(), b.options(Options{Transport: TransportLongPoll}))
	w1 := joinWith(t, ctx, c, JoinSpec{Room: "upgrade-again", Mode: modeLab})
	upgrades := func(n int64) {
		t.Helper()
		if err := c.wait(ctx, func() bool { return c.stats.Upgrades+c.stats.UpgradeFailures >= n }); err != nil {
			t.Fatal(err)
		}
		if st := c.Stats(); st.Upgrades != n {
			t.Fatalf("stats %+v, upgrade error %v: want %d upgrades", st, c.upgradeErr, n)
		}
	}
	upgrades(1)
	c.Drop(0)
	b.waitResumed(t, ctx, c)
	sameSeat(t, w1, c.Welcome())
	upgrades(2)
	if got := c.Transport(); got != TransportWebSocket {
		t.Errorf("Transport() = %q, want websocket again", got)
	}
	if _, err := c.WaitState(ctx, func(st world.State) bool { return st.Tick > 0 }); err != nil {
		t.Fatal(err)
	}
}
