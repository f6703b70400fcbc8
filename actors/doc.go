// Package actors runs Tickroom's rooms and sessions as hollywood actors and
// wires the world, netcode and transports packages together.
//
// Four kinds of actor do the work. A session actor owns one client link:
// it asks the lobby for a room and holds the player's seat while it is in
// one. The lobby joins or creates rooms by name and game mode (the modes
// come from Options: actors knows no game), enforces capacity and disposes
// of rooms that stayed empty. A room actor owns a world: it ticks at its
// mode's rate on real elapsed time (with bounded catch-up and counted
// overruns), applies the inputs its seats hold, and at the send rate encodes
// one diff body per distinct client baseline, which it hands to each seat on
// its own goroutine: no actor message per player per send. Transports may
// write such a frame to the socket right there (see transports), so a send
// costs the room about a write syscall per player. A governor watches how
// late the rooms' ticks run and answers overload (overload.go).
//
// # Limits
//
// What a client may cost is bounded before it plays, by connection and by
// client address (client_addr.go decides the address): connections in no
// room and how long each may stay so (session_lobby.go, admission.go), the
// rooms its joins may create (lobby_join.go), its guesses at tokens, room
// ids and join codes (addr_budget.go), and its frames, with a bank for the
// backlog of a stall (frame_budget.go). An empty room costs nothing until
// it is disposed (room_idle.go). When the machine cannot keep its rooms on
// time the hub refuses newcomers and lowers every room's send rate alike
// before anyone is dropped (overload.go, room_load.go). Every refusal has a
// code, a counter in Stats and a summed-up warn line (abuse_log.go).
//
// # The seat
//
// Whether a player is in a room is recorded in one place: the seat the room
// creates when it admits the player (seat.go). It has one lock and one state
// machine, admitted → welcomed → leaving → closed, and it owns the player's
// input queue, its acknowledgements and the path its states take to the
// link. The session stores the seat once, in an atomic pointer that the
// link's reader goroutine (the receiver) also reads; the room keeps it in
// its slot. Anyone may make a seat leave: the session when the player
// leaves or its link goes, the room when it kicks the player, the seat
// itself when its link refuses a frame. Leaving stops both directions at
// once, under the seat's lock: no input of a player that left reaches the
// game, no state of the room reaches the client. The room then frees the
// slot at its next step (Game.Leave, then close). Only the room welcomes
// and closes.
//
// # Lock order
//
// The hot paths cross packages without actor messages, so locks are taken
// in one order only:
//
//	transports' per-link receiver lock (an HTTP session's recvMu, held while
//	  it calls the Receiver)
//	→ seat.mu
//	→ the HTTP session's mu (its Link.Send)
//	→ the WebSocket link's mu
//	→ the link's write gate
//
// A Receiver call may take a seat's lock (it pushes inputs), a seat may call
// Link.Send under its lock, and nothing below a seat ever calls back up into
// actors while holding its own lock. The per-address budgets' and the abuse
// log's locks (addrBudget.mu, abuseLog.mu) are leaves, taken under any of
// these or none: nothing is called while one is held (the abuse log writes
// its lines after letting go). On a node of a cluster a seat's link may be
// a peerLink, whose lock and whose room outbox's lock (peerLink.mu,
// outbox.mu) are leaves too, below seat.mu; so is an uplink's
// (uplink.mu), taken by receivers and sessions holding none of these. TestLockOrderUnderLoad drives every
// edge of this order at once on real sockets, under -race; a call that took
// two of these locks the other way round would deadlock it.
//
// # Cluster
//
// With Options.Cluster a hub is one node of a cluster of hubs, on
// hollywood's remote layer and its cluster package (cluster.go). The
// membership is hollywood's cluster agent fed by a static provider of ours
// (cluster_provider.go): every node lists every member, probes the ones it
// does not hear from with a plain TCP connect, greets them with a Hello
// once they answer, heartbeats the live ones with its load, and loses a
// peer that is silent for MemberTimeout, whose connection breaks, that says
// Bye or that comes back as a new process. Every message to another node
// goes through one gate (clusterNode.send), which takes generated protobuf
// messages only (internal/clusterpb: hollywood's remote layer panics the
// sender on anything else) and drops messages for nodes that are not live
// (hollywood stalls all of a node's remote traffic for three seconds while
// it dials a dead address). Every message from another node is checked
// before it is acted on; what does not make sense is refused, logged and
// counted, never trusted. The lobbies tell each other their rooms
// (lobby_view.go), so every node lists and matchmakes cluster-wide.
//
// A join may belong to another node (lobby_route.go says which, and where
// new rooms go). It leaves through the node's relay (cluster_relay.go),
// which numbers it (the session's ticket); on the room's node that node's
// relay stands in for the player's session, with a peerLink for its seat
// (cluster_link.go), so rooms, seats and lobbies work as on one node. The
// player's inputs and acks go from its link's receiver to the room node's
// relay (an awaySeat, cluster_away.go), gathered per node for up to 2 ms
// into one Uplink, its messages, leave and drop right behind them; the
// relay pushes them into the seat; the room's frames for a node's players go, once per
// room message, in one Deliver to that node's relay, each state body once,
// which hands them to the players' links with their own heads. A lost node
// ends what it shared: players here in its rooms get room_closed; its
// players in rooms here are dropped, their seats held for a resume, which
// any node routes to the room's node by the token's room id.
//
// # hollywood
//
// The rules from hollywood v1.0.5 that shape this package: inboxes are
// unbounded, so every queue that a client can fill is bounded here (inputs
// per seat, the transport's send queue, the per-session frame rate); a panic
// restarts an actor without its state and may crash the process, so every
// actor runs behind a recover middleware and no client input reaches game
// code unvalidated; and there is no Request inside Receive, only messages
// and replies. Rooms schedule their next tick with one timer at a time
// rather than a repeater, so a slow room never queues ticks ahead of inputs.
//
// Actor state lives inside Receive; the seats are the documented exception,
// guarded by their locks. The receiver applies the rate limit and dispatches
// each frame once on its kind (netcode.PeekKind): a seated player's inputs
// and acks into its seat, pings answered at once, anything else decoded and
// sent to the session.
package actors
