package tickroom

import (
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/tickroom/tickroom/games/arena"
)

// mapSettings hold a map and a slice, which toml fills in place.
type mapSettings struct {
	Weights map[string]int `toml:"weights"`
	Spawns  []int          `toml:"spawns"`
	scale   float64        // unexported: not a key, and must not trip the loader
}

func newMapArena(mapSettings) *arena.Game { return arena.New() }

// Loading one mode's settings never writes into the defaults, another
// mode's settings or a later load: each load decodes into its own copy.
func TestSettingsAreCopiedNotShared(t *testing.T) {
	t.Parallel()
	defaults := mapSettings{Weights: map[string]int{"sword": 1}, Spawns: make([]int, 0, 8), scale: 2}
	s := New(Options{})
	DefineWithSettings(s, "duel", defaults, newMapArena)
	DefineWithSettings(s, "ffa", defaults, newMapArena)
	c, err := parseConfig([]byte("[modes.duel.settings]\nweights = {bow = 5}\nspawns = [1, 2]\n"), "t.toml", &s.modes)
	if err != nil {
		t.Fatal(err)
	}
	if w := c.Modes["ffa"].Settings.(mapSettings).Weights; len(w) != 1 {
		t.Errorf("mode ffa's settings have duel's weights: %v", w)
	}
	if len(defaults.Weights) != 1 || defaults.Spawns[:2][0] != 0 {
		t.Errorf("a load wrote into the defaults: %v %v", defaults.Weights, defaults.Spawns[:2])
	}
	if _, err := parseConfig([]byte("[room]\ntypo = 1\n[modes.duel.settings]\nweights = {axe = 3}\n"), "bad.toml", &s.modes); err == nil {
		t.Fatal("a file with an unknown key was accepted")
	}
	c, err = parseConfig([]byte("[room]\ntick_rate = 30\n"), "good.toml", &s.modes)
	if err != nil {
		t.Fatal(err)
	}
	if w := c.Modes["duel"].Settings.(mapSettings).Weights; len(w) != 1 {
		t.Errorf("after a refused file, a file with no weights gives %v, want only the default sword", w)
	}
}

// ptrValidated refuses bad settings through a pointer receiver, the usual
// style for structs.
type ptrValidated struct {
	Speed float64 `toml:"speed"`
}

func (s *ptrValidated) Validate() error {
	if s.Speed <= 0 {
		return errors.New("speed must be positive")
	}
	return nil
}

func TestSettingsStrictness(t *testing.T) {
	t.Parallel()
	ms := func() *modeSet {
		s := New(Options{})
		DefineWithSettings(s, "m", ptrValidated{Speed: 1}, func(ptrValidated) *arena.Game { return arena.New() })
		defineCounter(s)
		return &s.modes
	}
	for _, tc := range []struct{ doc, want string }{
		{"[modes.m.settings]\nspeed = -5\n", "modes.m.settings: invalid settings: speed must be positive"},
		{"[modes.countr.settings]\nstep = 5\n", "modes.countr: unknown game mode"},
		{"modes.countr.settings.step = 5\n", "modes.countr: unknown game mode"},
		{"modes = \"counter\"\n", "modes: must be a table"},
		{"[modes.counter.settings.deep]\nx = 1\ny = 2\n", "modes.counter.settings.deep: unknown section"},
	} {
		_, err := parseConfig([]byte(tc.doc), "t.toml", ms())
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("parse %q: %v, want %q", tc.doc, err, tc.want)
		}
		if err != nil && strings.Count(err.Error(), "\n") > 0 && strings.Contains(tc.want, "unknown section") {
			t.Errorf("parse %q: %v: the keys inside an unknown section are reported too", tc.doc, err)
		}
	}
}

// A config given in Options has no file behind it: a reload is refused
// rather than falling back to the embedded file.
func TestReloadOfAGivenConfigIsRefused(t *testing.T) {
	t.Parallel()
	cfg := DefaultConfig()
	cfg.Server.Addr = "127.0.0.1:0"
	cfg.Room.TickRate, cfg.Room.SendRate = 60, 60
	s := New(Options{Config: &cfg, Log: io.Discard})
	defineArena(s)
	if err := s.Reload(); err == nil {
		t.Error("Reload before Start succeeded")
	}
	if err := s.Start(); err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := s.Reload(); err == nil {
		t.Error("Reload of a config given in Options succeeded")
	}
	if got := s.Config().Room.TickRate; got != 60 {
		t.Errorf("after Reload room.tick_rate = %d, want the given 60", got)
	}
}

// Settings of the wrong type in Options.Config stop Start, rather than
// every join failing later.
func TestGivenSettingsOfTheWrongType(t *testing.T) {
	t.Parallel()
	cfg := DefaultConfig()
	cfg.Server.Addr = "127.0.0.1:0"
	cfg.Modes = map[string]ModeConfig{"arena": {Settings: &arena.Settings{}}}
	s := New(Options{Config: &cfg, Log: io.Discard})
	defineArena(s)
	if err := s.Start(); err == nil {
		s.Close()
		t.Error("Start took *arena.Settings for a mode defined with arena.Settings")
	}
}
