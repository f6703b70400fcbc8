package loadtest

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"
)

func TestEvaluateGates(t *testing.T) {
	rep := &Report{Latency: Quantiles{Count: 100, P99: 42}, Updates: Updates{PerClient: 19.8}, Errors: Counts{Total: 2},
		Joins: Joins{Attempted: 4, Succeeded: 4}}
	for _, tc := range []struct {
		name   string
		set    func(*Scenario)
		failed []string
	}{
		{"none", func(*Scenario) {}, nil},
		{"all met", func(s *Scenario) {
			s.MaxP99, s.MinUpdateRate, s.MaxErrors = Duration{80 * time.Millisecond}, 19.5, 2
		}, nil},
		{"p99 missed", func(s *Scenario) { s.MaxP99 = Duration{40 * time.Millisecond} }, []string{"max-p99"}},
		{"rate missed", func(s *Scenario) { s.MinUpdateRate = 19.9 }, []string{"min-update-rate"}},
		{"errors missed", func(s *Scenario) { s.MaxErrors = 0 }, []string{"max-errors"}},
		{"all missed", func(s *Scenario) {
			s.MaxP99, s.MinUpdateRate, s.MaxErrors = Duration{time.Microsecond}, 20, 1
		}, []string{"max-p99", "min-update-rate", "max-errors"}},
	} {
		s := DefaultScenario()
		tc.set(&s)
		var failed []string
		for _, g := range evaluateGates(s, rep) {
			if !g.Pass {
				failed = append(failed, g.Name)
			}
		}
		if strings.Join(failed, ",") != strings.Join(tc.failed, ",") {
			t.Errorf("%s: failed %v, want %v", tc.name, failed, tc.failed)
		}
	}
	// A run in which nobody joined fails even with no gates asked for.
	var joined *Gate
	for _, g := range evaluateGates(DefaultScenario(), &Report{Joins: Joins{Attempted: 4}}) {
		if g.Name == "joined" {
			joined = &g
		}
	}
	if joined == nil || joined.Pass {
		t.Errorf("joined gate = %+v, want present and failed", joined)
	}
	// No acknowledged input cannot pass a latency gate.
	s := DefaultScenario()
	s.MaxP99 = Duration{time.Hour}
	if g := evaluateGates(s, &Report{}); g[0].Pass {
		t.Errorf("max-p99 passed with no samples: %+v", g[0])
	}
}

// The command exits non-zero, naming the gate, when a run misses a gate,
// and zero when it meets them all.
func TestGatesDecideTheExitCode(t *testing.T) {
	srv := startServer(t, 4)
	run := func(gates ...string) (int, string) {
		args := append([]string{"-url", srv.url, "-clients", "4", "-room-size", "4", "-duration", "1s", "-warmup", "200ms"}, gates...)
		var stdout, stderr bytes.Buffer
		code := Main(context.Background(), args, Env{Stdout: &stdout, Stderr: &stderr})
		return code, stdout.String()
	}
	code, out := run("-max-p99", "1us", "-min-update-rate", "1", "-max-errors", "0")
	if code != ExitFail || !strings.Contains(out, "FAIL: max-p99 (1µs)") || strings.Contains(out, "FAIL: min-update-rate") {
		t.Errorf("missed gate: exit %d, summary:\n%s", code, out)
	}
	code, out = run("-max-p99", "10s", "-min-update-rate", "1", "-max-errors", "0")
	if code != ExitPass || !strings.Contains(out, "result       PASS") {
		t.Errorf("met gates: exit %d, summary:\n%s", code, out)
	}
}
