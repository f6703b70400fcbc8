package actors

import (
	"slices"
	"testing"
	"testing/synctest"
	"time"

	"github.com/tickroom/tickroom/games/arena"
	"github.com/tickroom/tickroom/netcode"
	"github.com/tickroom/tickroom/world"
)

// Each case sends bad input from one client while a second client plays in
// the same room. The bad client gets the documented error (and close where
// the code says so); the good one sees no error, no gap in its ticks and no
// difference in frame rate, and no actor panics.
func TestBadInputAffectsOnlyTheSender(t *testing.T) {
	cases := []struct {
		name      string
		joinFirst bool
		do        func(c *testClient)
		want      []netcode.Code
		closed    bool
	}{
		{
			name:      "malformed msgpack",
			joinFirst: true,
			do:        func(c *testClient) { c.recv.OnFrame([]byte{0xc1, 0x00, 0xff}) },
			want:      []netcode.Code{netcode.CodeBadFrame},
			closed:    true,
		},
		{
			name:      "truncated input",
			joinFirst: true,
			do:        func(c *testClient) { c.recv.OnFrame([]byte{0x95, 0x03, 0x01}) },
			want:      []netcode.Code{netcode.CodeBadFrame},
			closed:    true,
		},
		{
			name:      "unknown kind",
			joinFirst: true,
			do:        func(c *testClient) { c.recv.OnFrame([]byte{0x91, 0x7f}) },
			want:      []netcode.Code{netcode.CodeUnknownKind},
		},
		{
			name:      "server kind from a client",
			joinFirst: true,
			do: func(c *testClient) {
				f, _ := netcode.AppendFrame(nil, &netcode.Pong{})
				c.recv.OnFrame(f)
			},
			want: []netcode.Code{netcode.CodeUnknownKind},
		},
		{
			name:      "frame over the size limit",
			joinFirst: true,
			do:        func(c *testClient) { c.recv.OnTooLarge(1 << 20) },
			want:      []netcode.Code{netcode.CodeTooLarge},
			closed:    true,
		},
		{
			name: "input before join",
			do:   func(c *testClient) { c.input(world.MaxAxis) },
			want: []netcode.Code{netcode.CodeNotJoined},
		},
		{
			name:      "join twice",
			joinFirst: true,
			do:        func(c *testClient) { c.join("r") },
			want:      []netcode.Code{netcode.CodeAlreadyJoined},
		},
		{
			name: "wrong protocol version",
			do: func(c *testClient) {
				c.send(&netcode.Join{Version: netcode.ProtocolVersion + 1, Room: "r"})
			},
			want:   []netcode.Code{netcode.CodeVersionMismatch},
			closed: true,
		},
		{
			name: "unknown game mode",
			do:   func(c *testClient) { c.send(&netcode.Join{Version: netcode.ProtocolVersion, Mode: "nope"}) },
			want: []netcode.Code{netcode.CodeUnknownMode},
		},
		{
			name:      "input flood",
			joinFirst: true,
			do: func(c *testClient) {
				// Burst 30, rate 60/s, 100 rejections allowed: 200 frames at
				// once exceed all three, in the same instant of fake time.
				for range 200 {
					c.input(world.MaxAxis)
				}
			},
			want:   []netcode.Code{netcode.CodeRateLimited, netcode.CodeRateLimited},
			closed: true,
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				h := newTestHub(t, Options{})
				good, bad := connect(t, h), connect(t, h)
				good.join("r")
				if tc.joinFirst {
					bad.join("r")
				}
				good.run(time.Second, 50*time.Millisecond)
				before, tick := len(good.states()), good.lastTick()

				tc.do(bad)
				synctest.Wait()
				good.run(time.Second, 50*time.Millisecond)

				if got := bad.errorCodes(); !slices.Equal(got, tc.want) {
					t.Errorf("bad client's errors = %v, want %v", got, tc.want)
				}
				closed, code := bad.link.closeState()
				if closed != tc.closed {
					t.Errorf("bad client closed = %v, want %v", closed, tc.closed)
				}
				if tc.closed && code != uint16(tc.want[len(tc.want)-1]) {
					t.Errorf("close code = %d, want %d", code, tc.want[len(tc.want)-1])
				}
				if got := good.errorCodes(); len(got) != 0 {
					t.Errorf("good client got errors %v", got)
				}
				if got, want := len(good.states())-before, 20; got != want {
					t.Errorf("good client got %d frames in the second after, want %d", got, want)
				}
				if got, want := good.lastTick()-tick, uint32(20); got != want {
					t.Errorf("room advanced %d ticks in the second after, want %d", got, want)
				}
				if p := h.Stats().Panics; p != 0 {
					t.Errorf("%d actor panics", p)
				}
				closeAll(good, bad)
			})
		})
	}
}

// panicky is a game whose Step panics when a player presses button 1: a bug
// in game code must not take the room, or the server, down.
type panicky struct{ *arena.Game }

func (p panicky) Input(w *world.World, id world.PlayerID, in world.Input) {
	if in.Buttons == 1 {
		panic("game bug")
	}
	p.Game.Input(w, id, in)
}

// A game that panics closes its own room: its players get room_closed and
// are back in the lobby, free to join again; a room of the same mode next to
// it, and the hub, carry on.
func TestGamePanicClosesOnlyItsRoom(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newTestHub(t, Options{})
		c, other := connect(t, h), connect(t, h)
		c.send(&netcode.Join{Version: netcode.ProtocolVersion, Room: "p", Mode: "panicky"})
		other.send(&netcode.Join{Version: netcode.ProtocolVersion, Room: "q", Mode: "panicky"})
		c.run(500*time.Millisecond, 50*time.Millisecond)
		c.seq++
		c.send(&netcode.Input{Seq: c.seq, Ack: c.lastTick(), Input: world.Input{Buttons: 1}})
		c.run(200*time.Millisecond, 50*time.Millisecond)
		if got := h.Stats().Panics; got != 1 {
			t.Errorf("recovered panics = %d, want 1", got)
		}
		// (not_joined answers the acks the test client sends on.)
		if got := slices.DeleteFunc(c.errorCodes(), func(c netcode.Code) bool { return c == netcode.CodeNotJoined }); !slices.Equal(got, []netcode.Code{netcode.CodeRoomClosed}) {
			t.Errorf("player of the failed room got errors %v, want [room_closed]", got)
		}
		if c.seated() != nil {
			t.Error("the player still holds a seat in the failed room")
		}
		tick := other.lastTick()
		other.run(time.Second, 50*time.Millisecond)
		if got, want := other.lastTick()-tick, uint32(20); got != want {
			t.Errorf("the other room advanced %d ticks in the second after the panic, want %d", got, want)
		}
		if got := other.errorCodes(); len(got) != 0 {
			t.Errorf("the other room's player got errors %v", got)
		}
		// Back in the lobby: joining the failed room's name makes a new room.
		c.send(&netcode.Join{Version: netcode.ProtocolVersion, Room: "p", Mode: "panicky"})
		c.run(200*time.Millisecond, 50*time.Millisecond)
		if n := len(c.link.messages(t)); c.welcome() == nil || n < 3 {
			t.Errorf("no new welcome after the room failed (%d frames)", n)
		}
		closeAll(c, other)
	})
}
