// Package netcode is the Tickroom wire protocol: the frames a client and the
// server exchange, their msgpack encoding, state deltas against a baseline
// the client acknowledged, and the error and close codes. This comment is
// the protocol specification; kind.go gives every frame's layout in one line.
//
// netcode encodes world's types (world.Delta, world.Schema, world.Input) and
// imports only world, the standard library and msgpack (to decode and
// encode the payloads whose shape a game chooses): never hollywood, gws,
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
// (room, mode, name, a message type, a filter) must also be valid UTF-8,
// because they reach world state, games and other clients.
//
// A frame whose first element is an integer this version does not know is
// ignored after an error frame (CodeUnknownKind), so that a later version may
// add kinds without breaking older peers. A known kind sent in the wrong
// direction is treated the same way.
//
// # Protocol flow
//
// Connect. The client opens any transport. Nothing is sent until it joins;
// the session is in the lobby state. In the lobby state a client may also
// list rooms (list, answered by rooms) and ping. A connection may stay in
// the lobby state (before its first join, or after it leaves a room) for a
// bounded time only: past the server's join deadline it gets error
// join_timeout and is closed (a join under way then is let finish, and
// closes it only if it is refused). A server that already holds its limit
// of connections in the lobby state, or that is overloaded (below), refuses
// a new connection before its upgrade or session with HTTP 503 server_busy
// and Retry-After (see transports' "Admission"); one that slips past that
// check is closed at once with error server_busy. A reconnect that will
// resume a seat marks its handshake (transports' "Resuming") and is let in
// even then: it may resume, and a join from it gets server_busy. After an
// overload newcomers are let in at a pace for a while (a few percent of
// the connections present a second), and those over the pace are refused
// the same way; a connection let in by the resume mark that joins afresh
// then gets server_busy if the pace has no place for it.
//
// Join. The client sends join with ProtocolVersion, a mode (empty for the
// server's default), a player name, how it wants to join (JoinHow) and a
// room, and options for the game (a payload, or nil):
//
//	how 0 match      room "": any public, unlocked room of the mode with a free seat whose
//	                 game accepts the join (the oldest first), else a new room; room "x":
//	                 the public room x, made if there is none (join or create)
//	how 1 create     a new public room named room ("": a name the server picks);
//	                 room_exists if the name is taken
//	how 2 private    a new private room: not listed, never matchmade, joined only by its
//	                 id or its join code; room is its name ("" is fine, names of private
//	                 rooms need not be unique)
//	how 3 existing   the public room named room, never a new one; room_not_found if none
//	how 4 id         the room (public or private) whose id, or join code, is room;
//	                 room_not_found if none
//
// The game sees the options of the join that created its room (its create
// hook) and of every join (its join hook), and may refuse a join with a
// reason: the client gets error join_refused with the reason as its
// message (matchmaking, how 0 with an empty room, tries another room
// first). A version the server does not speak gets error CodeVersionMismatch
// and a close; a full room CodeRoomFull, a locked one CodeRoomLocked, an
// unknown mode CodeUnknownMode, and the session stays in the lobby state,
// free to join again. A second join while seated, or while a join is under
// way, gets CodeAlreadyJoined. A join that would make a new room when the
// connection, or its address, has made too many lately gets rate_limited;
// every join gets server_busy while the server is overloaded; in both cases
// the session stays in the lobby state (resumes are never refused for
// load: the server keeps the players it has).
//
// Welcome. The room admits the player and the server sends welcome: the
// session id, the player id and the id of the entity that represents it, the
// room's name and mode, the tick and send rates, the server clock, the entity
// schemas, the room's id (to join it again by id), a private room's join
// code (empty for a public room) and a resume token (empty when the server
// holds no seats for players who lose their connection). Schemas give each
// entity type's fields, in wire order, with their types; a client needs
// them to read values (a Float field's quantum turns the integer on the wire
// into units) and to apply deltas.
//
// State. A full snapshot follows the welcome, then, at the send rate, one
// state per send: a diff against the client's baseline or, when there is
// none, another snapshot. Every state carries the server tick it describes,
// the server clock, and inputAck, the last input seq the room applied for
// this client: a client that predicts its own movement replays its inputs
// after inputAck on top of the state (reconciliation), and interpolates other
// entities between recent states.
//
// Timing. Time a state by its tick and its serverTime, never by when it
// arrived or by counting arrivals: consecutive states are usually
// tickRate/sendRate ticks apart, but a send rate that does not divide the
// tick rate, a late server timer, a room that caught up several steps at
// once and the HTTP transports (which deliver states in bursts) all give
// other gaps. A tick lasts 1/tickRate seconds of game time; serverTime,
// the server's clock when the state was built, maps ticks to the server's
// time, and a ping's pong gives the offset between the server's clock and
// the client's.
//
// Rates. A reload of the server's config may change a running room's tick
// and send rates, and a server that cannot keep its rooms on time lowers
// the send rates of all its rooms alike (never below a floor it is
// configured with) and raises them again as its load falls. The room then sends rates, with the first tick that runs
// at the new rates, before any state of that tick; a client uses the new
// tick length from that tick on.
//
// Input and ack. The client sends input frames with an increasing seq,
// starting at 1 for each seat (a seq restarts at 1 after a leave and a new
// join), and ack, the last tick it has applied (0 before the first state).
// The room applies each player's buffered inputs at its next tick, in seq
// order; a seq not above the last one it took is dropped. A client with no
// input to send acknowledges states with ack frames instead, at most once
// per state it applies.
//
// Messages and events. A client sends its room message frames: a type (a
// short string the game knows) and a payload. The room hands them to the
// game at its next tick, each player's in the order it sent them, after
// that player's inputs. A game that takes no messages answers each with
// error unknown_message (the frame is ignored); a game that takes them may
// ignore types it does not know. The room sends events: a type, a payload
// and the tick the game sent it in, to one player, to all, or to all but
// some. Events are never dropped and arrive in order with the states: a
// client sees each event once, after a state of its tick or an earlier one
// and before any state of a later tick, on every transport and across a
// move from an HTTP transport to WebSocket. A client that cannot take its
// events as fast as they come (the server's send queue fills) is closed as
// a slow consumer.
//
// Resume. A connection that drops does not cost the player its seat when
// the server holds seats (room.resume_window): the room keeps the player in
// the game (the game's leave hook hears Disconnected; its inputs stop) for
// that long. The client, on any transport, sends resume as the first frame
// of a new connection instead of a join: the token of its latest welcome,
// the last tick it applied and the id of the last event it got (0: none).
// The room answers with a welcome (the same player, entity and room; a new
// session id and a new token: a token resumes once), then every event it
// sent the player after that event id, in order, then the next state: a
// diff from the tick the client named when the room still has its changes,
// a snapshot otherwise. If the room no longer holds every such event (a
// bounded number are kept per player), the client gets error events_lost
// instead of them, and a snapshot. A token that resumes no seat (unknown,
// used, of a seat that timed out or left, or of a room that is gone) gets
// error resume_expired and the connection stays in the lobby state: the
// client should join afresh. Every resume_expired, and every join by id
// (how 4) that finds no room, counts against the connection and its
// address: after a few the connection is closed with rate_limited, and an
// address that keeps guessing has such resumes and joins refused unread
// (rate_limited, close) until its budget refills, so neither tokens nor
// room ids nor join codes can be guessed. A name the server issued and
// retired lately (a token of a seat that timed out or was resumed, the id
// or code of a room that ended) is late, not a guess, and costs nothing:
// players behind one address whose seats expired together all join again. A resume while the old
// connection is still open ends the old one with replaced (the newest
// connection wins). After room.resume_window without a resume, the seat is
// freed (the leave hook hears TimedOut).
//
// Identity. A server may require a signed ticket (a JWT its game's backend
// issued) on every connection, carried in the transport's handshake (see
// package transports), never in a URL. A refused ticket closes the
// connection with unauthorized. The identity a ticket proves reaches the
// game's join hook; a server may keep one connection per user, closing the
// older with replaced.
//
// Ping. A client may send ping with any 64-bit value, typically its clock;
// the server answers pong with the value and its own clock, which gives the
// round trip time and the offset between the clocks.
//
// Leave. The client gives up its seat with leave and is back in the lobby
// state; closing the connection does the same. When a room stops, its
// clients get error CodeRoomClosed and are back in the lobby state; when
// the game removes a player, it gets CodeKicked with the game's reason.
//
// An event's id numbers the room's events in the order the room sent them,
// from 1, to whichever players: a client sees increasing ids with gaps (the
// events for others). A resuming client names the last id it got.
//
// Listing. list asks for a page of the public rooms, of one mode or of all,
// optionally only those whose metadata has given values (compared as text);
// rooms answers with the total number that matched and the page, in the
// order rooms were made, carrying the request number of the list it
// answers. Private rooms are never listed.
//
// # Deltas
//
// The server keeps a bounded history of changes in each room's world (the
// room.history setting, in ticks) and, per client, the highest tick it has
// acknowledged: the baseline. Each send builds, as in Quake 3, a diff from
// that baseline to the current tick. A baseline of 0 (none yet) or one
// older than the history gets a full snapshot instead.
//
// Acknowledgements move the baseline forward only. An ack of 0 asks for a
// full snapshot: the baseline is cleared, and every ack of a tick before
// the next state the server sends is ignored, so that an older ack still on
// its way (in an input sent before the reset, say) cannot pin the baseline
// the client has lost. An ack of a tick the server never sent this client
// (after the current tick, or before the first state of its seat, which may
// be an ack meant for its previous room) is ignored: the baseline stays
// where it was.
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
// A client applies a diff to a copy of its baseline in this order: remove
// the removed entities, apply the changes to the entities that remain, add
// the added ones, then apply the private section. Entity ids are never
// reused within a room: an id that is removed never comes back, so an added
// id is always a new entity.
//
// Private fields (a schema field with the private flag) belong to the
// player who owns the entity. Everyone else reads them as zero (an empty
// string for String fields): added entities carry 0 there and changes leave
// them out. The owner gets them in its state's private section, in the
// layout of changed: for an entity the state adds, its private fields that
// are not zero (the difference from zero); for others, the private fields
// that changed since the baseline. A state without private data for its
// receiver leaves the section out (the array is one element shorter).
//
// A game may also show each player only some entities. An entity a player
// does not see is not in its states; one it starts to see is added, with
// all its values, and one it stops seeing is removed, even though it still
// exists for others. Ids are still never reused: an entity a player sees
// again comes back with its old id.
//
// The bytes after a state's head (added, changed, removed) depend only on
// the delta, so the server encodes them once per distinct baseline and view
// and shares them among all clients in that position, each behind its own
// short head (AppendStateHead, AppendStateBody).
//
// # Layouts
//
// Client to server:
//
//	join     [1, version int, mode str, name str, how u8, room str, options]
//	input    [3, seq u32, ack u32, buttons u32, axis0 i16, axis1 i16, axis2 i16, axis3 i16]
//	ack      [4, ack u32]
//	ping     [7, clientTime u64]
//	leave    [10]
//	message  [11, type str, payload]
//	list     [12, request u32, mode str, offset u32, limit u16, filter]
//	resume   [16, version int, token str, lastTick u32, lastEvent u32]
//
// An input carries 0 to 4 axes; missing trailing axes are 0, and encoders
// leave out trailing zeros. Games give buttons and axes their meaning; the
// arena reads axes 0 and 1 as the direction, ±1000 at full deflection. A
// list's limit of 0 asks for the server's page size, and a larger limit
// than MaxListLimit gets MaxListLimit rooms at most; filter is a map of
// metadata key to value, both str, or nil (or an empty map) for none.
//
// Server to client:
//
//	welcome  [2, version int, session str, player u32, entity u32, room str, mode str,
//	          tickRate u16, sendRate u16, serverTime u32, schemas, roomID str,
//	          joinCode str, resumeToken str]
//	snapshot [5, tick u32, serverTime u32, inputAck u32, (private,) added]
//	diff     [6, tick u32, baseline u32, serverTime u32, inputAck u32, (private,) added,
//	          changed, removed]
//	pong     [8, clientTime u64, serverTime u32]
//	error    [9, code u16, message str]
//	rooms    [13, request u32, total u32, [room, …]]
//	event    [14, tick u32, id u32, type str, payload]
//	rates    [15, tick u32, tickRate u16, sendRate u16]
//
// with
//
//	schemas  [[name str, [[fieldName str, type u8, quantum float64, maxLen u16, flags u8], …]], …]
//	added    [[id u32, type u8, v0, v1, …], …]      one array per entity, every field
//	changed  [idGap u32, mask u64, v…, idGap u32, mask u64, v…, …]    one flat array
//	private  as changed
//	removed  [idGap u32, …]                          one flat array
//	room     [id str, name str, mode str, players u16, maxPlayers u16, locked bool, metadata]
//
// serverTime is milliseconds since the server process started, wrapping after
// 49.7 days; compare two of them with unsigned subtraction. A field type is a
// world.FieldType (1 int, 2 float, 3 bool, 4 string); quantum is the
// resolution of a float field (0 for others), maxLen the length limit of a
// string field (0 for the default, world.DefaultMaxLen) and flags bit 0
// marks a private field (other bits are 0). A value v is an int for numeric
// fields and a str for String fields; an empty string may be sent as the
// int 0, and any other mismatch makes the state bad (world.Apply refuses
// it). In added, type indexes schemas. A diff's baseline is between 1 and
// its tick. A welcome's rates satisfy 1 <= sendRate <= tickRate. In a
// rooms answer, id, name and mode have the limits of MaxRoomIDLen,
// MaxRoomLen and MaxModeLen.
//
// In changed and private, each entity takes 2+popcount(mask) elements: its
// id gap, its mask (bit i set when field i changed, never 0) and one value
// per set bit, lowest bit first. Changed, private and removed list ids in
// ascending order, each as the gap from the previous id (the first as the id
// itself): gaps are never 0 and the ids never overflow u32. Entity ids start
// at 1.
//
// A payload (options, a message's, an event's, metadata) is any one msgpack
// value, or nil for none: the game decides its shape (msgpack maps with
// string keys are the usual choice; metadata is a map, or nil for none).
// Decoders check it is one well-formed value within its size limit, with
// arrays and maps nested at most MaxPayloadDepth deep (a top-level array or
// map, even an empty one, is the first level) and every str in it valid
// UTF-8 (a payload may reach other clients, whose decoders may insist; bin
// is for bytes), and keep its bytes; a game
// decodes it strictly into its own types (Payload.Decode: unknown fields
// and wrong types are errors; ranges, such as a negative number for an
// unsigned field, are the game's to check).
//
// Integers are msgpack integers, never floats, whatever the language: a
// JavaScript encoder writes a float64 for a number it cannot prove is an
// integer (1.0 from a division, say), and a ping whose clientTime is a
// float is bad_frame. Use the encoder's integer types, or round first.
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
//	                        error at most once a second; close after session.max_rejected drops.
//	                        A seated player's frames that arrive in a burst after a network stall
//	                        are taken whole (session.catch_up). Also: a join that would make a room
//	                        past the connection's or address's budget (stays connected); resumes
//	                        and joins by id that found nothing, too many (close)
//	4004 room_full          join refused, the room has no free seat; stays connected
//	4005 not_joined         input, ack, message or leave before a join; error, frame ignored
//	4006 version_mismatch   join with another ProtocolVersion; error, close
//	4007 slow_consumer      the client kept too far behind the frames sent to it; close
//	4008 heartbeat_timeout  nothing heard from the client for too long; close
//	4009 already_joined     join on a seated or joining session; error, frame ignored
//	4010 unknown_mode       join refused, no such game mode; stays connected
//	4011 room_closed        the room stopped (the message may say why); back in the lobby state
//	4012 internal           a server fault; close
//	4013 too_many_rooms     join refused, it would create a room past room.max_rooms; stays connected
//	4014 join_refused       join refused by the game (the message is its reason), or the
//	                        game's schemas do not fit the wire; stays connected
//	4015 room_not_found     join refused, no room of that name, id or join code; stays connected
//	4016 room_locked        join refused, the room is locked; stays connected
//	4017 room_exists        create refused, a public room of that name exists; stays connected
//	4018 unknown_message    a message the game does not take; error, frame ignored
//	4019 kicked             the game removed the player (the message is its reason); back in the
//	                        lobby state
//	4020 resume_expired     resume refused: no seat for that token; stays connected (join afresh)
//	4021 events_lost        on a resume, events the client missed are gone; a snapshot follows
//	4022 replaced           a newer connection took the seat, or the user's session; close
//	4023 unauthorized       the connection's ticket or credentials were refused; close
//	4024 server_busy        the server is overloaded (or paces newcomers after it), or holds its limit of connections in the lobby
//	                        state: a new connection is refused before its upgrade (HTTP 503 with
//	                        Retry-After) or, past that check, gets it and is closed; a join gets it
//	                        and stays connected. Come back after Retry-After, with backoff
//	4025 join_timeout       the connection stayed in the lobby state past the join deadline; close
//
// Code.Closes says which codes close. Codes this version does not know are
// to be shown to the user and otherwise treated as internal.
//
// # Limits
//
//	room                 64 bytes    MaxRoomLen (a name, id or join code in join)
//	mode                 32 bytes    MaxModeLen
//	player name          32 bytes    MaxNameLen
//	session id           64 bytes    MaxSessionLen
//	error message       256 bytes    MaxErrorLen
//	type and field name  32 bytes    MaxSchemaNameLen
//	String value       1024 bytes    MaxValueLen, also the largest maxLen
//	schemas             256          MaxSchemas
//	fields per schema   1–64         MaxFields
//	axes per input      0–4          MaxAxes
//	state head           22 bytes    MaxStateHeadLen, before a private section
//	message/event type   32 bytes    MaxTypeLen, at least 1
//	room id, join code   32 bytes    MaxRoomIDLen
//	resume token         64 bytes    MaxTokenLen, at least 1
//	options, message   1024 bytes    MaxPayloadLen
//	event payload     16384 bytes    MaxEventLen
//	metadata           1024 bytes    MaxMetadataLen
//	payload depth         8          MaxPayloadDepth
//	rooms per answer    100          MaxListLimit
//	filter keys           8          MaxFilterKeys, each key 32 bytes, value 64 bytes
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
//   - 2: join says how (match, create, private, existing, by id or code)
//     and carries options; welcome carries the room id, a private room's
//     join code and a resume token; schemas mark private fields; states
//     carry the receiver's private section; game messages (client to room)
//     and events, numbered (room to clients); room listings; rate changes;
//     resume; codes 4015–4023. Later, within version 2: codes 4024
//     server_busy and 4025 join_timeout, which a client that does not know
//     them treats as it treats any unknown code.
const ProtocolVersion = 2

