// Package transports moves frames ([]byte) between game clients and the server.
//
// It owns the client connections: the WebSocket endpoint (github.com/lxzan/gws),
// the Origin check, inbound size limits, heartbeats, bounded per-connection send
// queues and the shutdown of every connection. It knows nothing about games: a
// frame is opaque bytes, and everything it decides (drop, close) it decides from a
// frame's Class and from Options. It must not import world, netcode, hollywood or
// toml.
//
// # Connections
//
// A Server upgrades each request on Options.Path, wraps it in a Link and hands the
// Link to Handler.Accept, which returns the Receiver for the link's inbound frames.
// Each link runs two goroutines, both owned and awaited by the Server: a reader
// (gws ReadLoop) that calls the Receiver, and a writer that writes everything we
// send (frames, pings, pongs, our close frame); only the close frames gws answers
// with itself, when the client closes or breaks the protocol, come from the
// reader. Routing writes through one goroutine means a slow socket blocks only
// that goroutine, and that a write deadline set for one write never trips another.
//
// # Send queue and drop policy
//
// Link.Send never blocks. It copies the frame's head into a preallocated slot and
// keeps a reference to its body; the writer writes head+body as one binary
// WebSocket message. The queue is one FIFO holding at most Options.SendQueue
// ClassControl frames plus at most one ClassState frame:
//
//   - ClassControl frames are never dropped. When a link already holds SendQueue
//     of them, the link is a slow consumer: its queue is discarded and it is closed
//     with Options.SlowCloseCode (Stats.SlowClosed).
//   - A ClassState frame replaces the queued ClassState frame in place, keeping its
//     position, if that frame has not yet been taken by the writer; otherwise it is
//     appended. The replaced frame counts in Stats.StaleDropped. So control frames
//     queued before a state frame are written before it, and a reader that falls
//     behind gets the newest state, never a backlog.
//   - A write that blocks longer than Options.WriteTimeout also marks the link a
//     slow consumer. The frame is then cut short, so no close frame can follow: the
//     client sees an abnormal closure (1006) while the Receiver sees SlowCloseCode.
//
// # Heartbeat
//
// The writer pings every Options.PingInterval. Anything that arrives (a message, a
// ping, a pong) counts as life; when nothing has arrived for PingInterval +
// PingTimeout the link is closed with Options.TimeoutCloseCode
// (Stats.TimeoutClosed). The writer owns this check, rather than a read deadline,
// so the close frame carries our code instead of gws's generic one.
//
// # Inbound limits
//
// Frames up to Options.ReadLimit reach Receiver.OnFrame. gws itself is told to
// accept up to 4*ReadLimit: frames between the two are read, discarded and
// reported through Receiver.OnTooLarge so the session can answer with an error
// frame; larger ones are refused by gws, unread, with close code 1009
// (CloseMessageTooBig). Both count in Stats.TooLarge.
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
package transports
