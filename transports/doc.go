// Package transports moves frames ([]byte) between game clients and the server.
//
// It owns the client connections: the WebSocket endpoint (github.com/lxzan/gws),
// the Origin check, inbound size limits, heartbeats, bounded per-connection send
// queues and the shutdown of every connection. It knows nothing about games: a
// frame is opaque bytes, and everything it decides (drop, close) it decides from a
// frame's Class and from Options. It must not import world, netcode, hollywood or
// toml.
//
// Clients that cannot use WebSocket (a proxy or firewall breaks it) reach the
// same Handler over HTTP: long-polling, streaming or plain polling, described in
// the sections from "HTTP transports" on, with a loss-free upgrade to WebSocket.
// Every transport ends in a Link and a Receiver; Link.Transport tells them apart.
//
// # Connections
//
// A Server upgrades each request on Options.Path, wraps it in a Link and hands the
// Link to Handler.Accept, which returns the Receiver for the link's inbound frames.
// A link lives in one goroutine, owned and awaited by the Server: its reader
// (gws ReadLoop), which calls the Receiver. Whatever the sender cannot write
// at once without blocking (see below: a frame that finds the socket full,
// a close frame) is written by the link's writer, a goroutine that runs only
// while it has such work and ends when it has none, also owned and awaited
// by the Server; the heartbeat is a timer. So a slow socket blocks only its
// own writer, a write deadline set for one write never trips another, and an
// idle link costs one goroutine and a few KiB (BenchmarkIdleWebSocket
// measures it). Only the close frames gws answers with itself, when the
// client closes or breaks the protocol, come from the reader.
//
// A request on Options.Path that is not a WebSocket handshake is answered
// like a bad HTTP request, with a code (see "HTTP errors"): 405 bad_method
// for a method other than GET; 400 bad_upgrade when the Upgrade: websocket
// or the Connection: Upgrade header is missing, Sec-WebSocket-Version is not
// 13 (the answer then carries Sec-WebSocket-Version: 13) or
// Sec-WebSocket-Key is missing. A WebSocket library sends all of them, so
// bad_upgrade almost always means that a proxy on the way dropped Upgrade
// and Connection (hop-by-hop headers, which a proxy that does not know
// WebSocket removes): a client that reads it should stop trying WebSocket on
// that server and stay on, or fall back to, an HTTP transport. (A browser's
// WebSocket does not show the answer to the page; it just fails to open,
// which the page should treat alike.)
//
// A handshake may carry a ticket (see "Tickets"). A client that offers the
// subprotocol "tickroom" (a browser, which puts its ticket there) gets
// Sec-WebSocket-Protocol: tickroom in the answer; other subprotocols are
// not taken, and a client that offers only those gets an answer that names
// none.
//
// The common case is cheap: a frame sent while no writer runs, with nothing
// queued or owed, is written by the caller of Send itself with one
// non-blocking writev (Stats.DirectWrites), which spares a goroutine wake-up
// per frame; the heartbeat's pings and the answers to a client's pings are
// written the same way. It never blocks: a full socket takes nothing and the
// frame is queued as below, for a writer; a write the kernel cuts short
// leaves its tail to be sent before anything else. Every write to the
// socket, gws's own included, passes one lock (the link's write gate), which
// the direct path only tries, so it neither waits for a blocked write nor
// lets one land inside a frame (direct.go).
//
// Direct writes exist on Linux only, where the raw writev they make is known
// to work (direct_writev.go). On every other platform (Windows, macOS, the
// BSDs, …) every frame is written by the link's writer goroutine through gws,
// as any frame is when the writer is busy (direct_fallback.go): the same
// order, drop policy, deadlines and closes, one goroutine wake-up per frame
// more, and Stats.DirectWrites stays 0. There the writer waits a second for
// more work before it ends, so that a link sending a steady stream keeps one
// writer.
//
// # Send queue and drop policy
//
// Link.Send never blocks. It copies the frame's head into a slot of the
// link's queue (a ring grown by doubling, up to its bound, the first times
// frames wait) and keeps a reference to its body; the writer (or the sender,
// directly, as above) writes head+body as one binary WebSocket message. The
// queue is one FIFO holding at most Options.SendQueue ClassControl frames
// plus at most one ClassState frame:
//
//   - ClassControl frames are never dropped. When a link already holds SendQueue
//     of them, the link is a slow consumer: its queue is discarded and it is closed
//     with Options.SlowCloseCode (Stats.SlowClosed).
//   - A ClassState frame supersedes the queued ClassState frame, if the writer
//     has not yet taken it: the stale frame leaves the queue (Stats.StaleDropped)
//     and the new one is appended at the tail, as every frame is. It does not take
//     the stale frame's place: a control frame queued after the stale state (a
//     game event of that state's tick, say) would then be written after a state
//     of a later tick, and netcode promises every client each event before any
//     state of a later tick. So every frame sent before a state frame is written
//     before it, and a reader that falls behind gets the newest state, never a
//     backlog of states. Removing the stale frame moves only the frames queued
//     after it, the few control frames of one send interval, and allocates
//     nothing.
//   - A write that blocks longer than Options.WriteTimeout also marks the link a
//     slow consumer. The frame is then cut short, so no close frame can follow: the
//     client sees an abnormal closure (1006) while the Receiver sees SlowCloseCode.
//
// What a client receives is therefore what was sent, in the order sent, less
// some ClassState frames: no frame is repeated or reordered and no control
// frame is missing, until the link closes. The HTTP transports (counting each
// seq once) and the upgrade from HTTP to WebSocket keep the same promise (see
// "Downlink and acknowledgement").
//
// # Heartbeat
//
// The server pings every Options.PingInterval. Anything that arrives (a
// message, a ping, a pong) counts as life; when nothing has arrived for
// PingTimeout the link is closed with Options.TimeoutCloseCode
// (Stats.TimeoutClosed). A timer makes this check, rather than a read
// deadline, so the close frame carries our code instead of gws's generic one.
//
// # Slow readers
//
// A client that does not read what it is sent is a slow consumer, whatever
// it acknowledges in its frames (a client sending acks for ticks it never
// read, "blind acks", included). Three things find it, on the socket:
//
//   - Every connection's kernel send buffer is Options.SendBuffer (64 KiB
//     by default; Linux doubles it), so what such a client holds in the
//     server's kernel is bounded, and a write to it blocks soon.
//   - A write blocked for WriteTimeout closes the link (see "Send queue and
//     drop policy").
//   - On Linux, where the kernel tells how many of the bytes written to a
//     socket the client's TCP has not acknowledged (TIOCOUTQ), a link that
//     is sent frames is watched: when bytes have waited Options.DeliveryTimeout
//     without being acknowledged, the client has stopped reading and its
//     receive buffer is full, and the link is closed with SlowCloseCode
//     (Stats.SlowClosed and Stats.NotReading), its socket dropped at once:
//     the client would not read a close frame either. This finds a client
//     sent a trickle that would take minutes to fill the server's buffer.
//     It cannot find one that reads into a huge buffer of its own: that
//     client's TCP acknowledges what it is sent until that buffer is full.
//
// # Inbound limits
//
// Frames up to Options.ReadLimit reach Receiver.OnFrame. gws itself is told to
// accept up to 4*ReadLimit: frames between the two are read, discarded and
// reported through Receiver.OnTooLarge so the session can answer with an error
// frame; larger ones are refused by gws, unread, with close code 1009
// (CloseMessageTooBig). Both count in Stats.TooLarge.
//
// Pings and pongs from a client cost the same as its frames when its
// Receiver keeps a budget: a Receiver that implements ControlCounter gets
// OnControl for each, in order with its frames, and may close the link for
// them, so a client flooding pings spends its own budget and is closed, and
// the ping that closes it goes unanswered. (A close frame ends the link, so
// it needs no count.) Pings waiting to be answered are answered once, with
// the latest's payload (RFC 6455 5.5.3). A probe (see "Upgrade to
// WebSocket") may send 16 frames, of any kind, before its upgrade; one more
// closes it with ClosePolicy.
//
// Once the server has decided to close a link (Link.Close, a slow consumer,
// a heartbeat timeout, a refusal by Handler.Accept), nothing more the client
// sends is delivered, counted or answered: it is read only to find the
// client's close frame, and a client that sends 64 more frames without it,
// evidently not reading ours, has its connection dropped at once rather than
// read until the close handshake times out.
//
// # Admission
//
// A new connection, a WebSocket or an HTTP session (its handshake), is
// admitted before its upgrade or session is made, against the server's
// load, two caps and a rate, and refused with an HTTP error otherwise:
//
//	503 server_busy           Options.Busy reports the server busy (Tickroom:
//	                          it runs late, or it paces newcomers
//	                          after an overload) and the handshake does not
//	                          mark a reconnect that resumes a seat (see
//	                          "Resuming"), with the Retry-After Busy gives
//	503 server_full           Options.MaxConnections connections alive
//	                          (by default 80% of the process's limit on open
//	                          files), with Retry-After: 10
//	429 too_many_connections  Options.MaxConnectionsPerAddr connections
//	                          alive from the client's address (64 by
//	                          default; an IPv6 address counts by its /64),
//	                          with Retry-After: 10
//	429 too_many_connections  Options.AddrConnectionBurst connections
//	                          opened lately from the client's address,
//	                          alive or not (a token bucket refilled at
//	                          Options.AddrConnectionsPerMinute: 64 at once,
//	                          then 10 a second, by default), with a
//	                          Retry-After of when the next is allowed
//
// A client refused with one of these waits at least Retry-After (seconds)
// before it tries again: the server is there and will take the connection
// later. server_busy is checked first and costs the least: a server that
// cannot keep up refuses newcomers before it has spent a goroutine, a
// session or a ticket's verification on them (it has read the ticket: from
// the upgrade's headers, or from the handshake's body, which is small and
// bounded by Options.BodyTimeout).
//
// The caps and the rate count WebSocket links and HTTP sessions alike (an
// upgraded session stays one connection; its probe is not counted), in
// Stats.Connections. Only these requests are counted: a server whose game is full still
// answers every other route (health checks, metrics), and the requests of
// the sessions it has. Only a connection admitted spends one of its
// address's new connections: a client refused for any reason spends
// nothing, and a client that is closed for what it sent and reconnects
// at once, again and again, is let in only at the rate (its refusals cost
// the server no upgrade, session or Handler call).
//
// Clients at 127.0.0.1 and ::1, the addresses a proxy on the server's
// own host connects from, and those in Options.ExemptAddrs, are not
// subject to the per-address cap or rate. The rest of 127.0.0.0/8 is:
// nothing connects from it unless asked to, and what does (a load
// tester's attackers, from 127.0.0.2) is to be limited like any client.
//
// The client's address is the socket's peer, unless that peer is one of
// Options.TrustedProxies: then X-Forwarded-For is read from its right end,
// past the hops that are trusted proxies themselves, and the first one that
// is not is the client. From any other peer the header is ignored. Handler.Accept
// reads the address with ClientAddr(r), to count the same clients in its
// own limits, and Link.RemoteAddr reports it.
//
// # Fast path
//
// What a polling client sends all the time, long-polls, polls, uplink
// POSTs and exchanges of a session of this server, is served on its
// kept-alive HTTP/1.1 connection without net/http once net/http has
// answered one of them with success (http_fast.go). The wire does not
// change: the same statuses, codes and headers, and a Date. The fast path
// only takes requests in the plain form clients send (one Content-Length,
// no Transfer-Encoding, Expect, Upgrade or "Connection: close", a path and
// query without escapes) and gives any other request, with the bytes it
// has read, back to net/http, which answers it as on a fresh connection.
// Differences a client may notice: an empty long-poll answer comes between
// half of PollTimeout and PollTimeout after the request, and the idle and
// write bounds (IdleTimeout, WriteTimeout) hold to within half their span.
// Options.DisableFastPath (http.fast_path = false) leaves every request to
// net/http; Stats counts what the fast path adopted, served and handed
// back.
//
// # Request limits and shutdown
//
// Every request the Server's listener takes, on any route (the transports',
// and those added with Handle), is bounded, so that a client sending slowly
// or not at all holds nothing for long: its line and headers must arrive
// within Options.ReadHeaderTimeout and fit Options.MaxHeaderBytes (beyond
// it net/http answers 431 itself, as plain text), its body within
// Options.BodyTimeout of its headers (a body cut short fails its request and
// closes the connection; on the routes that read one, a handshake, an
// uplink POST and an exchange, it is answered 408 body_timeout first), and
// a kept-alive connection is closed after
// Options.IdleTimeout without a request. Requests without a body (polls,
// streams) may be held as long as their handler holds them.
//
// Server.Close(ctx) returns before ctx's deadline: it ends the links and
// sessions gracefully (close frames, close records, the CloseDrain) until a
// little before the deadline (a tenth of the time left, 10 ms to 1 s), then
// drops every connection still open: trickled bodies and headers, close
// handshakes with clients that do not read, connections that never sent a
// request.
//
// # Close codes
//
// The transport uses only standard codes: 1000 (CloseNormal), 1001
// (CloseGoingAway: server shutdown, and by default heartbeat timeout), 1008
// (ClosePolicy: by default slow consumers), 1009 (CloseMessageTooBig) and 1011
// (CloseInternal: Handler.Accept failed). Application codes in 4000-4999 belong to
// netcode and pass through Link.Close unchanged. Link.Close writes the
// ClassControl frames already queued, then the close frame, then waits (bounded by
// WriteTimeout) for the client's close frame before dropping the TCP connection, so
// the client reads every frame and the code.
//
// # Tickets
//
// A client may prove who it is with a ticket: a credential its game's
// backend issued (a signed JWT, usually), which the server verifies. It
// travels in the handshake of a connection and never in a URL, which
// proxies and servers write to their logs: a ticket in a query parameter
// is not read (with tickets required, such a connection is refused like
// one without). Where it goes:
//
//	WebSocket, native clients   Authorization: Bearer <ticket>
//	WebSocket, browsers         Sec-WebSocket-Protocol: tickroom, tickroom-ticket.<ticket>
//	                            (new WebSocket(url, ["tickroom", "tickroom-ticket." + ticket]));
//	                            the answer names tickroom
//	HTTP handshake              Authorization: Bearer <ticket>, or the body
//	                            {"ticket":"<ticket>"} with Content-Type application/json
//
// A browser cannot set headers on a WebSocket, so its ticket rides in the
// subprotocol list, whose entries are tokens (RFC 9110): a JWT (base64url
// and dots) is one. The probe of an upgrade carries none, and one there is
// ignored: its session was accepted with the ticket of its handshake. An
// empty ticket ({"ticket":""}) is no ticket. The Bearer scheme is matched
// case-insensitively; an Authorization header of another scheme (a proxy's
// Basic credentials) is not a ticket and is ignored.
//
// A ticket is 1 to 8192 (httpwire.MaxTicketLen) visible ASCII characters.
// The transport refuses, before any upgrade or session and with an HTTP
// error (see "HTTP errors"), a ticket it cannot read:
//
//	431 ticket_too_large   a ticket over 8192 bytes, or a handshake body over
//	                       httpwire.MaxHandshakeBody
//	400 bad_ticket         an empty Bearer value, characters other than
//	                       visible ASCII, two tickets in one handshake (two
//	                       headers, two subprotocol entries, or a header and
//	                       an entry or a body), a ticket entry without
//	                       "tickroom" offered next to it, or a body that is
//	                       not exactly {"ticket":"<ticket>"}
//	415 bad_content_type   a non-empty handshake body that is not
//	                       application/json
//
// What a ticket is worth is the Handler's to judge: Handler.Accept reads it
// with Credential(r). A Handler that refuses it closes the link with a code
// of its own, on every transport alike (Tickroom: 4023 unauthorized).
//
// # Resuming
//
// A client that reconnects to resume its seat (netcode's "Resume": its
// first frame will be resume) marks its handshake with the query parameter
// resume=1, on any transport:
//
//	WebSocket        GET {Options.Path}?resume=1 (a browser's
//	                 new WebSocket(url + "?resume=1", …) can send it)
//	HTTP handshake   POST {base}?transport=longpoll&resume=1
//
// The mark is what lets a dropped player back while the server refuses
// newcomers for load: with it, a handshake is admitted while Options.Busy
// reports busy (the caps above still apply); without it, it gets 503
// server_busy. It is a query parameter, not a header, because a browser
// can set no header on a WebSocket (only subprotocols), and a parameter
// needs no CORS preflight; unlike a ticket it is no
// secret, and an access log that shows it shows an operator how many
// players came back. A value other than 1 is 400 bad_request. The probe of
// an upgrade needs none: its session was admitted already.
//
// The mark is the client's word, not a proof. Handler.Accept reads it with
// Resuming(r) and decides what such a connection may do; Tickroom's lets
// it resume a seat and refuses it everything a newcomer would be refused
// while busy (a join gets server_busy, and the join deadline ends a
// connection that stays in no room), so a client that lies gains a
// connection that can do nothing but resume. A client marks only dials
// that will resume: one whose seat is gone (resume_expired) joins afresh,
// and dials unmarked, like any newcomer.
//
// # HTTP transports
//
// This section and the ones after it are the wire reference for browser and Go
// clients. The base path is Options.HTTPPath ("/rt" by default). A session is
// created by a handshake, addressed by its sid (128 random bits as 32 lowercase
// hex digits; logs show only the first 8 followed by "…"), and is a Link like a
// WebSocket connection: Handler.Accept gets it during the handshake, and its
// Receiver gets the client's frames, one call at a time, then OnClose once.
//
//	POST    {base}[?transport=longpoll|stream|poll][&resume=1]  handshake
//	GET     {base}/{sid}?ack=N                 long-poll
//	GET     {base}/{sid}?ack=N&wait=0          poll
//	GET     {base}/{sid}/stream?ack=N          stream
//	POST    {base}/{sid}?seq=K[&ack=N]         client frames (uplink)
//	POST    {base}/{sid}/exchange?ack=N&seq=K  client frames, then long-poll
//	DELETE  {base}/{sid}                       client close
//	OPTIONS any of these                       CORS preflight
//	GET     {Options.Path}[?resume=1]          WebSocket
//	GET     {Options.Path}?sid={sid}           WebSocket upgrade of a session
//
// # Handshake
//
// POST {base} with an empty body, or with a ticket (see "Tickets"): in the
// Authorization header, or as the JSON body {"ticket":"<ticket>"} with
// Content-Type application/json. The optional transport parameter names the
// downlink the client intends to use and is what Link.Transport reports until
// the first downlink request; naming a disabled one gets 404 transport_disabled,
// an unknown one 400 bad_request. Handler.Accept runs before the answer (if it
// fails, the session still gets its sid, and its first poll returns what Accept
// sent and a close record with the error's code). The answer is 200 with
// Content-Type application/json:
//
//	{"sid":"<32 hex>","transports":["websocket","longpoll","stream","poll"],
//	 "upgrades":["websocket"],"pingInterval":10000,"pingTimeout":20000,
//	 "pollTimeout":25000,"streamMaxDuration":30000,"maxPayload":4096,"maxBody":65536}
//
// transports lists the enabled transports only; upgrades is ["websocket"], or []
// when WebSocket is disabled. Durations are whole milliseconds. pingInterval
// is how often the server shows it is alive on a quiet downlink (a keepalive
// record on a stream, a ping on a WebSocket); pingTimeout is the silence,
// always longer than pingInterval, after which either side may take the
// other for dead: the server closes a WebSocket it has heard nothing from
// for that long, and a client should give up on a stream or WebSocket that
// brought nothing for that long. maxPayload is
// ReadLimit, the largest client frame; maxBody is MaxBody, the largest POST
// body. With MaxSessions sessions alive the answer is 503 too_many_sessions.
//
// Several servers may share one address behind a load balancer that sends
// each request anywhere (no sticky sessions): each is given its own
// Options.SIDPrefix, which starts every sid it makes, and an Options.Forward
// that passes a request for a sid it does not know (a poll, a POST, a
// stream, an upgrade probe) to the server whose prefix the sid has.
//
// # Records
//
// A downlink body is a sequence of records, each a uvarint seq, a uvarint
// length and that many bytes (uvarint is LEB128, as encoding/binary's
// AppendUvarint writes it). Frames have seq 1, 2, 3, … increasing within and
// across the responses of a session, with gaps where a state frame was
// superseded before the client acknowledged it. seq 0 is the transport's own:
// with length 0 a keepalive (streams only); with length 2 to 125 the close
// record, a 2-byte big-endian close code then the UTF-8 reason (cut to 123
// bytes, as in a WebSocket close frame); any other length is malformed. The
// close record is always the last record a session sends.
//
// An uplink (POST) body is a sequence of uvarint length, bytes: no seq.
//
// Package transports/httpwire implements these formats, the JSON bodies
// below, the sid's form and the names of the query parameters once, for
// this package and for the Go client alike.
//
// # Downlink and acknowledgement
//
// A long-poll GET is held until a record past its ack is buffered, the session
// closes, or PollTimeout passes; it then returns 200 with every buffered record
// past the ack (an empty body on timeout). A poll (wait=0) returns at once. A
// stream returns 200 with a chunked body, writes and flushes a keepalive
// record with the headers, before any frame, then each record as it is
// buffered, writes a keepalive after each PingInterval of silence, and ends
// cleanly after StreamMaxDuration, when the client opens the next one with its
// latest ack.
//
// ack=N says the client holds every record up to N; the server drops them and
// sends every record past N, again if need be. So a response lost on the way
// costs nothing: the next request, still carrying the old ack, gets the same
// records. An ack beyond the highest seq ever sent is 400 bad_ack; a missing
// or malformed ack is 400 bad_request; wait other than 0 is 400 bad_request.
// A stream does not trim as it goes; a streaming client acknowledges with the
// ack of its uplink POSTs (an empty POST body is allowed) or of its next stream.
//
// Buffering follows the WebSocket queue's policy. A new ClassState frame removes
// the older ClassState record, sent or not, and takes the next seq: it comes
// after every control record buffered before it, as on WebSocket, so a slow
// poller gets every control record and the newest state only, in the order
// they were sent. ClassControl records wait until acknowledged; one more than
// SendQueue closes the link with SlowCloseCode (the close record follows the
// buffered control records).
//
// Only one downlink request may be open per session: another GET, exchange
// or stream gets 409 poll_in_progress and the open one carries on, with one
// exception: a GET (long-poll or poll) or an exchange that comes while a
// stream is open ends that stream and takes its place (see the next
// section). A long-poll held on a connection whose client has closed it is
// taken over the same way, on Linux and macOS at once, elsewhere once it
// has timed out (see "Fast path"). Between requests a session may
// change its downlink at will, stream to long-poll or poll and back, without
// losing or repeating a frame; Link.Transport reports the latest. Every
// downlink response has Content-Type application/octet-stream, Cache-Control
// "no-store, no-cache, must-revalidate, max-age=0", Pragma no-cache, Expires
// 0 and X-Content-Type-Options nosniff; streams also X-Accel-Buffering no.
//
// # Streams behind buffering proxies
//
// Some proxies (corporate gateways, antivirus filters, a misconfigured
// nginx) pass a response on only once it has ended: a stream then brings
// nothing for StreamMaxDuration and everything at once, while the client
// sees no state and its control records pile up towards SendQueue and a
// slow-consumer close. A stream that gets through brings its first record,
// the keepalive written with the headers, one round trip after the request;
// so a client tells the two apart by that record, on every stream it opens:
//
//	A client that has received no record of a new stream, not even its
//	opening keepalive, within min(3 s, pingTimeout) of sending the request
//	must take it that a proxy buffers whole responses. It abandons the
//	request (closes its connection), goes on with long-polling on the same
//	session, GET {base}/{sid}?ack=N with N the highest seq it has received
//	(the ack it opened the stream with, since the stream brought nothing),
//	and opens no more streams on that session; it should start its later
//	sessions on long-polling.
//
// The time counts from the request because such a proxy may hold the
// response headers too. 3 s is more than the round trip of any network a
// real-time game can be played over, so a working stream is not given up,
// and short enough that a player behind such a proxy loses a few seconds of
// state once instead of StreamMaxDuration every time. pingTimeout, the
// longest silence a client accepts on any downlink, caps it: on a server that
// has set a shorter one, no rule waits longer than that.
//
// The server takes the switch without losing anything: the GET gets every
// record past its ack, those the stream carried into the proxy included. A
// proxy may still be reading the abandoned stream from the server (many
// do not pass on a client's abort), so the GET does not get 409: it ends the
// stream, which writes nothing more, and takes its place. Only a GET takes
// over, and only from a stream: a second stream, or any downlink request
// during a held GET, still gets 409.
//
// # Uplink
//
// POST {base}/{sid}?seq=K[&ack=N] with Content-Type application/octet-stream
// (otherwise 415 bad_content_type). K counts the client's batches from 1; a
// batch with K not above the last accepted one is a retry and gets 204 with no
// effect, so a client resends a batch whose answer it lost under the same K.
// Send one batch at a time: K also orders them. The body is parsed completely
// before any frame is delivered: a malformed length or a record cut short is
// 400 truncated_frame, a body over MaxBody 413 too_large, a frame over
// ReadLimit 413 frame_too_large, and none of the batch is delivered. Otherwise
// the frames go to Receiver.OnFrame in order and the answer is 204. The
// optional ack trims the downlink buffer like a GET's (bad_ack beyond what was
// sent; ignored after an upgrade). A missing or invalid seq is 400
// bad_request.
//
// frame_too_large is bad input as well as a refused request: the frame is
// reported to Receiver.OnTooLarge, exactly as a WebSocket message over
// ReadLimit is, and the Handler answers both alike. Tickroom's sessions close
// the link for it on every transport: the client finds an error frame
// (too_large) and a close record with 4002 in its next downlink response.
//
// # Exchange
//
// A long-polling client that has frames to send when it polls sends them
// with the poll, in one request: an uplink batch followed by a long-poll.
// In a room that sends states at a steady rate, the frames a client makes
// as a state arrives (its ack, the input it answers with) are due just as
// it polls again, so it pays one request per update instead of two (a GET
// and a POST).
//
//	POST {base}/{sid}/exchange?ack=N&seq=K
//	Content-Type: application/octet-stream
//	body: an uplink body (uvarint length, bytes; may be empty)
//
// It means exactly "POST {base}/{sid}?seq=K with this body, then GET
// {base}/{sid}?ack=N", done at once, in that order, and it is checked
// whole before it does either, so that a refusal leaves the session as it
// was (nothing delivered, nothing acknowledged):
//
//	404 transport_disabled  long-polling is off
//	415 bad_content_type    not application/octet-stream
//	400 bad_request         seq missing, 0 or invalid; ack missing or invalid
//	404 unknown_session     as for a GET
//	413 too_large           body over MaxBody
//	400 truncated_frame     a malformed length or a record cut short
//	413 frame_too_large     a frame over ReadLimit (reported to
//	                        Receiver.OnTooLarge, as for a POST)
//	409 poll_in_progress    another downlink request is open (an exchange
//	                        ends an open stream and takes its place, as a
//	                        GET does)
//	410 upgraded            the session moved to WebSocket: send the frames
//	                        there
//	400 bad_ack             ack beyond the highest seq sent
//
// Then the batch goes to Receiver.OnFrame in order, as an uplink POST's
// would, and the request is a long-poll: held until a record past N is
// buffered (the batch's own answers, a pong say, count), the session
// closes, or PollTimeout passes, and answered 200 with the records past N.
// Link.Transport reports longpoll. A session the server has closed does
// not read the body, delivers nothing, and answers with the close record:
// an exchange is a downlink request, and the close record is what such a
// request is owed (there is no 410 session_closed for an exchange).
//
// Batches. K counts the client's batches over its uplink POSTs and its
// exchanges together: a batch is identified by K, whichever request
// carries it, and a batch with K not above the last accepted one is not
// delivered again. Hence the two rules a client keeps:
//
//   - One batch in flight. The client sends batch K+1, by either request,
//     only once a request carrying batch K has been answered with success
//     (204 to a POST, 200 to an exchange), or refused with a 4xx other
//     than 409 (the batch is then dropped, not lost: the downlink says
//     what the server did about it). Since an exchange is answered only
//     when its long-poll is, a client whose frames would otherwise wait
//     too long behind a held exchange sends batch K again as an uplink
//     POST, same K and same body: its 204 says K is in, delivered by
//     whichever of the two requests came first, and K+1 may go.
//   - A retry is the same batch. After a failure (a network error, a
//     5xx, 409, a lost answer), the client sends batch K again, same K and
//     same body, by either request; the server delivers a batch once, so
//     a retry never repeats a frame. New frames wait for the next K.
//
// A lost answer costs nothing: the retry delivers no frame twice, and its
// long-poll, still acknowledging N, gets every record past N again, as a
// GET's retry does.
//
// The body is bounded by MaxBody and must arrive within BodyTimeout of the
// headers, as a POST's; the hold that follows is the long-poll's, which
// BodyTimeout does not cut. CORS is that of the other requests (a POST of
// application/octet-stream is preflighted, and the preflight is cached).
// In an upgrade an exchange is a downlink request like a GET: the client
// starts none from step 3 on, and one held when the probe says "probe"
// is answered at once. Stats.Exchanges counts them.
//
// When a client uses it is its own choice; Tickroom's clients, on
// long-polling (streams and polls keep the uplink POST), do this: in a
// room, the frames queued when a long-poll starts ride on it as an
// exchange; frames queued while a long-poll is held wait for it to return
// and carry them, but no longer than two of the room's send intervals
// (states arrive at every send, so a poll returns within one), after
// which they are posted; out of a room no state is coming and a held
// long-poll may last PollTimeout, so frames are posted at once.
//
// The price is input latency, not loss: a poll returns just after a state
// is sent, that is just after a tick, so a frame that waited for it
// reaches the room just after the tick it could have made, and is applied
// a tick later than a POST sent when it was made would have been (at 20
// Hz, input to acknowledged state p50 28 → 69 ms with inputs made at
// random moments). A client that makes its input as a state arrives (the
// natural rhythm of a game loop driven by the states) pays nothing: its
// input is due at the poll either way.
//
// # Closing and expiry
//
// DELETE {base}/{sid} answers 204 and ends the session; the Receiver gets
// OnClose(&CloseError{CloseNormal, "client closed"}), and a downlink request
// still open gets the close record. Link.Close keeps the buffered control
// records, drops the state record, and queues a close record; the session ends
// once a response carrying it has been written, or SessionTimeout later if no
// request comes. Server.Close does the same with CloseGoingAway, and while it
// waits (up to Options.CloseDrain, or until every session has ended) it keeps
// answering the requests of existing sessions, so a client between two polls
// gets the close record from its next one; new handshakes and probes get 503
// shutting_down. Sessions still open after the drain end without their close
// record. An ended session's sid gets 404 unknown_session.
//
// From Link.Close on (and from any other close the server decides: a slow
// consumer, a refusal by Handler.Accept), the session does no more work for
// what the client uploads: nothing more is delivered to the Receiver, not
// even the rest of the batch whose frame closed it, and an uplink POST is
// answered 410 session_closed without its body being parsed (it is skipped,
// within BodyTimeout, to keep the connection). The close record is the
// answer the client is owed: its next downlink request gets it, once, and
// the session ends; then every request gets 404 unknown_session.
//
// A session with no downlink request open (and no probe, see below) for
// SessionTimeout expires: it closes with TimeoutCloseCode, counted in
// Stats.Expired. Handshakes never followed by a poll expire the same way, which
// bounds the memory a flood of them can take.
//
// # Upgrade to WebSocket
//
// A session can move its downlink to a WebSocket without losing, repeating or
// reordering a frame:
//
//  1. The client opens GET {Options.Path}?sid={sid} as a WebSocket (the probe).
//     Before the upgrade the server answers 404 unknown_session for a sid it
//     does not know, 404 transport_disabled when WebSocket is off, 403
//     origin_not_allowed, 400 bad_upgrade or 405 bad_method for a request
//     that is not a WebSocket handshake (see "Connections"), 410 upgraded
//     when already upgraded, and 409 poll_in_progress while another probe
//     is open. The session is unaffected by all of these.
//  2. The client sends the text message "probe". The server answers "probe",
//     returns a held long-poll at once with what is buffered, and answers later
//     GETs at once. An open stream carries on.
//  3. The client starts no new GET, exchange or stream, waits for its
//     outstanding GET or exchange to return and processes it, then sends the text message "upgrade N", N being
//     the highest seq it has received. A streaming client sends it while its
//     stream is still open and ignores whatever else arrives on that stream.
//  4. The server drops the records up to N, writes each remaining record's
//     frame as one binary message in seq order, and from then on sends every
//     frame over the WebSocket (same drop policy; Link.Transport is
//     "websocket"). It ends an open stream; a later GET, exchange or stream
//     gets 410 upgraded.
//  5. The client's binary (and text) messages on the WebSocket are its frames
//     from now on; POSTs still in flight are still delivered, never
//     concurrently with the WebSocket's frames. Heartbeats, limits and close
//     codes are the WebSocket link's.
//
// Before the upgrade, anything other than "probe" and "upgrade N", "upgrade"
// before "probe", an N beyond the highest seq sent, and a probe that has not
// sent "upgrade" within UpgradeTimeout all close the probe with ClosePolicy
// (1008). A probe that closes before the upgrade leaves the session on HTTP, as
// if it had never been opened.
//
// # CORS
//
// A request with an Origin header that Options.AllowedOrigins does not allow
// (the WebSocket rule) gets 403 origin_not_allowed. An allowed one gets
// Access-Control-Allow-Origin with its origin, Vary: Origin and
// Access-Control-Expose-Headers: Content-Type, Retry-After (a page reads
// when to come back after a refusal for load). OPTIONS on any path under the
// base is a preflight: 204 with Access-Control-Allow-Methods "GET, POST,
// DELETE, OPTIONS", Access-Control-Allow-Headers "Content-Type,
// Authorization" (a handshake may carry its ticket in Authorization) and
// Access-Control-Max-Age 600.
//
// # HTTP errors
//
// Every error is Content-Type application/json with body
// {"code":"<code>","message":"<text>"} and the no-cache headers, and is counted
// by code in Stats.HTTPErrors. An error leaves the session as it was: nothing
// of the request is delivered or acknowledged. The one exception is
// frame_too_large, which also reaches Receiver.OnTooLarge (see "Uplink"), and
// with it the Handler, which may close the session for it.
//
//	400 bad_request        missing or invalid query parameter
//	400 bad_ack            ack beyond the highest seq sent
//	400 truncated_frame    uplink body with a bad length or a record cut short
//	400 bad_ticket         a handshake's ticket cannot be read (see "Tickets")
//	400 bad_upgrade        request on Options.Path that is not a WebSocket
//	                       handshake, as when a proxy dropped its Upgrade
//	                       and Connection headers (see "Connections")
//	403 origin_not_allowed Origin not in AllowedOrigins
//	404 unknown_session    unknown, ended or malformed sid; unknown path
//	404 transport_disabled the transport asked for is switched off
//	405 bad_method         method not allowed on that path (with Allow)
//	408 body_timeout       the body of a handshake, uplink POST or exchange
//	                       did not arrive within BodyTimeout of its headers
//	                       (see "Request limits and shutdown"); the
//	                       connection is closed
//	409 poll_in_progress   a second concurrent downlink request or probe
//	410 upgraded           downlink request after the move to WebSocket
//	410 session_closed     uplink POST after the server closed the session:
//	                       its close record waits for the next downlink
//	                       request (see "Closing and expiry")
//	413 too_large          uplink body over MaxBody
//	413 frame_too_large    one uplink frame over ReadLimit
//	415 bad_content_type   uplink not application/octet-stream, or a
//	                       non-empty handshake body not application/json
//	429 too_many_connections  MaxConnectionsPerAddr connections from the
//	                       client's address, or AddrConnectionBurst opened
//	                       from it lately (see "Admission"; Retry-After)
//	431 ticket_too_large   a handshake's ticket over 8192 bytes
//	503 server_busy        Options.Busy says busy, and the handshake does
//	                       not resume a seat (see "Resuming"; Retry-After)
//	503 server_full        MaxConnections connections (see "Admission";
//	                       Retry-After)
//	503 too_many_sessions  MaxSessions sessions alive (Retry-After)
//	503 shutting_down      the server is closing (requests of existing
//	                       sessions still get in during CloseDrain)
package transports
