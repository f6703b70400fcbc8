package actors

import (
	"github.com/anthdm/hollywood/actor"
	"github.com/tickroom/tickroom/netcode"
	"github.com/tickroom/tickroom/transports"
	"github.com/tickroom/tickroom/world"
	"golang.org/x/time/rate"
)

// Messages between the actors. They are immutable once sent: local sends share
// the value.

// session ← receiver (the link's reader goroutine): the decoded client
// frames that are not a seated player's inputs or acks, as *netcode.Join,
// *netcode.Input, *netcode.Ack and *netcode.Leave, and the end of the link.
type linkClosed struct{ err error }

// lobby ← session
type (
	joinRequest struct {
		session  *actor.PID
		link     transports.Link // where the seat sends the player's frames
		sid      string          // the session id the client knows
		addr     string          // the client's address (clientAddr): whose room budget a new room spends
		exempt   bool            // the address has no budget (LimitOptions.ExemptAddrs)
		creates  *rate.Limiter   // the session's room budget; only the lobby uses it
		mode     string
		name     string
		how      netcode.JoinHow
		room     string // a name, id or join code, as how says
		options  netcode.Payload
		identity world.Identity
		tried    []string // rooms whose game refused this matchmade join already

		// On a node of a cluster (see cluster_route.go).
		ticket uint64 // the session's number for this join, should it leave this node
		guest  uint64 // the relay's guest the join came from, another node's player; 0: a player here
		routed bool   // decided elsewhere (a routed join): this node does not route it again
		named  bool   // the name's owner sent it here: it may create the room of that name
		target string // a matchmade join's room, picked from the cluster's listing
	}
	// listRequest asks for a page of the room listing; the lobby responds
	// to the sender with a *netcode.Rooms.
	listRequest struct{ list netcode.List }
	// resumeRequest asks for the seat of a token, for a new connection;
	// the lobby passes it to the token's room.
	resumeRequest struct {
		session   *actor.PID
		link      transports.Link
		sid       string
		token     string
		lastTick  uint32
		lastEvent uint32
		identity  world.Identity
		ticket    uint64 // as joinRequest's
		guest     uint64 // as joinRequest's
	}
)

// room ← lobby
type admit struct {
	req     joinRequest
	created bool // the room was made for this join: the game's create hook sees its options
}

// roomInfo is what a room is told of itself when the lobby makes it.
type roomInfo struct {
	id, name, mode string
	code           string // join code of a private room, "" for a public one
}

// lobby ← room
type (
	roomReport struct { // the room's state after admits, leaves and game changes
		id          string // rooms are told apart by id: a name may be reused after a dispose
		players     int
		locked      bool
		metadata    netcode.Payload
		metaChanged bool
		settled     int // admits answered (seated or refused) since the last report
	}
	admitRefused struct { // a join the room turned down, for the lobby to answer or re-route
		id      string
		req     joinRequest
		created bool
		code    netcode.Code
		msg     string
	}
	roomIdle    struct{ id string } // empty for EmptyTimeout
	roomClosing struct{ id string } // the room ends itself (its game closed it, or failed)
	roomStopped struct{ id string } // the room has stopped, whoever stopped it
)

// session ← lobby or room
type (
	// joinRefused refuses a join; no seat was made for it.
	joinRefused struct {
		code  netcode.Code
		msg   string
		guest uint64 // the request's guest, for the relay
		// late: the name refused (a resume token, a room id or code)
		// existed and was retired, so this is no guess (see retired).
		late bool
	}
	// admitted hands the session its seat, in the room's step that welcomes
	// it: before the welcome is written, so whatever the client answers to
	// the welcome finds the session seated.
	admitted struct {
		seat    *seat
		resumed bool   // a resume, not a join
		created bool   // the join made the room
		guest   uint64 // the request's guest, for the relay
	}
	// seatEnded says the room ended the seat: it kicked the player or
	// stopped. A session no longer holding that seat ignores it.
	seatEnded struct {
		seat  *seat
		code  netcode.Code
		msg   string
		guest uint64 // the guest the seat was on, for the relay
	}
)

// session ← lobby: the answer to a list is a *netcode.Rooms.

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
