package loadtest

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/tickroom/tickroom/actors"
	"github.com/tickroom/tickroom/netcode"
	"github.com/tickroom/tickroom/transports"
	"github.com/tickroom/tickroom/world"
)

// The attack tests run each attack for a second or two, with a handful of
// attackers, against a real server on 127.0.0.1 next to four honest
// players, and check that it ran and that its section reports what the
// server answered; they measure nothing.

// attackScenario is a short run of four honest players in one room.
func attackScenario(url string) Scenario {
	s := shortScenario(url, 4, 4, 1500*time.Millisecond)
	s.Warmup = Duration{200 * time.Millisecond}
	return s
}

// attackOf returns the run's report of the attack named by its flag.
func attackOf(t *testing.T, rep *Report, name string) AttackReport {
	t.Helper()
	for _, a := range rep.Attacks {
		if a.Name == name {
			return a
		}
	}
	t.Fatalf("no %s in the report's attacks %+v", name, rep.Attacks)
	return AttackReport{}
}

// answered reports whether the server gave an answer whose key contains
// want, and how many times.
func answered(a AttackReport, want string) int64 {
	n := int64(0)
	for k, v := range a.Answers.ByKind {
		if strings.Contains(k, want) {
			n += v
		}
	}
	return n
}

// checkReported checks the attack's common figures and that the summary
// has its rows.
func checkReported(t *testing.T, rep *Report, a AttackReport, attackers int, title string) {
	t.Helper()
	if a.Attackers != attackers || a.Did[didConnections] < 1 || a.Seconds <= 0 {
		t.Errorf("%s: %+v, want %d attackers with connections", a.Name, a, attackers)
	}
	if a.From != "" && a.From != "127.0.0.2" {
		t.Errorf("%s: from %q, want 127.0.0.2 or the system's choice", a.Name, a.From)
	}
	if open := a.Did[didOpenAtEnd] + a.Did[didCut]; open > a.Did[didConnections] {
		t.Errorf("%s: %d connections ended, of %d opened", a.Name, open, a.Did[didConnections])
	}
	var out bytes.Buffer
	if err := WriteSummary(&out, rep); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{title, "server answered", "honest clients"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("the summary lacks %q:\n%s", want, out.String())
		}
	}
	if rep.Joins.Succeeded != 4 {
		t.Errorf("%d of 4 honest players joined", rep.Joins.Succeeded)
	}
	attacking := false
	for _, smp := range rep.Series {
		if _, ok := smp.AttackConns[a.Name]; ok {
			attacking = true
		}
	}
	if !attacking {
		t.Errorf("%s: no sample counts its connections", a.Name)
	}
}

// Floods of pings, of garbage frames, and of room creations: the server
// answers each, and the report says how.
func TestAttackFloods(t *testing.T) {
	srv := startServer(t, 4)
	s := attackScenario(srv.url)
	s.PingFlood, s.FrameFlood, s.RoomFlood = 2, 2, 2
	s.FramePayload = payloadGarbage
	rep := runScenario(t, s, Options{})

	ping := attackOf(t, rep, "ping-flood")
	checkReported(t, rep, ping, 2, "ping flood")
	if ping.Did["pings written"] == 0 {
		t.Errorf("ping flood wrote no pings: %+v", ping)
	}
	// A flooder is closed for its rate (session.max_rejected), at once.
	if ping.Did[didCut] == 0 || ping.Answers.Total == 0 || ping.Cut.Count == 0 {
		t.Errorf("the server cut no ping flooder: %+v", ping)
	}

	frames := attackOf(t, rep, "frame-flood")
	checkReported(t, rep, frames, 2, "frame flood")
	if frames.Did["frames written"] == 0 {
		t.Errorf("frame flood wrote no frames: %+v", frames)
	}
	// A frame that is not msgpack closes its connection with bad_frame.
	if answered(frames, "4000 bad_frame") == 0 {
		t.Errorf("frame flood: answers %v, want bad_frame", frames.Answers.ByKind)
	}

	// The HTML report charts every attack's open connections.
	var page bytes.Buffer
	if err := WriteHTML(&page, rep); err != nil {
		t.Fatal(err)
	}
	doc := parseXHTML(t, page.Bytes())
	for _, name := range []string{"ping-flood", "frame-flood", "room-flood"} {
		if doc.points["attack_conns."+name] == 0 {
			t.Errorf("the HTML report draws no open connections of %s (charts %v)", name, doc.svgs)
		}
	}

	rooms := attackOf(t, rep, "room-flood")
	checkReported(t, rep, rooms, 2, "room flood")
	// A connection may create room_burst (3) rooms at once, then is refused.
	if rooms.Did["rooms created"] == 0 || rooms.Did["creates refused"] == 0 || answered(rooms, "4003 rate_limited") == 0 {
		t.Errorf("room flood: %+v, want rooms created and creates refused rate_limited", rooms)
	}
}

