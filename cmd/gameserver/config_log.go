package main

import (
	"io"
	"log/slog"
)

// LogValue groups the config by section with the keys of server.toml, so
// main can log the effective config once at startup and an operator can see
// which defaults were in force.
func (c Config) LogValue() slog.Value {
	ls := leaves(c)
	var sections []slog.Attr
	for i := 0; i < len(ls); {
		section := ls[i].path[0]
		var keys []slog.Attr
		for ; i < len(ls) && ls[i].path[0] == section; i++ {
			keys = append(keys, slog.Any(ls[i].path[1], ls[i].value))
		}
		sections = append(sections, slog.Attr{Key: section, Value: slog.GroupValue(keys...)})
	}
	return slog.GroupValue(sections...)
}

// SlogLevel returns the slog level named by Level. Validate guarantees the
// name is known; an unknown one reads as info.
func (c LogConfig) SlogLevel() slog.Level {
	var l slog.Level
	if err := l.UnmarshalText([]byte(c.Level)); err != nil {
		return slog.LevelInfo
	}
	return l
}

// NewHandler returns the handler Format names, writing to w. level is a
// Leveler rather than a Level so that main can pass a *slog.LevelVar and
// change the level on a reload without replacing the handler.
func (c LogConfig) NewHandler(w io.Writer, level slog.Leveler) slog.Handler {
	opts := &slog.HandlerOptions{Level: level}
	if c.Format == "json" {
		return slog.NewJSONHandler(w, opts)
	}
	return slog.NewTextHandler(w, opts)
}
