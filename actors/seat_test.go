package actors

import (
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/tickroom/tickroom/games/arena"
	"github.com/tickroom/tickroom/netcode"
	"github.com/tickroom/tickroom/world"
)

// The seat's state machine, call by call: every transition, and every call
// that must do nothing in a state.
func TestSeatStateMachine(t *testing.T) {
	frame := &stateFrame{tick: 1, serverTime: 1, body: []byte{0x90}}
	type step struct {
		do   string // welcome, leave, close
		ok   bool   // what welcome or leave reports
		want seatState
	}
	cases := []struct {
		name  string
		steps []step
	}{
		{"admitted, welcomed, left, closed", []step{{"welcome", true, seatWelcomed}, {"leave", true, seatLeaving}, {"close", true, seatClosed}}},
		{"left before the welcome", []step{{"leave", true, seatLeaving}, {"welcome", false, seatLeaving}, {"close", true, seatClosed}}},
		{"closed before the welcome", []step{{"close", true, seatClosed}, {"welcome", false, seatClosed}, {"leave", false, seatClosed}}},
		{"welcomed once", []step{{"welcome", true, seatWelcomed}, {"welcome", false, seatWelcomed}}},
		{"leaves once", []step{{"welcome", true, seatWelcomed}, {"leave", true, seatLeaving}, {"leave", false, seatLeaving}}},
		{"closed while welcomed", []step{{"welcome", true, seatWelcomed}, {"close", true, seatClosed}, {"leave", false, seatClosed}}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := newTestSeat(4)
			link := s.link.(*fakeLink)
			for i, st := range tc.steps {
				var ok bool
				switch st.do {
				case "welcome":
					ok = s.welcome([]byte{0x91, 0x02})
				case "leave":
					ok = s.leave(leftByPlayer)
				case "close":
					s.close()
					ok = true
				}
				if ok != st.ok {
					t.Fatalf("step %d: %s reported %v, want %v", i, st.do, ok, st.ok)
				}
				state, _ := s.current()
				if state != st.want {
					t.Fatalf("step %d: after %s the seat is %v, want %v", i, st.do, state, st.want)
				}
				// What each state lets through, both ways.
				before := len(link.frames)
				sent := s.sendState(frame, nil)
				if gotSent, wantSent := sent > 0, state == seatWelcomed; gotSent != wantSent {
					t.Fatalf("step %d: %v seat sent a state: %v, want %v", i, state, gotSent, wantSent)
				}
				if sent > 0 {
					link.frames = link.frames[:before]
				}
				s.push(uint32(100+i), 0, world.Input{})
				q, _, _, _ := s.take()
				if got, want := len(q) == 1, state <= seatWelcomed; got != want {
					t.Fatalf("step %d: %v seat took an input: %v, want %v", i, state, got, want)
				}
			}
		})
	}
}

// A leave and the room's sends race: once leave has returned, not one more
// state reaches the link, and of many callers exactly one makes the seat
// leave.
func TestSeatLeaveStopsSendsAtOnce(t *testing.T) {
	for run := range 200 {
		s := newTestSeat(4)
		s.welcome(nil)
		link := s.link.(*fakeLink)
		frame := &stateFrame{tick: 1, body: []byte{0x90}}
		stop := make(chan struct{})
		var wg sync.WaitGroup
		wg.Add(1)
		go func() { // the room
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
					s.sendState(frame, nil)
				}
			}
		}()
		var wins atomic.Int32
		var framesAtLeave atomic.Int64
		var leavers sync.WaitGroup
		for r := range 4 { // the session, a kick, a dead link, a shutdown
			leavers.Add(1)
			go func() {
				defer leavers.Done()
				if s.leave(leaveReason(r + 1)) {
					link.mu.Lock()
					framesAtLeave.Store(int64(len(link.frames)))
					link.mu.Unlock()
					wins.Add(1)
				}
			}()
		}
		leavers.Wait()
		time.Sleep(time.Millisecond) // let the room send some more
		close(stop)
		wg.Wait()
		if got := wins.Load(); got != 1 {
			t.Fatalf("run %d: %d callers made the seat leave, want exactly 1", run, got)
		}
		link.mu.Lock()
		total := len(link.frames)
		link.mu.Unlock()
		if int64(total) != framesAtLeave.Load() {
			t.Fatalf("run %d: %d states sent after the leave", run, int64(total)-framesAtLeave.Load())
		}
	}
}

// countingGame is an arena that counts Game.Join and Game.Leave per player:
// whatever races end a seat, the game must see each player leave exactly as
// often as it joined.
type countingGame struct {
	*arena.Game
	joins, leaves *sync.Map // world.PlayerID → *atomic.Int32
}

func (g countingGame) Join(w *world.World, p world.PlayerID, name string) (world.EntityID, error) {
	counter(g.joins, p).Add(1)
	return g.Game.Join(w, p, name)
}

func (g countingGame) Leave(w *world.World, p world.PlayerID) {
	counter(g.leaves, p).Add(1)
	g.Game.Leave(w, p)
}

func counter(m *sync.Map, p world.PlayerID) *atomic.Int32 {
	c, _ := m.LoadOrStore(p, new(atomic.Int32))
	return c.(*atomic.Int32)
}

