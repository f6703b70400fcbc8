// Package actors runs Tickroom's rooms and sessions as hollywood actors and
// wires the world, netcode and transports packages together.
//
// Three kinds of actor do the work. A session actor owns one client link: it
// decodes the client's control frames, asks the lobby for a room and decides
// which room's state frames its link takes. The lobby joins or
// creates rooms by name and game mode, enforces capacity and disposes of rooms
// that stayed empty. A room actor owns a world: it ticks at the configured rate
// on real elapsed time (with bounded catch-up and counted overruns), applies
// the inputs buffered per player, and at the send rate encodes one diff body
// per distinct client baseline, which it hands to each player's state sink
// on its own goroutine: no actor message per player per send.
//
// The rules from hollywood v1.0.5 that shape this package: inboxes are
// unbounded, so every queue that a client can fill is bounded here (inputs per
// player, the transport's send queue, the per-session frame rate); a panic
// restarts an actor without its state and may crash the process, so every actor
// runs behind a recover middleware and no client input reaches game code
// unvalidated; and there is no Request inside Receive, only messages and
// replies. Rooms schedule their next tick with one timer at a time rather
// than a repeater, so a slow room never queues ticks ahead of inputs.
//
// Actor state lives inside Receive. A link's reader goroutine only applies
// the rate limit and sends the frame on: an input of a seated session
// straight to its room (the session publishes the route atomically; the room
// checks the seat), anything else, copied, to the session.
package actors
