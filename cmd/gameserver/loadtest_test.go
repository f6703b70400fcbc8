package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// loadtestReport is the part of report.json these tests read.
type loadtestReport struct {
	Embedded    bool `json:"embedded_server"`
	Interrupted bool
	Passed      bool
	Joins       struct{ Succeeded int }
	Errors      struct{ Total int }
	Window      struct{ Seconds float64 }
	Server      struct {
		TickRate int `json:"tick_rate"`
	}
	ServerM *struct {
		CPUPercent float64 `json:"cpu_percent"`
	} `json:"server_metrics"`
}

func readLoadtestReport(t *testing.T, dir string) loadtestReport {
	t.Helper()
	if _, err := os.Stat(filepath.Join(dir, "report.html")); err != nil {
		t.Errorf("report.html: %v", err)
	}
	js, err := os.ReadFile(filepath.Join(dir, "report.json"))
	if err != nil {
		t.Fatal(err)
	}
	var rep loadtestReport
	if err := json.Unmarshal(js, &rep); err != nil {
		t.Fatal(err)
	}
	return rep
}

// `gameserver loadtest` with no URL runs against an embedded server (the
// real program, in the same process) and writes its reports.
func TestLoadtestEmbeddedServer(t *testing.T) {
	out := t.TempDir()
	cmd := exec.Command(binary(t), "loadtest", "-clients", "8", "-room-size", "4",
		"-duration", "2s", "-warmup", "500ms", "-max-errors", "0", "-out", out)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("gameserver loadtest: %v\nstdout:\n%s\nstderr:\n%s", err, stdout.String(), stderr.String())
	}
	for _, want := range []string{"(embedded server)", "8/8 ok", "result       PASS", "report.html"} {
		if !strings.Contains(stdout.String(), want) {
			t.Errorf("summary lacks %q:\n%s", want, stdout.String())
		}
	}
	rep := readLoadtestReport(t, out)
	if !rep.Embedded || !rep.Passed || rep.Joins.Succeeded != 8 || rep.Errors.Total != 0 || rep.Server.TickRate != 20 {
		t.Errorf("report = %+v", rep)
	}
	if rep.ServerM == nil {
		t.Errorf("no server metrics from the embedded server")
	}
}

// A run that misses a gate exits non-zero and says which gate.
func TestLoadtestFailedGateExitCode(t *testing.T) {
	cmd := exec.Command(binary(t), "loadtest", "-clients", "4", "-room-size", "4",
		"-duration", "1s", "-warmup", "0s", "-max-p99", "1us", "-max-errors", "0")
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != 1 {
		t.Fatalf("exit = %v, want status 1\nstdout:\n%s\nstderr:\n%s", err, stdout.String(), stderr.String())
	}
	if !strings.Contains(stdout.String(), "FAIL: max-p99 (1µs)") || strings.Contains(stdout.String(), "max-errors (0)") {
		t.Errorf("summary does not name just the failed gate:\n%s", stdout.String())
	}
}

// SIGINT stops a run early; it still reports.
func TestLoadtestInterrupted(t *testing.T) {
	out := t.TempDir()
	cmd := exec.Command(binary(t), "loadtest", "-clients", "4", "-room-size", "4",
		"-duration", "1m", "-warmup", "0s", "-out", out)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stdout bytes.Buffer
	cmd.Stdout = &stdout
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	defer func() {
		select {
		case <-done:
		default:
			_ = cmd.Process.Kill()
			<-done
		}
	}()
	// The progress line (a plain line every few seconds, not being a
	// terminal) says when the window is open.
	sc := bufio.NewScanner(stderr)
	for sc.Scan() {
		if strings.Contains(sc.Text(), "[measuring") {
			break
		}
	}
	if err := cmd.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	go func() {
		for sc.Scan() { // drain, so the process never blocks on stderr
		}
	}()
	select {
	case err := <-done:
		done <- err
		if err != nil {
			t.Fatalf("exit %v after SIGINT\n%s", err, stdout.String())
		}
	case <-time.After(30 * time.Second):
		t.Fatal("still running 30s after SIGINT")
	}
	rep := readLoadtestReport(t, out)
	if !rep.Interrupted || rep.Window.Seconds <= 0 || rep.Window.Seconds >= 60 || rep.Joins.Succeeded != 4 {
		t.Errorf("report = %+v, want an interrupted, shortened window", rep)
	}
	if !strings.Contains(stdout.String(), "the run stopped early") {
		t.Errorf("summary does not say the run stopped early:\n%s", stdout.String())
	}
}
