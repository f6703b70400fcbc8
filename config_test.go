package tickroom

import (
	"bytes"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tickroom/tickroom/games/arena"
)

// testModes are the modes the config tests run with: the arena, defined
// with its settings as the gameserver defines it.
func testModes() *modeSet {
	s := New(Options{})
	DefineWithSettings(s, "arena", arena.DefaultSettings(), arena.NewWithSettings)
	return &s.modes
}

func testParse(data []byte, name string) (Config, error) { return parseConfig(data, name, testModes()) }

func testLoad(path string) (Config, error) { return loadConfig(path, testModes()) }

// withTestModes returns c with the test modes' defaults, as loading adds
// them.
func withTestModes(c Config) Config {
	c.Modes, _ = testModes().withDefaults(nil)
	return c
}

// TestServerTOMLLoads checks that the documented default file, both on disk
// and as embedded in the binary, is valid and is exactly DefaultConfig.
func TestServerTOMLLoads(t *testing.T) {
	t.Parallel()
	onDisk, err := os.ReadFile("server.toml")
	if err != nil {
		t.Fatal(err)
	}
	for name, data := range map[string][]byte{"server.toml": onDisk, "embedded": DefaultConfigTOML} {
		got, err := testParse(data, name)
		if err != nil {
			t.Fatalf("testParse(%s): %v", name, err)
		}
		if want := withTestModes(DefaultConfig()); !reflect.DeepEqual(got, want) {
			t.Errorf("testParse(%s) =\n%+v\nwant DefaultConfig() =\n%+v", name, got, want)
		}
	}
	if err := joinProblems(withTestModes(DefaultConfig()).problems(testModes())); err != nil {
		t.Errorf("DefaultConfig() has problems: %v", err)
	}

	got, err := testLoad("")
	if err != nil {
		t.Fatalf(`testLoad("") = %v`, err)
	}
	if want := withTestModes(DefaultConfig()); !reflect.DeepEqual(got, want) {
		t.Errorf("testLoad(\"\") = %+v, want %+v", got, want)
	}
}

// documentedKey is one key line of server.toml with the comment above it.
type documentedKey struct {
	key, value, comment string
}

var (
	sectionLine = regexp.MustCompile(`^\[([a-z_]+)\]$`)
	keyLine     = regexp.MustCompile(`^([a-z_]+) = (.+)$`)
)

// readServerTOML splits server.toml into its keys, each with the comment block
// directly above it, failing on any line that is neither.
func readServerTOML(t *testing.T) []documentedKey {
	t.Helper()
	data, err := os.ReadFile("server.toml")
	if err != nil {
		t.Fatal(err)
	}
	var keys []documentedKey
	var section string
	var comment []string
	for i, line := range strings.Split(string(data), "\n") {
		switch m, k := sectionLine.FindStringSubmatch(line), keyLine.FindStringSubmatch(line); {
		case strings.HasPrefix(line, "#"):
			comment = append(comment, strings.TrimSpace(strings.TrimPrefix(line, "#")))
			continue
		case m != nil:
			section = m[1]
		case k != nil:
			keys = append(keys, documentedKey{key: section + "." + k[1], value: k[2], comment: strings.Join(comment, " ")})
		case line != "":
			t.Fatalf("server.toml:%d: %q is not a comment, section or key line", i+1, line)
		}
		comment = nil
	}
	return keys
}

// TestServerTOMLDocumentsEveryKey checks that server.toml states the default
// of every key next to it and that it lists exactly the keys of Config.
func TestServerTOMLDocumentsEveryKey(t *testing.T) {
	t.Parallel()
	var got []string
	for _, k := range readServerTOML(t) {
		got = append(got, k.key)
		if want := "Default: " + k.value + "."; !strings.Contains(k.comment, want) {
			t.Errorf("server.toml: comment above %s = %s does not contain %q: %q", k.key, k.value, want, k.comment)
		}
		if len(k.comment) < len("Default: .")+len(k.value)+20 {
			t.Errorf("server.toml: %s has no description with its unit: %q", k.key, k.comment)
		}
	}
	var want []string
	for _, l := range leaves(DefaultConfig()) {
		want = append(want, l.key())
	}
	if !slices.Equal(got, want) {
		t.Errorf("server.toml keys =\n%q\nwant the keys of Config in order =\n%q", got, want)
	}
}

