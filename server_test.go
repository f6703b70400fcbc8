package tickroom

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tickroom/tickroom/client"
	"github.com/tickroom/tickroom/games/arena"
	"github.com/tickroom/tickroom/netcode"
	"github.com/tickroom/tickroom/world"
)

// counter is a test game with settings: one shared entity whose n grows by
// Step every tick and whose step field shows the Step in force, so a
// client sees which settings a running game has.
type counter struct {
	s counterSettings
	e *world.Entity
}

type counterSettings struct {
	Step  int           `toml:"step"`
	Pause time.Duration `toml:"pause"` // unused; a duration to check units on
}

func (s counterSettings) Validate() error {
	if s.Step < 0 {
		return fmt.Errorf("step = %d: must not be negative", s.Step)
	}
	return nil
}

const (
	counterN    = 0
	counterStep = 1
)

var counterSchemas = []world.Schema{{Name: "counter", Fields: []world.Field{{Name: "n", Type: world.Int}, {Name: "step", Type: world.Int}}}}

func newCounter(s counterSettings) *counter { return &counter{s: s} }

func (g *counter) Schemas() []world.Schema { return counterSchemas }
func (g *counter) Init(w *world.World) {
	g.e = w.Spawn(0)
	g.e.SetInt(counterStep, int64(g.s.Step))
}
func (g *counter) Join(*world.World, world.PlayerID, string) (world.EntityID, error) {
	return g.e.ID(), nil
}
func (g *counter) Leave(*world.World, world.PlayerID)              {}
func (g *counter) Input(*world.World, world.PlayerID, world.Input) {}
func (g *counter) Step(w *world.World, _ time.Duration) {
	g.e.SetInt(counterN, g.e.Int(counterN)+int64(g.s.Step))
	g.e.SetInt(counterStep, int64(g.s.Step))
}
func (g *counter) ReloadSettings(s counterSettings) { g.s = s }

// testServer runs a Server on 127.0.0.1:0 with config (a server.toml
// document over the defaults) and the modes define adds, and closes it when
// the test ends.
type testServer struct {
	*Server
	path string // its config file, for reloads
}

