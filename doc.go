// Package tickroom is a multiplayer game state sync server you run as a
// library: define your game modes on a Server and run it, and it serves
// them over WebSocket and, for networks that block WebSocket, HTTP
// long-polling, streaming and polling, with rooms that tick at a fixed rate
// and send each client diffs against the tick it acknowledged.
//
//	srv := tickroom.New(tickroom.Options{})
//	tickroom.Define(srv, "tag", tag.New)       // func() *tag.Game
//	os.Exit(srv.Main(os.Args[1:]))             // -config FILE, signals, exit code
//
// A game implements world.Game (package world is the engine: entities with
// typed fields, the change journal, deltas, and helpers). Modes belong to
// the Server value, so two servers in one process have their own; the
// first mode defined is the default unless room.default_mode names another.
// DefineWithSettings gives a game its own settings struct, decoded strictly
// from the [modes.NAME.settings] table of server.toml and reloaded on
// SIGHUP; [modes.NAME] also overrides the room's tick rate, send rate and
// capacity for that mode.
//
// # Configuration
//
// The config is server.toml (DefaultConfigTOML is the documented default,
// used when no file is given). Loading is strict: an unknown key or section,
// a duration without a unit or an invalid value is an error naming the key,
// and every problem of a file is reported at once. Reload re-reads the file
// and applies what can change while running; Config.Reloadable says what
// needs a restart.
//
// # Lifecycle
//
// Start opens the listener and returns; Run starts, reloads on SIGHUP and
// shuts down on SIGINT, SIGTERM or the end of its context; Main wraps Run
// with a command line. Close shuts down in order, bounded by
// server.shutdown_timeout: stop accepting and tell every client the server
// is going away, wait for the sessions, stop the rooms. Besides the game
// endpoints the server answers /healthz, /readyz and, unless server.metrics
// is false, /metrics in Prometheus format; Handle adds routes of the game's
// own.
//
// Packages below this one never see TOML or signals: the server maps the
// config onto the options of actors and transports.
package tickroom
