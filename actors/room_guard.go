package actors

import (
	"fmt"
	"runtime/debug"

	"github.com/anthdm/hollywood/actor"
	"github.com/tickroom/tickroom/netcode"
)

// guard runs f, which calls the game, and turns a panic into the end of
// this room alone: the panic is logged with its stack and counted, every
// player gets room_closed, and the lobby disposes of the room. A game that
// panicked has state nobody can trust, so the room does not carry on with
// it; hollywood's restart would lose it anyway, and its fourth panic would
// take the process down.
func (r *room) guard(c *actor.Context, what string, f func()) {
	defer func() {
		if p := recover(); p != nil {
			r.hub.stats.panics.Add(1)
			r.log.Error("game panicked; closing the room", "in", what, "panic", fmt.Sprint(p), "stack", string(debug.Stack()))
			r.close("the game failed")
			r.sendClosing(c)
		}
	}()
	f()
}

// close ends the room after the current tick with reason.
func (r *room) close(reason string) {
	if !r.closing {
		r.closing, r.closeReason = true, reason
	}
}

// sendClosing asks the lobby to dispose of a room that is closing; it stops
// the room, whose Stopped tells the players.
func (r *room) sendClosing(c *actor.Context) {
	if r.closing {
		c.Send(r.lobby, roomClosing{id: r.info.id})
	}
}

// errorFrame encodes an error frame, cutting a message over the protocol's
// limit.
func errorFrame(code netcode.Code, msg string) []byte {
	frame, _ := netcode.AppendFrame(nil, &netcode.Error{Code: code, Message: cutUTF8(msg, netcode.MaxErrorLen)})
	return frame
}