// TestReloadableMatchesServerTOML checks that the keys server.toml marks
// "Not reloadable" are exactly those Reloadable holds back.
func TestReloadableMatchesServerTOML(t *testing.T) {
	t.Parallel()
	var want []string
	for _, k := range readServerTOML(t) {
		if strings.Contains(k.comment, "Not reloadable") {
			want = append(want, k.key)
		}
	}
	cur := DefaultConfig()
	next := changeEveryKey(cur)
	got, restart := cur.Reloadable(next)
	if !slices.Equal(restart, want) {
		t.Errorf("Reloadable(every key changed) restart keys = %q, want those marked in server.toml %q", restart, want)
	}
	for _, l := range leaves(got) {
		kept := slices.Contains(want, l.key())
		if wantV := valueOf(cur, l.key()); kept && !reflect.DeepEqual(l.value, wantV) {
			t.Errorf("Reloadable: %s = %v, want the running value %v", l.key(), l.value, wantV)
		}
		if wantV := valueOf(next, l.key()); !kept && !reflect.DeepEqual(l.value, wantV) {
			t.Errorf("Reloadable: %s = %v, want the new value %v", l.key(), l.value, wantV)
		}
	}
}

// changeEveryKey returns c with every value changed.
func changeEveryKey(c Config) Config {
	var walk func(v reflect.Value)
	walk = func(v reflect.Value) {
		for i := range v.NumField() {
			switch f := v.Field(i); f.Kind() {
			case reflect.Struct:
				walk(f)
			case reflect.String:
				f.SetString(f.String() + "x")
			case reflect.Int, reflect.Int64:
				f.SetInt(f.Int() + 1)
			case reflect.Float64:
				f.SetFloat(f.Float() + 1)
			case reflect.Bool:
				f.SetBool(!f.Bool())
			case reflect.Slice:
				if f.Type().Elem().Kind() == reflect.String {
					f.Set(reflect.Append(f, reflect.ValueOf("x")))
				} else {
					f.Set(reflect.Append(f, reflect.New(f.Type().Elem()).Elem()))
				}
			case reflect.Map: // modes: none in DefaultConfig
			default:
				panic("changeEveryKey: add a case for " + f.Type().String())
			}
		}
	}
	walk(reflect.ValueOf(&c).Elem())
	return c
}

func valueOf(c Config, key string) any {
	for _, l := range leaves(c) {
		if l.key() == key {
			return l.value
		}
	}
	return nil
}

func TestReloadable(t *testing.T) {
	t.Parallel()
	cur := DefaultConfig()
	next := DefaultConfig()
	next.Server.Addr = ":9090"
	next.Room.TickRate = 30

	got, restart := cur.Reloadable(next)
	if want := []string{"server.addr"}; !slices.Equal(restart, want) {
		t.Errorf("restart = %q, want %q", restart, want)
	}
	if got, want := got.Server.Addr, cur.Server.Addr; got != want {
		t.Errorf("Server.Addr = %q, want the running %q", got, want)
	}
	if got, want := got.Room.TickRate, 30; got != want {
		t.Errorf("Room.TickRate = %d, want %d", got, want)
	}

	if _, restart := cur.Reloadable(cur); restart != nil {
		t.Errorf("Reloadable(same config) restart = %q, want none", restart)
	}
}

func TestParseConfigPartialFileKeepsDefaults(t *testing.T) {
	t.Parallel()
	got, err := testParse([]byte("[room]\ntick_rate = 60\nempty_timeout = \"50ms\"\n"), "test.toml")
	if err != nil {
		t.Fatal(err)
	}
	want := withTestModes(DefaultConfig())
	want.Room.TickRate = 60
	want.Room.EmptyTimeout = 50 * time.Millisecond
	if !reflect.DeepEqual(got, want) {
		t.Errorf("ParseConfig = %+v, want %+v", got, want)
	}
}

