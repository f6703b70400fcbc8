package client

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/tickroom/tickroom/netcode"
	"github.com/tickroom/tickroom/world"
)

// The tests in this file run the reconnect loop under testing/synctest,
// with fake connections a fake dialer hands out: the test plays the
// server, feeding the client frames as its reader would.

// fakeNet dials fakeConns for a client's reconnections, recording when
// (since the drop's test began) and the backoff ceilings drawn.
type fakeNet struct {
	mu       sync.Mutex
	start    time.Time
	dials    []time.Duration
	ceilings []time.Duration
	conns    []*fakeConn
	resumes  []bool            // each dial's resume mark
	fail     func(n int) error // the error of dial n (from 1), nil to connect
}

func (n *fakeNet) dial(_ context.Context, resume bool) (conn, error) {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.dials = append(n.dials, time.Since(n.start))
	n.resumes = append(n.resumes, resume)
	if n.fail != nil {
		if err := n.fail(len(n.dials)); err != nil {
			return nil, err
		}
	}
	f := newFakeConn()
	n.conns = append(n.conns, f)
	return f, nil
}

// jitter is the client's backoff draw: it records the ceiling and waits
// the longest the ceiling allows, so the tests see the bounds.
func (n *fakeNet) jitter(ceiling time.Duration) time.Duration {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.ceilings = append(n.ceilings, ceiling)
	return ceiling
}

func (n *fakeNet) dialed() []time.Duration {
	n.mu.Lock()
	defer n.mu.Unlock()
	return slices.Clone(n.dials)
}

// conn returns the connection of successful dial i (from 0).
func (n *fakeNet) conn(t *testing.T, i int) *fakeConn {
	t.Helper()
	n.mu.Lock()
	defer n.mu.Unlock()
	if i >= len(n.conns) {
		t.Fatalf("%d connections dialled, want connection %d", len(n.conns), i+1)
	}
	return n.conns[i]
}

// backLog records a client's reconnect callbacks and events.
type backLog struct {
	mu       sync.Mutex
	dropped  []error
	resumed  []bool
	rejoined []string
	gaveUp   []error
	events   []uint32
	order    []string // every callback, in order
}

func (l *backLog) options(o Options) Options {
	note := func(s string) {
		l.order = append(l.order, s)
	}
	o.OnDropped = func(err error) {
		l.mu.Lock()
		defer l.mu.Unlock()
		l.dropped = append(l.dropped, err)
		note("dropped")
	}
	o.OnResumed = func(snapshot bool) {
		l.mu.Lock()
		defer l.mu.Unlock()
		l.resumed = append(l.resumed, snapshot)
		note(fmt.Sprintf("resumed %v", snapshot))
	}
	o.OnRejoined = func(w *netcode.Welcome, err error) {
		l.mu.Lock()
		defer l.mu.Unlock()
		if err != nil {
			var je *JoinError
			errors.As(err, &je)
			l.rejoined = append(l.rejoined, "refused "+je.Code.String())
		} else {
			l.rejoined = append(l.rejoined, fmt.Sprintf("player %d", w.Player))
		}
		note("rejoined")
	}
	o.OnGaveUp = func(err error) {
		l.mu.Lock()
		defer l.mu.Unlock()
		l.gaveUp = append(l.gaveUp, err)
		note("gave up")
	}
	o.OnEvent = func(e netcode.Event) {
		l.mu.Lock()
		defer l.mu.Unlock()
		l.events = append(l.events, e.ID)
	}
	o.OnFrame = func(m netcode.Frame) {
		if _, ok := m.(*netcode.State); ok {
			l.mu.Lock()
			defer l.mu.Unlock()
			note("state")
		}
	}
	return o
}

func (l *backLog) snapshot() backLog {
	l.mu.Lock()
	defer l.mu.Unlock()
	return backLog{dropped: slices.Clone(l.dropped), resumed: slices.Clone(l.resumed), rejoined: slices.Clone(l.rejoined),
		gaveUp: slices.Clone(l.gaveUp), events: slices.Clone(l.events), order: slices.Clone(l.order)}
}

