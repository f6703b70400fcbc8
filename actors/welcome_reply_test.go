package actors

import (
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/tickroom/tickroom/netcode"
	"github.com/tickroom/tickroom/transports"
	"github.com/tickroom/tickroom/world"
)

// replyLink models a WebSocket link whose welcome goes out by a direct write
// and a client that answers it at once, while the room's call that queues
// the welcome has not returned yet. Whatever the client answers must find its session
// seated: the room hands the session its seat at admission, a step before
// the welcome.
type replyLink struct {
	*fakeLink
	once   sync.Once
	onWelc func()
}

func (l *replyLink) Send(class transports.Class, head, body []byte) error {
	err := l.fakeLink.Send(class, head, body)
	if class == transports.ClassControl {
		if m, e := netcode.DecodeServer(append(append([]byte(nil), head...), body...)); e == nil {
			if _, ok := m.(*netcode.Welcome); ok && l.onWelc != nil {
				// The client's answer comes from the link's reader, another
				// goroutine, while the room may still be sending.
				l.once.Do(func() { go l.onWelc() })
			}
		}
	}
	return err
}

func connectReply(t *testing.T, h *Hub, reply func(r transports.Receiver)) *testClient {
	l := &replyLink{fakeLink: newFakeLink()}
	r, err := h.Accept(l, nil)
	if err != nil {
		t.Fatal(err)
	}
	l.onWelc = func() { reply(r) }
	return &testClient{t: t, link: l.fakeLink, recv: r}
}

func frameOf(t *testing.T, m netcode.Frame) []byte {
	f, err := netcode.AppendFrame(nil, m)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// An input sent as soon as the welcome arrives is applied, not refused with
// not_joined.
func TestInputRightAfterWelcomeIsApplied(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newTestHub(t, Options{})
		c := connectReply(t, h, func(r transports.Receiver) {
			r.OnFrame(frameOf(t, &netcode.Input{Seq: 1, Input: world.Input{Axes: [4]int16{world.MaxAxis}}}))
		})
		c.join("r")
		c.run(300*time.Millisecond, 50*time.Millisecond)
		if codes := c.errorCodes(); len(codes) != 0 {
			t.Errorf("client got errors %v after answering its welcome with an input", codes)
		}
		if st := h.Stats(); st.InputsReceived != 1 {
			t.Errorf("inputs received = %d, want 1", st.InputsReceived)
		}
		closeAll(c)
	})
}

// A leave sent as soon as the welcome arrives takes effect: the room stops
// sending the player state.
func TestLeaveRightAfterWelcomeIsHonoured(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newTestHub(t, Options{})
		c := connectReply(t, h, func(r transports.Receiver) {
			r.OnFrame(frameOf(t, &netcode.Leave{}))
		})
		c.join("r")
		time.Sleep(200 * time.Millisecond)
		synctest.Wait()
		n := len(c.states())
		c.run(500*time.Millisecond, 50*time.Millisecond)
		if got := len(c.states()); got != n {
			t.Errorf("after its leave the client still got %d state frames (errors %v); seat %p", got-n, c.errorCodes(), c.seated())
		}
		closeAll(c)
	})
}

// A seat whose link is gone leaves by itself when the room holds no seats:
// a room that runs Game.Join after the session gave up (its link closed
// while it waited) finds the welcome refused, and frees the seat at its next
// step without waiting for the ack timeout. (A room that holds seats holds
// it for a resume: see TestResume*.)
func TestSeatOnAClosedLinkLeaves(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newTestHub(t, Options{Room: RoomOptions{ResumeWindow: -1}})
		c := connect(t, h)
		c.join("r")
		synctest.Wait()            // admitted; the seat comes at the room's next step
		c.link.Close(1000, "gone") // the link only: the session does not know
		tickUntil(func() bool { return c.seated() != nil }, nil)
		st := c.seated()
		if st == nil {
			closeAll(c)
			t.Fatal("no seat after the room's step")
		}
		tickUntil(func() bool { _, _, _, s := st.peek(); return s == seatClosed }, nil)
		if _, _, _, state := st.peek(); state != seatClosed {
			t.Fatalf("seat on a closed link is %v, want closed by the room", state)
		}
		if msgs := c.link.messages(t); len(msgs) != 0 {
			t.Errorf("frames reached a closed link: %v", msgs)
		}
		closeAll(c)
	})
}

// A room that stops while a player is admitted but not yet welcomed refuses
// the join: the session, still joining, would ignore a kick and wait for a
// welcome that never comes.
func TestRoomStoppingBeforeTheWelcomeRefusesTheJoin(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newTestHub(t, Options{})
		c := connect(t, h)
		c.join("r")
		synctest.Wait() // admitted; the room's first tick has not run
		if c.welcome() != nil {
			t.Fatal("welcomed before the room's first tick")
		}
		h.engine.Poison(h.lobby.Child("room/1"))
		synctest.Wait()
		if got := c.errorCodes(); len(got) != 1 || got[0] != netcode.CodeRoomClosed {
			t.Errorf("client got errors %v, want room_closed", got)
		}
		// The session is free to join again, and the lobby, told of the
		// stop, makes a new room rather than sending it to the dead one.
		c.join("r")
		time.Sleep(100 * time.Millisecond)
		synctest.Wait()
		if c.welcome() == nil {
			t.Error("no welcome after joining again")
		}
		closeAll(c)
	})
}