// configErrors returns every *ConfigError in err's tree, in order.
func configErrors(err error) []*ConfigError {
	switch e := err.(type) {
	case *ConfigError:
		return []*ConfigError{e}
	case interface{ Unwrap() []error }:
		var all []*ConfigError
		for _, e := range e.Unwrap() {
			all = append(all, configErrors(e)...)
		}
		return all
	case interface{ Unwrap() error }:
		return configErrors(e.Unwrap())
	}
	return nil
}

func problemKeys(err error) []string {
	var keys []string
	for _, ce := range configErrors(err) {
		keys = append(keys, ce.Key)
	}
	return keys
}

func TestParseConfigRejectsUnknownKey(t *testing.T) {
	t.Parallel()
	_, err := testParse([]byte("[room]\ntick_rat = 30\n"), "test.toml")
	if got, want := problemKeys(err), []string{"room.tick_rat"}; !slices.Equal(got, want) {
		t.Fatalf("testParse(tick_rat) problems = %q, want %q (err %v)", got, want, err)
	}
	if !errors.Is(err, errUnknownKey) {
		t.Errorf("errors.Is(%v, errUnknownKey) = false", err)
	}
	if got, want := err.Error(), "test.toml: room.tick_rat: unknown key"; got != want {
		t.Errorf("err = %q, want %q", got, want)
	}
}

func TestParseConfigRejectsUnknownSection(t *testing.T) {
	t.Parallel()
	// The keys inside the misspelt section are not reported one by one.
	_, err := testParse([]byte("[rooms]\ntick_rate = 30\nmax_players = 4\n[room.extra]\nx = 1\n"), "test.toml")
	if got, want := problemKeys(err), []string{"rooms", "room.extra"}; !slices.Equal(got, want) {
		t.Fatalf("problems = %q, want %q (err %v)", got, want, err)
	}
	if !errors.Is(err, errUnknownSection) {
		t.Errorf("errors.Is(%v, errUnknownSection) = false", err)
	}
}

// TestParseConfigWrongTypeNamesKey covers errors from the TOML decoder, which
// stops at the first one; its message must still name the key.
func TestParseConfigWrongTypeNamesKey(t *testing.T) {
	t.Parallel()
	tests := []struct{ doc, key string }{
		{"[room]\ntick_rate = \"fast\"", "room.tick_rate"},
		{"[room]\ntick_rate = 2.5", "room.tick_rate"},
		{"[websocket]\nwrite_timeout = \"soon\"", "websocket.write_timeout"},
		{"[server]\nallowed_origins = \"https://game.example\"", "server.allowed_origins"},
		{"[server]\nallowed_origins = [1]", "server.allowed_origins"},
		{"[log]\nlevel = 1", "log.level"},
		{"room = 5", "room"},
	}
	for _, tt := range tests {
		_, err := testParse([]byte(tt.doc), "test.toml")
		if err == nil || !strings.Contains(err.Error(), `"`+tt.key+`"`) || !strings.HasPrefix(err.Error(), "test.toml: ") {
			t.Errorf("testParse(%q) = %v, want an error from test.toml naming %q", tt.doc, err, tt.key)
		}
	}
}

