package main

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/tickroom/tickroom/client"
	"github.com/tickroom/tickroom/world"
)

// The end-to-end tests run the real gameserver binary, built once per test
// run, on 127.0.0.1:0, and talk to it with the Go client over real sockets.

var build struct {
	once sync.Once
	path string
	err  error
	out  []byte
}

func binary(t testing.TB) string {
	t.Helper()
	if testing.Short() {
		t.Skip("builds and runs the server binary")
	}
	build.once.Do(func() {
		dir, err := os.MkdirTemp("", "gameserver-e2e")
		if err != nil {
			build.err = err
			return
		}
		build.path = filepath.Join(dir, "gameserver")
		args := []string{"build", "-o", build.path}
		if raceEnabled {
			args = append(args, "-race")
		}
		build.out, build.err = exec.Command("go", append(args, ".")...).CombinedOutput()
	})
	if build.err != nil {
		t.Fatalf("go build: %v\n%s", build.err, build.out)
	}
	return build.path
}

// server is a running gameserver process.
type server struct {
	t      testing.TB
	cmd    *exec.Cmd
	config string // path of its config file
	addr   string
	logs   *logTail
	exited chan error
}

// startServer writes config to a file and runs the binary with it, returning
// once the server logs that it is listening.
func startServer(t testing.TB, config string) *server {
	t.Helper()
	path := filepath.Join(t.TempDir(), "server.toml")
	if err := os.WriteFile(path, []byte(config), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(binary(t), "serve", "-config", path)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	s := &server{t: t, cmd: cmd, config: path, logs: newLogTail(stderr), exited: make(chan error, 1)}
	go func() { s.exited <- cmd.Wait() }() // owned by s: stop waits for it
	t.Cleanup(s.kill)
	// Generous: in CI's full -race run on two loaded cores a node once
	// printed nothing for 20s; a server that starts is never held up by it.
	line := s.logs.waitFor(t, time.Minute, func(l logLine) bool { return l.Msg == "listening" })
	s.addr, _ = line.Attrs["addr"].(string)
	if s.addr == "" {
		t.Fatalf("listening line without addr: %v", line)
	}
	return s
}

func (s *server) url() string { return "ws://" + s.addr + "/ws" }

// signal sends sig to the server process.
func (s *server) signal(sig os.Signal) {
	s.t.Helper()
	if err := s.cmd.Process.Signal(sig); err != nil {
		s.t.Fatalf("signal %v: %v", sig, err)
	}
}

// stop sends SIGTERM and waits for a clean exit.
func (s *server) stop() {
	s.t.Helper()
	s.signal(syscall.SIGTERM)
	select {
	case err := <-s.exited:
		s.exited <- err // for kill
		if err != nil {
			s.t.Errorf("server exited with %v\n%s", err, s.logs.String())
		}
	case <-time.After(20 * time.Second):
		s.t.Errorf("server did not exit 20s after SIGTERM\n%s", s.logs.String())
	}
}

func (s *server) kill() {
	select {
	case err := <-s.exited:
		s.exited <- err
	default:
		_ = s.cmd.Process.Kill()
		s.exited <- <-s.exited // for a later kill (a test may kill, cleanup kills again)
	}
	s.logs.wait()
}

// logLine is one JSON log record of the server.
type logLine struct {
	Msg   string
	Level string
	Attrs map[string]any
}

// logTail reads the server's JSON log lines as they come.
type logTail struct {
	mu    sync.Mutex
	cond  *sync.Cond
	lines []logLine
	raw   strings.Builder
	done  bool
	read  sync.WaitGroup
}

func newLogTail(r io.Reader) *logTail {
	l := &logTail{}
	l.cond = sync.NewCond(&l.mu)
	l.read.Add(1)
	go func() {
		defer l.read.Done()
		sc := bufio.NewScanner(r)
		sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
		for sc.Scan() {
			var attrs map[string]any
			_ = json.Unmarshal(sc.Bytes(), &attrs)
			msg, _ := attrs["msg"].(string)
			level, _ := attrs["level"].(string)
			l.mu.Lock()
			l.raw.WriteString(sc.Text() + "\n")
			l.lines = append(l.lines, logLine{Msg: msg, Level: level, Attrs: attrs})
			l.cond.Broadcast()
			l.mu.Unlock()
		}
		l.mu.Lock()
		l.done = true
		l.cond.Broadcast()
		l.mu.Unlock()
	}()
	return l
}

func (l *logTail) wait() { l.read.Wait() }

func (l *logTail) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.raw.String()
}

