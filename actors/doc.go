// Package actors runs Tickroom's rooms and sessions as hollywood actors and
// wires the world, netcode and transports packages together.
//
// Three kinds of actor do the work. A session actor owns one client link: it
// decodes the client's control frames, asks the lobby for a room, and stops
// its link taking a room's state frames when the player leaves or is
// dropped (the room starts them, with the welcome, when it seats the
// player). The lobby joins or
// creates rooms by name and game mode, enforces capacity and disposes of rooms
// that stayed empty. A room actor owns a world: it ticks at the configured rate
// on real elapsed time (with bounded catch-up and counted overruns), applies
// the inputs buffered per player, and at the send rate encodes one diff body
// per distinct client baseline, which it hands to each player's state sink
// on its own goroutine: no actor message per player per send. Transports may
// write such a frame to the socket right there (see transports), so a send
// costs the room about a write syscall per player.
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
// the rate limit and passes the frame on: an input or ack of a seated
// session into its seat's input box, anything else, copied, to the session.
// The room creates the box when it admits the player and hands it over in
// its joined reply; the session publishes it atomically as the route. The
// room drains the box at its ticks (acks before anything else, inputs at each
// step) and closes it when it frees the seat, so a stale route pushes into
// nothing. The box is bounded like the buffer it replaced: replays are
// dropped, a full box drops its oldest input.
package actors