func TestParseConfigRejectsInvalidValues(t *testing.T) {
	t.Parallel()
	tests := []struct{ doc, key string }{
		{`[server]` + "\n" + `addr = "8080"`, "server.addr"},
		{`[server]` + "\n" + `addr = "localhost:http"`, "server.addr"},
		{`[server]` + "\n" + `addr = "localhost:65536"`, "server.addr"},
		{`[server]` + "\n" + `shutdown_timeout = "0s"`, "server.shutdown_timeout"},
		{`[server]` + "\n" + `shutdown_timeout = 10`, "server.shutdown_timeout"},
		{`[websocket]` + "\n" + `path = "ws"`, "websocket.path"},
		{`[http]` + "\n" + `close_drain = "0s"`, "http.close_drain"},
		{`[http]` + "\n" + `close_drain = "5s"`, "http.close_drain"},
		{`[server]` + "\n" + `shutdown_timeout = "1s"`, "http.close_drain"},
		{`[websocket]` + "\n" + `read_limit = 0`, "websocket.read_limit"},
		{`[websocket]` + "\n" + `read_limit = 1048577`, "websocket.read_limit"},
		{`[websocket]` + "\n" + `send_queue = 0`, "websocket.send_queue"},
		{`[websocket]` + "\n" + `send_queue = 65537`, "websocket.send_queue"},
		{`[websocket]` + "\n" + `write_timeout = "-1s"`, "websocket.write_timeout"},
		{`[websocket]` + "\n" + `ping_interval = "0s"`, "websocket.ping_interval"},
		{`[websocket]` + "\n" + `ping_timeout = "10s"`, "websocket.ping_timeout"},
		{`[server]` + "\n" + `allowed_origins = ["https://ok.example", "game.example"]`, "server.allowed_origins[1]"},
		{`[server]` + "\n" + `allowed_origins = ["https://game.example/"]`, "server.allowed_origins[0]"},
		{`[server]` + "\n" + `allowed_origins = ["ftp://game.example"]`, "server.allowed_origins[0]"},
		{`[room]` + "\n" + `tick_rate = 0`, "room.tick_rate"},
		{`[room]` + "\n" + `tick_rate = 241`, "room.tick_rate"},
		{`[room]` + "\n" + `send_rate = 0`, "room.send_rate"},
		{`[room]` + "\n" + `send_rate = 21`, "room.send_rate"},
		{`[room]` + "\n" + `max_players = 0`, "room.max_players"},
		{`[room]` + "\n" + `max_players = 1025`, "room.max_players"},
		{`[room]` + "\n" + `empty_timeout = "-1s"`, "room.empty_timeout"},
		{`[room]` + "\n" + `empty_timeout = 30`, "room.empty_timeout"},
		{`[room]` + "\n" + `max_catch_up = 0`, "room.max_catch_up"},
		{`[room]` + "\n" + `max_catch_up = 101`, "room.max_catch_up"},
		{`[room]` + "\n" + `history = 7`, "room.history"},
		{`[room]` + "\n" + `history = 1025`, "room.history"},
		{`[room]` + "\n" + `input_buffer = 0`, "room.input_buffer"},
		{`[room]` + "\n" + `input_buffer = 1025`, "room.input_buffer"},
		{`[room]` + "\n" + `default_mode = "soccer"`, "room.default_mode"},
		{`[modes.arena]` + "\n" + `tick_rate = 241`, "modes.arena.tick_rate"},
		{`[modes.arena]` + "\n" + `send_rate = 21`, "modes.arena.send_rate"},
		{`[modes.arena]` + "\n" + `tick_rate = 10` + "\n" + `send_rate = 11`, "modes.arena.send_rate"},
		{`[modes.arena]` + "\n" + `max_players = 1025`, "modes.arena.max_players"},
		{`[session]` + "\n" + `input_rate = 0`, "session.input_rate"},
		{`[session]` + "\n" + `input_rate = 10001`, "session.input_rate"},
		{`[session]` + "\n" + `input_burst = 0`, "session.input_burst"},
		{`[session]` + "\n" + `input_burst = 10001`, "session.input_burst"},
		{`[session]` + "\n" + `max_rejected = 0`, "session.max_rejected"},
		{`[session]` + "\n" + `max_rejected = 1000001`, "session.max_rejected"},
		{`[server]` + "\n" + `rooms_path = "/ws"`, "server.rooms_path"},
		{`[web]` + "\n" + `sdk_path = "/sdk"`, "web.sdk_path"},
		{`[web]` + "\n" + `sdk_path = "sdk/"`, "web.sdk_path"},
		{`[web]` + "\n" + `sdk_path = "/rt/sdk/"`, "web.sdk_path"},
		{`[web]` + "\n" + `demo_path = "/ws/"`, "web.demo_path"},
		{`[web]` + "\n" + `demo_path = "/sdk/"`, "web.demo_path"},
		{`[web]` + "\n" + `sdk_path = ""`, "web.demo_path"},
		{`[session]` + "\n" + `catch_up = "2m"`, "session.catch_up"},
		{`[limits]` + "\n" + `max_unjoined = 0`, "limits.max_unjoined"},
		{`[limits]` + "\n" + `join_timeout = "2h"`, "limits.join_timeout"},
		{`[limits]` + "\n" + `rooms_per_minute = 0.0`, "limits.rooms_per_minute"},
		{`[limits]` + "\n" + `addr_room_burst = 0`, "limits.addr_room_burst"},
		{`[limits]` + "\n" + `addr_misses_per_minute = nan`, "limits.addr_misses_per_minute"},
		{`[limits]` + "\n" + `exempt_addrs = ["10.0.0.0/8", "localhost"]`, "limits.exempt_addrs[1]"},
		{`[overload]` + "\n" + `late_low = 0.5`, "overload.late_low"},
		{`[overload]` + "\n" + `min_send_rate = 0`, "overload.min_send_rate"},
		{`[overload]` + "\n" + `recover_after = "100ms"`, "overload.recover_after"},
		{`[log]` + "\n" + `abuse_interval = "0s"`, "log.abuse_interval"},
		{`[log]` + "\n" + `level = "verbose"`, "log.level"},
		{`[log]` + "\n" + `format = "xml"`, "log.format"},
	}
	for _, tt := range tests {
		_, err := testParse([]byte(tt.doc), "test.toml")
		if got, want := problemKeys(err), []string{tt.key}; !slices.Equal(got, want) {
			t.Errorf("testParse(%q) problems = %q, want %q (err %v)", tt.doc, got, want, err)
			continue
		}
		if !strings.HasPrefix(err.Error(), "test.toml: "+tt.key+" = ") {
			t.Errorf("testParse(%q) = %q, want it to start with the file, key and value", tt.doc, err)
		}
	}
}