// checkBalanced reports players the game saw join more or less often than
// leave; stopped rooms do not run Game.Leave, so unless stopped each join
// must have its leave.
func checkBalanced(t *testing.T, g countingGame, stopped bool) {
	t.Helper()
	g.joins.Range(func(k, v any) bool {
		joins, leaves := v.(*atomic.Int32).Load(), counter(g.leaves, k.(world.PlayerID)).Load()
		if joins != 1 || leaves > 1 || (!stopped && leaves != 1) {
			t.Errorf("player %d: %d joins, %d leaves", k, joins, leaves)
		}
		return true
	})
	g.leaves.Range(func(k, v any) bool {
		if counter(g.joins, k.(world.PlayerID)).Load() == 0 {
			t.Errorf("player %d left the game without joining it", k)
		}
		return true
	})
}

// Races between the ways a seat ends, through the real actors in fake time.
// Each case starts them at the same instant; whichever wins, the client is
// told at most once, the seat ends closed, the session holds no seat and can
// join again, and the game sees each join left once (or the room stopped).
func TestSeatEndRaces(t *testing.T) {
	type race struct {
		name    string
		welcome bool                    // wait for the welcome before racing
		stops   bool                    // the room stops in the race
		drops   bool                    // the client's link goes in the race
		codes   map[netcode.Code]bool   // errors the client may get (at most one)
		race    func(*testClient, *Hub) // starts the racers
	}
	stopRoom := func(h *Hub) { h.engine.Poison(h.lobby.Child("room/1")) }
	races := []race{
		{"leave vs kick", true, false, false, map[netcode.Code]bool{netcode.CodeSlowConsumer: true}, func(c *testClient, h *Hub) {
			// Acks stopped 100ms ago: the room's next send kicks; the
			// client leaves at that same instant.
			c.send(&netcode.Leave{})
		}},
		{"leave vs room stop", true, true, false, map[netcode.Code]bool{netcode.CodeRoomClosed: true}, func(c *testClient, h *Hub) {
			c.send(&netcode.Leave{})
			stopRoom(h)
		}},
		{"link close vs room stop", true, true, true, nil, func(c *testClient, h *Hub) {
			stopRoom(h)
			c.disconnect()
		}},
		{"kick vs room stop", true, true, false, map[netcode.Code]bool{netcode.CodeSlowConsumer: true, netcode.CodeRoomClosed: true}, func(c *testClient, h *Hub) {
			stopRoom(h)
		}},
		{"leave before the welcome", false, false, false, nil, func(c *testClient, h *Hub) {
			c.send(&netcode.Leave{})
		}},
		{"link close before the welcome", false, false, true, nil, func(c *testClient, h *Hub) {
			c.disconnect()
		}},
		{"room stop before the welcome", false, true, false, map[netcode.Code]bool{netcode.CodeRoomClosed: true}, func(c *testClient, h *Hub) {
			stopRoom(h)
		}},
	}
	for _, rc := range races {
		for offset := range 3 { // shift the racers against the room's tick
			t.Run(fmt.Sprintf("%s/%d", rc.name, offset), func(t *testing.T) {
				synctest.Test(t, func(t *testing.T) {
					g := countingGame{joins: new(sync.Map), leaves: new(sync.Map)}
					modes := map[string]Mode{"arena": {NewGame: func() world.Game { return countingGame{arena.New(), g.joins, g.leaves} }}}
					ackTimeout := time.Duration(0) // the default: no kick
					if rc.codes[netcode.CodeSlowConsumer] {
						ackTimeout = 100 * time.Millisecond
					}
					// Seats are not held: a lost link ends the seat here
					// (resume_test.go covers held seats).
					h := newTestHub(t, Options{Modes: modes, Room: RoomOptions{AckTimeout: ackTimeout, ResumeWindow: -1}})
					c := connect(t, h)
					c.join("r")
					synctest.Wait()
					if rc.welcome {
						tickUntil(func() bool { return c.welcome() != nil }, nil)
						// No acks from now on: the kick comes 100ms
						// after the welcome's tick, at a tick boundary.
						time.Sleep(100 * time.Millisecond)
					}
					time.Sleep(time.Duration(offset) * 25 * time.Millisecond)
					st := c.seated()
					rc.race(c, h)
					time.Sleep(300 * time.Millisecond)
					synctest.Wait()

					codes := c.errorCodes()
					if len(codes) > 1 || (len(codes) == 1 && !rc.codes[codes[0]]) {
						t.Errorf("client got errors %v, want at most one of %v", codes, rc.codes)
					}
					if st != nil {
						if state, _ := st.current(); state != seatClosed {
							t.Errorf("seat ended %v, want closed", state)
						}
					}
					if c.seated() != nil {
						t.Error("the session still holds a seat")
					}
					checkBalanced(t, g, rc.stops)
					if closed, _ := c.link.closeState(); !closed && !rc.drops {
						// Still connected: the session is free to join again.
						c.join("again")
						welcomed := func() bool {
							for _, m := range c.link.messages(t) {
								if w, ok := m.(*netcode.Welcome); ok && w.Room == "again" {
									return true
								}
							}
							return false
						}
						tickUntil(welcomed, nil)
						if !welcomed() || c.seated() == nil {
							t.Error("no seat after joining again")
						}
					}
					if p := h.Stats().Panics; p != 0 {
						t.Errorf("%d panics", p)
					}
					closeAll(c)
				})
			})
		}
	}
}
