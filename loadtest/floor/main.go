// Command floor measures what a bare WebSocket broadcast costs on this
// machine: the floor under any game server that sends one frame per client
// per tick over kernel TCP. Its server is gws with no actors, no rooms, no
// diffs and no queues: one loop writes a fixed frame to every connection 20
// times a second, and a reader per connection discards the clients' inputs.
// Its client opens N connections, sends inputs at a steady rate spread
// evenly over them, and counts frames.
//
// Run the two on separate cores, as BENCHMARKS.md does for gameserver:
//
//	taskset -c 0 go run ./loadtest/floor -role server &
//	taskset -c 1 go run ./loadtest/floor -role client -clients 1024
//
// The server prints its CPU use over the measured window and exits; the
// client prints the frames each client received per second. Both stop by
// themselves, and only loopback addresses are accepted.
package main

import (
	"flag"
	"fmt"
	"log"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/lxzan/gws"
)

type config struct {
	role, addr      string
	clients, size   int
	rate, inputRate int
	warmup, measure time.Duration
	inputSize       int
}

func main() {
	var c config
	flag.StringVar(&c.role, "role", "", "server or client")
	flag.StringVar(&c.addr, "addr", "127.0.0.1:19990", "loopback address the server listens on")
	flag.IntVar(&c.clients, "clients", 1024, "client: connections to open")
	flag.IntVar(&c.size, "size", 90, "server: bytes per broadcast frame (the arena's diffs are about 90)")
	flag.IntVar(&c.rate, "rate", 20, "server: broadcasts per second")
	flag.IntVar(&c.inputRate, "input-rate", 20, "client: inputs per second per connection (0: none)")
	flag.IntVar(&c.inputSize, "input-size", 30, "client: bytes per input")
	flag.DurationVar(&c.warmup, "warmup", 8*time.Second, "time before the measured window")
	flag.DurationVar(&c.measure, "measure", 10*time.Second, "length of the measured window")
	flag.Parse()
	if host, _, err := net.SplitHostPort(c.addr); err != nil || !net.ParseIP(host).IsLoopback() {
		log.Fatalf("floor: -addr %q must be a loopback host:port", c.addr)
	}
	switch c.role {
	case "server":
		ln, err := net.Listen("tcp", c.addr)
		if err != nil {
			log.Fatal(err)
		}
		r := serve(c, ln)
		fmt.Printf("floor server: %.1f%% of a core over %v, %.0f frames/s of %d bytes\n", r.cpu, c.measure, r.framesPerSec, c.size)
	case "client":
		r, err := drive(c)
		if err != nil {
			log.Fatal(err)
		}
		fmt.Printf("floor client: %d connections, %.2f frames/s per connection\n", c.clients, r)
	default:
		log.Fatal("floor: -role must be server or client")
	}
}

// serverResult is what the server measured over its window.
type serverResult struct {
	cpu          float64 // percent of one core
	framesPerSec float64 // frames written, all connections together
}

// conns is the server's set of open connections.
type conns struct {
	gws.BuiltinEventHandler
	mu  sync.Mutex
	set map[*gws.Conn]struct{}
}

func (h *conns) OnOpen(c *gws.Conn) { h.mu.Lock(); h.set[c] = struct{}{}; h.mu.Unlock() }
func (h *conns) OnClose(c *gws.Conn, _ error) {
	h.mu.Lock()
	delete(h.set, c)
	h.mu.Unlock()
}
func (h *conns) OnMessage(_ *gws.Conn, m *gws.Message) { m.Close() }

// serve broadcasts on ln until its window is measured and the clients have
// left (or 10 s more have passed), then closes everything it opened.
func serve(c config, ln net.Listener) serverResult {
	h := &conns{set: make(map[*gws.Conn]struct{})}
	up := gws.NewUpgrader(h, &gws.ServerOption{})
	var readers sync.WaitGroup
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		conn, err := up.Upgrade(w, r)
		if err != nil {
			return
		}
		readers.Go(conn.ReadLoop)
	})}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()

	frame := make([]byte, c.size)
	tick := time.NewTicker(time.Second / time.Duration(c.rate))
	defer tick.Stop()
	// The clock starts with the first client, and broadcasting goes on after
	// the window until the clients leave (or for 10 s), so the clients'
	// window, which starts once they have all connected, is covered.
	var start time.Time
	var cpu0 time.Duration
	var sent, sent0 int
	var res serverResult
	reported := false
	for now := range tick.C {
		h.mu.Lock()
		n := len(h.set)
		for conn := range h.set {
			if conn.WriteMessage(gws.OpcodeBinary, frame) == nil {
				sent++
			}
		}
		h.mu.Unlock()
		if start.IsZero() {
			if n > 0 {
				start = now
			}
			continue
		}
		switch el := now.Sub(start); {
		case cpu0 == 0 && el >= c.warmup:
			cpu0, sent0 = processCPU(), sent
		case !reported && el >= c.warmup+c.measure:
			reported = true
			cpu := processCPU() - cpu0
			res = serverResult{cpu: 100 * cpu.Seconds() / c.measure.Seconds(), framesPerSec: float64(sent-sent0) / c.measure.Seconds()}
		case reported && (n == 0 || el >= c.warmup+c.measure+10*time.Second):
			_ = ln.Close()
			<-served
			h.mu.Lock()
			for conn := range h.set {
				_ = conn.NetConn().Close()
			}
			h.mu.Unlock()
			readers.Wait()
			return res
		}
	}
	return res
}

// counter is the client's event handler: it counts frames.
type counter struct {
	gws.BuiltinEventHandler
	frames *atomic.Int64
}

func (h *counter) OnMessage(_ *gws.Conn, m *gws.Message) { h.frames.Add(1); m.Close() }

// drive connects the clients, sends inputs through the window and returns
// the frames each connection received per second in it.
func drive(c config) (float64, error) {
	var frames atomic.Int64
	var readers sync.WaitGroup
	cs := make([]*gws.Conn, 0, c.clients)
	for range c.clients {
		conn, _, err := gws.NewClient(&counter{frames: &frames}, &gws.ClientOption{Addr: "ws://" + c.addr + "/"})
		if err != nil {
			for _, conn := range cs {
				_ = conn.NetConn().Close()
			}
			readers.Wait()
			return 0, fmt.Errorf("floor: dial: %w", err)
		}
		readers.Go(conn.ReadLoop)
		cs = append(cs, conn)
	}
	defer func() {
		for _, conn := range cs {
			_ = conn.NetConn().Close()
		}
		readers.Wait()
	}()

	start := time.Now()
	end := start.Add(c.warmup + c.measure)
	var got0 int64
	measured := false
	if c.inputRate == 0 {
		time.Sleep(c.warmup)
		got0 = frames.Load()
		time.Sleep(c.measure)
		return perConn(c, frames.Load()-got0), nil
	}
	// One input every period, round robin over the connections: each one
	// sends inputRate a second at its own phase, as players do.
	input := make([]byte, c.inputSize)
	period := time.Second / time.Duration(c.inputRate*c.clients)
	next := start
	for i := 0; ; i++ {
		now := time.Now()
		if !measured && now.Sub(start) >= c.warmup {
			measured, got0 = true, frames.Load()
		}
		if !now.Before(end) {
			break
		}
		_ = cs[i%len(cs)].WriteMessage(gws.OpcodeBinary, input)
		next = next.Add(period)
		if d := time.Until(next); d > 0 {
			time.Sleep(d)
		}
	}
	return perConn(c, frames.Load()-got0), nil
}

func perConn(c config, frames int64) float64 {
	return float64(frames) / c.measure.Seconds() / float64(c.clients)
}
