package tickroom

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"

	"reflect"

	"github.com/BurntSushi/toml"

	"github.com/tickroom/tickroom/actors"
	"github.com/tickroom/tickroom/world"
)

// Define registers a game mode on s: rooms of mode name run games made by
// newGame. Modes are the server's own (two servers in one process define
// their own); the first one defined is the default mode unless
// room.default_mode names another. Define panics if name is empty or taken,
// or if s has started: those are mistakes in the program, not conditions to
// handle.
func Define[G world.Game](s *Server, name string, newGame func() G) {
	s.define(&modeDef{
		name:    name,
		newGame: func(any) world.Game { return newGame() },
	})
}

// DefineWithSettings registers a game mode whose game has settings of its
// own: server.toml's [modes.NAME.settings] table is decoded into a copy of
// defaults, strictly (an unknown key, a mistyped value or a duration without
// a unit is an error naming the key), and newGame gets the result. S is a
// struct whose fields carry toml tags; if it has a method Validate() error,
// settings it refuses stop the server (or the reload) with that error.
//
// A reload (SIGHUP) decodes the settings again: rooms created after it get
// the new ones, and running games whose type has a method ReloadSettings(S)
// get them at their next tick.
func DefineWithSettings[S any, G world.Game](s *Server, name string, defaults S, newGame func(S) G) {
	s.define(&modeDef{
		name:     name,
		defaults: defaults,
		newGame:  func(settings any) world.Game { return newGame(settings.(S)) },
		decode: func(md toml.MetaData, p toml.Primitive) (any, error) {
			v := deepCopy(defaults) // toml fills maps and slices in place
			err := md.PrimitiveDecode(p, &v)
			return v, err
		},
		validate: func(settings any) error {
			v, ok := settings.(S)
			if !ok {
				return fmt.Errorf("settings are a %T, want a %T", settings, v)
			}
			if x, ok := any(&v).(interface{ Validate() error }); ok { // a value or a pointer receiver
				return x.Validate()
			}
			return nil
		},
		reload: func(g world.Game, settings any) {
			if r, ok := g.(interface{ ReloadSettings(S) }); ok {
				r.ReloadSettings(settings.(S))
			}
		},
	})
}

// modeDef is one defined mode, with its settings' type captured in
// closures: nil for a mode defined without settings.
type modeDef struct {
	name     string
	defaults any
	newGame  func(settings any) world.Game
	decode   func(toml.MetaData, toml.Primitive) (any, error)
	validate func(settings any) error
	reload   func(g world.Game, settings any)
}

// modeSet is a server's modes in the order they were defined.
type modeSet struct {
	defs []*modeDef
}

func (ms *modeSet) get(name string) *modeDef {
	for _, d := range ms.defs {
		if d.name == name {
			return d
		}
	}
	return nil
}

func (ms *modeSet) names() []string {
	names := make([]string, len(ms.defs))
	for i, d := range ms.defs {
		names[i] = d.name
	}
	return names
}

var (
	errUnknownMode = errors.New("unknown game mode")
	errNoSettings  = errors.New("the mode takes no settings")
	errBadSettings = errors.New("invalid settings")
	errNoModes     = errors.New("no game mode defined (tickroom.Define)")
)

// withDefaults returns the modes of a config: every defined mode, with the
// file's room keys where it has a table, and the defaults of its settings
// (decodeSettings then decodes the file's over them).
func (ms *modeSet) withDefaults(file map[string]ModeConfig) (map[string]ModeConfig, error) {
	if len(ms.defs) == 0 {
		return nil, errNoModes
	}
	out := make(map[string]ModeConfig, len(ms.defs))
	for _, d := range ms.defs {
		mc := file[d.name]
		mc.Settings = d.defaults
		out[d.name] = mc
	}
	return out, nil
}

// decodeSettings decodes every defined mode's [modes.NAME.settings] table
// into c, and reports tables of modes the server does not define, unknown
// settings keys and settings the game refuses. The settings tables are
// decoded from a second pass over data, as toml.Primitive, because only the
// modes know their types.
func (ms *modeSet) decodeSettings(data []byte, c *Config, md toml.MetaData) []*ConfigError {
	var problems []*ConfigError
	// An implicit table ([modes.arena] alone) has no type of its own.
	if typ := md.Type("modes"); md.IsDefined("modes") && typ != "Hash" && typ != "" {
		return append(problems, &ConfigError{Key: "modes", Err: errors.New("must be a table of [modes.NAME] tables")})
	}
	var raw struct {
		Modes map[string]struct {
			Settings toml.Primitive `toml:"settings"`
		} `toml:"modes"`
	}
	md2, err := toml.Decode(string(data), &raw)
	if err != nil { // the first pass decoded the same document
		return append(problems, &ConfigError{Key: "modes", Err: err})
	}
	// Every mode the file names, by [modes.NAME] or only by its settings.
	for _, name := range slices.Sorted(maps.Keys(raw.Modes)) {
		if ms.get(name) == nil {
			problems = append(problems, &ConfigError{Key: toml.Key{"modes", name}.String(), Err: fmt.Errorf("%w; this server defines %s", errUnknownMode, strings.Join(ms.names(), ", "))})
		}
	}
	for _, d := range ms.defs {
		key := "modes." + d.name + ".settings"
		r, inFile := raw.Modes[d.name]
		if !inFile || !md2.IsDefined("modes", d.name, "settings") {
			continue
		}
		if d.decode == nil {
			problems = append(problems, &ConfigError{Key: key, Err: errNoSettings})
			continue
		}
		v, err := d.decode(md2, r.Settings)
		if err != nil {
			problems = append(problems, &ConfigError{Key: key, Err: err})
			continue
		}
		mc := c.Modes[d.name]
		mc.Settings = v
		c.Modes[d.name] = mc
	}
	skip := map[string]bool{} // keys inside an unknown section: the section is the typo
	for _, k := range md2.Undecoded() {
		if len(k) <= 3 || k[0] != "modes" || k[2] != "settings" || ms.get(k[1]) == nil || ms.get(k[1]).decode == nil {
			continue
		}
		if skip[k[:len(k)-1].String()] {
			skip[k.String()] = true
			continue
		}
		err := errUnknownKey
		if md2.Type(k...) == "Hash" {
			err = errUnknownSection
			skip[k.String()] = true
		}
		problems = append(problems, &ConfigError{Key: k.String(), Err: err})
	}
	return problems
}

