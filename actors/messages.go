package actors

import (
	"github.com/anthdm/hollywood/actor"
	"github.com/tickroom/tickroom/netcode"
)

// Messages between the actors. They are immutable once sent: local sends share
// the value.

// session ← gateway (the link's reader goroutine)
type (
	inbound    struct{ frame []byte } // a copied client frame that passed the rate limit
	linkClosed struct{ err error }
)

// lobby ← session
type joinRequest struct {
	session *actor.PID
	sink    *stateSink // where the room delivers state frames
	sid     string     // the session id the client knows
	room    string
	mode    string
	name    string
}

// room ← lobby
type admit struct {
	session *actor.PID
	sink    *stateSink
	sid     string
	name    string
}

// lobby ← room
type (
	roomCount struct { // the room's players after an admit or a leave
		room    *actor.PID // which room: a name may be reused after a dispose
		key     string
		players int
		settled int // admits answered since the last report
	}
	roomIdle struct { // empty for EmptyTimeout
		room *actor.PID
		key  string
	}
	roomStopped struct { // the room has stopped, whoever stopped it
		room *actor.PID
		key  string
	}
)

// session ← lobby or room
type (
	joinRefused struct {
		code netcode.Code
		msg  string
	}
	joined struct { // the room has seated the player's sink and queued the welcome
		room *actor.PID
		slot int
		box  *inputBox // where the seat's inputs and acks go
	}
	kicked struct { // the room dropped the player
		room *actor.PID // sessions ignore kicks from a room they already left
		code netcode.Code
		msg  string
	}
)

// room ← session. Inputs and acks are no messages: they go into the
// seat's inputBox.
type playerLeave struct {
	session *actor.PID
	slot    int
}

// roomTick is the room's own timer message.
type roomTick struct{}

// reconfigure carries new options to the lobby, which passes them to rooms.
type reconfigure struct{ opts RoomOptions }

// stateFrame is one send of one room for every client with the same baseline
// (handed to each player's stateSink, not sent as a message):
// the shared encoded body plus what each client's small header needs. A room
// allocates one per distinct baseline per send and never touches it again,
// except acks: sinks read it only inside deliver, so the room reuses it.
type stateFrame struct {
	room       *actor.PID // sinks drop frames of a room their session already left
	tick, base uint32
	serverTime uint32
	body       []byte   // retained by the links until written: never reused
	acks       []uint32 // last input seq applied, by player slot; valid only during the send
}
