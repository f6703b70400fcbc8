package main

import (
	"reflect"
	"strings"
)

// leaf is one key of the config file with its value in a Config.
type leaf struct {
	path  []string // TOML key path, e.g. ["room", "tick_rate"]
	value any
}

// key returns the dotted key as written in messages and in server.toml.
func (l leaf) key() string { return strings.Join(l.path, ".") }

// leaves lists every key of c in declaration order, read from the toml
// struct tags, so code that must cover every key (logging the effective
// config, spotting integer durations, the tests that compare Config with
// server.toml) cannot miss one that is added later.
func leaves(c Config) []leaf {
	return appendLeaves(nil, nil, reflect.ValueOf(c))
}

func appendLeaves(out []leaf, prefix []string, v reflect.Value) []leaf {
	t := v.Type()
	for i := range t.NumField() {
		name, _, _ := strings.Cut(t.Field(i).Tag.Get("toml"), ",")
		path := append(prefix[:len(prefix):len(prefix)], name)
		if f := v.Field(i); f.Kind() == reflect.Struct {
			out = appendLeaves(out, path, f)
		} else {
			out = append(out, leaf{path: path, value: f.Interface()})
		}
	}
	return out
}
