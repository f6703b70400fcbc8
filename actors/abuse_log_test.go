package actors

import (
	"context"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/tickroom/tickroom/netcode"
)

// recordLog keeps the warn records written to it, as "reason count top".
type recordLog struct {
	mu    sync.Mutex
	lines []string
}

func (l *recordLog) Enabled(_ context.Context, lv slog.Level) bool { return lv >= slog.LevelWarn }
func (l *recordLog) WithAttrs([]slog.Attr) slog.Handler            { return l }
func (l *recordLog) WithGroup(string) slog.Handler                 { return l }
func (l *recordLog) Handle(_ context.Context, r slog.Record) error {
	if r.Message != "refused or limited" {
		return nil
	}
	var parts []string
	r.Attrs(func(a slog.Attr) bool {
		if a.Key == "reason" || a.Key == "count" || a.Key == "top" {
			parts = append(parts, a.Value.String())
		}
		return true
	})
	l.mu.Lock()
	l.lines = append(l.lines, strings.Join(parts, " "))
	l.mu.Unlock()
	return nil
}

func (l *recordLog) all() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]string(nil), l.lines...)
}

// A flood of refusals writes one line per reason per interval: the first
// hit at once, the rest summed up with the addresses behind most of them.
func TestAbuseLogSumsUp(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		rec := new(recordLog)
		a := newAbuseLog(slog.New(rec), 10*time.Second)
		a.note(abuseBadFrame, "192.0.2.1")
		for range 500 {
			a.note(abuseBadFrame, "192.0.2.1")
			a.note(abuseBadFrame, "192.0.2.2")
			a.note(abuseFloodClosed, "192.0.2.3")
		}
		a.note(abuseBadFrame, "192.0.2.3")
		if got, want := rec.all(), []string{"bad_frame 1 192.0.2.1=1", "flood_closed 1 192.0.2.3=1"}; !equal(got, want) {
			t.Errorf("lines at once %q, want %q", got, want)
		}
		time.Sleep(5 * time.Second)
		a.flush()
		if got := len(rec.all()); got != 2 {
			t.Errorf("%d lines before the interval passed, want 2", got)
		}
		time.Sleep(5 * time.Second)
		a.flush()
		want := []string{"bad_frame 1 192.0.2.1=1", "flood_closed 1 192.0.2.3=1",
			"bad_frame 1001 192.0.2.1=500 192.0.2.2=500 192.0.2.3=1", "flood_closed 499 192.0.2.3=499"}
		if got := rec.all(); !equal(got[:2], want[:2]) || len(got) != 4 || !containsAll(got[2:], want[2:]) {
			t.Errorf("lines %q, want %q", got, want)
		}
	})
}

func equal(a, b []string) bool { return strings.Join(a, "\n") == strings.Join(b, "\n") }

func containsAll(got, want []string) bool {
	for _, w := range want {
		found := false
		for _, g := range got {
			found = found || g == w
		}
		if !found {
			return false
		}
	}
	return true
}

// The hub logs what it refuses: a flooder is named at warn level.
func TestFloodIsLogged(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		rec := new(recordLog)
		h := newTestHub(t, Options{Logger: slog.New(rec), Limits: LimitOptions{LogInterval: time.Minute}})
		c := connectFrom(t, h, "198.51.100.77:9")
		c.join("r")
		c.run(200*time.Millisecond, 50*time.Millisecond)
		for range 1000 {
			c.seq++
			c.send(&netcode.Input{Seq: c.seq})
		}
		synctest.Wait()
		lines := strings.Join(rec.all(), "\n")
		for _, want := range []string{"rate_limited 1 198.51.100.77=1", "flood_closed 1 198.51.100.77=1"} {
			if !strings.Contains(lines, want) {
				t.Errorf("log %q lacks %q", lines, want)
			}
		}
		closeAll(c)
	})
}
