package netcode

import "github.com/tickroom/tickroom/world"

// Message is a decoded frame. Decoders return pointers (*Join, *State, …);
// AppendMessage takes pointers or values.
type Message interface {
	Kind() Kind
}

// Join asks for a seat in a room. An empty Room matchmakes: any room of the
// mode with a free seat, or a new one. An empty Mode is the server's default
// mode. Version must be ProtocolVersion.
type Join struct {
	Version int
	Room    string
	Mode    string
	Name    string
}

// Welcome admits a player: it names the session, the player and its entity,
// the room, the rates, the server clock and the entity schemas every later
// state refers to. A full snapshot follows.
type Welcome struct {
	Version    int
	Session    string
	Player     uint32
	Entity     uint32
	Room       string
	Mode       string
	TickRate   int    // room ticks per second
	SendRate   int    // states sent per second
	ServerTime uint32 // milliseconds since the server started
	Schemas    []world.Schema
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

// State is a snapshot (Delta.Base 0) or a diff against tick Delta.Base, with
// the server clock and the last input sequence the room applied for the
// receiving client.
type State struct {
	ServerTime uint32
	InputAck   uint32
	Delta      world.Delta
}

// Kind implements Message.
func (Join) Kind() Kind { return KindJoin }

// Kind implements Message.
func (Welcome) Kind() Kind { return KindWelcome }

// Kind implements Message.
func (Input) Kind() Kind { return KindInput }

// Kind implements Message.
func (Ack) Kind() Kind { return KindAck }

// Kind implements Message.
func (Ping) Kind() Kind { return KindPing }

// Kind implements Message.
func (Pong) Kind() Kind { return KindPong }

// Kind implements Message.
func (Error) Kind() Kind { return KindError }

// Kind implements Message.
func (Leave) Kind() Kind { return KindLeave }

// Kind implements Message: KindSnapshot when Delta.Base is 0, else KindDiff.
func (s State) Kind() Kind {
	if s.Delta.Base == 0 {
		return KindSnapshot
	}
	return KindDiff
}