// testReconnect is the policy of these tests: waits of at most 100ms,
// 200ms, 400ms, 800ms, then 1s.
var testReconnect = Reconnect{Attempts: 10, MaxTime: time.Minute, BaseDelay: 100 * time.Millisecond, MaxDelay: time.Second}

// newBackClient returns a client seated by a welcome with token (none when
// empty) and a snapshot of tick 5, whose reconnections dial n.
func newBackClient(t *testing.T, rc Reconnect, l *backLog, token string) (*Client, *fakeConn, *fakeNet) {
	t.Helper()
	o := Options{Name: "me", Reconnect: rc}
	if l != nil {
		o = l.options(o)
	}
	c, f := newFakeClient(t, o)
	n := &fakeNet{start: time.Now()}
	c.dial, c.jitter = n.dial, n.jitter
	c.deliver(welcomeFrame(t, 7, 1, token))
	c.deliver(stateFrame(t, world.State{}, counterState(5, 50)))
	f.sentMessages(t) // the ack
	return c, f, n
}

func welcomeFrame(t *testing.T, player, entity uint32, token string) []byte {
	return encode(t, &netcode.Welcome{Version: netcode.ProtocolVersion, Session: fmt.Sprintf("s-%s", token), Player: player,
		Entity: entity, Room: "r", Mode: "m", TickRate: 20, SendRate: 20, Schemas: counterSchemas, RoomID: "room1", ResumeToken: token})
}

func eventFrame(t *testing.T, tick, id uint32) []byte {
	return encode(t, &netcode.Event{Tick: tick, ID: id, Type: "e"})
}

func errorFrame(t *testing.T, code netcode.Code) []byte {
	return encode(t, &netcode.Error{Code: code, Message: code.String()})
}

