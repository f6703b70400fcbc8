package loadtest

import (
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A scenario file is as strict as server.toml: every mistake is an error
// that names its key.
func TestParseScenarioStrict(t *testing.T) {
	for _, tc := range []struct {
		name, file string
		want       []string // all in the error
	}{
		{"unknown key", "clients = 5\nclient_count = 7\nduraton = \"5s\"\n",
			[]string{"s.toml: client_count: unknown key\nduraton: unknown key"}},
		{"unknown key in the mix", "[mix]\nwebsocket = 50\nquic = 50\n", []string{"mix.quic: unknown key"}},
		{"unknown section", "[faults]\nlatency = \"5ms\"\n", []string{"faults: unknown section"}},

		{"bare integer duration", "duration = 30\n", []string{`"duration"`, `must be a string with a unit, like "30s"`}},
		// time.ParseDuration("0") succeeds, so a bare 0 is the one integer
		// a text unmarshaler would let through.
		{"bare zero duration", "latency = 0\n", []string{`"latency"`, "must be a string with a unit"}},
		{"float duration", "max_p99 = 0.08\n", []string{`"max_p99"`, "must be a string with a unit"}},
		{"bool duration", "warmup = true\n", []string{`"warmup"`, "must be a string with a unit"}},
		{"duration string without a unit", "drop_every = \"30\"\n", []string{`"drop_every"`, "missing unit"}},
		{"invalid duration", "slow_delay = \"soon\"\n", []string{`"slow_delay"`, `invalid duration "soon"`}},

		{"string for an integer", "clients = \"many\"\n", []string{`"clients"`, "incompatible types"}},
		{"float for an integer", "room_size = 1.5\n", []string{`"room_size"`, "incompatible types"}},
		{"integer for a bool", "mirror = 1\n", []string{`"mirror"`, "incompatible types"}},
		{"string for a share", "[mix]\nwebsocket = \"all\"\n", []string{`"mix.websocket"`, "incompatible types"}},
		{"value for the mix table", "mix = 100\n", []string{`"mix"`, "expected table"}},
	} {
		_, err := ParseScenario([]byte(tc.file), "s.toml", DefaultScenario())
		if err == nil {
			t.Errorf("%s: ParseScenario(%q) = nil error, want %q", tc.name, tc.file, tc.want)
			continue
		}
		for _, w := range tc.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("%s: ParseScenario(%q) = %q, want it to contain %q", tc.name, tc.file, err, w)
			}
		}
	}
}

// Every duration key reads a string with a unit; the keys inside an unknown
// section are not reported again.
func TestParseScenarioDurations(t *testing.T) {
	file := "warmup = \"1s\"\nduration = \"2m\"\nlatency = \"5ms\"\njitter = \"1ms\"\n" +
		"drop_every = \"10s\"\nslow_delay = \"20ms\"\nmax_p99 = \"80ms\"\n"
	s, err := ParseScenario([]byte(file), "s.toml", DefaultScenario())
	if err != nil {
		t.Fatal(err)
	}
	got := []Duration{s.Warmup, s.Duration, s.Latency, s.Jitter, s.DropEvery, s.SlowDelay, s.MaxP99}
	want := []string{"1s", "2m0s", "5ms", "1ms", "10s", "20ms", "80ms"}
	for i := range want {
		if got[i].String() != want[i] {
			t.Errorf("duration %d = %v, want %s", i, got[i], want[i])
		}
	}
	_, err = ParseScenario([]byte("[faults]\nlatency = \"5ms\"\n[faults.more]\nx = 1\n"), "s.toml", DefaultScenario())
	if err == nil || err.Error() != "s.toml: faults: unknown section" {
		t.Errorf("unknown section = %v, want only it named", err)
	}
}

// A value out of bounds names the file and its key when the file set it,
// and the flag when a flag did.
func TestParseArgsNamesFileKeys(t *testing.T) {
	path := filepath.Join(t.TempDir(), "arena.toml")
	if err := os.WriteFile(path, []byte("room_size = 0\nslow_percent = 150\njoin_rate = 0\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := ParseArgs([]string{"-scenario", path, "-join-rate", "-5", "-clients", "0"}, io.Discard)
	if err == nil {
		t.Fatal("ParseArgs = nil error")
	}
	for _, want := range []string{
		path + ": room_size: 0 is not between 1 and 1024",
		path + ": slow_percent: 150 is not between 0 and 100",
		"\njoin-rate: -5 is not above 0", // the flag overrode the file
		"clients: 0 is not between",      // a flag; the file does not set it
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("ParseArgs = %q, want it to contain %q", err, want)
		}
	}
	if strings.Contains(err.Error(), path+": clients") || strings.Contains(err.Error(), path+": join_rate") {
		t.Errorf("ParseArgs = %q names the file for a flag", err)
	}
	// A valid flag over an invalid file value is no error.
	if _, err := ParseArgs([]string{"-scenario", path, "-room-size", "8", "-slow-percent", "0", "-join-rate", "10"}, io.Discard); err != nil {
		t.Errorf("flags over the file's bad values: %v", err)
	}
}