// Idle connections meet the cap on connections in no room (server_busy)
// and the join deadline (join_timeout).
func TestAttackIdleConnections(t *testing.T) {
	srv := startServerWith(t, serverOptions{
		room:   actors.RoomOptions{MaxPlayers: 4},
		limits: actors.LimitOptions{MaxUnjoined: 4, JoinTimeout: 400 * time.Millisecond},
	})
	s := attackScenario(srv.url)
	s.IdleConns = 6
	rep := runScenario(t, s, Options{})

	idle := attackOf(t, rep, "idle-conns")
	checkReported(t, rep, idle, 6, "idle connections")
	if answered(idle, "4024 server_busy") == 0 || answered(idle, "4025 join_timeout") == 0 {
		t.Errorf("idle connections: answers %v, want server_busy and join_timeout", idle.Answers.ByKind)
	}
	if idle.Did[didCut] == 0 || idle.Cut.Count == 0 {
		t.Errorf("idle connections: %+v, want some cut, with their times", idle)
	}
}

// Trickled headers and bodies are cut at the server's deadlines; huge
// headers get 431.
func TestAttackHTTP(t *testing.T) {
	srv := startServerWith(t, serverOptions{
		room:      actors.RoomOptions{MaxPlayers: 4},
		transport: transports.Options{ReadHeaderTimeout: 300 * time.Millisecond, BodyTimeout: 300 * time.Millisecond},
	})
	s := attackScenario(srv.url)
	s.SlowHeaders, s.SlowBodies, s.HugeHeaders = 2, 2, 2
	s.TrickleEvery = Duration{50 * time.Millisecond}
	s.HugeHeaderBytes = 64 << 10
	rep := runScenario(t, s, Options{})

	for _, name := range []string{"slow-headers", "slow-bodies"} {
		a := attackOf(t, rep, name)
		checkReported(t, rep, a, 2, strings.ReplaceAll(name, "-", " "))
		if a.Did[didBytes] == 0 || a.Did[didCut] == 0 || a.Cut.Count == 0 {
			t.Errorf("%s: %+v, want bytes trickled and connections cut", name, a)
		}
		if a.Cut.P50 < 250 {
			t.Errorf("%s: cut after p50 %.0fms, before the server's 300ms deadline", name, a.Cut.P50)
		}
	}
	huge := attackOf(t, rep, "huge-headers")
	checkReported(t, rep, huge, 2, "huge headers")
	if answered(huge, "HTTP 431") == 0 || huge.Did[didAnswered] == 0 {
		t.Errorf("huge headers: %+v, want 431 answers", huge)
	}
}

// Blind ackers join a room and acknowledge. (Their window fills in a few
// seconds of a small room's states, so that the server's close is left to
// TestBlindAckerFindsTheClose.)
func TestAttackBlindAcks(t *testing.T) {
	srv := startServer(t, 4)
	s := attackScenario(srv.url)
	s.BlindAcks = 2
	rep := runScenario(t, s, Options{})

	blind := attackOf(t, rep, "blind-acks")
	checkReported(t, rep, blind, 2, "blind acks")
	if blind.Did["joined"] != 2 || blind.Did["acks sent"] == 0 {
		t.Errorf("blind acks: %+v, want 2 joined, acks sent", blind)
	}
}

// A blind acker learns that the server closed it from a failed write, and
// finds why in what its socket still holds: here a fake server welcomes
// it, sends a state, reads one ack and closes with slow_consumer.
func TestBlindAckerFindsTheClose(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	served := make(chan error, 1)
	go func() { served <- fakeBlindServer(ln) }()

	u, _ := url.Parse("http://" + ln.Addr().String())
	s := DefaultScenario()
	e := &attackEnv{r: &run{s: s}, s: s.Attacks, target: u, wsPath: "/ws", tag: "t"}
	st := newAttackStats(kindOf("blind-acks"))
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	blindAcks(ctx, e, st, 0)
	if err := <-served; err != nil {
		t.Fatal(err)
	}
	if got := st.did["joined"].Load(); got != 1 {
		t.Errorf("joined %d, want 1", got)
	}
	if got := st.did[didCut].Load(); got != 1 || ctx.Err() != nil {
		t.Errorf("cut %d (ctx %v), want the server's close found before the deadline", got, ctx.Err())
	}
	_, answers := st.answers.snapshot()
	if answers["close 4007 slow_consumer"] != 1 {
		t.Errorf("answers %v, want the close frame's code", answers)
	}
}