// A dropped client dials again after its backoff and resumes: the resume
// names the token, the tick it applied and the last event; what the
// program sent while away goes out after the welcome (the newest inputs,
// every message), missed events arrive once, the mirror takes the diff
// from its old tick, and OnResumed comes with the first state.
func TestReconnectResumes(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		l := new(backLog)
		c, f, n := newBackClient(t, testReconnect, l, "room1.tok1")
		c.deliver(eventFrame(t, 5, 2))
		c.deliver(eventFrame(t, 5, 3))

		f.end(errors.New("network down"))
		synctest.Wait()
		if !c.Reconnecting() || c.Err() != nil {
			t.Fatalf("after the drop: reconnecting %v, err %v", c.Reconnecting(), c.Err())
		}
		// Away: inputs keep the newest four, messages wait in order,
		// acks go nowhere, and what needs an answer now is refused.
		for range 6 {
			if _, err := c.SendInput(world.Input{Buttons: 1}); err != nil {
				t.Fatalf("input while away: %v", err)
			}
		}
		if err := c.SendMessage("chat", "one"); err != nil {
			t.Fatal(err)
		}
		if _, err := c.SendInput(world.Input{Buttons: 2}); err != nil {
			t.Fatal(err)
		}
		if err := c.SendMessage("chat", "two"); err != nil {
			t.Fatal(err)
		}
		if err := c.Ack(); err != nil {
			t.Errorf("ack while away: %v", err)
		}
		if err := c.Ping(); !errors.Is(err, ErrReconnecting) {
			t.Errorf("ping while away: %v, want ErrReconnecting", err)
		}
		if _, err := c.JoinWith(context.Background(), JoinSpec{Room: "other"}); !errors.Is(err, ErrReconnecting) {
			t.Errorf("join while away: %v, want ErrReconnecting", err)
		}
		if _, err := c.ListRooms(context.Background(), "", nil, 0, 0); !errors.Is(err, ErrReconnecting) {
			t.Errorf("list while away: %v, want ErrReconnecting", err)
		}

		time.Sleep(100 * time.Millisecond) // the first attempt's longest wait
		synctest.Wait()
		if got := n.dialed(); !slices.Equal(got, []time.Duration{100 * time.Millisecond}) {
			t.Fatalf("dials at %v, want one at 100ms", got)
		}
		g := n.conn(t, 0)
		sent := g.sentMessages(t)
		want := &netcode.Resume{Version: netcode.ProtocolVersion, Token: "room1.tok1", LastTick: 5, LastEvent: 3}
		if len(sent) != 1 || !equalFrames(sent[0], want) {
			t.Fatalf("new connection got %#v, want only %#v", sent, want)
		}

		c.deliver(welcomeFrame(t, 7, 1, "room1.tok2"))
		c.deliver(eventFrame(t, 6, 3)) // seen before the drop
		c.deliver(eventFrame(t, 6, 4))
		c.deliver(eventFrame(t, 7, 6))
		var kinds []string
		var seqs []uint32
		for _, m := range g.sentMessages(t) {
			switch m := m.(type) {
			case *netcode.Input:
				kinds = append(kinds, "input")
				seqs = append(seqs, m.Seq)
			case *netcode.Message:
				var s string
				_ = m.Payload.Decode(&s)
				kinds = append(kinds, "message "+s)
			default:
				kinds = append(kinds, m.Kind().String())
			}
		}
		wantKinds := []string{"input", "input", "input", "message one", "input", "message two"}
		if !slices.Equal(kinds, wantKinds) || !slices.Equal(seqs, []uint32{4, 5, 6, 7}) {
			t.Errorf("after the welcome the client sent %v, seqs %v; want %v with the newest inputs 4-7", kinds, seqs, wantKinds)
		}
		if l.snapshot().resumed != nil {
			t.Error("OnResumed before the first state")
		}
		c.deliver(stateFrame(t, counterState(5, 50), counterState(8, 80)))
		synctest.Wait()

		if got := c.State(); !world.Equal(got, counterState(8, 80)) {
			t.Errorf("state after the resume %+v, want the diff from tick 5 applied", got)
		}
		if w := c.Welcome(); w == nil || w.ResumeToken != "room1.tok2" || w.Player != 7 {
			t.Errorf("welcome after the resume %+v", w)
		}
		got := l.snapshot()
		if !slices.Equal(got.events, []uint32{2, 3, 4, 6}) {
			t.Errorf("events %v, want 2 3 4 6: each once", got.events)
		}
		if len(got.dropped) != 1 || got.dropped[0].Error() != "network down" || !slices.Equal(got.resumed, []bool{false}) {
			t.Errorf("callbacks: dropped %v resumed %v", got.dropped, got.resumed)
		}
		if i := slices.Index(got.order, "resumed false"); i < 1 || got.order[i-1] != "state" {
			t.Errorf("callbacks in order %v: want OnResumed after the first state's OnFrame", got.order)
		}
		st := c.Stats()
		if st.Drops != 1 || st.Attempts != 1 || st.Resumes != 1 || st.ResumeSnapshots != 0 || st.DuplicateEvents != 1 || st.InputsDropped != 3 {
			t.Errorf("stats %+v", st)
		}
		if c.Reconnecting() || c.Err() != nil {
			t.Errorf("after the resume: reconnecting %v, err %v", c.Reconnecting(), c.Err())
		}
		// Connected again: sends go out at once.
		if _, err := c.SendInput(world.Input{}); err != nil || len(g.sentMessages(t)) != 1 {
			t.Errorf("input after the resume: %v", err)
		}
	})
}

func equalFrames(a, b netcode.Frame) bool {
	x, err1 := netcode.AppendFrame(nil, a)
	y, err2 := netcode.AppendFrame(nil, b)
	return err1 == nil && err2 == nil && string(x) == string(y)
}