func TestConfigErrorMessage(t *testing.T) {
	t.Parallel()
	tests := []struct{ doc, want string }{
		{"[room]\ntick_rate = 0", "t.toml: room.tick_rate = 0: must be between 1 and 240"},
		{"[log]\nlevel = \"verbose\"", `t.toml: log.level = "verbose": must be one of debug, info, warn, error`},
		{"[websocket]\nping_timeout = \"5s\"", `t.toml: websocket.ping_timeout = "5s": must be greater than websocket.ping_interval (10s)`},
		{"[room]\nempty_timeout = 30", `t.toml: room.empty_timeout = 30: must be a string with a unit, like "30s"`},
	}
	for _, tt := range tests {
		_, err := testParse([]byte(tt.doc), "t.toml")
		if err == nil || err.Error() != tt.want {
			t.Errorf("testParse(%q) = %v, want %q", tt.doc, err, tt.want)
		}
	}
}

// TestParseConfigReportsEveryProblem checks that an operator sees all the
// problems of a file at once, unknown keys included, in file order.
func TestParseConfigReportsEveryProblem(t *testing.T) {
	t.Parallel()
	doc := `
[server]
adr = ":9000"
allowed_origins = ["https://game.example", "game.example"]

[room]
max_players = 0
empty_timeout = 30
tick_rat = 30

[log]
format = "xml"

[websocket]
ping_interval = "1m"
`
	_, err := testParse([]byte(doc), "test.toml")
	got := problemKeys(err)
	want := []string{
		"server.adr", "server.allowed_origins[1]",
		"room.max_players", "room.empty_timeout", "room.tick_rat", "log.format",
		"websocket.ping_timeout", // the default, now shorter than ping_interval
	}
	if !slices.Equal(got, want) {
		t.Errorf("problems = %q, want %q (err %v)", got, want, err)
	}
}

func TestValidateReportsEveryProblem(t *testing.T) {
	t.Parallel()
	c := DefaultConfig()
	c.Server.Addr = ""
	c.Room.TickRate = 10
	c.Room.SendRate = 20
	c.Session.InputBurst = -1
	validate := func() error { return joinProblems(withTestModes(c).problems(testModes())) }
	got := problemKeys(validate())
	want := []string{"server.addr", "room.send_rate", "session.input_burst"}
	if !slices.Equal(got, want) {
		t.Errorf("problems = %q, want %q", got, want)
	}
	var ce *ConfigError
	if err := validate(); !errors.As(err, &ce) || ce.Key != "server.addr" {
		t.Errorf("errors.As(problems, *ConfigError) = %v, want server.addr first", ce)
	}
}

