package actors

import (
	"context"
	"errors"
	"fmt"
	"math"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/tickroom/tickroom/netcode"
	"github.com/tickroom/tickroom/world"
)

// The control alone, fed samples every loadInterval as the governor does.
func TestLoadControl(t *testing.T) {
	o, err := OverloadOptions{}.withDefaults()
	if err != nil {
		t.Fatal(err)
	}
	const maxLevel = 5
	var l loadControl
	now := time.Unix(1000, 0)
	feed := func(sample float64, d time.Duration) {
		for end := now.Add(d); now.Before(end); now = now.Add(loadInterval) {
			l.update(sample, false, now, o, maxLevel)
		}
	}
	check := func(what string, overloaded bool, level int) {
		t.Helper()
		if l.overloaded != overloaded || l.level != level {
			t.Errorf("%s: overloaded %v level %d (lateness %.3f), want %v and %d", what, l.overloaded, l.level, l.smooth, overloaded, level)
		}
	}
	feed(0.02, 10*time.Second)
	check("on time", false, 0)
	feed(0.25, 10*time.Second)
	check("late but below LateHigh", false, 0)

	feed(1, loadInterval)
	check("one late sample", true, 1)
	feed(1, 2*time.Second)
	check("late for 2s more", true, 3) // a step a second
	feed(1, 10*time.Second)
	check("late for long", true, maxLevel)

	feed(0.2, 10*time.Second)
	check("in the band", true, maxLevel) // holds

	feed(0, 2*time.Second+o.RecoverAfter)
	check("calm for RecoverAfter", true, maxLevel-1)
	feed(0, o.RecoverAfter)
	check("calm for another", true, maxLevel-2)
	feed(0.4, loadInterval)
	check("a late moment while recovering", true, maxLevel-2) // in the band: calm starts over
	feed(0, o.RecoverAfter)
	check("calm, but not for RecoverAfter since the late moment", true, maxLevel-2)
	feed(0, 2*time.Second)
	check("calm again", true, maxLevel-3)
	feed(0, 3*o.RecoverAfter)
	check("recovered", false, 0)

	feed(1, 10*time.Second)
	check("late for long again", true, maxLevel)
	l.update(0, true, now, o, maxLevel)
	check("no room playing", false, 0)
	if l.smooth != 0 {
		t.Errorf("lateness %v with no room playing, want 0", l.smooth)
	}
	feed(1, loadInterval)
	check("a late sample after", true, 1)

	o.Disabled = true
	feed(5, 10*time.Second)
	check("disabled", false, 0)
}

func TestScaledSendRate(t *testing.T) {
	for _, tc := range []struct{ rate, level, floor, want int }{
		{20, 0, 5, 20},
		{20, 1, 5, 15},
		{20, 2, 5, 11},
		{20, 4, 5, 6},
		{20, 5, 5, 5},
		{20, 16, 5, 5},
		{60, 3, 5, 25},
		{4, 3, 5, 4}, // below the floor: kept
	} {
		if got := scaledSendRate(tc.rate, tc.level, tc.floor); got != tc.want {
			t.Errorf("scaledSendRate(%d, %d, %d) = %d, want %d", tc.rate, tc.level, tc.floor, got, tc.want)
		}
	}
	o := Options{Modes: testModes(), Room: RoomOptions{SendRate: 20}, Overload: OverloadOptions{MinSendRate: 5}}
	o.Modes["fast"] = Mode{NewGame: o.Modes["arena"].NewGame, Room: RoomOptions{TickRate: 60, SendRate: 60}}
	if got := sendLevels(&o); got != 9 || scaledSendRate(60, got, 5) != 5 || scaledSendRate(60, got-1, 5) == 5 {
		t.Errorf("sendLevels = %d, want the first level at which 60 Hz is at the floor", got)
	}
}

// sendsPerSecond counts the states c gets in the next second, acking them.
func (c *testClient) sendsPerSecond() int {
	n := len(c.states())
	c.run(time.Second, 50*time.Millisecond)
	return len(c.states()) - n
}

// rates returns the send rates of the rates frames c got, in order.
func (c *testClient) rates() []int {
	var out []int
	for _, m := range c.link.messages(c.t) {
		if r, ok := m.(*netcode.Rates); ok {
			out = append(out, r.SendRate)
		}
	}
	return out
}

