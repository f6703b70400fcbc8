package actors

import "github.com/tickroom/tickroom/world"

// hooks are the optional interfaces a game implements, found once when its
// room is made; nil where the game has none.
type hooks struct {
	room       world.RoomHook
	create     world.CreateHook
	join       world.JoinHook
	leave      world.LeaveHook
	resume     world.ResumeHook
	message    world.MessageHook
	visibility world.VisibilityHook
	dispose    world.DisposeHook
	idle       world.IdleHook
}

func hooksOf(g world.Game) hooks {
	var h hooks
	h.room, _ = g.(world.RoomHook)
	h.create, _ = g.(world.CreateHook)
	h.join, _ = g.(world.JoinHook)
	h.leave, _ = g.(world.LeaveHook)
	h.resume, _ = g.(world.ResumeHook)
	h.message, _ = g.(world.MessageHook)
	h.visibility, _ = g.(world.VisibilityHook)
	h.dispose, _ = g.(world.DisposeHook)
	h.idle, _ = g.(world.IdleHook)
	return h
}

// leaveReason maps why a seat left onto what the game's leave hook sees.
func (r leaveReason) world() world.LeaveReason {
	switch r {
	case leftByPlayer:
		return world.Left
	case leftByKick:
		return world.Kicked
	case leftByTimeout:
		return world.TimedOut
	}
	return world.Disconnected
}
