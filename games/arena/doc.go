// Package arena is Tickroom's demo game, written only against the public
// game API (package world): players move by their inputs in a square field,
// and pickups appear, expire, and score for the player who reaches them. It
// exercises every kind of change a delta carries (moving numbers, a changing
// score, entities spawned and removed, a name), which is why the benchmarks
// and the load tester use it.
//
// Its settings (Settings) come from the [modes.arena.settings] table of
// server.toml when a server defines the mode with them, and a reload applies
// them to running games at their next tick.
package arena
