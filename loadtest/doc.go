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
//	gameserver loadtest -url http://127.0.0.1:8080 -clients 256 -duration 15s -ping-flood 100
//	gameserver loadtest -url http://127.0.0.1:8081,http://127.0.0.1:8082 -clients 512   # a cluster's nodes, room by room
//
// With no -url the command starts the real server in its own process (the
// embedded server.toml on 127.0.0.1:0, with room.max_players set to
// -room-size, the players' address exempt from the per-address limits and
// warnings-only logs), so one command shows the whole thing. To measure the
// server alone, run it separately (see "Pinning" below).
//
// Every player of the tester comes from one address, as no real server's
// players would, so the server's per-address budgets ([limits]: rooms
// created per address, guesses) would refuse honest load they were never
// meant for. The embedded server exempts the players' address
// (limits.exempt_addrs = ["127.0.0.1", "::1"]), unless attackers come from
// it too (see Attacks); a server run separately for a load test wants
// exempt_addrs = ["127.0.0.1"] in its config, for the same reason.
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
//     Under it ("refusals"): what the server refused, closed, rejected and
//     answered with an error frame over the window, by kind, from its
//     tickroom_refused_total, tickroom_connections_closed_total,
//     tickroom_frames_rejected_total and tickroom_error_frames_total
//     ("refused overloaded_join", "closed slow_consumer", "rejected
//     rate_limited", "error frames server_busy"); report.json adds the
//     peaks of tickroom_overloaded, tickroom_send_level,
//     tickroom_sessions_unjoined and tickroom_rooms.
//   - admission (when a join failed, a player was dropped or the server
//     was overloaded): players admitted of those that tried; refused, by
//     what the dial or join got ("join: server_busy", "dial: HTTP 503
//     server_full"); dropped, by close code.
//   - send rate (when it changed, or the server was overloaded): the rate
//     the players' welcomes announced, the lowest a rates frame announced
//     to any player, the players' mean at the window's end, and the rates
//     frames (an overloaded server lowers every room's rate a step a
//     second, never below overload.min_send_rate, and raises it again once
//     the load has passed). Skipped sends follow the announced rates, so a
//     lowered rate is not counted as lost states. report.html charts the
//     mean rate the players were told next to their update rate.
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
// # Attacks
//
// Attacks (issue 12) are hostile connections next to the honest players
// of the scenario, to see what each does to them: the run's main figures
// (updates, input→ack, state gaps, errors) are then the honest players'
// alone, the summary says "honest clients", and each attack has a
// section of its own: a row of what its attackers did and one of what
// the server answered (HTTP statuses with the error body's code, close
// frames, error frames, resets, connections closed without a close
// frame), with the time from a connection's opening until the server
// answered or cut it (p50, p99, max). The server's own count of what it
// refused is under "server" (refusals), its memory and CPU in the server
// row. report.json has each attack's counts (attacks[].did, .answers,
// .cut_after) and a sample per second of its open connections, which
// report.html charts.
//
// Each flag is a number of attacker connections (a scenario file's key is
// the flag with underscores). Attacks start with the measured window,
// press for all of it and stop when it ends, every connection closed and
// every goroutine waited for: they are bounded in count (2,000 each;
// 20,000 idle connections) and time like the rest of the run, and go
// only to the run's target, which must be a loopback address unless
// -allow-remote is given. They speak raw sockets, so they send what the
// client package never would.
//
// Attackers connect from -attack-from: by default 127.0.0.2 on Linux
// against an IPv4 loopback target (all of 127.0.0.0/8 is the loopback
// interface there), so that the server's per-address limits see them
// apart from the honest players at 127.0.0.1, and the embedded server
// exempts the players but not them. Elsewhere (or with -attack-from "")
// they share the players' address, and the embedded server exempts no one.
// The transports' per-address connection cap does not apply to loopback
// addresses at all, whichever they are.
//
//   - -ping-flood N: N WebSockets send ping control frames as fast as
//     their sockets take them (256 to a write), reading the pongs. Section:
//     connections, pings written and pongs received, how the server ended
//     each connection (a flooder is closed for its frame rate, error and
//     close 4003 rate_limited) and when; a connection it ends is opened
//     again at once. "Written" is what the kernel took: on loopback most
//     of it sits unread in the server's receive buffer when it closes the
//     connection, and the server's own count of what it read is under
//     refusals (rejected rate_limited).
//   - -frame-flood N [-frame-flood-payload empty|garbage|unknown]: the
//     same with binary frames of no bytes (empty, the default), a byte
//     that starts no msgpack value (garbage), or a well-formed frame of a
//     kind the protocol does not have (unknown: answered unknown_kind, the
//     frame ignored, then rate_limited). Empty and garbage frames close the
//     connection with bad_frame.
//   - -room-flood N: N WebSockets each create rooms one after the other:
//     a join with how=create for a fresh name, a leave once welcomed, the
//     next create as soon as the answer comes (a create the server drops
//     over the frame rate, unanswered, is given up after 250ms). Section:
//     creates sent, rooms created, creates refused (with their codes:
//     rate_limited is the per-connection or per-address room budget) and
//     unanswered.
//   - -idle-conns N: N WebSockets opened (a thousand a second at most) and
//     held without a join, answering the server's pings, so that only its
//     limits end them; one it refuses or ends is opened again a second
//     later, so the attack keeps pressing. Section: connections accepted
//     (upgraded) and refused (HTTP status: 503 server_full, 429
//     too_many_connections), and closed, by code (4024 server_busy:
//     limits.max_unjoined; 4025 join_timeout: limits.join_timeout) and
//     when; the per-second samples show how many were open over time.
//   - -slow-headers N: N TCP connections send an HTTP request line and
//     then header lines a byte every -trickle-every (default 1s), never
//     ending them. -slow-bodies N: N connections send an HTTP transport
//     handshake (POST to /rt) whose headers announce a body the size of
//     the largest handshake body and then trickle the body a byte every
//     -trickle-every. Section: when the server cut them (its
//     ReadHeaderTimeout and body deadline), with what (a status, or the
//     connection closed); each starts again on a new connection.
//   - -huge-headers N [-huge-header-bytes B]: N connections each send, one
//     after the other, a request with B bytes of headers (default 1 MiB,
//     1 KB lines). Section: the statuses (431 past the server's
//     MaxHeaderBytes), how soon, and the server's peak RSS.
//   - -blind-acks N: N WebSockets, each with a tiny kernel receive buffer
//     (about 1 KiB of window), join rooms of their own (-room-size to a
//     room) and then acknowledge every tick the room runs, at its send
//     rate, without reading a byte. A blind acker learns that the server
//     closed it when a write fails (the server's kernel resets a closed
//     connection); it then reads what its socket still holds for the
//     close or error frame that says why. Section: joined, acks sent, when
//     the server cut them and with what ("write failed: reset" when the
//     close frame never got through the full window, the usual case; the
//     server's count, under refusals, says why). It connects once.
//
// Attacking a server the tester shares the machine with measures both:
// the attackers' own CPU (a flood writes gigabytes a second into loopback
// sockets) competes with the server and the honest players, and with an
// embedded server the server's CPU and memory are the whole process's. Run
// the server on its own core (see "Pinning") to tell them apart, and the
// attackers in a tester of their own at the lowest priority, so that the
// players' tester on the same core is served first and what the players
// measure is the server:
//
//	nice -n 19 taskset -c 1 gameserver loadtest -url http://127.0.0.1:8080 -clients 1 -duration 24s -ping-flood 100 -out /tmp/atk &
//	sleep 2; taskset -c 1 gameserver loadtest -url http://127.0.0.1:8080 -clients 256 -duration 15s -out /tmp/players
//
// # Overload
//
// Twice the clients one core holds: first find what the server keeps at
// 20 updates a second on one core (the largest -clients whose run passes
// -min-update-rate 19.5 -max-p99 100ms), then run twice that, with the
// server pinned to one core and the tester on the other:
//
//	taskset -c 0 gameserver serve -config lt.toml &   # server.toml with [limits] exempt_addrs = ["127.0.0.1"]
//	taskset -c 1 gameserver loadtest -url http://127.0.0.1:8080 -clients 2048 -max-p99 100ms -min-update-rate 19.5 -duration 30s
//	taskset -c 1 gameserver loadtest -url http://127.0.0.1:8080 -clients 4096 -join-rate 500 -duration 60s -out /tmp/lt-overload
//
// The second run's admission row gives the players admitted, refused
// (server_busy on the join, 503 on the connection) and dropped; updates,
// input→ack and state gaps are the admitted players'; the send-rate row
// the rates the server lowered them to. The goal (issue 12): nobody
// already playing is dropped, and the admitted keep at least
// overload.min_send_rate. A refused player does not try again.
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