// settingsKey reports whether k lies in a [modes.NAME.settings] table or a
// [modes.NAME] of an unknown mode, which decodeSettings reports.
func (ms *modeSet) settingsKey(k toml.Key) bool {
	return len(k) >= 2 && k[0] == "modes" && (ms.get(k[1]) == nil || (len(k) >= 3 && k[2] == "settings"))
}

// problems reports invalid [modes.NAME] values and settings the games
// refuse.
func (ms *modeSet) problems(v *validator, c Config) {
	for _, d := range ms.defs {
		mc, ok := c.Modes[d.name]
		if !ok {
			continue
		}
		key := "modes." + d.name
		tick := c.Room.TickRate
		if mc.TickRate != 0 {
			v.between(key+".tick_rate", mc.TickRate, 1, 240)
			tick = mc.TickRate
		}
		if mc.SendRate != 0 && (mc.SendRate < 1 || mc.SendRate > tick) {
			v.add(key+".send_rate", mc.SendRate, "must be between 1 and the mode's tick rate (%d)", tick)
		}
		if mc.MaxPlayers != 0 {
			v.between(key+".max_players", mc.MaxPlayers, 1, 1024)
		}
		if d.validate != nil && mc.Settings != nil {
			if err := d.validate(mc.Settings); err != nil {
				v.problems = append(v.problems, &ConfigError{Key: key + ".settings", Err: fmt.Errorf("%w: %w", errBadSettings, err)})
			}
		}
	}
	if c.Room.DefaultMode != "" && ms.get(c.Room.DefaultMode) == nil {
		v.add("room.default_mode", c.Room.DefaultMode, "must be one of %s (or empty for %s)", strings.Join(ms.names(), ", "), ms.names()[0])
	}
}

// actorModes maps the modes of c onto the actors package: each game made
// with its mode's settings, the mode's room overrides, and the hook that
// hands reloaded settings to running games.
func (ms *modeSet) actorModes(c Config) map[string]actors.Mode {
	out := make(map[string]actors.Mode, len(ms.defs))
	for _, d := range ms.defs {
		mc := c.Modes[d.name]
		settings := mc.Settings
		m := actors.Mode{
			NewGame: func() world.Game { return d.newGame(settings) },
			Room:    actors.RoomOptions{TickRate: mc.TickRate, SendRate: mc.SendRate, MaxPlayers: mc.MaxPlayers},
		}
		if d.reload != nil {
			m.Reload = func(g world.Game) { d.reload(g, settings) }
		}
		out[d.name] = m
	}
	return out
}

// defaultMode is the mode of joins that name none.
func (ms *modeSet) defaultMode(c Config) string {
	if c.Room.DefaultMode != "" {
		return c.Room.DefaultMode
	}
	return ms.defs[0].name
}

// deepCopy returns v with its maps, slices and pointers copied, so that
// decoding into the copy cannot write into v: toml fills an existing map in
// place and reuses a slice's backing array, which the defaults, running
// games and other modes would otherwise share.
func deepCopy[T any](v T) T {
	var out T
	copyValue(reflect.ValueOf(&out).Elem(), reflect.ValueOf(&v).Elem())
	return out
}

func copyValue(dst, src reflect.Value) {
	switch src.Kind() {
	case reflect.Map:
		if src.IsNil() {
			return
		}
		m := reflect.MakeMapWithSize(src.Type(), src.Len())
		for it := src.MapRange(); it.Next(); {
			e := reflect.New(src.Type().Elem()).Elem()
			copyValue(e, it.Value())
			m.SetMapIndex(it.Key(), e)
		}
		dst.Set(m)
	case reflect.Slice:
		if src.IsNil() {
			return
		}
		s := reflect.MakeSlice(src.Type(), src.Len(), src.Len())
		for i := range src.Len() {
			copyValue(s.Index(i), src.Index(i))
		}
		dst.Set(s)
	case reflect.Pointer:
		if src.IsNil() {
			return
		}
		p := reflect.New(src.Type().Elem())
		copyValue(p.Elem(), src.Elem())
		dst.Set(p)
	case reflect.Interface:
		if src.IsNil() {
			return
		}
		e := reflect.New(src.Elem().Type()).Elem()
		copyValue(e, src.Elem())
		dst.Set(e)
	case reflect.Struct:
		dst.Set(src) // unexported fields too, shallowly
		for i := range src.NumField() {
			if dst.Field(i).CanSet() {
				copyValue(dst.Field(i), src.Field(i))
			}
		}
	case reflect.Array:
		for i := range src.Len() {
			copyValue(dst.Index(i), src.Index(i))
		}
	default:
		dst.Set(src)
	}
}

// define adds d; see Define.
func (s *Server) define(d *modeDef) {
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case d.name == "":
		panic("tickroom: Define: empty mode name")
	case s.hub != nil:
		panic(fmt.Sprintf("tickroom: Define(%q) after the server started", d.name))
	case s.modes.get(d.name) != nil:
		panic(fmt.Sprintf("tickroom: Define(%q): mode already defined", d.name))
	}
	s.modes.defs = append(s.modes.defs, d)
}