// Failed dials back off exponentially, each wait drawn below a ceiling
// that doubles from BaseDelay up to MaxDelay.
func TestReconnectBackoff(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c, f, n := newBackClient(t, testReconnect, nil, "room1.tok1")
		n.fail = func(i int) error {
			if i < 6 {
				return errors.New("refused")
			}
			return nil
		}
		f.end(errors.New("network down"))
		time.Sleep(3500 * time.Millisecond)
		synctest.Wait()
		// Waits of 100, 200, 400, 800 and 1000ms between the dials.
		want := []time.Duration{100, 300, 700, 1500, 2500, 3500}
		for i := range want {
			want[i] *= time.Millisecond
		}
		if got := n.dialed(); !slices.Equal(got, want) {
			t.Errorf("dials at %v, want %v", got, want)
		}
		wantCeil := []time.Duration{100, 200, 400, 800, 1000, 1000}
		for i := range wantCeil {
			wantCeil[i] *= time.Millisecond
		}
		if !slices.Equal(n.ceilings, wantCeil) {
			t.Errorf("backoff ceilings %v, want %v", n.ceilings, wantCeil)
		}
		if c.Stats().Attempts != 6 || !c.Reconnecting() {
			t.Errorf("stats %+v, reconnecting %v: want 6 attempts, the last waiting for its answer", c.Stats(), c.Reconnecting())
		}
	})
}

// The client's own jitter is full jitter: anywhere from 0 to the ceiling.
func TestFullJitterBounds(t *testing.T) {
	const ceiling = time.Second
	lo, hi := ceiling, time.Duration(0)
	for range 2000 {
		d := fullJitter(ceiling)
		if d < 0 || d > ceiling {
			t.Fatalf("fullJitter(%v) = %v, out of bounds", ceiling, d)
		}
		lo, hi = min(lo, d), max(hi, d)
	}
	if lo > ceiling/10 || hi < ceiling*9/10 {
		t.Errorf("2000 draws spread over [%v, %v], want nearly all of [0, %v]", lo, hi, ceiling)
	}
	if got := fullJitter(0); got != 0 {
		t.Errorf("fullJitter(0) = %v", got)
	}
	rc := Reconnect{BaseDelay: 100 * time.Millisecond, MaxDelay: 5 * time.Second}
	for n, want := range map[int]time.Duration{1: 100 * time.Millisecond, 2: 200 * time.Millisecond, 6: 3200 * time.Millisecond, 7: 5 * time.Second, 1000: 5 * time.Second} {
		if got := rc.ceiling(n); got != want {
			t.Errorf("ceiling(%d) = %v, want %v", n, got, want)
		}
	}
}

// A client whose attempts run out gives up: OnGaveUp, Done and Err, with
// the last attempt's error.
func TestReconnectGivesUpAfterAttempts(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		l := new(backLog)
		rc := testReconnect
		rc.Attempts = 3
		c, f, n := newBackClient(t, rc, l, "room1.tok1")
		refused := errors.New("refused")
		n.fail = func(int) error { return refused }
		f.end(errors.New("network down"))
		select {
		case <-c.Done():
		case <-time.After(time.Minute):
			t.Fatal("still reconnecting after a minute")
		}
		if got := n.dialed(); len(got) != 3 || got[2] != 700*time.Millisecond {
			t.Errorf("dials at %v, want 3, the last at 700ms", got)
		}
		err := c.Err()
		if !errors.Is(err, ErrGaveUp) || !errors.Is(err, refused) {
			t.Errorf("Err() = %v, want one that wraps ErrGaveUp and the last dial's error", err)
		}
		if got := l.snapshot(); len(got.gaveUp) != 1 || got.gaveUp[0] != err || len(got.dropped) != 1 {
			t.Errorf("callbacks: gave up %v, dropped %v", got.gaveUp, got.dropped)
		}
		if c.Reconnecting() {
			t.Error("still reconnecting after giving up")
		}
		if _, err := c.SendInput(world.Input{}); err == nil {
			t.Error("an input after giving up went somewhere")
		}
	})
}