func TestLoadConfig(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "server.toml")
	if err := os.WriteFile(path, []byte("[room]\nmax_players = 4\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	got, err := testLoad(path)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := got.Room.MaxPlayers, 4; got != want {
		t.Errorf("Room.MaxPlayers = %d, want %d", got, want)
	}

	if err := os.WriteFile(path, []byte("[room]\nmax_players = 0\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := testLoad(path); err == nil || !strings.HasPrefix(err.Error(), path+": room.max_players") {
		t.Errorf("testLoad(invalid) = %v, want an error naming %s and the key", err, path)
	}
}

func TestLoadConfigMissingFile(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "missing.toml")
	_, err := testLoad(path)
	if err == nil || !strings.Contains(err.Error(), path) || !errors.Is(err, os.ErrNotExist) {
		t.Errorf("testLoad(missing) = %v, want a not-exist error naming %s", err, path)
	}
}

// TestConfigLogValue checks that logging the config shows every key under
// its server.toml name.
func TestConfigLogValue(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	slog.New(slog.NewTextHandler(&buf, nil)).Info("config", "config", DefaultConfig())
	out := buf.String()
	for _, l := range leaves(DefaultConfig()) {
		if !strings.Contains(out, " config."+l.key()+"=") {
			t.Errorf("log line has no config.%s: %s", l.key(), out)
		}
	}
	for _, want := range []string{"config.room.tick_rate=20", "config.websocket.write_timeout=5s", "config.server.addr=127.0.0.1:8080"} {
		if !strings.Contains(out, want) {
			t.Errorf("log line has no %s: %s", want, out)
		}
	}
}

func TestLogConfig(t *testing.T) {
	t.Parallel()
	levels := map[string]slog.Level{"debug": slog.LevelDebug, "info": slog.LevelInfo, "warn": slog.LevelWarn, "error": slog.LevelError}
	for name, want := range levels {
		if got := (LogConfig{Level: name}).SlogLevel(); got != want {
			t.Errorf("SlogLevel(%q) = %v, want %v", name, got, want)
		}
	}
	var buf bytes.Buffer
	slog.New(LogConfig{Format: "json"}.NewHandler(&buf, slog.LevelInfo)).Info("hello")
	if got := buf.String(); !strings.HasPrefix(got, `{"time":`) {
		t.Errorf("json handler wrote %q, want a JSON object", got)
	}
	buf.Reset()
	slog.New(LogConfig{Format: "text"}.NewHandler(&buf, slog.LevelWarn)).Info("hidden")
	if got := buf.String(); got != "" {
		t.Errorf("text handler at warn wrote %q for an info record", got)
	}
}

// TestServerTOMLModesExample checks the commented [modes.arena] example at
// the end of server.toml: uncommented, it loads, and it shows the defaults
// (the room's and the arena's own), so it cannot drift from them.
func TestServerTOMLModesExample(t *testing.T) {
	t.Parallel()
	data, err := os.ReadFile("server.toml")
	if err != nil {
		t.Fatal(err)
	}
	_, example, ok := strings.Cut(string(data), "# [modes.arena]\n")
	if !ok {
		t.Fatal("server.toml has no commented [modes.arena] example")
	}
	var doc strings.Builder
	doc.WriteString("[modes.arena]\n")
	for _, line := range strings.Split(example, "\n") {
		line = strings.TrimPrefix(strings.TrimPrefix(line, "#"), " ")
		doc.WriteString(line + "\n")
	}
	c, err := testParse([]byte(doc.String()), "the example")
	if err != nil {
		t.Fatalf("the example does not load: %v\n%s", err, doc.String())
	}
	d := DefaultConfig().Room
	want := ModeConfig{TickRate: d.TickRate, SendRate: d.SendRate, MaxPlayers: d.MaxPlayers, Settings: arena.DefaultSettings()}
	if got := c.Modes["arena"]; got != want {
		t.Errorf("the example sets %+v, want the defaults %+v", got, want)
	}
}
