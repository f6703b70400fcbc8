package actors

import (
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/anthdm/hollywood/actor"
	"github.com/tickroom/tickroom/games/arena"
	"github.com/tickroom/tickroom/netcode"
	"github.com/tickroom/tickroom/world"
)

// inputSpy is an arena that records the last input's first axis.
type inputSpy struct {
	*arena.Game
	last *atomic.Int32
}

func (g inputSpy) Input(w *world.World, p world.PlayerID, in world.Input) {
	g.last.Store(int32(in.Axes[0]))
	g.Game.Input(w, p, in)
}

// An input the client sends after its leave never reaches the game, even
// when the session is slow to handle the leave: the receiver makes the seat
// leave as it reads the frame, in order with the inputs around it.
func TestInputAfterLeaveDoesNotReachTheGame(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		last := new(atomic.Int32)
		h := newTestHub(t, Options{Modes: map[string]Mode{"arena": {NewGame: func() world.Game { return inputSpy{arena.New(), last} }}}})
		c := connect(t, h)
		c.join("r")
		tickUntil(func() bool { return c.welcome() != nil }, nil)
		// Hold the session's messages back, as a busy session would.
		r := c.recv.(*receiver)
		session := r.pid
		held := make(chan any, 16)
		stall := h.engine.SpawnFunc(func(ctx *actor.Context) {
			switch ctx.Message().(type) {
			case actor.Initialized, actor.Started, actor.Stopped:
			default:
				held <- ctx.Message()
			}
		}, "stall")
		r.pid = stall
		c.send(&netcode.Leave{})
		c.input(777)
		time.Sleep(100 * time.Millisecond)
		synctest.Wait()
		if last.Load() == 777 {
			t.Error("the game got an input the client sent after its leave")
		}
		r.pid = session
		for len(held) > 0 {
			h.engine.Send(session, <-held)
		}
		synctest.Wait()
		<-h.engine.Poison(stall).Done()
		closeAll(c)
	})
}