// Under load the hub refuses newcomers and lowers every room's send rate
// step by step to the floor, keeping every player it has, even one that
// acknowledges nothing meanwhile; when the load falls it raises the rates
// step by step, then takes newcomers again, and only then drops the
// player that is slow on its own.
func TestOverloadKeepsThePlayersAndRefusesNewcomers(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var load atomic.Uint64 // float64 bits: the lateness the governor sees
		h := newTestHub(t, Options{Room: RoomOptions{AckTimeout: 2 * time.Second}})
		source := func() float64 { return math.Float64frombits(load.Load()) }
		h.loadSource.Store(&source)
		player, silent, lobby := connect(t, h), connect(t, h), connect(t, h)
		player.join("r")
		silent.join("s")
		player.run(time.Second, 50*time.Millisecond)
		silent.send(&netcode.Ack{Tick: silent.lastTick()}) // and never again

		load.Store(math.Float64bits(1))
		player.run(6*time.Second, 50*time.Millisecond)
		if !h.Overloaded() {
			t.Fatal("not overloaded with every tick a tick late")
		}
		if got, want := player.rates(), []int{15, 11, 8, 6, 5}; !slices.Equal(got, want) {
			t.Errorf("send rates announced under load %v, want %v", got, want)
		}
		if got := player.sendsPerSecond(); got < 4 || got > 6 {
			t.Errorf("states a second at the floor = %d, want 5", got)
		}
		_, l, err := tryConnect(t, h)
		refusedWith(t, l, err, netcode.CodeServerBusy)
		lobby.join("r")
		player.run(200*time.Millisecond, 50*time.Millisecond)
		if got := lobby.errorCodes(); !slices.Equal(got, []netcode.Code{netcode.CodeServerBusy}) {
			t.Errorf("a join while overloaded got %v, want [server_busy]", got)
		}
		if closed, _ := lobby.link.closeState(); closed {
			t.Error("a join refused for load closed the connection")
		}
		if got := silent.errorCodes(); len(got) != 0 {
			t.Errorf("a player that acked nothing for 6s of overload got %v: the server dropped it for its own slowness", got)
		}
		st := h.Stats()
		if st.Overloaded != 1 || st.SendLevel != 5 || st.Overloads != 1 || st.SendLowered != 5 || st.TickLatenessMilli < 900 {
			t.Errorf("stats under load: %+v", st)
		}

		load.Store(0)
		player.run(30*time.Second, 50*time.Millisecond)
		if h.Overloaded() {
			t.Fatal("still overloaded 30s after the load fell")
		}
		if got, want := player.rates(), []int{15, 11, 8, 6, 5, 6, 8, 11, 15, 20}; !slices.Equal(got, want) {
			t.Errorf("send rates announced %v, want %v", got, want)
		}
		if got := player.sendsPerSecond(); got != 20 {
			t.Errorf("states a second after recovery = %d, want 20", got)
		}
		c, _, err := tryConnect(t, h)
		if err != nil {
			t.Fatalf("a new connection after recovery: %v", err)
		}
		lobby.join("r")
		player.run(3*time.Second, 50*time.Millisecond)
		if lobby.welcome() == nil {
			t.Errorf("a join after recovery was not welcomed: %v", lobby.errorCodes())
		}
		if got := silent.errorCodes(); !slices.Equal(got, []netcode.Code{netcode.CodeSlowConsumer}) {
			t.Errorf("the silent player after recovery got %v, want [slow_consumer]", got)
		}
		if got := player.errorCodes(); len(got) != 0 {
			t.Errorf("the player got %v", got)
		}
		st = h.Stats()
		if st.Overloaded != 0 || st.SendLevel != 0 || st.SendRaised != 5 || st.BusyConnections != 1 || st.BusyJoins != 1 {
			t.Errorf("stats after recovery: %+v", st)
		}
		closeAll(player, silent, lobby, c)
	})
}

