// Package netcode is the Tickroom wire protocol: the frames a client and the
// server exchange, their msgpack encoding, state deltas against a baseline
// the client acknowledged, and the error and close codes. This comment is
// the protocol specification; kind.go gives every frame's layout in one line.
//
// netcode encodes world's types (world.Delta, world.Schema, world.Input) and
// imports only world and the standard library: never hollywood, gws,
// net/http or toml. Transports move its frames as opaque bytes; the actors
// package decides what to send when.
//
// The frames are standard msgpack, byte for byte what
// github.com/vmihailenco/msgpack/v5 writes with compact ints, and the tests
// check them against that library. netcode writes and reads them with its own
// small helpers instead of the library's Encoder and Decoder because a room
// encodes a state per client per send: appending to a reused buffer costs no
// allocation and no interface call per value, and a reader that checks every
// length against the bytes left cannot be made to allocate by a lying header.
//
// # Frames
//
// A frame is exactly one msgpack array, carried whole by the transport (one
// binary WebSocket message, or one length-prefixed record on the HTTP
// transports). The first element is the frame's Kind, a small positive int;
// the other elements are positional, in the order listed below, with no
// optional elements except where noted. Bytes after the array make the frame
// malformed.
//
// Encoders write every integer in its shortest msgpack form (a tick below 128
// is one byte) and floats as float64; decoders accept any integer width as
// long as the value is in range, and float32 or float64 for floats. "u32"
// means an integer in [0, 2³²-1], "i16" one in [-2¹⁵, 2¹⁵-1], and so on;
// "str" is a msgpack str. A value of the wrong msgpack type, out of range or
// over its length limit makes the frame malformed. Strings a client chooses
// (room, mode, name) must also be valid UTF-8, because they reach world state
// and other clients.
//
// A frame whose first element is an integer this version does not know is
// ignored after an error frame (CodeUnknownKind), so that a later version may
// add kinds without breaking older peers. A known kind sent in the wrong
// direction is treated the same way.
//
// # Protocol flow
//
// Connect. The client opens any transport. Nothing is sent until it joins;
// the session is in the lobby state.
//
// Join. The client sends join with ProtocolVersion, a room name (empty to be
// matched into any room of the mode with a free seat, or a new one), a mode
// (empty for the server's default) and a player name. A version the server
// does not speak gets error CodeVersionMismatch and a close; a full room
// CodeRoomFull and an unknown mode CodeUnknownMode, and the session stays in
// the lobby state, free to join again. A second join while seated gets
// CodeAlreadyJoined.
//
// Welcome. The room admits the player and the server sends welcome: the
// session id, the player id and the id of the entity that represents it, the
// room and mode actually joined, the tick and send rates, the server clock and
// the entity schemas. Schemas give each entity type's fields, in wire order,
// with their types; a client needs them to read values (a Float field's
// quantum turns the integer on the wire into units) and to apply deltas.
//
// State. A full snapshot follows the welcome, then, at the send rate, one
// state per send: a diff against the client's baseline or, when there is
// none, another snapshot. Every state carries the server tick it describes,
// the server clock, and inputAck, the last input seq the room applied for
// this client: a client that predicts its own movement replays its inputs
// after inputAck on top of the state (reconciliation), and interpolates other
// entities between recent states.
//
// Input and ack. The client sends input frames with an increasing seq,
// starting at 1, and ack, the last tick it has applied (0 before the first
// state). The room applies each player's buffered inputs at its next tick, in
// seq order. A client with no input to send acknowledges states with ack
// frames instead, at most once per state it applies.
//
// Ping. A client may send ping with any 64-bit value, typically its clock;
// the server answers pong with the value and its own clock, which gives the
// round trip time and the offset between the clocks.
//
// Leave. The client gives up its seat with leave and is back in the lobby
// state; closing the connection does the same. When a room stops, its
// clients get error CodeRoomClosed and are back in the lobby state.
//
// # Deltas
//
// The server keeps a bounded history of changes in each room's world (the
// room.history setting, in ticks) and, per client, the highest tick it has
// acknowledged: the baseline. Each send builds, as in Quake 3, a diff from
// that baseline to the current tick. A baseline of 0 (none yet), one the
// server does not know, or one older than the history gets a full snapshot
// instead. An ack of 0 after a nonzero one clears the baseline, so a client
// that has lost its state gets a snapshot.
//
// A diff carries added entities with all their values, removed entity ids,
// and per changed entity a field mask and the changed values: the new text
// for String fields, and for every numeric field (Int, Float, Bool) the new
// value minus the baseline value, in int64 arithmetic that wraps the same way
// on both ends. Differences are small, so a moving entity costs a few bytes.
// The price is that a diff is only meaningful against the exact state at its
// baseline tick: the client applies it to the state it kept for that tick
// (world.Apply does, and checks the result) and must keep every state it has
// applied from the baseline of the latest diff onwards, since the server
// moves the baseline only forward. A client that receives a diff whose
// baseline it no longer has drops it and sends ack 0.
//
// The bytes after a state's head (added, changed, removed) depend only on the
// delta, so the server encodes them once per distinct baseline and shares
// them among all clients on that baseline, each behind its own short head
// (AppendStateHead, AppendStateBody).
//
// # Layouts
//
// Client to server:
//
//	join     [1, version int, room str, mode str, name str]
//	input    [3, seq u32, ack u32, buttons u32, axis0 i16, axis1 i16, axis2 i16, axis3 i16]
//	ack      [4, ack u32]
//	ping     [7, clientTime u64]
//	leave    [10]
//
// An input carries 0 to 4 axes; missing trailing axes are 0, and encoders
// leave out trailing zeros. Games give buttons and axes their meaning; the
// arena reads axes 0 and 1 as the direction, ±1000 at full deflection.
//
// Server to client:
//
//	welcome  [2, version int, session str, player u32, entity u32, room str, mode str,
//	          tickRate u16, sendRate u16, serverTime u32, schemas]
//	snapshot [5, tick u32, serverTime u32, inputAck u32, added]
//	diff     [6, tick u32, baseline u32, serverTime u32, inputAck u32, added, changed, removed]
//	pong     [8, clientTime u64, serverTime u32]
//	error    [9, code u16, message str]
//
// with
//
//	schemas  [[name str, [[fieldName str, type u8, quantum float64, maxLen u16], …]], …]
//	added    [[id u32, type u8, v0, v1, …], …]      one array per entity, every field
//	changed  [idGap u32, mask u64, v…, idGap u32, mask u64, v…, …]    one flat array
//	removed  [idGap u32, …]                          one flat array
//
// serverTime is milliseconds since the server process started, wrapping after
// 49.7 days; compare two of them with unsigned subtraction. A field type is a
// world.FieldType (1 int, 2 float, 3 bool, 4 string); quantum is the
// resolution of a float field (0 for others) and maxLen the length limit of a
// string field (0 for the default, world.DefaultMaxLen). A value v is an int
// for numeric fields and a str for String fields; an empty string may be sent
// as the int 0. In added, type indexes schemas. A diff's baseline is between 1
// and its tick.
//
// In changed, each entity takes 2+popcount(mask) elements: its id gap, its
// mask (bit i set when field i changed, never 0) and one value per set bit,
// lowest bit first. Changed and removed list ids in ascending order, each as
// the gap from the previous id (the first as the id itself): gaps are never
// 0 and the ids never overflow u32. Entity ids start at 1.
//
// # Codes
//
// A Code travels in error frames and, for the codes that end a connection, as
// the WebSocket close code or the close record on the HTTP transports. When
// the session decides to close (bad_frame, too_large, rate_limited,
// version_mismatch, slow_consumer for a player that stopped acknowledging),
// it sends the error frame first. Closes decided by the transport itself
// carry the code in the close only: slow_consumer for a full send queue or a
// write timeout, heartbeat_timeout, going_away at shutdown, and WebSocket's
// 1009 for a frame over four times the read limit, which is refused unread.
// What the server does:
//
//	1001 going_away         the server is shutting down; close
//	4000 bad_frame          malformed msgpack or layout (ErrMalformed); error, close
//	4001 unknown_kind       unknown kind, or a known kind from the wrong side; error, frame ignored
//	4002 too_large          frame over the transport's read limit; error, close
//	4003 rate_limited       frame over the session's rate (session.input_rate, input_burst) is dropped;
//	                        error at most once a second; close after session.max_rejected drops
//	4004 room_full          join refused, the room has no free seat; stays connected
//	4005 not_joined         input, ack or leave before a join; error, frame ignored
//	4006 version_mismatch   join with another ProtocolVersion; error, close
//	4007 slow_consumer      the client kept too far behind the frames sent to it; close
//	4008 heartbeat_timeout  nothing heard from the client for too long; close
//	4009 already_joined     join on a seated session; error, frame ignored
//	4010 unknown_mode       join refused, no such game mode; stays connected
//	4011 room_closed        the room stopped; the session is back in the lobby state
//	4012 internal           a server fault; close
//	4013 too_many_rooms     join refused, it would create a room past room.max_rooms; stays connected
//	4014 join_refused       join refused by the game (or its schemas do not fit the wire); stays connected
//
// Code.Closes says which codes close. Codes this version does not know are
// to be shown to the user and otherwise treated as internal.
//
// # Limits
//
//	room                 64 bytes    MaxRoomLen
//	mode                 32 bytes    MaxModeLen
//	player name          32 bytes    MaxNameLen
//	session id           64 bytes    MaxSessionLen
//	error message       256 bytes    MaxErrorLen
//	type and field name  32 bytes    MaxSchemaNameLen
//	String value       1024 bytes    MaxValueLen, also the largest maxLen
//	schemas             256          MaxSchemas
//	fields per schema   1–64         MaxFields
//	axes per input      0–4          MaxAxes
//	state head           22 bytes    MaxStateHeadLen
//
// The server reads whole frames of up to websocket.read_limit bytes (4096 by
// default), far above the largest client frame; a longer one is answered
// with CodeTooLarge, and one over four times the limit is refused unread
// with WebSocket close 1009.
package netcode

import "github.com/tickroom/tickroom/world"

// ProtocolVersion is the version of the wire protocol, sent in join and
// welcome. Any change to a layout, a kind or a code's meaning bumps it.
//
// History:
//   - 1: first version.
const ProtocolVersion = 1

// Length limits in bytes. Strings over them make a frame malformed.
const (
	MaxRoomLen       = 64   // join and welcome room
	MaxModeLen       = 32   // join and welcome mode
	MaxNameLen       = 32   // join player name
	MaxSessionLen    = 64   // welcome session id
	MaxErrorLen      = 256  // error message
	MaxSchemaNameLen = 32   // entity type and field names in welcome
	MaxValueLen      = 1024 // String field values, and a String field's maxLen
)

// Count limits.
const (
	MaxSchemas = 256             // entity types in welcome; an added type is a u8
	MaxFields  = world.MaxFields // fields per entity type; a change mask is a u64
	MaxAxes    = len(world.Input{}.Axes)
)