// fakeBlindServer accepts one WebSocket, answers its join with a welcome
// and a snapshot, reads one ack and closes with 4007 slow_consumer.
func fakeBlindServer(ln net.Listener) error {
	nc, err := ln.Accept()
	if err != nil {
		return err
	}
	defer nc.Close()
	br := bufio.NewReader(nc)
	if _, err := http.ReadRequest(br); err != nil {
		return err
	}
	if _, err := io.WriteString(nc, "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n"); err != nil {
		return err
	}
	peer := &rawWS{nc: nc, br: br}
	if _, _, err := peer.readFrame(); err != nil { // the join
		return err
	}
	welcome, _ := netcode.AppendFrame(nil, &netcode.Welcome{Version: netcode.ProtocolVersion, TickRate: 20, SendRate: 20})
	state, _ := netcode.AppendFrame(nil, &netcode.State{Delta: world.Delta{Tick: 7}})
	var out []byte
	for _, f := range [][]byte{welcome, state} {
		out = append(out, 0x82, byte(len(f)))
		out = append(out, f...)
	}
	out = append(out, 0x82, 3) // a state frame the acker never reads
	out = append(out, state[:3]...)
	if _, err := nc.Write(out); err != nil {
		return err
	}
	if op, p, err := peer.readFrame(); err != nil || op != opBinary || len(p) < 2 || p[1] != byte(netcode.KindAck) {
		return fmt.Errorf("want an ack, read op %d %x: %v", op, p, err)
	}
	_, err = nc.Write([]byte{0x88, 2, 4007 >> 8, 4007 & 0xff})
	return err
}

