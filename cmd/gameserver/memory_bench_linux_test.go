package main

import (
	"bufio"
	"flag"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// memPlayers is how many arena players BenchmarkArenaPlayerMemory seats.
var memPlayers = flag.Int("memplayers", 256, "players seated by BenchmarkArenaPlayerMemory (BENCHMARKS.md uses 1024)")

// BenchmarkArenaPlayerMemory measures what an arena player costs the real
// server in memory, against what a connection costs the bare gws broadcast
// of loadtest/floor under the same load (20 frames and 20 inputs a second).
// Each is a process of its own, with its clients in another; the figure is
// the server's anonymous memory (RssAnon in /proc/PID/status: heap, stacks,
// the runtime's own) idle and with every client in, sampled while the load
// runs. File-backed pages (the binary's code) are left out: they do not
// grow with players, and the kernel can drop them. Run it with
//
//	go test -run '^$' -bench ArenaPlayerMemory -benchtime 1x ./cmd/gameserver -args -memplayers=1024
//
// It reports per player: the arena player's memory (B/player), the floor
// connection's (floorB/conn), the difference (overB/player, issue 12's
// measure: ≤ 25 KB), and the whole processes' difference at this count
// divided by it (wholeOverB/player), which counts the gameserver's larger
// idle footprint against its players.
func BenchmarkArenaPlayerMemory(b *testing.B) {
	n := *memPlayers
	var ours, floor [2]int64 // idle, loaded
	for b.Loop() {
		ours = arenaFootprint(b, n)
		floor = floorFootprint(b, n)
	}
	per := func(f [2]int64) float64 { return float64(f[1]-f[0]) / float64(n) }
	b.ReportMetric(per(ours), "B/player")
	b.ReportMetric(per(floor), "floorB/conn")
	b.ReportMetric(per(ours)-per(floor), "overB/player")
	b.ReportMetric(float64(ours[1]-floor[1])/float64(n), "wholeOverB/player")
	b.ReportMetric(0, "ns/op") // the time is that of the runs, not of interest
}

// memLoad is how long the clients run, and when the loaded samples are
// taken: after every client is in and a few seconds of play.
const (
	memLoad        = 10 * time.Second
	memSampleAfter = 6 * time.Second
)

// arenaFootprint runs the gameserver and n load-tester players in rooms of
// 16 against it, and returns its anonymous memory idle and loaded.
func arenaFootprint(b *testing.B, n int) [2]int64 {
	s := startServer(b, `
[server]
addr = "127.0.0.1:0"
[http]
max_sessions = 20000
[limits]
exempt_addrs = ["127.0.0.1"]
max_unjoined = 20000
[log]
format = "json"
level = "info"
`)
	defer s.stop()
	pid := s.cmd.Process.Pid
	idle := settledAnon(b, pid)
	lt := exec.Command(binary(b), "loadtest", "-url", "http://"+s.addr, "-clients", strconv.Itoa(n),
		"-mix", "websocket=100", "-warmup", "2s", "-duration", memLoad.String(), "-out", b.TempDir())
	loaded := sampleAnonDuring(b, lt, pid, memSampleAfter)
	return [2]int64{idle, loaded}
}

// floorFootprint does the same with loadtest/floor's server and clients.
func floorFootprint(b *testing.B, n int) [2]int64 {
	bin := filepath.Join(b.TempDir(), "floor")
	if out, err := exec.Command("go", "build", "-o", bin, "../../loadtest/floor").CombinedOutput(); err != nil {
		b.Fatalf("go build floor: %v\n%s", err, out)
	}
	addr := freeAddr(b)
	window := []string{"-addr", addr, "-warmup", "2s", "-measure", memLoad.String()}
	srv := exec.Command(bin, append([]string{"-role", "server"}, window...)...)
	if err := srv.Start(); err != nil {
		b.Fatal(err)
	}
	defer func() { _ = srv.Process.Kill(); _ = srv.Wait() }()
	waitListening(b, addr)
	idle := settledAnon(b, srv.Process.Pid)
	cl := exec.Command(bin, append([]string{"-role", "client", "-clients", strconv.Itoa(n)}, window...)...)
	loaded := sampleAnonDuring(b, cl, srv.Process.Pid, memSampleAfter)
	return [2]int64{idle, loaded}
}

// sampleAnonDuring runs the client command cmd and returns the median of
// five samples of pid's anonymous memory taken from after on, half a second
// apart (a sample may fall just before or after a collection).
func sampleAnonDuring(b *testing.B, cmd *exec.Cmd, pid int, after time.Duration) int64 {
	b.Helper()
	out, err := os.CreateTemp(b.TempDir(), "clients")
	if err != nil {
		b.Fatal(err)
	}
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }() // waited for below
	time.Sleep(after)
	samples := make([]int64, 0, 5)
	for range 5 {
		samples = append(samples, rssAnon(b, pid))
		time.Sleep(500 * time.Millisecond)
	}
	if err := <-done; err != nil {
		log, _ := os.ReadFile(out.Name())
		b.Fatalf("%s: %v\n%s", cmd.Args[0], err, log)
	}
	slices.Sort(samples)
	return samples[2]
}

// settledAnon is pid's anonymous memory once it stops moving: a process
// just started is still faulting in its first pages.
func settledAnon(b *testing.B, pid int) int64 {
	b.Helper()
	last := rssAnon(b, pid)
	for range 20 {
		time.Sleep(250 * time.Millisecond)
		now := rssAnon(b, pid)
		if now == last {
			return now
		}
		last = now
	}
	return last
}

// rssAnon reads RssAnon, in bytes, from /proc/pid/status.
func rssAnon(b *testing.B, pid int) int64 {
	b.Helper()
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), "RssAnon:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			if err != nil {
				b.Fatalf("RssAnon %q: %v", rest, err)
			}
			return kb << 10
		}
	}
	b.Fatalf("no RssAnon in /proc/%d/status", pid)
	return 0
}

// freeAddr is a 127.0.0.1 port free a moment ago, for a process that takes
// its address as a flag.
func freeAddr(b *testing.B) string {
	b.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

func waitListening(b *testing.B, addr string) {
	b.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		c, err := net.Dial("tcp", addr)
		if err == nil {
			_ = c.Close()
			return
		}
		if time.Now().After(deadline) {
			b.Fatalf("nothing listens on %s: %v", addr, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