// A client gives up when MaxTime from the drop has passed, waiting or
// not.
func TestReconnectGivesUpAfterMaxTime(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		l := new(backLog)
		rc := testReconnect
		rc.Attempts, rc.MaxTime = 100, 2*time.Second
		c, f, n := newBackClient(t, rc, l, "room1.tok1")
		n.fail = func(int) error { return errors.New("refused") }
		dropAt := time.Now()
		f.end(errors.New("network down"))
		<-c.Done()
		if took := time.Since(dropAt); took != 2*time.Second {
			t.Errorf("gave up %v after the drop, want at MaxTime, 2s", took)
		}
		if got := n.dialed(); len(got) != 4 {
			t.Errorf("dials at %v, want 4 (the fifth wait passes 2s)", got)
		}
		if err := c.Err(); !errors.Is(err, ErrGaveUp) {
			t.Errorf("Err() = %v", err)
		}
		if got := l.snapshot().gaveUp; len(got) != 1 {
			t.Errorf("OnGaveUp called %d times", len(got))
		}
	})
}

// A resume answered resume_expired falls back to a fresh join of the same
// room, by id, with the options of the join that seated the client.
func TestReconnectRejoinsWhenTheSeatIsGone(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		l := new(backLog)
		c, f := newFakeClient(t, l.options(Options{Name: "me", Reconnect: testReconnect}))
		n := &fakeNet{start: time.Now()}
		c.dial, c.jitter = n.dial, n.jitter
		done := make(chan error)
		go func() {
			_, err := c.JoinWith(context.Background(), JoinSpec{Room: "lobby", Mode: "m", Options: map[string]string{"password": "x"}})
			done <- err
		}()
		synctest.Wait()
		c.deliver(welcomeFrame(t, 7, 1, "room1.tok1"))
		if err := <-done; err != nil {
			t.Fatal(err)
		}
		c.deliver(stateFrame(t, world.State{}, counterState(5, 50)))
		c.deliver(eventFrame(t, 5, 9))
		f.sentMessages(t)

		f.end(errors.New("network down"))
		time.Sleep(100 * time.Millisecond)
		synctest.Wait()
		g := n.conn(t, 0)
		g.sentMessages(t) // the resume
		c.deliver(errorFrame(t, netcode.CodeResumeExpired))
		sent := g.sentMessages(t)
		opts, _ := netcode.EncodePayload(map[string]string{"password": "x"}, netcode.MaxPayloadLen)
		want := &netcode.Join{Version: netcode.ProtocolVersion, Mode: "m", Name: "me", How: netcode.JoinByID, Room: "room1", Options: opts}
		if len(sent) != 1 || !equalFrames(sent[0], want) {
			t.Fatalf("after resume_expired the client sent %#v, want %#v", sent, want)
		}
		if !c.Reconnecting() {
			t.Error("not reconnecting while the fresh join is on its way")
		}
		c.deliver(welcomeFrame(t, 8, 4, "room1.tok3"))
		c.deliver(eventFrame(t, 9, 2)) // ids of the new seat need not follow the old ones
		c.deliver(stateFrame(t, world.State{}, counterState(9, 90)))
		synctest.Wait()
		got := l.snapshot()
		if !slices.Equal(got.rejoined, []string{"player 8"}) || got.resumed != nil {
			t.Errorf("rejoined %v, resumed %v: want a rejoin as player 8 and no resume", got.rejoined, got.resumed)
		}
		if !slices.Equal(got.events, []uint32{9, 2}) {
			t.Errorf("events %v, want 9 then the new seat's 2", got.events)
		}
		if w := c.Welcome(); w == nil || w.Player != 8 || !world.Equal(c.State(), counterState(9, 90)) {
			t.Errorf("welcome %+v, state %+v", w, c.State())
		}
		st := c.Stats()
		if st.ResumesRefused != 1 || st.Rejoins != 1 || st.Resumes != 0 || c.Reconnecting() {
			t.Errorf("stats %+v, reconnecting %v", st, c.Reconnecting())
		}

		// Gone again, and this time the room is gone too: the client is
		// back, in the lobby state.
		g.end(errors.New("network down"))
		time.Sleep(100 * time.Millisecond)
		synctest.Wait()
		h := n.conn(t, 1)
		c.deliver(errorFrame(t, netcode.CodeResumeExpired))
		c.deliver(errorFrame(t, netcode.CodeRoomNotFound))
		synctest.Wait()
		if got := l.snapshot().rejoined; !slices.Equal(got, []string{"player 8", "refused room_not_found"}) {
			t.Errorf("rejoined %v", got)
		}
		if c.Welcome() != nil || c.Reconnecting() || c.Err() != nil {
			t.Errorf("after a refused rejoin: welcome %+v, reconnecting %v, err %v", c.Welcome(), c.Reconnecting(), c.Err())
		}
		h.sentMessages(t)
		if err := c.SendMessage("x", nil); err != nil || len(h.sentMessages(t)) != 1 {
			t.Errorf("a message after the refused rejoin: %v, want it sent on the new connection", err)
		}
	})
}

