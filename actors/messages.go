package actors

import (
	"github.com/anthdm/hollywood/actor"
	"github.com/tickroom/tickroom/netcode"
	"github.com/tickroom/tickroom/transports"
	"github.com/tickroom/tickroom/world"
)

// Messages between the actors. They are immutable once sent: local sends share
// the value.

// session ← receiver (the link's reader goroutine): the decoded client
// frames that are not a seated player's inputs or acks, as *netcode.Join,
// *netcode.Input, *netcode.Ack and *netcode.Leave, and the end of the link.
type linkClosed struct{ err error }

// lobby ← session
type joinRequest struct {
	session *actor.PID
	link    transports.Link // where the seat sends the player's frames
	sid     string          // the session id the client knows
	room    string
	mode    string
	name    string
}

// room ← lobby
type admit struct{ req joinRequest }

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
	// joinRefused refuses a join before any seat exists (from the lobby,
	// or from a full room).
	joinRefused struct {
		code netcode.Code
		msg  string
	}
	// admitted hands the session its seat; the welcome follows at the
	// room's next step.
	admitted struct{ seat *seat }
	// seatEnded says the room ended the seat: the game refused the join,
	// the room kicked the player or stopped. A session no longer holding
	// that seat ignores it.
	seatEnded struct {
		seat *seat
		code netcode.Code
		msg  string
	}
)

// roomTick is the room's own timer message.
type roomTick struct{}

// reconfigure carries new options to the lobby, which passes each room its
// mode's part as a reconfigureRoom.
type reconfigure struct{ opts Options }

type reconfigureRoom struct {
	opts     RoomOptions
	settings func(world.Game) // applies the mode's reloaded settings to a running game; nil: none
}

// stateFrame is one send of one room for every client with the same
// baseline (handed to each seat, not sent as a message): the shared encoded
// body plus what each client's small header needs. A room allocates one per
// distinct baseline per send and never touches it again.
type stateFrame struct {
	tick, base uint32
	serverTime uint32
	body       []byte // retained by the links until written: never reused
}
