package main

import (
	"bufio"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/tickroom/tickroom/client"
	"github.com/tickroom/tickroom/world"
)

// The example is tested as its users run it: the real program, built from
// this one file, on 127.0.0.1:0 with a config of its own, played by the Go
// client.

// run builds the example into a temporary directory (removed when the test
// ends), starts it with config and returns its base URL and a stop
// function that shuts it down with SIGTERM and reports its exit error.
func run(t *testing.T, config string) (url string, stop func() error) {
	t.Helper()
	if testing.Short() {
		t.Skip("builds and runs the example")
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "hill")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	path := filepath.Join(dir, "server.toml")
	if err := os.WriteFile(path, []byte(config), 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "-config", path)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	listening := regexp.MustCompile(`msg=listening .*url=(http://\S+)`)
	lines := bufio.NewScanner(stderr)
	var log strings.Builder
	for lines.Scan() {
		log.WriteString(lines.Text() + "\n")
		if m := listening.FindStringSubmatch(lines.Text()); m != nil {
			url = m[1]
			break
		}
	}
	if url == "" {
		_ = cmd.Wait()
		t.Fatalf("the example did not start:\n%s", log.String())
	}
	go func() { // keep reading, so that its logging never blocks
		for lines.Scan() {
		}
	}()
	stopped := false
	stop = func() error {
		stopped = true
		_ = cmd.Process.Signal(syscall.SIGTERM)
		return cmd.Wait()
	}
	t.Cleanup(func() {
		if !stopped {
			_ = cmd.Process.Kill()
			_ = cmd.Wait()
		}
	})
	return url, stop
}

// The mode registered in main() is served, and a config naming it as the
// default mode (with its settings) works: a join that names no mode lands in
// it, and the player moves at the configured speed.
func TestExampleServesItsMode(t *testing.T) {
	url, stop := run(t, `
[server]
addr = "127.0.0.1:0"
[room]
default_mode = "hill"
[modes.hill.settings]
speed = 300.0
radius = 50.0
`)
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	c, err := client.Dial(ctx, url, client.Options{Name: "ada"})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	w, err := c.Join(ctx, "", "")
	if err != nil {
		t.Fatal(err)
	}
	if w.Mode != "hill" {
		t.Fatalf("joined mode %q, want hill", w.Mode)
	}
	x := w.Schemas[0].FieldIndex("x")
	me := world.EntityID(w.Entity)
	at := func(st world.State) (float64, bool) {
		e, ok := st.Find(me)
		return w.Schemas[0].Fields[x].Float(e.Values[x]), ok
	}
	st, err := c.WaitState(ctx, func(st world.State) bool { _, ok := at(st); return ok })
	if err != nil {
		t.Fatal(err)
	}
	x0, _ := at(st)
	left := x0 > 500 // head for the far side, so the wall does not stop us
	dir := int16(world.MaxAxis)
	if left {
		dir = -dir
	}
	start := time.Now()
	for range 20 { // one second of full stick
		if _, err := c.SendInput(world.Input{Axes: [4]int16{dir, 0}}); err != nil {
			t.Fatal(err)
		}
		time.Sleep(50 * time.Millisecond)
	}
	_, err = c.WaitState(ctx, func(st world.State) bool {
		x1, _ := at(st)
		moved := x1 - x0
		if left {
			moved = -moved
		}
		return moved >= 200 // a second at 300 u/s; the default speed, 150, never gets there
	})
	if err != nil {
		x1, _ := at(c.State())
		t.Fatalf("moved from %.1f to %.1f in %v: not at the configured 300 u/s (%v)", x0, x1, time.Since(start), err)
	}
	if err := stop(); err != nil {
		t.Errorf("the example did not shut down cleanly: %v", err)
	}
}

// A config that names a mode the example does not define stops it at
// start, naming the key.
func TestExampleRefusesUnknownMode(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the example")
	}
	bin := filepath.Join(t.TempDir(), "hill")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	path := filepath.Join(t.TempDir(), "server.toml")
	if err := os.WriteFile(path, []byte("[room]\ndefault_mode = \"arena\"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(bin, "-config", path).CombinedOutput()
	if err == nil || !strings.Contains(string(out), `room.default_mode = "arena": must be one of hill`) {
		t.Errorf("run with default_mode arena: %v\n%s\nwant a refusal naming room.default_mode", err, out)
	}
}
