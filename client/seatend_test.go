package client

import (
	"context"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/tickroom/tickroom/netcode"
	"github.com/tickroom/tickroom/transports"
	"github.com/tickroom/tickroom/world"
)

// waitError waits for an error frame with code and returns it.
func waitError(t *testing.T, ctx context.Context, c *Client, code netcode.Code) netcode.Error {
	t.Helper()
	var got netcode.Error
	err := c.wait(ctx, func() bool {
		i := slices.IndexFunc(c.errs, func(e netcode.Error) bool { return e.Code == code })
		if i >= 0 {
			got = c.errs[i]
		}
		return i >= 0
	})
	if err != nil {
		t.Fatalf("no %s error frame: %v (errors %+v)", code, err, c.Errors())
	}
	return got
}

// wantLobby fails unless c is back in the lobby state.
func wantLobby(t *testing.T, c *Client) {
	t.Helper()
	if w := c.Welcome(); w != nil {
		t.Errorf("Welcome() = %+v, want nil", w)
	}
	if v := c.View(); v.Tick() != 0 || len(v.State.Entities) != 0 || v.Schemas != nil {
		t.Errorf("View() = %+v, want the mirror reset", v)
	}
	if r := c.Rates(); r != (netcode.Rates{}) {
		t.Errorf("Rates() = %+v, want none", r)
	}
}

// removals records the entities OnChange reports removed.
type removals struct {
	mu   sync.Mutex
	ids  []world.EntityID
	wake chan struct{} // closed, and replaced, by the next report
}

func newRemovals() *removals { return &removals{wake: make(chan struct{})} }

func (r *removals) onChange(ch Change) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.ids = append(r.ids, ch.Removed...)
	close(r.wake)
	r.wake = make(chan struct{})
}

// wait waits until OnChange has reported id removed.
func (r *removals) wait(t *testing.T, ctx context.Context, id world.EntityID) {
	t.Helper()
	for {
		r.mu.Lock()
		found, wake := slices.Contains(r.ids, id), r.wake
		r.mu.Unlock()
		if found {
			return
		}
		select {
		case <-wake:
		case <-ctx.Done():
			t.Fatalf("OnChange never reported entity %d removed", id)
		}
	}
}

// A player the game kicks gets kicked with the game's reason and is back in
// the lobby state, free to join again; the others see its entity go. A
// room the game closes sends its players back to the lobby with
// room_closed.
func TestKickedAndClosedBackInLobby(t *testing.T) {
	s := startServer(t, transports.Options{})
	for _, kind := range []string{TransportWebSocket, TransportLongPoll, TransportStream, TransportPoll} {
		t.Run(kind, func(t *testing.T) {
			ctx := testCtx(t, 30*time.Second)
			room := JoinSpec{Room: "kick-" + kind, Mode: modeLab}
			gone := newRemovals()
			watcher := dialT(t, s.srv.HTTPURL(), Options{Transport: TransportWebSocket, OnChange: gone.onChange})
			joinWith(t, ctx, watcher, room)
			c := dialT(t, s.srv.HTTPURL(), Options{Transport: kind, NoUpgrade: true})
			self := world.EntityID(joinWith(t, ctx, c, room).Entity)
			if _, err := watcher.WaitState(ctx, func(st world.State) bool { _, ok := st.Find(self); return ok }); err != nil {
				t.Fatal(err)
			}

			if err := c.SendMessage("kick", nil); err != nil {
				t.Fatal(err)
			}
			if e := waitError(t, ctx, c, netcode.CodeKicked); e.Message != "you asked for it" {
				t.Errorf("kicked with %q, want the game's reason", e.Message)
			}
			wantLobby(t, c)
			gone.wait(t, ctx, self)
			if _, ok := watcher.State().Find(self); ok {
				t.Errorf("entity %d still in the watcher's state", self)
			}

			// Back in, then the room closes.
			joinWith(t, ctx, c, room)
			if _, err := c.WaitState(ctx, func(world.State) bool { return true }); err != nil {
				t.Fatal(err)
			}
			if err := c.SendMessage("close", nil); err != nil {
				t.Fatal(err)
			}
			for _, cl := range []*Client{c, watcher} {
				if e := waitError(t, ctx, cl, netcode.CodeRoomClosed); e.Message != "closed on request" {
					t.Errorf("room_closed with %q, want the game's reason", e.Message)
				}
				wantLobby(t, cl)
			}
			if err := c.Err(); err != nil {
				t.Errorf("connection ended: %v", err)
			}
			joinWith(t, ctx, c, JoinSpec{Room: "after-" + kind, Mode: modeLab})
		})
	}
}

// A game without a message hook answers a message with unknown_message;
// the player stays in the room.
func TestUnknownMessage(t *testing.T) {
	s := startServer(t, transports.Options{})
	ctx := testCtx(t, 30*time.Second)
	c := dialT(t, s.srv.HTTPURL(), Options{Transport: TransportLongPoll, NoUpgrade: true})
	join(t, ctx, c, "no-messages") // arena takes none
	if err := c.SendMessage("hello", "there"); err != nil {
		t.Fatal(err)
	}
	waitError(t, ctx, c, netcode.CodeUnknownMessage)
	nextState(t, ctx, c)
	if c.Welcome() == nil || c.Err() != nil {
		t.Errorf("after unknown_message: Welcome() %v, Err() %v; want still in the room", c.Welcome(), c.Err())
	}
}
