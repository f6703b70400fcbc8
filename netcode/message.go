package netcode

import "github.com/tickroom/tickroom/world"

// Frame is a decoded frame. Decoders return pointers (*Join, *State, …);
// AppendFrame takes pointers or values.
type Frame interface {
	Kind() Kind
}

// Join asks for a seat in a room, in one of the ways How names. An empty
// Mode is the server's default mode. Options are for the game (its create
// and join hooks). Version must be ProtocolVersion.
type Join struct {
	Version int
	Mode    string
	Name    string
	How     JoinHow
	Room    string // a room name, id or join code, as How says
	Options Payload
}

// JoinHow says which room a join means.
type JoinHow uint8

// The ways to join. See the package documentation.
const (
	JoinMatch         JoinHow = 0 // Room "": any open public room of the mode, or a new one; else the public room Room, made if missing
	JoinCreate        JoinHow = 1 // a new public room named Room ("": a name of the server's); room_exists if taken
	JoinCreatePrivate JoinHow = 2 // a new private room: not listed, not matchmade, joined by id or code
	JoinExisting      JoinHow = 3 // the public room named Room; room_not_found if none
	JoinByID          JoinHow = 4 // the room whose id or join code is Room; room_not_found if none

	maxJoinHow = JoinByID
)

// Welcome admits a player: it names the session, the player and its entity,
// the room, the rates, the server clock and the entity schemas every later
// state refers to. A full snapshot follows.
type Welcome struct {
	Version     int
	Session     string
	Player      uint32
	Entity      uint32
	Room        string
	Mode        string
	TickRate    int    // room ticks per second
	SendRate    int    // states sent per second
	ServerTime  uint32 // milliseconds since the server started
	Schemas     []world.Schema
	RoomID      string // the room's id: join it again by id
	JoinCode    string // a private room's join code, "" for a public room
	ResumeToken string // resumes the seat after a lost connection; "" when the server holds no seats
}

// Input is one player command. Seq numbers the client's inputs (the server
// echoes the last one applied as State.InputAck) and Ack is the last tick the
// client has applied, 0 for none.
type Input struct {
	Seq uint32
	Ack uint32
	world.Input
}

// Ack acknowledges tick Tick without sending input.
type Ack struct {
	Tick uint32
}

// Ping asks for a Pong. ClientTime is opaque to the server and echoed back.
type Ping struct {
	ClientTime uint64
}

// Pong answers a Ping with the server clock.
type Pong struct {
	ClientTime uint64
	ServerTime uint32
}

// Error reports a refused or ignored frame, or the reason for a close.
type Error struct {
	Code    Code
	Message string
}

// Leave gives up the seat; the session stays connected in the lobby state.
type Leave struct{}

// Message is a game message from a client to its room: a type the game
// knows and a msgpack payload.
type Message struct {
	Type    string
	Payload Payload
}

// List asks for a page of the public rooms: of Mode (empty: every mode),
// whose metadata has every key of Filter with that value (as text), from
// Offset, at most Limit (0: the server's page size). The server answers
// with Rooms carrying the same Request.
type List struct {
	Request uint32
	Mode    string
	Offset  uint32
	Limit   uint16
	Filter  map[string]string
}

// Rooms answers a List: Total rooms matched, and the page of them.
type Rooms struct {
	Request uint32
	Total   uint32
	Rooms   []RoomInfo
}

// RoomInfo is one room of a listing.
type RoomInfo struct {
	ID         string
	Name       string
	Mode       string
	Players    int
	MaxPlayers int
	Locked     bool
	Metadata   Payload // a msgpack map, or empty
}

// Event is a game event from the room, of the tick it was sent in. ID
// numbers the room's events in the order it sent them (to anyone): a client
// resuming its seat names the last one it got, and gets those after it.
type Event struct {
	Tick    uint32
	ID      uint32
	Type    string
	Payload Payload
}

// Resume asks for the seat a connection lost, by the token of its last
// welcome, from the last tick the client applied and the last event it got
// (0: none). Version must be ProtocolVersion.
type Resume struct {
	Version   int
	Token     string
	LastTick  uint32
	LastEvent uint32
}

// Rates tells a client that its room's tick and send rates changed from
// tick Tick on (a reload of the server's config).
type Rates struct {
	Tick     uint32
	TickRate int
	SendRate int
}

// State is a snapshot (Delta.Base 0) or a diff against tick Delta.Base, with
// the server clock and the last input sequence the room applied for the
// receiving client. Delta.Private holds the receiver's private fields.
type State struct {
	ServerTime uint32
	InputAck   uint32
	Delta      world.Delta
}

// Kind implements Frame.
func (Join) Kind() Kind { return KindJoin }

// Kind implements Frame.
func (Welcome) Kind() Kind { return KindWelcome }

// Kind implements Frame.
func (Input) Kind() Kind { return KindInput }

// Kind implements Frame.
func (Ack) Kind() Kind { return KindAck }

// Kind implements Frame.
func (Ping) Kind() Kind { return KindPing }

// Kind implements Frame.
func (Pong) Kind() Kind { return KindPong }

// Kind implements Frame.
func (Error) Kind() Kind { return KindError }

// Kind implements Frame.
func (Leave) Kind() Kind { return KindLeave }

// Kind implements Frame.
func (Message) Kind() Kind { return KindMessage }

// Kind implements Frame.
func (List) Kind() Kind { return KindList }

// Kind implements Frame.
func (Rooms) Kind() Kind { return KindRooms }

// Kind implements Frame.
func (Event) Kind() Kind { return KindEvent }

// Kind implements Frame.
func (Rates) Kind() Kind { return KindRates }

// Kind implements Frame.
func (Resume) Kind() Kind { return KindResume }

// Kind implements Frame: KindSnapshot when Delta.Base is 0, else KindDiff.
func (s State) Kind() Kind {
	if s.Delta.Base == 0 {
		return KindSnapshot
	}
	return KindDiff
}