// An overload ends once the players are gone, whatever the machine's
// load: seats held for a resume are freed when their window ends during
// an overload as at any time (a reconnect that resumes is let in, so a
// player who comes back in time does), and once no room is playing the
// hub takes newcomers again at once, without stepping its rates back up
// for nobody; the empty room is disposed of as usual.
func TestOverloadEndsWhenThePlayersAreGone(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newTestHub(t, Options{Room: RoomOptions{ResumeWindow: 3 * time.Second, EmptyTimeout: 5 * time.Second}})
		source := func() float64 { return 1 } // every tick a tick late, to the end
		a, b := connect(t, h), connect(t, h)
		a.join("r")
		b.join("r")
		tickUntil(func() bool { return a.welcome() != nil && b.welcome() != nil }, ackAll(a, b))
		h.loadSource.Store(&source)
		b.run(3*time.Second, 50*time.Millisecond)
		if !h.Overloaded() || h.Stats().SendLevel < 2 {
			t.Fatalf("not overloaded, or rates not lowered: %+v", h.Stats())
		}
		wait := func(d time.Duration) {
			time.Sleep(d)
			synctest.Wait()
		}

		a.disconnect() // held for 3s
		b.run(time.Second, 50*time.Millisecond)
		b.disconnect() // held for 3s, the last player
		wait(2500 * time.Millisecond)
		if !h.Overloaded() {
			t.Fatal("the overload ended while a seat was still held: its room plays on")
		}
		resuming := httptest.NewRequest(http.MethodGet, "/ws?resume=1", nil)
		l := newFakeLink()
		r, err := h.Accept(l, resuming)
		if err != nil {
			t.Fatalf("a resuming connection while overloaded: %v", err)
		}
		a2 := &testClient{t: t, link: l, recv: r}
		t.Cleanup(a2.disconnect)
		a2.resumeAs(a) // 3.5s after a dropped
		wait(100 * time.Millisecond)
		if got := a2.errorCodes(); !slices.Equal(got, []netcode.Code{netcode.CodeResumeExpired}) {
			t.Errorf("a resume 3.5s after the drop, with a 3s window, during the overload: %v, want [resume_expired]", got)
		}

		wait(1500 * time.Millisecond) // b's window has ended: the room is empty
		st := h.Stats()
		if h.Overloaded() || st.Overloaded != 0 || st.SendLevel != 0 {
			t.Fatalf("still overloaded (send level %d) with no room playing", st.SendLevel)
		}
		if busy, _ := h.Busy(); busy {
			t.Error("Busy with no room playing")
		}
		if st.Rooms != 1 || st.RoomsIdle != 1 {
			t.Errorf("rooms %d, idle %d; want the empty room asleep until its EmptyTimeout", st.Rooms, st.RoomsIdle)
		}
		wait(5500 * time.Millisecond)
		if got := h.Stats().Rooms; got != 0 {
			t.Errorf("%d rooms after the empty timeout, want 0", got)
		}
		closeAll(a2)
	})
}

// A connection whose handshake marks a resume (transports.Resuming) is let
// in while the hub is overloaded: it gets its seat back. One that says so
// and joins instead is refused the join (server_busy) and kept in the
// lobby state, whose deadline ends it.
func TestResumeMarkAdmittedWhileOverloaded(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var load atomic.Uint64
		h := newTestHub(t, Options{Room: RoomOptions{ResumeWindow: time.Minute}, Limits: LimitOptions{JoinTimeout: 5 * time.Second}})
		source := func() float64 { return math.Float64frombits(load.Load()) }
		h.loadSource.Store(&source)
		a, b := connect(t, h), connect(t, h)
		a.join("r")
		b.join("r")
		tickUntil(func() bool { return a.welcome() != nil && b.welcome() != nil }, ackAll(a, b))
		load.Store(math.Float64bits(1))
		b.run(2*time.Second, 50*time.Millisecond)
		if !h.Overloaded() {
			t.Fatal("not overloaded")
		}
		a.disconnect()
		b.run(time.Second, 50*time.Millisecond)

		resuming := httptest.NewRequest(http.MethodGet, "/ws?resume=1", nil)
		accept := func() (*testClient, *fakeLink, error) {
			l := newFakeLink()
			r, err := h.Accept(l, resuming)
			if err != nil {
				return nil, l, err
			}
			c := &testClient{t: t, link: l, recv: r}
			t.Cleanup(c.disconnect)
			return c, l, nil
		}
		_, l, err := tryConnect(t, h)
		refusedWith(t, l, err, netcode.CodeServerBusy)
		a2, _, err := accept()
		if err != nil {
			t.Fatalf("a resuming connection while overloaded: %v", err)
		}
		a2.resumeAs(a)
		tickUntil(func() bool { return len(a2.states()) > 0 }, ackAll(a2, b))
		if w := a2.welcome(); w == nil || w.Player != a.welcome().Player {
			t.Errorf("resume while overloaded: welcome %+v, errors %v; want the seat back", w, a2.errorCodes())
		}

		liar, _, err := accept()
		if err != nil {
			t.Fatalf("a resuming connection while overloaded: %v", err)
		}
		liar.join("r")
		b.run(200*time.Millisecond, 50*time.Millisecond)
		if got := liar.errorCodes(); !slices.Equal(got, []netcode.Code{netcode.CodeServerBusy}) {
			t.Errorf("a join on a resuming connection while overloaded got %v, want [server_busy]", got)
		}
		b.run(5*time.Second, 50*time.Millisecond)
		if got := liar.errorCodes(); !slices.Equal(got, []netcode.Code{netcode.CodeServerBusy, netcode.CodeJoinTimeout}) {
			t.Errorf("the liar after its join deadline got %v, want [server_busy join_timeout]", got)
		}
		if closed, _ := liar.link.closeState(); !closed {
			t.Error("the liar is still connected after its join deadline")
		}
		closeAll(a2, b, liar)
	})
}