// Length limits in bytes. Strings over them make a frame malformed.
const (
	MaxRoomLen       = 64   // join and welcome room
	MaxModeLen       = 32   // join and welcome mode
	MaxNameLen       = 32   // join player name
	MaxSessionLen    = 64   // welcome session id
	MaxErrorLen      = 256  // error message
	MaxSchemaNameLen = 32   // entity type and field names in welcome
	MaxValueLen      = 1024 // String field values, and a String field's maxLen
	MaxTypeLen       = 32   // message and event type
	MaxRoomIDLen     = 32   // room id and join code
	MaxTokenLen      = 64   // resume token
	MaxMetaKeyLen    = 32   // listing filter key
	MaxMetaValueLen  = 64   // listing filter value
)

// Payload limits: a payload is one msgpack value of at most this many bytes,
// with arrays and maps nested at most MaxPayloadDepth deep.
const (
	MaxPayloadLen   = 1024      // join options and message payloads, from clients
	MaxEventLen     = 16 * 1024 // event payloads, from the server
	MaxMetadataLen  = 1024      // a room's metadata
	MaxPayloadDepth = 8
)

// Listing limits.
const (
	MaxListLimit  = 100 // rooms in one answer
	MaxFilterKeys = 8   // metadata keys in one filter
)

// Count limits.
const (
	MaxSchemas = 256             // entity types in welcome; an added type is a u8
	MaxFields  = world.MaxFields // fields per entity type; a change mask is a u64
	MaxAxes    = len(world.Input{}.Axes)
)
