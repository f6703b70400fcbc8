package tickroom

import (
	"io"
	"log/slog"
)

// LogValue groups the config by section with the keys of server.toml, so
// the server can log the effective config once at startup and an operator
// can see which defaults were in force.
func (c Config) LogValue() slog.Value {
	return slog.GroupValue(groupAttrs(leaves(c), 0)...)
}

// groupAttrs turns leaves that share their first depth path elements into
// nested groups, in order.
func groupAttrs(ls []leaf, depth int) []slog.Attr {
	var attrs []slog.Attr
	for i := 0; i < len(ls); {
		name := ls[i].path[depth]
		if len(ls[i].path) == depth+1 {
			attrs = append(attrs, slog.Any(name, ls[i].value))
			i++
			continue
		}
		j := i
		for j < len(ls) && len(ls[j].path) > depth+1 && ls[j].path[depth] == name {
			j++
		}
		attrs = append(attrs, slog.Attr{Key: name, Value: slog.GroupValue(groupAttrs(ls[i:j], depth+1)...)})
		i = j
	}
	return attrs
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