// When an overload ends, newcomers are let in at a pace (admitRamp), not
// all at once: a few a second (rampMin on a hub this small), the rest
// refused server_busy with Busy saying so before any upgrade; a reconnect
// marked as resuming always passes; after rampRecoveries × RecoverAfter
// the doors are open again.
func TestNewcomersArePacedAfterAnOverload(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newTestHub(t, Options{Room: RoomOptions{ResumeWindow: time.Minute}})
		player := overloadThenCalm(t, h)
		end := time.Now()

		var admitted []*testClient
		try := func(n int) (in int) {
			for range n {
				c, l, err := tryConnect(t, h)
				if err != nil {
					refusedWith(t, l, err, netcode.CodeServerBusy)
					continue
				}
				admitted = append(admitted, c)
				in++
			}
			return in
		}
		if got := try(10); got != rampMin {
			t.Errorf("of 10 newcomers at the end of an overload %d were let in, want %d", got, rampMin)
		}
		if busy, after := h.Busy(); !busy || after != RampRetryAfter {
			t.Errorf("Busy with this second's places taken = %v, %v; want true, %v", busy, after, RampRetryAfter)
		}
		l := newFakeLink()
		r, err := h.Accept(l, httptest.NewRequest(http.MethodGet, "/ws?resume=1", nil))
		if err != nil {
			t.Errorf("a connection marked as resuming, with the ramp full: %v", err)
		} else {
			admitted = append(admitted, &testClient{t: t, link: l, recv: r})
		}
		player.run(time.Second, 50*time.Millisecond)
		if got := try(10); got != rampMin {
			t.Errorf("a second later %d were let in, want %d", got, rampMin)
		}
		player.run(rampRecoveries*DefaultRecoverAfter-time.Since(end), 50*time.Millisecond)
		if busy, _ := h.Busy(); busy {
			t.Error("Busy after the ramp's end")
		}
		if got := try(10); got != 10 {
			t.Errorf("after the ramp %d of 10 were let in, want all", got)
		}
		if got := player.errorCodes(); len(got) != 0 {
			t.Errorf("the player got %v", got)
		}
		closeAll(append(admitted, player)...)
	})
}

// overload seats a player in h and overloads h through its load source
// (every tick a tick late); calm lets the load fall and waits until the
// overload ends.
func overload(t *testing.T, h *Hub) (player *testClient, calm func()) {
	t.Helper()
	var load atomic.Uint64
	source := func() float64 { return math.Float64frombits(load.Load()) }
	h.loadSource.Store(&source)
	player = connect(t, h)
	player.join("r")
	load.Store(math.Float64bits(1))
	player.run(3*time.Second, 50*time.Millisecond)
	if !h.Overloaded() {
		t.Fatal("not overloaded")
	}
	return player, func() {
		load.Store(0)
		for h.Overloaded() {
			player.run(500*time.Millisecond, 50*time.Millisecond)
		}
	}
}

// overloadThenCalm overloads h, lets the overload end (a ramp then paces
// newcomers) and returns the player that kept the room going.
func overloadThenCalm(t *testing.T, h *Hub) *testClient {
	t.Helper()
	player, calm := overload(t, h)
	calm()
	return player
}

// Connections refused for their tickets take no place in the ramp: one
// address sending junk tickets cannot keep honest newcomers out.
func TestRampPlacesGoToVerifiedConnections(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var refuse atomic.Bool
		h := newTestHub(t, Options{Room: RoomOptions{ResumeWindow: time.Minute},
			Authenticate: func(context.Context, string, string) (world.Identity, error) {
				if refuse.Load() {
					return world.Identity{}, errors.New("bad ticket")
				}
				return world.Identity{}, nil
			}})
		player := overloadThenCalm(t, h)
		refuse.Store(true)
		for range 3 * rampMin {
			_, l, err := tryConnect(t, h)
			refusedWith(t, l, err, netcode.CodeUnauthorized)
		}
		refuse.Store(false)
		c, l, err := tryConnect(t, h)
		if err != nil {
			refusedWith(t, l, err, netcode.CodeServerBusy)
			t.Fatal("an honest newcomer after refused tickets was refused server_busy: the refused took the ramp's places")
		}
		closeAll(c, player)
	})
}

