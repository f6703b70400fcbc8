// Package client is a Go client for Tickroom: it connects to a server over
// any of its transports, joins rooms in every way protocol 2 offers, sends
// inputs and game messages, receives the room's events, lists rooms, keeps
// a mirror of the room's state, readable by type and field name, by
// applying the snapshots and diffs the room sends, and comes back by
// itself when its connection drops, resuming its seat.
//
//	c, err := client.Dial(ctx, "http://127.0.0.1:8080", client.Options{
//		Name:    "bot",
//		OnEvent: func(e netcode.Event) { log.Println("event", e.Type) },
//	})
//	w, err := c.JoinWith(ctx, client.JoinSpec{How: netcode.JoinCreatePrivate, Mode: "tag"})
//	// w.JoinCode is what friends join with: JoinSpec{How: netcode.JoinByID, Room: code}
//	err = c.SendMessage("chat", map[string]string{"text": "hello"})
//
// # Joining
//
// A connected client is in the lobby state. Join(ctx, room, mode) matchmakes
// (netcode.JoinMatch): room "" is any open public room of the mode, or a new
// one; a name is that public room, made if there is none. JoinWith takes a
// JoinSpec for the other ways: create a public room (JoinCreate), create a
// private one (JoinCreatePrivate: not listed, never matchmade), join an
// existing public room by name (JoinExisting), or any room by its id or
// join code (JoinByID), each with options for the game's create and join
// hooks (any value msgpack encodes, or a netcode.Payload as is). Both wait
// for the welcome and return it: its RoomID joins the room again by id, a
// private room's JoinCode is the short code to give to friends, and
// ResumeToken is the seat's (empty while the server holds no seats).
//
// A refusal is a *JoinError with the error frame's code and message, which
// for join_refused is the game's reason; it unwraps to its netcode.Code, so
// errors.Is(err, netcode.CodeRoomFull) works. After a refusal the client is
// still connected, in the lobby state, free to join again (unless the code
// closes the connection, like version_mismatch). One join runs at a time.
// A join whose context ended is still on its way: its answer, when it comes,
// still counts (a welcome seats the client), and a join sent while it is
// under way is refused with already_joined.
//
// Leave, a kick by the game (error frame kicked, with the game's reason) and
// the end of the room (room_closed) put the client back in the lobby state:
// Welcome returns nil, the mirror is empty and Rates is zero. The error
// frames are in Errors and reach Options.OnFrame.
//
// # Messages and events
//
// SendMessage sends the room a game message: a type and a payload (encoded
// as msgpack unless it is a netcode.Payload). A game that takes no messages
// answers each with error unknown_message. The room's events reach
// Options.OnEvent, once each and in the order the game sent them, on every
// transport and across an upgrade: an event comes after a state of its tick
// or an earlier one and before any state of a later tick, so a program that
// reads the mirror in OnEvent sees the world the event belongs to. A program
// that would rather wait for events than take them in a callback makes
// EventQueue.Push its OnEvent and calls EventQueue.Next.
//
// # Listing rooms
//
// ListRooms asks the server over the connection for a page of its public
// rooms, filtered by mode and by metadata values; several may be on their
// way at once (list and rooms frames carry a request number). It works in
// the lobby state too.
//
// # Mirror
//
// The mirror follows the protocol's baseline rule: a diff names the tick it
// was computed from and carries differences against that exact state, so the
// client keeps its recent states (Options.History of them) and applies each
// diff to the one it names. A diff whose baseline is gone makes the client ask
// for a full snapshot by acknowledging tick zero. Frames older than the newest
// state are ignored. Unless Options.ManualAck is set, the client acknowledges
// every state it applies. A state's private section (the receiver's own
// entities' private fields) is applied with it: the client reads its own
// private values, and zero for everyone else's.
//
// State returns the newest state as world values; View returns it with the
// room's schemas, for a program that knows the game by its names:
//
//	v := c.View()
//	player, _ := v.TypeByName("player")
//	x, _ := v.FieldByName(player, "x")
//	for e := range v.Entities(player) {
//		fmt.Println(e.ID, e.Float(x)) // a Float field in units
//	}
//
// Options.OnChange is called after each state the client applies, with the
// entities it added, changed (and which fields) and removed since the
// previous state, and both states as Views.
//
// Rates reports the room's tick and send rates: the welcome's, and after a
// reload of the server's config those of the rates frame, from the first
// state of the tick it names (times are ticks divided by the tick rate in
// effect). The poll transport aims its requests with the send rate in
// effect.
//
// # Transports
//
// Every transport carries the same netcode frames and ends in the same kind
// of server session; only the way frames travel differs (the wire format is
// the HTTP transport spec, documented in package transports):
//
//   - "websocket": one binary WebSocket message per frame, both ways.
//   - "longpoll": a handshake (POST {base}) opens a session; a GET held by the
//     server returns the frames queued for the client as records (seq, length,
//     bytes), and the next GET acknowledges them with ack=<highest seq>, so a
//     response lost on the way loses nothing. In a room, the client's frames
//     ride on its long-polls (an exchange: one request uploads them and then
//     waits, see below), so an update costs one request.
//   - "stream": one long GET whose records arrive as the server produces them;
//     the server ends it periodically and the client re-opens it with its
//     latest ack. Acknowledgements also ride on the uplink POSTs (an empty POST
//     when the client has received many records and sent nothing).
//   - "poll": GETs the server answers at once. In a room the client aims
//     each GET at just after the room's next send (one send interval after
//     the last answer with frames, less its round trip), so it gets every
//     state at about one request each instead of beating against the send
//     rate; empty answers in a row back off to Options.PollInterval.
//
// On the HTTP transports the client's frames go up in batches numbered 1,
// 2, 3, …, one at a time; frames sent while one is in flight wait in a
// bounded queue (Options.SendQueue, ErrQueueFull beyond it) and share the
// next batch. A batch goes up in a POST, or, long-polling in a room, with
// the next long-poll as an exchange (transports' "Exchange"): the frames a
// program sends as a state arrives (the ack, an input) are queued just
// before the next long-poll starts and ride on it; frames sent while a
// long-poll is held wait for it to return and carry them, at most two of
// the room's send intervals, and are posted after that (Stats.Exchanges
// counts the batches that rode). An input made between two states thus
// reaches the room a tick later than a POST would have taken it (one that
// a program sends as a state arrives, in OnChange say, loses nothing). Out
// of a room, and on the stream and poll transports, frames are posted at
// once. A batch that fails is sent
// again under the same number, by either request, which the server
// ignores if it had it; a POST that fails twice ends the connection. A close
// record from the server ends the connection with its code, as a WebSocket
// close frame does: CloseCode and Err (a *CloseError) report it on every
// transport. Close posts what is queued and then deletes the session.
//
// A proxy that buffers whole responses holds a stream back until it ends.
// The server writes a keepalive record with the headers of every stream, so
// a stream of which no record arrives within min(3 s, pingTimeout) of its
// request is behind such a proxy (the rule of "Streams behind buffering
// proxies" in package transports): the client abandons it and long-polls the
// same session from then on (Transport reports "longpoll",
// Stats.StreamFallbacks counts it), losing nothing, since the server keeps
// every record until a request acknowledges it. A program that dials again
// after that should choose long-polling.
//
// Dial takes the WebSocket endpoint ("ws://host:port/ws") or the server's
// base URL ("http://host:port") and derives the other (Options.WSPath,
// Options.HTTPPath). A server that refuses a new connection for load or
// capacity answers before any upgrade or session; Dial then fails with an
// *HTTPError carrying the code (server_busy, server_full,
// too_many_connections) and RetryAfter, the least time to wait before
// dialling again, on every transport (a WebSocket refused so does not
// fall back to long-polling, which would be refused alike).
//
// # Fallback and upgrade
//
// With Options.Transport empty the client tries WebSocket first, bounded by
// Options.HandshakeTimeout. If the upgrade is refused (any answer but 101,
// for example from a proxy that blocks WebSocket), fails or times out, it
// falls back to long-polling; a connection refused on the port fails Dial at
// once, since the HTTP transports use the same port. A long-polling or
// streaming client, whether it fell back or chose the transport, then tries
// once, in the background, to move to WebSocket (not with Options.NoUpgrade,
// and never from "poll"):
//
//  1. it opens the WebSocket endpoint with ?sid=<session id>, sends the text
//     message "probe" and waits for the server's "probe";
//  2. it stops its HTTP downlink after the current request (a stream is cut
//     at once; the server keeps every record not yet acknowledged) and
//     processes what that request brought;
//  3. it sends the text message "upgrade N", N the highest seq it received;
//     the server sends every later frame on the WebSocket, in order;
//  4. it posts whatever frames were queued for the uplink and then sends on
//     the WebSocket, so that no frame overtakes an earlier one.
//
// No frame is lost, repeated or reordered across the switch. If the probe
// fails the client carries on over HTTP (Stats.UpgradeFailures counts it);
// Transport reports "websocket" once the switch is done (Stats.Upgrades).
//
// # Reconnecting
//
// With Options.Reconnect (its zero value keeps it off: a drop ends the
// client, as before), a connection that drops is dialled again and the
// client resumes its seat, following netcode's "Resume":
//
//	c, err := client.Dial(ctx, url, client.Options{
//		Reconnect: client.Reconnect{Attempts: 8},
//		OnResumed: func(snapshot bool) { log.Println("back") },
//	})
//
// What drops and what ends. A network failure, a session the server no
// longer knows, heartbeat_timeout, slow_consumer, internal and going_away
// bring the client back: a server that shuts down (going_away) is exactly
// when a player should reconnect, to the same address, which a load
// balancer may by then send to another node. A close that the server
// decided because of the client itself ends it, since the next connection
// would end the same way: replaced (a newer connection took the seat),
// unauthorized (its ticket was refused), version_mismatch, bad_frame,
// too_large, rate_limited, WebSocket protocol closes, and HTTP refusals of
// the handshake itself (400, 401, 403, 415, 431). Close never reconnects.
//
// The way back. Each attempt waits first, exponential backoff with full
// jitter (uniformly random between zero and BaseDelay·2ⁿ⁻¹, at most
// MaxDelay, so clients that dropped together come back spread out), then
// dials as Dial did: the same URL, the same Options.Transport (with ""
// WebSocket first and long-polling when WebSocket is refused, so a client
// dropped on WebSocket may resume on long-polling and move back on a later
// drop or upgrade; a stream that fell back to long-polling long-polls),
// and a fresh ticket from Options.TicketFunc. Its first frame is resume:
// the token of the latest welcome, the last tick the client applied and
// the id of the last event it got. Such a dial is marked as a resume
// (resume=1, transports' "Resuming"), which a server that refuses
// newcomers for load still admits: a player who dropped is one of its
// players. A dial the server refuses for load or capacity (an *HTTPError
// server_busy, server_full or too_many_connections, before any upgrade)
// is tried again no sooner than its RetryAfter. The client gives up, with
// an error that wraps ErrGaveUp, after Reconnect.Attempts attempts or
// Reconnect.MaxTime from the drop, or when an attempt ends with one of the
// codes above.
//
// A resumed seat. The server answers with a welcome (the same player,
// entity and room; a new token and session id), then the events the
// client missed, in order, then a diff from the tick the client named, or a
// snapshot when the room's history no longer reaches back that far. The
// client keeps its mirror (its states are the baselines such a diff may
// name), its event order and its input numbering. It delivers each event
// once: one whose id is not above the last it delivered is dropped
// (Stats.DuplicateEvents), whatever the server does. events_lost (the
// server kept too few of the events it missed) is followed by a snapshot;
// the client counts it (Stats.EventsLost) and OnResumed says snapshot.
// OnResumed is called at the first state after the welcome.
//
// A seat that is gone. resume_expired (the resume window passed, or the
// token was already used) makes the client join afresh, and only then: the
// same room by its id, with the options of the join that seated it, since
// the player wanted that room, and a name could by then mean another (a
// private room has only its id). A server that holds no seats gives no
// token, and the client joins afresh at once. OnRejoined tells the
// program, with the new welcome (a new player and entity) or, when that
// join is refused (the room is gone, full or locked), the *JoinError: the
// client is then connected in the lobby state. A fresh join refused
// server_busy (the server takes no newcomers for now) fails the attempt
// instead, and later attempts, unmarked since they resume nothing, join
// afresh once the server takes them. OnResumed and OnRejoined tell
// resumed from rejoined; Stats counts both.
//
// While away. From the drop until the server has answered, the client
// keeps what the program sends for after the resume: the newest
// Reconnect.Inputs inputs (older ones are dropped: an old stick position
// is worth nothing once the player is back; the input seq numbering goes
// on, and the room skips the gap), the messages in order up to
// Reconnect.Messages (then ErrQueueFull). Acks are dropped: the resume
// names the tick. JoinWith, ListRooms and Ping fail with ErrReconnecting,
// as does a join or list request whose connection dropped before its
// answer came. Leave while away gives the seat up at once: the client comes
// back in the lobby state and the server frees the seat when its window
// ends. A client that was in the lobby state when it dropped comes back to
// the lobby. Frames an HTTP uplink had queued and not yet posted at the
// drop go out first, in order. A frame already on the wire (a WebSocket
// write, a POST cut short) went with the connection: the server resumes the
// events a client missed, not the messages it sent, and the program is not
// told which of those arrived. Reconnecting reports whether the client is on its way back;
// Err and Done stay quiet until it gives up.
//
// Drop cuts the connection as a network failure would (no close frame, no
// DELETE), optionally staying away a while before the client reconnects:
// tests and load testers rehearse drops with it.
//
// # Tickets
//
// A server may require a ticket, a credential its game's backend issued (a
// signed JWT, usually), on every connection. Options.Ticket, or
// Options.TicketFunc for a fresh one on each connection (tickets expire,
// and a reconnect may come minutes later), is sent as "Authorization:
// Bearer <ticket>" on the WebSocket upgrade and on the HTTP handshake (POST
// {base}), never in a URL. The later requests of an HTTP session and the
// probe of an upgrade carry none: the server accepted the session with the
// ticket of its handshake. A server that refuses the ticket closes the
// connection with unauthorized, and a reconnecting client does not come
// back.
//
// # Callbacks
//
// Options.OnFrame, when set, sees every decoded frame after the client has
// applied it, on the reader goroutine, in order. It is how a program gets
// pongs (*netcode.Pong). For each frame the client first applies it, then
// calls OnChange (for a state it applied) or OnEvent (for an event), then
// OnFrame, all on that goroutine, with no lock held: they may call the
// client's methods except Close, and nothing more is read while they run.
//
// The reconnect callbacks (OnDropped, OnResumed, OnRejoined, OnGaveUp) run
// on those goroutines too, or on the one that reconnects, with the same
// rules.
//
// Every goroutine the client starts (readers, the uplink, the upgrade, the
// reconnect) ends by Close, which waits for them.
//
// Tests and the load tester use it; a game written in Go can too.
package client
