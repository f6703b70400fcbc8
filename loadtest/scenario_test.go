package loadtest

import (
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// Flags given on the command line override the scenario file, which
// overrides the defaults.
func TestParseArgsFlagsOverrideFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "arena.toml")
	file := `
clients = 100
duration = "5s"
input_rate = 10
max_p99 = "80ms"

[mix]
websocket = 50
poll = 50
`
	if err := os.WriteFile(path, []byte(file), 0o644); err != nil {
		t.Fatal(err)
	}
	s, err := ParseArgs([]string{"-clients", "10", "-scenario", path, "-max-errors", "0", "-jitter", "5ms"}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	want := DefaultScenario()
	want.Clients = 10                             // flag over file
	want.Duration = Duration{5 * time.Second}     // file
	want.InputRate = 10                           // file
	want.MaxP99 = Duration{80 * time.Millisecond} // file
	want.Mix = Mix{WebSocket: 50, Poll: 50}       // file: the whole mix
	want.MaxErrors = 0                            // flag
	want.Jitter = Duration{5 * time.Millisecond}  // flag
	if s != want {
		t.Errorf("got  %+v\nwant %+v", s, want)
	}
}

func TestParseArgsErrors(t *testing.T) {
	dir := t.TempDir()
	unknown := filepath.Join(dir, "unknown.toml")
	if err := os.WriteFile(unknown, []byte("clients = 5\nclient_count = 7\n[mix]\nquic = 100\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"-scenario", unknown}, "client_count: unknown key\nmix.quic: unknown key"},
		{[]string{"-clients", "20001"}, "clients: 20001 is not between 1 and 20000"},
		{[]string{"-duration", "2h"}, "duration: 2h0m0s is not above 0 and at most 1h0m0s"},
		{[]string{"-drop-percent", "10"}, "drop-every"},
		{[]string{"-slow-percent", "10"}, "slow-delay"},
		{[]string{"-mix", "websocket=60"}, "add up to 60"},
		{[]string{"-url", "http://10.1.2.3"}, "not a loopback address"},
		{[]string{"extra"}, `unexpected argument "extra"`},
		{[]string{"-scenario", filepath.Join(dir, "missing.toml")}, "no such file"},
	} {
		_, err := ParseArgs(tc.args, io.Discard)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("ParseArgs(%q) = %v, want an error containing %q", tc.args, err, tc.want)
		}
	}
	if _, err := ParseArgs([]string{"-url", "http://10.1.2.3", "-allow-remote"}, io.Discard); err != nil {
		t.Errorf("-allow-remote: %v", err)
	}
}