// A connection let in by the resume mark while the ramp is full takes a
// place when it joins afresh, or is refused the join (server_busy).
func TestResumeMarkDoesNotBypassTheRamp(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newTestHub(t, Options{Room: RoomOptions{ResumeWindow: time.Minute}})
		player := overloadThenCalm(t, h)
		var cs []*testClient
		for range rampMin {
			c, _, err := tryConnect(t, h)
			if err != nil {
				t.Fatal(err)
			}
			cs = append(cs, c)
		}
		if busy, _ := h.Busy(); !busy {
			t.Fatal("the ramp is not full")
		}
		l := newFakeLink()
		r, err := h.Accept(l, httptest.NewRequest(http.MethodGet, "/ws?resume=1", nil))
		if err != nil {
			t.Fatalf("a connection marked as resuming: %v", err)
		}
		marked := &testClient{t: t, link: l, recv: r}
		marked.join("fresh")
		player.run(200*time.Millisecond, 50*time.Millisecond)
		if marked.welcome() != nil || !slices.Equal(marked.errorCodes(), []netcode.Code{netcode.CodeServerBusy}) {
			t.Errorf("a fresh join of a connection the mark let in, with the ramp full: welcome %v, errors %v; want server_busy", marked.welcome() != nil, marked.errorCodes())
		}
		player.run(time.Second, 50*time.Millisecond) // a place frees
		marked.join("fresh")
		player.run(200*time.Millisecond, 50*time.Millisecond)
		if marked.welcome() == nil {
			t.Errorf("its join a second later was not welcomed: %v", marked.errorCodes())
		}
		if got := h.Stats().PacedRefusals; got != 1 {
			t.Errorf("PacedRefusals = %d, want 1", got)
		}
		closeAll(append(cs, marked, player)...)
	})
}

// Turning the overload response off on a reload ends an overload without
// a ramp: newcomers are all let in.
func TestOverloadTurnedOffStartsNoRamp(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newTestHub(t, Options{Room: RoomOptions{ResumeWindow: time.Minute}})
		player, _ := overload(t, h)
		o := *h.opts.Load()
		o.Overload.Disabled = true
		if err := h.Reconfigure(o); err != nil {
			t.Fatal(err)
		}
		player.run(time.Second, 50*time.Millisecond)
		if h.Overloaded() {
			t.Fatal("still overloaded with the response off")
		}
		var cs []*testClient
		for range 10 {
			c, _, err := tryConnect(t, h)
			if err != nil {
				t.Fatalf("a newcomer with the overload response off: %v", err)
			}
			cs = append(cs, c)
		}
		closeAll(append(cs, player)...)
	})
}

// Every join gets an answer, a welcome or an error, while the hub goes in
// and out of overload and newcomers are paced: none is left waiting. (A
// load test on a starved server saw joins time out on its clock; this
// shows the actors answer each one.)
func TestEveryJoinIsAnsweredThroughOverloads(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newTestHub(t, Options{Room: RoomOptions{ResumeWindow: time.Minute}, Overload: OverloadOptions{RecoverAfter: time.Second}})
		start := time.Now()
		source := func() float64 { // late 2s of every 6
			if time.Since(start)%(6*time.Second) < 2*time.Second {
				return 1
			}
			return 0
		}
		h.loadSource.Store(&source)
		var joined, waiting []*testClient
		refused := 0
		for i := range 240 {
			time.Sleep(50 * time.Millisecond)
			synctest.Wait()
			if len(waiting) > 0 && i%5 == 0 { // a join a while after its connection
				c := waiting[0]
				waiting = waiting[1:]
				c.join(fmt.Sprintf("r%d", i%12))
				joined = append(joined, c)
			}
			c, _, err := tryConnect(t, h)
			if err != nil {
				refused++ // answered: the connection was refused
				continue
			}
			waiting = append(waiting, c)
		}
		for i, c := range waiting {
			c.join(fmt.Sprintf("r%d", i%12))
			joined = append(joined, c)
		}
		time.Sleep(3 * time.Second)
		synctest.Wait()
		welcomed, busy := 0, 0
		for i, c := range joined {
			switch codes := c.errorCodes(); {
			case c.welcome() != nil:
				welcomed++
			case len(codes) > 0:
				if codes[0] == netcode.CodeServerBusy {
					busy++
				}
			default:
				t.Errorf("join %d got no answer", i)
			}
		}
		t.Logf("welcomed %d, joins refused busy %d, connections refused %d", welcomed, busy, refused)
		if welcomed == 0 || busy == 0 || refused == 0 {
			t.Errorf("welcomed %d, joins refused busy %d, connections refused %d: want some of each", welcomed, busy, refused)
		}
		closeAll(joined...)
	})
}