// A server that holds no seats gives no token: the drop was a leave, and
// the client joins its room afresh at once.
func TestReconnectWithoutTokenRejoins(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		l := new(backLog)
		c, f, n := newBackClient(t, testReconnect, l, "")
		f.end(errors.New("network down"))
		time.Sleep(100 * time.Millisecond)
		synctest.Wait()
		sent := n.conn(t, 0).sentMessages(t)
		if len(sent) != 1 || sent[0].Kind() != netcode.KindJoin {
			t.Fatalf("sent %#v, want a join", sent)
		}
		c.deliver(welcomeFrame(t, 9, 2, ""))
		synctest.Wait()
		if got := l.snapshot().rejoined; !slices.Equal(got, []string{"player 9"}) {
			t.Errorf("rejoined %v", got)
		}
	})
}

// Codes that say not to come back end the client at once; others bring
// it back.
func TestReconnectStopsOnCodes(t *testing.T) {
	for _, tc := range []struct {
		err  error
		back bool
	}{
		{&CloseError{Code: uint16(netcode.CodeReplaced)}, false},
		{&CloseError{Code: uint16(netcode.CodeUnauthorized)}, false},
		{&CloseError{Code: uint16(netcode.CodeVersionMismatch)}, false},
		{&CloseError{Code: 1009}, false},
		{&HTTPError{Op: "handshake", Status: 401}, false},
		{&CloseError{Code: uint16(netcode.CodeGoingAway)}, true},
		{&CloseError{Code: uint16(netcode.CodeSlowConsumer)}, true},
		{&CloseError{Code: uint16(netcode.CodeHeartbeatTimeout)}, true},
		{&HTTPError{Op: "poll", Status: 404, Code: "unknown_session"}, true},
		{errors.New("connection reset"), true},
		{ErrDropped, true},
	} {
		t.Run(tc.err.Error(), func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				l := new(backLog)
				c, f, n := newBackClient(t, testReconnect, l, "room1.tok1")
				f.end(tc.err)
				time.Sleep(time.Second)
				synctest.Wait()
				got := l.snapshot()
				if back := len(n.dialed()) > 0; back != tc.back {
					t.Fatalf("dialled %v, want %v", n.dialed(), tc.back)
				}
				if tc.back {
					if len(got.dropped) != 1 || got.gaveUp != nil || !c.Reconnecting() {
						t.Errorf("dropped %v, gave up %v, reconnecting %v", got.dropped, got.gaveUp, c.Reconnecting())
					}
					return
				}
				err := c.Err()
				if !errors.Is(err, ErrGaveUp) || !errors.Is(err, tc.err) || got.dropped != nil || len(got.gaveUp) != 1 {
					t.Errorf("Err() = %v; dropped %v, gave up %v", err, got.dropped, got.gaveUp)
				}
				var ce *CloseError
				if errors.As(tc.err, &ce) && c.CloseCode() != ce.Code {
					t.Errorf("CloseCode() = %d, want %d", c.CloseCode(), ce.Code)
				}
			})
		})
	}
}

