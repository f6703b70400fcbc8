// Package client is a Go client for Tickroom: it connects to a server over
// any of its transports, joins a room, sends inputs and keeps a mirror of the
// room's state by applying the snapshots and diffs the room sends.
//
// # Mirror
//
// The mirror follows the protocol's baseline rule: a diff names the tick it
// was computed from and carries differences against that exact state, so the
// client keeps its recent states (Options.History of them) and applies each
// diff to the one it names. A diff whose baseline is gone makes the client ask
// for a full snapshot by acknowledging tick zero. Frames older than the newest
// state are ignored. Unless Options.ManualAck is set, the client acknowledges
// every state it applies.
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
//     response lost on the way loses nothing.
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
// On the HTTP transports the client's frames go up in POSTs numbered 1, 2,
// 3, …, one at a time; frames sent while one is in flight wait in a bounded
// queue (Options.SendQueue, ErrQueueFull beyond it) and share the next POST.
// A POST that fails is retried once under the same number, which the server
// ignores if it had the first; a second failure ends the connection. A close
// record from the server ends the connection with its code, as a WebSocket
// close frame does: CloseCode and Err (a *CloseError) report it on every
// transport. Close posts what is queued and then deletes the session.
//
// Dial takes the WebSocket endpoint ("ws://host:port/ws") or the server's
// base URL ("http://host:port") and derives the other (Options.WSPath,
// Options.HTTPPath).
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
// # Observing frames
//
// Options.OnFrame, when set, sees every decoded frame after the client has
// applied it, on the reader goroutine, in order. It is how a program gets
// pongs (*netcode.Pong).
//
// Every goroutine the client starts (readers, the uplink, the upgrade) ends
// by Close, which waits for them.
//
// Tests and the load tester use it; a game written in Go can too.
package client