func startTestServer(t *testing.T, config string, define func(*Server)) *testServer {
	t.Helper()
	path := filepath.Join(t.TempDir(), "server.toml")
	writeConfig(t, path, "[server]\naddr = \"127.0.0.1:0\"\n[log]\nlevel = \"warn\"\n"+config)
	s := New(Options{ConfigPath: path, Log: io.Discard})
	define(s)
	if err := s.Start(); err != nil {
		t.Fatalf("Start: %v", err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return &testServer{Server: s, path: path}
}

func writeConfig(t *testing.T, path, config string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(config), 0o600); err != nil {
		t.Fatal(err)
	}
}

func defineArena(s *Server) {
	DefineWithSettings(s, "arena", arena.DefaultSettings(), arena.NewWithSettings)
}

func defineCounter(s *Server) {
	DefineWithSettings(s, "counter", counterSettings{Step: 1}, newCounter)
}

// watch dials s, joins room of mode and records every state's tick and
// server time.
type watcher struct {
	c *client.Client
	w *netcode.Welcome

	mu     sync.Mutex
	states []netcode.State // heads only: Tick, ServerTime
}

func watch(t *testing.T, s *testServer, room, mode string) *watcher {
	t.Helper()
	wt := &watcher{}
	c, err := client.Dial(t.Context(), s.URL(), client.Options{Name: "w", OnFrame: func(m netcode.Frame) {
		if st, ok := m.(*netcode.State); ok {
			wt.mu.Lock()
			wt.states = append(wt.states, netcode.State{ServerTime: st.ServerTime, Delta: world.Delta{Tick: st.Delta.Tick}})
			wt.mu.Unlock()
		}
	}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
	defer cancel()
	if wt.w, err = c.Join(ctx, room, mode); err != nil {
		t.Fatalf("join %s/%s: %v", mode, room, err)
	}
	wt.c = c
	return wt
}

// tickRate measures the room's ticks per second of server time over about
// a second of states: the room ticks on real elapsed time, so this is its
// rate whatever the client's own scheduling.
func (wt *watcher) tickRate(t *testing.T) float64 {
	t.Helper()
	wt.mu.Lock()
	n := len(wt.states)
	wt.mu.Unlock()
	time.Sleep(time.Second)
	wt.mu.Lock()
	defer wt.mu.Unlock()
	if len(wt.states) < n+5 {
		t.Fatalf("only %d states in a second", len(wt.states)-n)
	}
	a, b := wt.states[n], wt.states[len(wt.states)-1]
	ms := b.ServerTime - a.ServerTime
	return float64(b.Delta.Tick-a.Delta.Tick) / (float64(ms) / 1000)
}

// waitState waits until the client's mirror satisfies ok.
func (wt *watcher) waitState(t *testing.T, what string, ok func(world.State) bool) world.State {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
	defer cancel()
	st, err := wt.c.WaitState(ctx, ok)
	if err != nil {
		t.Fatalf("waiting for %s: %v (last state %+v)", what, err, wt.c.State())
	}
	return st
}

func counterStepIs(step int64) func(world.State) bool {
	return func(st world.State) bool {
		return len(st.Entities) == 1 && st.Entities[0].Values[counterStep].I == step
	}
}

// Two servers in one process, each with its own modes: neither sees the
// other's, each defaults to its own, and a config naming a mode the server
// does not define is refused.
func TestTwoServersHaveTheirOwnModes(t *testing.T) {
	t.Parallel()
	a := startTestServer(t, "", defineArena)
	b := startTestServer(t, "", defineCounter)

	if wa := watch(t, a, "x", ""); wa.w.Mode != "arena" {
		t.Errorf("server a's default mode = %q, want arena", wa.w.Mode)
	}
	if wb := watch(t, b, "x", ""); wb.w.Mode != "counter" {
		t.Errorf("server b's default mode = %q, want counter", wb.w.Mode)
	}
	for _, tc := range []struct {
		s    *testServer
		mode string
	}{{a, "counter"}, {b, "arena"}} {
		c, err := client.Dial(t.Context(), tc.s.URL(), client.Options{})
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
		_, err = c.Join(ctx, "x", tc.mode)
		cancel()
		if !errors.Is(err, netcode.CodeUnknownMode) {
			t.Errorf("join of the other server's mode %q: %v, want unknown_mode", tc.mode, err)
		}
		c.Close()
	}

	s := New(Options{ConfigPath: writeTemp(t, "[server]\naddr = \"127.0.0.1:0\"\n[modes.counter]\ntick_rate = 30\n"), Log: io.Discard})
	defineArena(s)
	if err := s.Start(); err == nil || !strings.Contains(err.Error(), "modes.counter: unknown game mode; this server defines arena") {
		t.Errorf("Start with [modes.counter] on an arena server: %v, want the unknown mode named", err)
		if err == nil {
			s.Close()
		}
	}
}

func writeTemp(t *testing.T, config string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "server.toml")
	writeConfig(t, path, config)
	return path
}

// Each mode's rooms tick at the mode's rate: [modes.NAME] overrides [room].
func TestPerModeTickRates(t *testing.T) {
	t.Parallel()
	s := startTestServer(t, "[room]\ntick_rate = 20\n[modes.counter]\ntick_rate = 50\nsend_rate = 25\nmax_players = 2\n",
		func(s *Server) { defineArena(s); defineCounter(s) })
	wa, wc := watch(t, s, "a", "arena"), watch(t, s, "c", "counter")
	if wa.w.TickRate != 20 || wc.w.TickRate != 50 || wc.w.SendRate != 25 {
		t.Errorf("welcomes: arena %d Hz, counter %d Hz sending %d/s; want 20, 50 and 25", wa.w.TickRate, wc.w.TickRate, wc.w.SendRate)
	}
	// Rooms tick on real elapsed time and catch up when late, so their
	// tick rate by the server's clock holds even on a busy machine; the
	// bounds leave room for a starved one, and the ratio must hold anyway.
	ra, rc := wa.tickRate(t), wc.tickRate(t)
	if ra < 15 || ra > 25 || rc < 38 || rc > 62 || rc/ra < 2.2 || rc/ra > 2.8 {
		t.Errorf("arena ticks at %.1f Hz and counter at %.1f Hz, want 20 and 50", ra, rc)
	}
	// max_players applies to the mode only.
	watch(t, s, "c", "counter")
	c, err := client.Dial(t.Context(), s.URL(), client.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
	defer cancel()
	if _, err := c.Join(ctx, "c", "counter"); !errors.Is(err, netcode.CodeRoomFull) {
		t.Errorf("third join of a counter room of 2: %v, want room_full", err)
	}
}

// A reload gives running games that take them (ReloadSettings) their new
// settings at the next tick, and rooms made after it the new settings too;
// a reload the game's Validate refuses keeps the running ones.
func TestReloadGameSettings(t *testing.T) {
	t.Parallel()
	s := startTestServer(t, "[modes.counter.settings]\nstep = 2\n", defineCounter)
	old := watch(t, s, "old", "counter")
	old.waitState(t, "step 2", counterStepIs(2))

	writeConfig(t, s.path, "[server]\naddr = \"127.0.0.1:0\"\n[modes.counter.settings]\nstep = 7\n")
	if err := s.Reload(); err != nil {
		t.Fatalf("Reload: %v", err)
	}
	old.waitState(t, "the running game at step 7", counterStepIs(7))
	watch(t, s, "new", "counter").waitState(t, "a new room at step 7", counterStepIs(7))

	writeConfig(t, s.path, "[server]\naddr = \"127.0.0.1:0\"\n[modes.counter.settings]\nstep = -1\n")
	if err := s.Reload(); err == nil || !strings.Contains(err.Error(), "modes.counter.settings: invalid settings: step = -1") {
		t.Errorf("Reload of invalid settings: %v, want the game's own error", err)
	}
	if got := s.Config().Modes["counter"].Settings.(counterSettings).Step; got != 7 {
		t.Errorf("after a refused reload the settings have step %d, want the running 7", got)
	}
	// The running game, too, kept them: ten ticks later it still counts by 7.
	n := len(old.c.State().Entities)
	from := old.c.State().Tick
	st := old.waitState(t, "ten more ticks", func(st world.State) bool { return st.Tick >= from+10 })
	if n != 1 || st.Entities[0].Values[counterStep].I != 7 {
		t.Errorf("after a refused reload the running game counts by %d, want 7", st.Entities[0].Values[counterStep].I)
	}
}

// A game's settings are decoded as strictly as the rest of the file.
func TestGameSettingsAreStrict(t *testing.T) {
	t.Parallel()
	ms := func() *modeSet {
		s := New(Options{})
		defineCounter(s)
		Define(s, "plain", arena.New)
		return &s.modes
	}
	tests := []struct{ doc, want string }{
		{"[modes.counter.settings]\nsteps = 3", "t.toml: modes.counter.settings.steps: unknown key"},
		{"[modes.counter.settings]\npause = 5", `t.toml: modes.counter.settings.pause = 5: must be a string with a unit, like "30s"`},
		{"[modes.counter.settings]\nstep = \"many\"", "t.toml: modes.counter.settings:"},
		{"[modes.counter.settings]\nstep = -2", "t.toml: modes.counter.settings: invalid settings: step = -2: must not be negative"},
		{"[modes.counter.settings.deep]\nx = 1", "t.toml: modes.counter.settings.deep: unknown section"},
		{"[modes.plain.settings]\nspeed = 1", "t.toml: modes.plain.settings: the mode takes no settings"},
		{"[modes.plain]\nspeed = 1", "t.toml: modes.plain.speed: unknown key"},
		{"[modes.chess]\ntick_rate = 1", "t.toml: modes.chess: unknown game mode; this server defines counter, plain"},
		{"[room]\ndefault_mode = \"chess\"", `t.toml: room.default_mode = "chess": must be one of counter, plain (or empty for counter)`},
	}
	for _, tt := range tests {
		_, err := parseConfig([]byte(tt.doc), "t.toml", ms())
		if err == nil || !strings.HasPrefix(err.Error(), tt.want) {
			t.Errorf("parse %q:\n got %v\nwant %s…", tt.doc, err, tt.want)
		}
	}
	c, err := parseConfig([]byte("[modes.counter.settings]\nstep = 4\npause = \"2s\"\n[modes.counter]\ntick_rate = 30\n"), "t.toml", ms())
	if err != nil {
		t.Fatal(err)
	}
	if got, want := c.Modes["counter"], (ModeConfig{TickRate: 30, Settings: counterSettings{Step: 4, Pause: 2 * time.Second}}); got != want {
		t.Errorf("modes.counter = %+v, want %+v", got, want)
	}
	if got := c.Modes["plain"]; got != (ModeConfig{}) {
		t.Errorf("modes.plain = %+v, want the zero value (no table, no settings)", got)
	}
}

// Define panics on the mistakes a program can make with it.
func TestDefineMistakesPanic(t *testing.T) {
	t.Parallel()
	for name, f := range map[string]func(){
		"empty name": func() { Define(New(Options{}), "", arena.New) },
		"twice": func() {
			s := New(Options{})
			Define(s, "a", arena.New)
			Define(s, "a", arena.New)
		},
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%s: Define did not panic", name)
				}
			}()
			f()
		}()
	}
	s := New(Options{ConfigPath: writeTemp(t, "[server]\naddr = \"127.0.0.1:0\"\n"), Log: io.Discard})
	if err := s.Start(); err == nil || !strings.Contains(err.Error(), "no game mode defined") {
		t.Errorf("Start with no modes: %v, want an error saying so", err)
		if err == nil {
			s.Close()
		}
	}
}
