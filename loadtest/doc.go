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
//	gameserver loadtest -clients 1024 -drop-percent 10 -drop-every 5s -duration 60s -mode tag -events-rate 1
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
//     from dial to welcome (p50, p99, max). How clients came back after a
//     drop is counted apart (drops).
//   - input→ack: for every input, the time from when it was due until the
//     first state whose InputAck is at least its seq, so the input was
//     applied and the client has seen the result. HDR histogram, 3
//     significant digits: p50, p90, p99, p99.9, max. Time counts from when
//     the input was due, not when it went out, so a tester that falls behind,
//     or -latency, shows in it instead of hiding (no coordinated omission).
//     A client sends no inputs while it is away after a drop, and the
//     inputs on their way when its connection dropped are not timed: their
//     acknowledgement would time the drop, which drops measures.
//   - updates: state frames (snapshots and diffs) per client per second:
//     the mean, and the slowest client with its transport. At 20 Hz sends a
//     healthy run shows 20.
//   - bytes: frame bytes received per client per second, and in all.
//   - state gaps: time between consecutive states at a client (HDR
//     histogram; 50 ms at 20 Hz), and skipped sends: ticks that jumped by
//     more than one send interval, states the client never got (the states
//     of a client's time away after a drop are not counted).
//   - errors: dial and join failures, error frames from the server,
//     failed sends, disconnects, clients that gave up coming back and fresh
//     joins the server refused; -max-errors gates on their total.
//   - disconnects: connections the server or network ended, by close code
//     (4007 slow_consumer, 1001 going_away, …; "network" without one). The
//     client comes back from them as from the drop fault's (drops).
//   - drops: connections the drop fault cut and how their clients came
//     back (every client reconnects by itself, client.Options.Reconnect):
//     resumed (the same seat; with a snapshot when the room's history no
//     longer reached the client's tick; with events lost when the server
//     said events_lost), refused (resume_expired: the seat was gone) and
//     then joined afresh (or refused), or gave up. Resume time runs from
//     the drop (plus -drop-away) to the first state after the resume,
//     applied: p50, p99, max. The first state's bytes (p50, p99) are shown
//     next to those of a full snapshot of the same room (the latest any of
//     its clients received, which a client's first state in a full room
//     is), with the median of their ratio, resume by resume: a resume is
//     meant to cost a diff, not a snapshot.
//   - events (-events-rate): events received in the window, and chats lost
//     or duplicated. See Events.
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
//   - -drop-percent P -drop-every D [-drop-away A]: every D of the window,
//     P% of the clients lose their connection without a goodbye
//     (client.Client.Drop: no close frame, no DELETE of an HTTP session), as
//     on a network failure, and come back by themselves after A (default 0):
//     they dial again on their transport and resume their seat, or join
//     their room afresh when the server no longer holds it (A past its
//     resume window). A round waits until its clients are back before the
//     next one. The clients' first attempt goes within a millisecond of A,
//     so the resume time is the server's and the network's, not a backoff
//     the tester chose. Every client of the tester has the same address,
//     and the server counts refused resumes per address (about 10 a
//     minute, against token guessing): past the resume window, more
//     drops than that a minute end in rate_limited, and those clients give
//     up instead of joining afresh.
//   - -slow-percent P -slow-delay D: P% of the clients sleep D after every
//     frame they receive, which backs up their connection as a slow network
//     or device would.
//
// # Events
//
// With -events-rate R every client sends R "chat" messages a second over
// the measured window, for a game that broadcasts each one to its room as
// an event: the tag game (-mode tag; the embedded server serves it next to
// the arena, which broadcasts nothing). A chat's text names its sender and
// numbers its chats from 1, and every client checks each sender's numbers
// as they come: one that comes again is duplicated, one skipped is lost if
// any client of the room received it (the room broadcast it) and a lost
// message if none did: a chat on its way up when its sender's connection
// dropped, which the protocol does not promise to deliver (a resume brings
// back the events a client missed, not the messages it sent). Chats still
// on their way when the window closes are waited for (a few seconds at
// most) before the run judges. This rests on chat going to every player
// of the room, whatever else the game sends to some; event ids cannot
// tell, since they number every event of the room, for whichever players.
// After a fresh join, or an events_lost the server announced, a client's
// check starts over. Zero lost and duplicated is the goal, across drops
// too; the report warns of any.
//
// Measuring resumes: 1,024 clients in rooms of 16, 10% of them dropped
// every 5 s, their resume time (p50, p99) and lost or duplicated events:
//
//	gameserver loadtest -clients 1024 -drop-percent 10 -drop-every 5s -duration 60s -mode tag -events-rate 1 -out /tmp/lt-resume
//
// and the bytes of the first state after a 2-second absence in the arena,
// next to a full snapshot of the room:
//
//	gameserver loadtest -clients 1024 -drop-percent 10 -drop-every 5s -drop-away 2s -duration 60s -out /tmp/lt-away
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
