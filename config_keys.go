package tickroom

import (
	"reflect"
	"slices"
	"strings"
)

// leaf is one key of the config file with its value in a Config.
type leaf struct {
	path  []string // TOML key path, e.g. ["room", "tick_rate"]
	value any
}

// key returns the dotted key as written in messages and in server.toml.
func (l leaf) key() string { return strings.Join(l.path, ".") }

// leaves lists every key of c in file order, read from the toml struct
// tags, so code that must cover every key (logging the effective config,
// spotting integer durations, the tests that compare Config with
// server.toml) cannot miss one that is added later. Modes come in name
// order, each followed by its game's settings.
func leaves(c Config) []leaf {
	return appendLeaves(nil, nil, reflect.ValueOf(c))
}

func appendLeaves(out []leaf, prefix []string, v reflect.Value) []leaf {
	t := v.Type()
	for i := range t.NumField() {
		if !t.Field(i).IsExported() { // a game's settings may keep state of their own
			continue
		}
		name, _, _ := strings.Cut(t.Field(i).Tag.Get("toml"), ",")
		if name == "" {
			name = t.Field(i).Name // as toml matches an untagged field
		}
		f := v.Field(i)
		if name == "-" { // ModeConfig.Settings: the game's own struct
			if !f.IsNil() {
				out = appendValue(out, append(prefix[:len(prefix):len(prefix)], "settings"), reflect.Indirect(f.Elem()))
			}
			continue
		}
		out = appendValue(out, append(prefix[:len(prefix):len(prefix)], name), f)
	}
	return out
}

func appendValue(out []leaf, path []string, v reflect.Value) []leaf {
	switch v.Kind() {
	case reflect.Struct:
		return appendLeaves(out, path, v)
	case reflect.Map:
		keys := v.MapKeys()
		slices.SortFunc(keys, func(a, b reflect.Value) int { return strings.Compare(a.String(), b.String()) })
		for _, k := range keys {
			out = appendValue(out, append(path[:len(path):len(path)], k.String()), v.MapIndex(k))
		}
		return out
	}
	return append(out, leaf{path: path, value: v.Interface()})
}
