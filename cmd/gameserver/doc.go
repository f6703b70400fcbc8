// Command gameserver runs a Tickroom server.
//
//	gameserver [serve] [-config FILE]
//	gameserver loadtest [flags]
//
// With no -config it uses the server.toml embedded in the binary. Loading is
// strict: an unknown key or an invalid value stops the server with an error
// naming the key. SIGHUP reloads the file and applies tick rate, send rate and
// limits to running rooms at their next tick; a bad file is reported and the
// running config kept. SIGINT and SIGTERM shut down gracefully: stop
// accepting, close every client with "going away", wait for sessions, stop the
// rooms.
//
// The loadtest subcommand drives simulated players against a running server
// (-url) or against one it starts itself, and reports latency, update rate,
// bandwidth and the server's CPU and memory; see package loadtest.
//
// Besides the game endpoints the server answers /healthz, /readyz and, unless
// server.metrics is false, /metrics in Prometheus format.
//
// This package owns the mapping from server.toml onto each package's options;
// no other package sees TOML.
package main