// An attempt whose connection ends before the answer is followed by
// another, with the same token; one that ends after the welcome but before
// the first state, by one with the new token.
func TestReconnectAttemptDropsAgain(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		l := new(backLog)
		c, f, n := newBackClient(t, testReconnect, l, "room1.tok1")
		f.end(errors.New("network down"))
		time.Sleep(100 * time.Millisecond)
		synctest.Wait()
		n.conn(t, 0).end(errors.New("down again"))
		time.Sleep(200 * time.Millisecond)
		synctest.Wait()
		g := n.conn(t, 1)
		if sent := g.sentMessages(t); len(sent) != 1 || sent[0].(*netcode.Resume).Token != "room1.tok1" {
			t.Fatalf("second attempt sent %#v, want a resume with the first token", sent)
		}
		c.deliver(welcomeFrame(t, 7, 1, "room1.tok2"))
		synctest.Wait()
		if c.Reconnecting() {
			t.Fatal("still reconnecting after the welcome")
		}
		g.end(errors.New("down before the first state"))
		time.Sleep(100 * time.Millisecond)
		synctest.Wait()
		h := n.conn(t, 2)
		if sent := h.sentMessages(t); len(sent) != 1 || sent[0].(*netcode.Resume).Token != "room1.tok2" || sent[0].(*netcode.Resume).LastTick != 5 {
			t.Fatalf("third attempt sent %#v, want a resume with the new token from tick 5", sent)
		}
		c.deliver(welcomeFrame(t, 7, 1, "room1.tok3"))
		c.deliver(stateFrame(t, counterState(5, 50), counterState(12, 120)))
		synctest.Wait()
		if got := l.snapshot(); !slices.Equal(got.resumed, []bool{false}) || len(got.dropped) != 2 {
			t.Errorf("resumed %v dropped %v: want one OnResumed, two drops", got.resumed, got.dropped)
		}
	})
}

// events_lost after a resumed welcome: the snapshot that follows reaches
// OnResumed as one.
func TestReconnectEventsLost(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		l := new(backLog)
		c, f, _ := newBackClient(t, testReconnect, l, "room1.tok1")
		f.end(errors.New("network down"))
		time.Sleep(100 * time.Millisecond)
		synctest.Wait()
		c.deliver(welcomeFrame(t, 7, 1, "room1.tok2"))
		c.deliver(errorFrame(t, netcode.CodeEventsLost))
		c.deliver(stateFrame(t, world.State{}, counterState(40, 400)))
		c.deliver(eventFrame(t, 40, 77))
		synctest.Wait()
		got := l.snapshot()
		if !slices.Equal(got.resumed, []bool{true}) || !slices.Equal(got.events, []uint32{77}) {
			t.Errorf("resumed %v events %v", got.resumed, got.events)
		}
		if st := c.Stats(); st.EventsLost != 1 || st.ResumeSnapshots != 1 || st.Resumes != 1 {
			t.Errorf("stats %+v", st)
		}
		if !world.Equal(c.State(), counterState(40, 400)) {
			t.Errorf("state %+v", c.State())
		}
	})
}

// Drop cuts the connection; the client stays away for as long as asked.
func TestDropHoldsTheClientAway(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		l := new(backLog)
		c, _, n := newBackClient(t, testReconnect, l, "room1.tok1")
		c.Drop(2 * time.Second)
		time.Sleep(2 * time.Second)
		synctest.Wait()
		if got := n.dialed(); len(got) != 1 || got[0] != 2*time.Second {
			t.Errorf("dials at %v, want one at 2s", got)
		}
		if got := l.snapshot().dropped; len(got) != 1 || !errors.Is(got[0], ErrDropped) {
			t.Errorf("OnDropped got %v, want ErrDropped", got)
		}
		c.Drop(0) // already reconnecting: nothing
	})
}

