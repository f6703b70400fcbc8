package transports

import (
	"bufio"
	"crypto/rand"
	"encoding/base64"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"
)

// idleConns is how many WebSockets BenchmarkIdleWebSocket opens per round.
var idleConns = flag.Int("idleconns", 1000, "WebSockets opened per round by BenchmarkIdleWebSocket")

// idleClientEnv makes the test binary a client process for
// BenchmarkIdleWebSocket: "<host:port> <path> <n>".
const idleClientEnv = "TRANSPORTS_IDLE_CLIENT"

// BenchmarkIdleWebSocket measures what an idle WebSocket costs the server:
// heap and stack bytes (runtime.MemStats HeapInuse+StackInuse) and
// goroutines per connection, after a GC, with every connection accepted by a
// Handler that keeps nothing. The clients live in a child process (this test
// binary, re-run as TestIdleClientProcess), so that nothing they hold is
// counted. Run it with
//
//	go test -run '^$' -bench IdleWebSocket -benchtime 3x ./transports/
//
// adding -args -idleconns=N for another number of connections per round
// (each takes a file descriptor in each process).
func BenchmarkIdleWebSocket(b *testing.B) {
	n := *idleConns
	s := newTestServer(b, Options{}, handlerFunc(func(Link, *http.Request) (Receiver, error) {
		return discardReceiver{}, nil
	}))
	var bytesPer, goroutinesPer float64
	rounds := 0
	for b.Loop() {
		before, g0 := serverFootprint()
		child := startIdleClients(b, s, n)
		waitActive(b, s, int64(n))
		after, g1 := serverFootprint()
		child.stop(b)
		waitActive(b, s, 0)
		bytesPer += float64(after-before) / float64(n)
		goroutinesPer += float64(g1-g0) / float64(n)
		rounds++
	}
	b.ReportMetric(bytesPer/float64(rounds), "B/conn")
	b.ReportMetric(goroutinesPer/float64(rounds), "goroutines/conn")
	b.ReportMetric(0, "ns/op") // the time is that of dialling, not of interest
}

// serverFootprint is the process's live heap and stacks after a GC, and
// its goroutine count.
func serverFootprint() (uint64, int) {
	var m runtime.MemStats
	runtime.GC()
	runtime.GC()
	runtime.ReadMemStats(&m)
	return m.HeapInuse + m.StackInuse, runtime.NumGoroutine()
}

func waitActive(b *testing.B, s *Server, n int64) {
	b.Helper()
	deadline := time.Now().Add(time.Minute)
	for s.Stats().Active != n {
		if time.Now().After(deadline) {
			b.Fatalf("Stats().Active = %d, want %d", s.Stats().Active, n)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// idleChild is a client process holding idle WebSockets.
type idleChild struct {
	cmd   *exec.Cmd
	stdin io.Closer
}

func startIdleClients(b *testing.B, s *Server, n int) *idleChild {
	b.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestIdleClientProcess$", "-test.count=1")
	cmd.Env = append(os.Environ(), fmt.Sprintf("%s=%s %s %d", idleClientEnv, s.Addr(), s.path, n))
	stdin, err := cmd.StdinPipe()
	if err != nil {
		b.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		b.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	c := &idleChild{cmd: cmd, stdin: stdin}
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil || strings.TrimSpace(line) != "ready" {
		c.stop(b)
		b.Fatalf("client process: %q, %v", line, err)
	}
	return c
}

// stop ends the child, which closes its connections, and waits for it.
func (c *idleChild) stop(b *testing.B) {
	b.Helper()
	_ = c.stdin.Close()
	if err := c.cmd.Wait(); err != nil {
		b.Errorf("client process: %v", err)
	}
}

// TestIdleClientProcess is the client side of BenchmarkIdleWebSocket; it
// does nothing in a normal test run. It opens the WebSockets with bare
// handshakes and no reader (an idle client sends nothing and the server
// sends nothing before its first ping), prints "ready", and holds them until
// its stdin closes.
func TestIdleClientProcess(t *testing.T) {
	spec := os.Getenv(idleClientEnv)
	if spec == "" {
		t.Skip("only run by BenchmarkIdleWebSocket")
	}
	f := strings.Fields(spec)
	n, _ := strconv.Atoi(f[2])
	conns := make([]net.Conn, 0, n)
	defer func() {
		for _, c := range conns {
			_ = c.Close()
		}
	}()
	for range n {
		c, err := rawWebSocket(f[0], f[1])
		if err != nil {
			t.Fatalf("after %d connections: %v", len(conns), err)
		}
		conns = append(conns, c)
	}
	fmt.Println("ready")
	_, _ = io.Copy(io.Discard, os.Stdin)
}

// rawWebSocket dials addr and completes a WebSocket handshake on path by
// hand, leaving nothing running.
func rawWebSocket(addr, path string) (net.Conn, error) {
	c, err := net.Dial("tcp", addr)
	if err != nil {
		return nil, err
	}
	if err := rawHandshake(c, addr, path); err != nil {
		return nil, err
	}
	return c, nil
}

// rawHandshake completes a WebSocket handshake on c by hand, and closes c
// if it fails.
func rawHandshake(c net.Conn, addr, path string) error {
	var key [16]byte
	_, _ = rand.Read(key[:])
	req := "GET " + path + " HTTP/1.1\r\nHost: " + addr + "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
		"Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: " + base64.StdEncoding.EncodeToString(key[:]) + "\r\n\r\n"
	if _, err := io.WriteString(c, req); err != nil {
		_ = c.Close()
		return err
	}
	// Read the answer's head byte by byte, so that nothing after it is
	// taken from the socket.
	var head []byte
	var b [1]byte
	for !strings.HasSuffix(string(head), "\r\n\r\n") {
		if _, err := c.Read(b[:]); err != nil {
			_ = c.Close()
			return err
		}
		head = append(head, b[0])
	}
	if !strings.HasPrefix(string(head), "HTTP/1.1 101") {
		_ = c.Close()
		return fmt.Errorf("handshake answered %q", strings.SplitN(string(head), "\r\n", 2)[0])
	}
	return nil
}
