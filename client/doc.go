// Package client is a Go client for Tickroom: it dials a server over
// WebSocket, joins a room, sends inputs and keeps a mirror of the room's state
// by applying the snapshots and diffs the room sends.
//
// The mirror follows the protocol's baseline rule: a diff names the tick it
// was computed from and carries differences against that exact state, so the
// client keeps its recent states (Options.History of them) and applies each
// diff to the one it names. A diff whose baseline is gone makes the client ask
// for a full snapshot by acknowledging tick zero.
//
// Tests and the load tester use it; a game written in Go can too.
package client
