// Command gameserver runs a Tickroom server with the demo game, the arena.
//
//	gameserver [serve] [-config FILE]
//	gameserver loadtest [flags]
//
// It is a thin main over package tickroom, which does everything else:
// strict config loading (with no -config, the server.toml embedded in the
// binary), SIGHUP reloads, graceful shutdown on SIGINT and SIGTERM, every
// transport, /healthz, /readyz and /metrics. A server for your own game is
// the same few lines with your mode defined (see examples/).
//
// The loadtest subcommand drives simulated players against a running server
// (-url) or against one it starts itself, and reports latency, update rate,
// bandwidth and the server's CPU and memory; see package loadtest.
package main
