package world

import "time"

// Room is a game's handle on the room that runs it, given to games that
// implement RoomHook. Its methods may only be called from the game's own
// hooks (they run on the room's goroutine); what they change takes effect
// as the hook returns, in order. Events are delivered with the states: each
// client sees an event exactly once, after a state of its tick or an
// earlier one and before any state of a later tick (an event sent to a
// player in its Join comes right behind the player's first state).
type Room interface {
	// ID is the room's id, unique on the server and hard to guess: clients
	// join a private room by it (or by its JoinCode).
	ID() string
	// Name is the room's name, as clients join it; Mode its game mode.
	Name() string
	Mode() string
	// JoinCode is the short code that joins a private room ("" for a
	// public one).
	JoinCode() string
	// Tick is the tick being simulated.
	Tick() uint32

	// Players lists the room's players in join order: those Game.Join
	// took and Game.Leave has not yet been called for (a player kicked, or
	// one that left, stays until its Leave at the next step).
	Players() []Player
	// Player returns one player, false when it is not in the room.
	Player(p PlayerID) (Player, bool)

	// Send sends event typ with payload to player p. payload is encoded
	// once, as msgpack (any value msgpack encodes: numbers, strings, maps,
	// slices, structs with msgpack tags); an encoding error or a payload
	// over the protocol's limit is returned and nothing is sent.
	Send(p PlayerID, typ string, payload any) error
	// Broadcast sends event typ to every player but those in except,
	// encoding it once for all of them.
	Broadcast(typ string, payload any, except ...PlayerID) error

	// Kick removes player p with reason, which the client receives in its
	// error frame (code kicked); the game's leave hook sees Kicked.
	Kick(p PlayerID, reason string)
	// Lock stops new players joining (by matchmaking, name, id or code)
	// until Unlock; Locked reports it.
	Lock()
	Unlock()
	Locked() bool
	// SetMetadata replaces the room's metadata, a small map shown in room
	// listings and filterable there: values are strings, numbers or bools.
	// A map over the protocol's limit is refused with an error.
	SetMetadata(m map[string]any) error
	// Close ends the room after this tick: every player gets room_closed
	// with reason, and the game's DisposeHook runs.
	Close(reason string)

	// After runs f at the start of the tick d of simulated time from now
	// (at least one tick, at most 2^30), before that tick's inputs and
	// Step; Every runs it every d until cancelled. Timers count ticks, not
	// the clock: the same inputs fire the same timers at the same ticks.
	After(d time.Duration, f func(w *World)) TimerID
	Every(d time.Duration, f func(w *World)) TimerID
	// Cancel stops a timer; cancelling one that fired or never existed
	// does nothing.
	Cancel(id TimerID)
}

// TimerID names a timer of a Room.
type TimerID uint64

// Player is what a room knows of one player.
type Player struct {
	ID        PlayerID
	Name      string   // the name the client joined with
	Entity    EntityID // what Game.Join returned
	Identity  Identity // who the server says the player is (see Identity)
	Connected bool     // false while the player's connection is lost and its seat held for it
}

// Identity is who a player is, as the server established it: empty for an
// anonymous player, else from a verified join ticket or the server's auth
// hook. Games use it to trust a name or a role; a client cannot set it.
type Identity struct {
	UserID      string
	DisplayName string
	Claims      map[string]string // a small map of what the ticket said (team, rank, …)
}

// LeaveReason says why a player left, for LeaveHook.
type LeaveReason uint8

const (
	Left         LeaveReason = iota + 1 // the player left on purpose
	Disconnected                        // the player's connection ended
	Kicked                              // the room or the server removed the player
	TimedOut                            // the player's connection was lost and it did not come back in time
)

var leaveReasonNames = [...]string{Left: "left", Disconnected: "disconnected", Kicked: "kicked", TimedOut: "timed out"}

func (r LeaveReason) String() string {
	if int(r) < len(leaveReasonNames) && leaveReasonNames[r] != "" {
		return leaveReasonNames[r]
	}
	return "unknown"
}

// Payload is a msgpack value that came from a client: a join's options or
// a message's body. It has been checked against the protocol's size and
// depth limits; Decode turns it into a Go value strictly (a field the type
// does not have, or a value of the wrong type, is an error).
type Payload interface {
	// Decode decodes the payload into v, a pointer.
	Decode(v any) error
	// Raw returns the payload's msgpack bytes; empty when the client sent
	// none.
	Raw() []byte
}

// JoinAttempt is a player asking to join, for JoinHook.
type JoinAttempt struct {
	Player   PlayerID
	Name     string
	Options  Payload // the options of the join (empty if none)
	Identity Identity
	Creator  bool // the join that created the room
}
