package world

// The optional hooks of a Game. A simple game implements Game alone; a game
// that needs more implements the hooks it needs, each one method, and the
// room calls them at the moments documented here, on the same goroutine as
// the rest of the game. A hook that panics closes its room (its players get
// room_closed), never the server.
//
// Per tick, a room calls: timers that are due; then, for what arrived since
// the last tick, JoinHook and Join, leaves (LeaveHook, Leave), inputs
// (Input) and messages (MessageHook), each player's in the order it sent
// them; then Step.

// RoomHook gives the game its Room handle, once, before Init.
type RoomHook interface {
	Attach(r Room)
}

// CreateHook sees the options of the join that created the room, after
// Init and before that join's JoinHook. An error refuses the creating join
// with the error's text as the reason, and the room is disposed of.
type CreateHook interface {
	Create(w *World, options Payload) error
}

// JoinHook decides whether a player may join, before Join. An error refuses
// the join: its text reaches the client as the reason (code join_refused),
// and matchmaking tries another room or makes a new one.
type JoinHook interface {
	JoinAttempt(w *World, a JoinAttempt) error
}

// LeaveHook learns why players leave: LeaveReason is Left, Kicked or
// Disconnected (and, where the server holds seats for players who lose
// their connection, TimedOut). It runs just before Leave.
type LeaveHook interface {
	OnLeave(w *World, p PlayerID, why LeaveReason)
}

// ResumeHook learns that a player whose connection dropped (its leave hook
// saw Disconnected) came back in time and is playing again, on a new
// connection, as the same player with the same entity.
type ResumeHook interface {
	OnResume(w *World, p PlayerID)
}

// MessageHook receives the messages clients send to the room, in the order
// each client sent them, at the room's next tick. A game without it
// answers every message with unknown_message; a game with it decides: it
// may ignore a type it does not know, or Kick for it.
type MessageHook interface {
	Message(w *World, p PlayerID, typ string, payload Payload)
}

// VisibilityHook limits what each player sees: Visible reports whether
// viewer receives entity e at all (an entity it does not see is removed
// from its view, and added back when it sees it again). Players who see
// the same entities share one encoded state. Without the hook every player
// sees every entity. Entities the viewer owns (World.SpawnOwned) are always
// visible to it.
type VisibilityHook interface {
	Visible(w *World, viewer PlayerID, e *Entity) bool
}

// DisposeHook runs once when the room ends, after the last player left or
// when it is closed, so that a game can release what it holds.
type DisposeHook interface {
	Dispose(w *World)
}

// IdleHook keeps a room's world going, slowly, while nobody is in it. By
// default a room with no players and no joins under way does no work at
// all (no steps, no timers) until a player joins or it is disposed after
// the server's empty timeout; players whose connection dropped and whose
// seats the server holds for a resume still count as players. A game whose
// world must go on without players returns from IdleRate the steps per
// second it needs meanwhile (at most the tick rate; 0 or less: none). An
// idle step is an ordinary step (Step gets the usual dt, timers count the
// same ticks), so the game's time runs slower than the clock while the
// room is empty. The room asks each time it becomes empty.
type IdleHook interface {
	IdleRate() int
}