// Every attack has its key in a scenario file, and values out of bounds
// are errors naming the key.
func TestAttackScenarioKeys(t *testing.T) {
	file := `ping_flood = 1
frame_flood = 2
frame_flood_payload = "unknown"
room_flood = 3
idle_conns = 4
slow_headers = 5
slow_bodies = 6
trickle_every = "250ms"
huge_headers = 7
huge_header_bytes = 65536
blind_acks = 8
attack_from = "127.0.0.9"
`
	s, err := ParseScenario([]byte(file), "s.toml", DefaultScenario())
	if err != nil {
		t.Fatal(err)
	}
	want := Attacks{PingFlood: 1, FrameFlood: 2, FramePayload: payloadUnknown, RoomFlood: 3, IdleConns: 4,
		SlowHeaders: 5, SlowBodies: 6, TrickleEvery: Duration{250 * time.Millisecond}, HugeHeaders: 7,
		HugeHeaderBytes: 65536, BlindAcks: 8, AttackFrom: "127.0.0.9"}
	if s.Attacks != want {
		t.Errorf("attacks = %+v, want %+v", s.Attacks, want)
	}
	if err := s.Validate(); err != nil {
		t.Errorf("Validate: %v", err)
	}

	bad := `ping_flood = -1
idle_conns = 20001
frame_flood_payload = "junk"
trickle_every = "1ms"
huge_header_bytes = 10
attack_from = "nowhere"
`
	path := filepath.Join(t.TempDir(), "s.toml")
	if err := os.WriteFile(path, []byte(bad), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err = ParseArgs([]string{"-scenario", path, "-blind-acks", "2001"}, io.Discard)
	if err == nil {
		t.Fatal("ParseArgs accepted attacks out of bounds")
	}
	for _, key := range []string{"ping_flood", "idle_conns", "frame_flood_payload", "trickle_every", "huge_header_bytes", "attack_from"} {
		if !strings.Contains(err.Error(), path+": "+key+": ") {
			t.Errorf("the error does not name %s: %v", key, err)
		}
	}
	if !strings.Contains(err.Error(), "blind-acks: 2001 is not between 0 and 2000") {
		t.Errorf("the error does not name the flag -blind-acks: %v", err)
	}
}

// The embedded server exempts the players' address from its per-address
// limits, unless attackers come from it too.
func TestEmbeddedServerExempts(t *testing.T) {
	s := DefaultScenario()
	if got := embeddedServer(s); got.RoomSize != s.RoomSize || len(got.ExemptAddrs) == 0 {
		t.Errorf("no attacks: %+v, want the players' address exempt", got)
	}
	s.PingFlood = 1
	s.AttackFrom = ""
	if got := embeddedServer(s); len(got.ExemptAddrs) != 0 {
		t.Errorf("attackers from the players' address: %+v, want nothing exempt", got)
	}
	s.AttackFrom = "127.0.0.2"
	if got := embeddedServer(s); len(got.ExemptAddrs) == 0 {
		t.Errorf("attackers from 127.0.0.2: %+v, want the players' address exempt", got)
	}
	if runtime.GOOS == "linux" {
		s.AttackFrom = attackFromAuto
		if got := s.Attacks.sourceAddr("http://127.0.0.1:8080"); !got.Equal(net.IPv4(127, 0, 0, 2)) {
			t.Errorf("auto source against 127.0.0.1 = %v, want 127.0.0.2", got)
		}
		if got := s.Attacks.sourceAddr("http://[::1]:8080"); got != nil {
			t.Errorf("auto source against ::1 = %v, want the system's choice", got)
		}
	}
}

// The command asks the embedded server to exempt the players' address,
// and says so in the report, next to the attack.
func TestMainAttackOnEmbeddedServer(t *testing.T) {
	var asked EmbeddedServer
	start := func(e EmbeddedServer) (string, func() error, error) {
		asked = e
		srv := startServer(t, e.RoomSize)
		return srv.url, func() error { return nil }, nil
	}
	out := t.TempDir()
	var stdout, stderr bytes.Buffer
	args := []string{"-clients", "4", "-room-size", "4", "-duration", "1s", "-warmup", "0s", "-room-flood", "1", "-out", out}
	if code := Main(context.Background(), args, Env{Stdout: &stdout, Stderr: &stderr, StartServer: start}); code != ExitPass {
		t.Fatalf("exit %d\n%s\n%s", code, stdout.String(), stderr.String())
	}
	if asked.RoomSize != 4 || !slices.Equal(asked.ExemptAddrs, embeddedLoopback) && runtime.GOOS == "linux" {
		t.Errorf("asked the embedded server for %+v", asked)
	}
	js, err := os.ReadFile(filepath.Join(out, "report.json"))
	if err != nil {
		t.Fatal(err)
	}
	var rep Report
	if err := json.Unmarshal(js, &rep); err != nil {
		t.Fatal(err)
	}
	if len(rep.Attacks) != 1 || rep.Attacks[0].Name != "room-flood" || rep.Attacks[0].Did["creates sent"] == 0 {
		t.Errorf("report.json attacks = %+v", rep.Attacks)
	}
	if !slices.Equal(rep.ExemptAddrs, asked.ExemptAddrs) {
		t.Errorf("report.json exempt_addrs = %v, want %v", rep.ExemptAddrs, asked.ExemptAddrs)
	}
	if !strings.Contains(stdout.String(), "room flood") {
		t.Errorf("the summary has no room flood:\n%s", stdout.String())
	}
}

// A dial the tester itself could not make is not the server's answer: the
// report warns of it.
func TestAttackTesterLimitsWarned(t *testing.T) {
	if got := endKey(&net.OpError{Op: "dial", Err: os.NewSyscallError("socket", syscall.EMFILE)}); got != testerOutOfFiles {
		t.Errorf("endKey(EMFILE) = %q", got)
	}
	rep := &Report{Attacks: []AttackReport{{Name: "idle-conns", Answers: Counts{Total: 3, ByKind: map[string]int64{
		"dial: " + testerOutOfFiles: 2, "HTTP 503 server_full": 1,
	}}}}}
	w := strings.Join(warnings(rep), "\n")
	if !strings.Contains(w, "idle-conns: 2 connections failed in the tester itself") {
		t.Errorf("warnings:\n%s", w)
	}
}

// The attackers find the server's endpoints in the run's URL as the
// client package does, and refuse a TLS target, which they cannot speak.
func TestAttackServerPaths(t *testing.T) {
	for _, tc := range []struct{ url, ws, http string }{
		{"http://127.0.0.1:8080", "/ws", "/rt"},
		{"http://127.0.0.1:8080/", "/ws", "/rt"},
		{"http://127.0.0.1:8080/game", "/game/ws", "/game/rt"},
		{"ws://127.0.0.1:8080/ws", "/ws", "/rt"},
		{"ws://127.0.0.1:8080/game/ws", "/game/ws", "/game/rt"},
		{"ws://127.0.0.1:8080", "/ws", "/rt"},
	} {
		u, _ := url.Parse(tc.url)
		if ws, h := serverPaths(u); ws != tc.ws || h != tc.http {
			t.Errorf("serverPaths(%s) = %s, %s; want %s, %s", tc.url, ws, h, tc.ws, tc.http)
		}
	}
	s := DefaultScenario()
	s.URL, s.PingFlood = "https://127.0.0.1:8443", 1
	if err := s.Validate(); err == nil || !strings.Contains(err.Error(), "url: the attacks speak plain TCP") {
		t.Errorf("Validate of an attack on https = %v", err)
	}
}