// waitFor returns the first line (from the start) that ok accepts.
func (l *logTail) waitFor(t testing.TB, d time.Duration, ok func(logLine) bool) logLine {
	t.Helper()
	timer := time.AfterFunc(d, func() {
		l.mu.Lock()
		l.cond.Broadcast()
		l.mu.Unlock()
	})
	defer timer.Stop()
	deadline := time.Now().Add(d)
	l.mu.Lock()
	defer l.mu.Unlock()
	for i := 0; ; {
		for ; i < len(l.lines); i++ {
			if ok(l.lines[i]) {
				return l.lines[i]
			}
		}
		if l.done || time.Now().After(deadline) {
			t.Fatalf("no matching log line after %v; log:\n%s", d, l.raw.String())
		}
		l.cond.Wait()
	}
}

// testConfig is a config for tests: an ephemeral port and JSON logs the
// harness can read. extra is appended to the [room] section.
func testConfig(room string) string {
	return `
[server]
addr = "127.0.0.1:0"
shutdown_timeout = "10s"

[log]
format = "json"
level = "info"

[room]
` + room + "\n"
}

func dial(t testing.TB, s *server, name string) *client.Client {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, err := client.Dial(ctx, s.url(), client.Options{Name: name})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close() })
	return c
}

// steer sends an input every interval until ctx ends; the returned function
// waits for the goroutine to finish.
func steer(ctx context.Context, c *client.Client, in world.Input, every time.Duration) (wait func()) {
	done := make(chan struct{})
	go func() {
		defer close(done)
		tk := time.NewTicker(every)
		defer tk.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-tk.C:
				if _, err := c.SendInput(in); err != nil {
					return
				}
			}
		}
	}()
	return func() { <-done }
}

// swing is steer with the direction reversed every second, so that the
// entity never rests against a wall: a test that waits to see it move, for
// as long as a loaded machine takes, sees it move whenever it looks.
func swing(ctx context.Context, c *client.Client, in world.Input, every time.Duration) (wait func()) {
	done := make(chan struct{})
	go func() {
		defer close(done)
		tk := time.NewTicker(every)
		defer tk.Stop()
		flip := time.Now().Add(time.Second)
		for {
			select {
			case <-ctx.Done():
				return
			case now := <-tk.C:
				if now.After(flip) {
					for i := range in.Axes {
						in.Axes[i] = -in.Axes[i]
					}
					flip = now.Add(time.Second)
				}
				if _, err := c.SendInput(in); err != nil {
					return
				}
			}
		}
	}()
	return func() { <-done }
}

func get(t testing.TB, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// scrape reads /metrics into a map from "name{labels}" to value.
func scrape(t *testing.T, s *server) map[string]float64 {
	t.Helper()
	code, body := get(t, "http://"+s.addr+"/metrics")
	if code != 200 {
		t.Fatalf("/metrics = %d", code)
	}
	out := make(map[string]float64)
	for _, line := range strings.Split(body, "\n") {
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		i := strings.LastIndexByte(line, ' ')
		v, err := strconv.ParseFloat(line[i+1:], 64)
		if err != nil {
			t.Fatalf("metrics line %q: %v", line, err)
		}
		out[line[:i]] = v
	}
	return out
}