// A client in the lobby state comes back to the lobby: nothing to resume,
// what it sent meanwhile goes out, and OnResumed says it is back.
func TestReconnectInTheLobby(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		l := new(backLog)
		c, f, n := newBackClient(t, testReconnect, l, "room1.tok1")
		if err := c.Leave(); err != nil {
			t.Fatal(err)
		}
		f.end(errors.New("network down"))
		synctest.Wait()
		if err := c.SendMessage("hello", nil); err != nil {
			t.Fatal(err)
		}
		time.Sleep(100 * time.Millisecond)
		synctest.Wait()
		sent := n.conn(t, 0).sentMessages(t)
		if len(sent) != 1 || sent[0].Kind() != netcode.KindMessage {
			t.Errorf("lobby reconnect sent %#v, want just the message", sent)
		}
		if got := l.snapshot().resumed; !slices.Equal(got, []bool{false}) || c.Reconnecting() {
			t.Errorf("resumed %v, reconnecting %v", got, c.Reconnecting())
		}
	})
}

// Leave while away gives the seat up: the client comes back in the lobby
// state without resuming.
func TestLeaveWhileAway(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c, f, n := newBackClient(t, testReconnect, nil, "room1.tok1")
		f.end(errors.New("network down"))
		synctest.Wait()
		if err := c.Leave(); err != nil {
			t.Fatal(err)
		}
		time.Sleep(100 * time.Millisecond)
		synctest.Wait()
		if sent := n.conn(t, 0).sentMessages(t); len(sent) != 0 {
			t.Errorf("sent %#v, want nothing: no seat to resume, no leave to send", sent)
		}
		if c.Welcome() != nil || c.Reconnecting() {
			t.Errorf("welcome %+v, reconnecting %v", c.Welcome(), c.Reconnecting())
		}
	})
}

// Messages kept while away are bounded.
func TestAwayMessagesBounded(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		rc := testReconnect
		rc.Messages = 2
		c, f, _ := newBackClient(t, rc, nil, "room1.tok1")
		f.end(errors.New("network down"))
		synctest.Wait()
		for i := range 3 {
			err := c.SendMessage("chat", i)
			if want := i < 2; (err == nil) != want {
				t.Errorf("message %d while away: %v", i, err)
			}
			if i == 2 && !errors.Is(err, ErrQueueFull) {
				t.Errorf("message past the bound: %v, want ErrQueueFull", err)
			}
		}
	})
}

// A join on its way when the connection drops gets ErrReconnecting: its
// answer is lost with the connection.
func TestJoinOnItsWayWhenDropped(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c, f := newFakeClient(t, Options{Reconnect: testReconnect})
		n := &fakeNet{start: time.Now(), fail: func(int) error { return errors.New("refused") }}
		c.dial, c.jitter = n.dial, n.jitter
		done := make(chan error)
		go func() {
			_, err := c.JoinWith(context.Background(), JoinSpec{Room: "x"})
			done <- err
		}()
		synctest.Wait()
		f.end(errors.New("network down"))
		if err := <-done; !errors.Is(err, ErrReconnecting) {
			t.Errorf("join on its way: %v, want ErrReconnecting", err)
		}
	})
}

// Close while reconnecting stops the client: ErrClosed, no OnGaveUp.
func TestCloseWhileReconnecting(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		l := new(backLog)
		c, f, n := newBackClient(t, testReconnect, l, "room1.tok1")
		n.fail = func(int) error { return errors.New("refused") }
		f.end(errors.New("network down"))
		time.Sleep(time.Second)
		synctest.Wait()
		_ = c.Close()
		if err := c.Err(); err != ErrClosed {
			t.Errorf("Err() = %v, want ErrClosed", err)
		}
		if got := l.snapshot().gaveUp; got != nil {
			t.Errorf("OnGaveUp(%v) after Close", got)
		}
	})
}

// The zero Reconnect keeps today's behaviour: a drop ends the client.
func TestNoReconnectByDefault(t *testing.T) {
	c, f := newFakeClient(t, Options{})
	n := &fakeNet{}
	c.dial = n.dial
	down := errors.New("network down")
	f.end(down)
	<-c.Done()
	if err := c.Err(); err != down || len(n.dialed()) != 0 {
		t.Errorf("Err() = %v, dials %v: want the drop's error and no dial", err, n.dialed())
	}
}
