// Package loadtest is Tickroom's load-test harness: it drives thousands of
// simulated players (package client) against a running server, measures
// what they see, and reports it as a summary table, report.json and a
// self-contained report.html. It is the `gameserver loadtest` command.
//
// # Running it
//
//	gameserver loadtest                              # 256 players on an embedded server, 30 s
//	gameserver loadtest -clients 2000 -duration 2m -out /tmp/lt
//	gameserver loadtest -url http://127.0.0.1:8080 -mix websocket=70,longpoll=10,stream=10,poll=10
//	gameserver loadtest -scenario arena.toml -max-p99 80ms -min-update-rate 19.5 -max-errors 0
//
// With no -url the command starts the real server in its own process (the
// embedded server.toml on 127.0.0.1:0, with room.max_players set to
// -room-size and warnings-only logs), so one command shows the whole thing.
// To measure the server alone, run it separately (see "Pinning" below).
//
// The default scenario is the arena: rooms of 16, the server's default 20 Hz
// tick, 20 inputs per second per player, everyone on WebSocket. Clients
// start at -join-rate per second and join named rooms, -room-size to a room,
// so rooms are full whatever the server's matchmaking does. The measured
// window begins when every join has ended (plus -warmup, 2 s by default)
// and lasts -duration.
//
// A scenario file holds a run an operator keeps. Its keys are the flag names
// with underscores and the mix is a table. It is as strict as server.toml:
// unknown keys, values of the wrong type and durations without a unit
// (duration = 30) are errors naming the key. Flags given on the command line
// override it:
//
//	clients = 2000
//	room_size = 16
//	join_rate = 500
//	duration = "5m"
//	max_p99 = "80ms"
//	min_update_rate = 19.5
//	max_errors = 0
//
//	[mix]
//	websocket = 90
//	longpoll = 10
//
// Every run is bounded: at most 20,000 clients and an hour of window, a hard
// deadline on the whole run, and it stops by itself. SIGINT (or SIGTERM)
// ends it early and it still reports; a second signal kills it. It refuses
// a target that is not a loopback address (127.0.0.0/8, ::1, localhost)
// unless -allow-remote is given.
//
// Exit status: 0 when every gate passed (or none was set), 1 when a gate
// failed (the summary names it) or the run could not start, 2 for bad flags.
//
// # What the numbers mean
//
// Rates are over the measured window and "per client" means per client that
// joined.
//
//   - joins: first joins that succeeded, of those attempted, and the time
//     from dial to welcome (p50, p99, max). Reconnects of the drop fault are
//     counted apart (drops).
//   - input→ack: for every input, the time from when it was due until the
//     first state whose InputAck is at least its seq, so the input was
//     applied and the client has seen the result. HDR histogram, 3
//     significant digits: p50, p90, p99, p99.9, max. Time counts from when
//     the input was due, not when it went out, so a tester that falls behind,
//     or -latency, shows in it instead of hiding (no coordinated omission).
//   - updates: state frames (snapshots and diffs) per client per second:
//     the mean, and the slowest client with its transport. At 20 Hz sends a
//     healthy run shows 20.
//   - bytes: frame bytes received per client per second, and in all.
//   - state gaps: time between consecutive states at a client (HDR
//     histogram; 50 ms at 20 Hz), and skipped sends: ticks that jumped by
//     more than one send interval, states the client never got.
//   - errors: dial and join failures, error frames from the server,
//     failed sends and disconnects; -max-errors gates on their total.
//   - disconnects: connections the server or network ended, by close code
//     (4007 slow_consumer, 1001 going_away, …; "network" without one).
//   - server: from /metrics, scraped every second: CPU seconds over the
//     window as a percentage of one core (process_cpu_seconds_total), peak
//     resident memory (process_resident_memory_bytes), peak sessions per
//     transport (tickroom_sessions), and the tick-time histogram
//     (tickroom_tick_duration_seconds) with p50 and p99 interpolated inside
//     its buckets, so approximate. Missing when the server has no /metrics.
//   - load tester: this process's CPU over the window (getrusage) as a
//     percentage of one core, with a warning above 80%: past that the tester
//     may be what limits the run. With an embedded server the figure
//     includes the server, which shares the process.
//   - gates: -max-p99 (input→ack p99), -min-update-rate (mean updates per
//     client per second) and -max-errors; each is off unless given.
//
// report.json holds all of it plus one sample per second (connected
// clients, p50/p99 of that second's acks, update rate, bytes per second,
// server and tester CPU) and a record per client. report.html draws those
// samples as inline SVG charts (the measured window shaded), has no script
// and fetches nothing, and embeds the report (less the per-client records)
// as JSON in <script type="application/json" id="tickroom-data">.
//
// # Faults
//
//   - -latency D -jitter J: every input waits D plus a random 0..J before it
//     is sent, in order; its latency still counts from when it was due.
//   - -drop-percent P -drop-every D: every D of the window, P% of the
//     clients are closed and dial and join their room again.
//   - -slow-percent P -slow-delay D: P% of the clients sleep D after every
//     frame they receive, which backs up their connection as a slow network
//     or device would.
//
// # Keeping the tester cheap
//
// The tester must not be the bottleneck. Inputs carry the acknowledgement
// of the newest state (client.Options.ManualAck), so a client sends one
// frame per input and nothing else. A few scheduler goroutines (one per
// core, at most four), each with one timer and a heap, send every client's
// inputs, instead of a goroutine and a ticker per client. Counting and
// timing a frame, in the client's OnFrame hook, takes atomics, one sharded
// lock and no allocation; the harness keeps per client a ring of its last
// 128 input due times and a few counters, about 1.3 KB. Most of a client's
// cost is the client itself: a read and a write system call per frame, and
// decoding and applying every state to its mirror. Clients keep 32 states as
// baselines (more with -latency), not the client's default 64, which halves
// their memory; report.tester.lost_baselines says if that was too few.
//
// # Pinning the server and the tester to separate cores
//
// Run them as two processes on disjoint cores, so neither steals the
// other's CPU and each one's figure is its own:
//
//	taskset -c 0 gameserver serve -config server.toml &
//	taskset -c 1 gameserver loadtest -url http://127.0.0.1:8080 -clients 2000 -out /tmp/lt
//
// Go sizes GOMAXPROCS from the CPU affinity mask, so each process uses just
// its cores. The server's room.max_players must be at least -room-size.
// Past a few thousand clients the file-descriptor limit (ulimit -n) and the
// loopback ephemeral ports (each HTTP-transport client holds two
// connections) become limits too.
package loadtest
