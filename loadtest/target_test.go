package loadtest

import (
	"bytes"
	"context"
	"strings"
	"testing"
)

func TestTargetMustBeLoopback(t *testing.T) {
	for _, tc := range []struct {
		url    string
		remote bool // allowed only with AllowRemote
	}{
		{"http://127.0.0.1:8080", false},
		{"http://127.9.8.7:8080", false},
		{"ws://127.0.0.1:8080/ws", false},
		{"http://[::1]:8080", false},
		{"http://localhost:8080", false},
		{"http://LOCALHOST", false},
		{"http://10.0.0.1:8080", true},
		{"http://192.0.2.1", true},
		{"http://[2001:db8::1]:8080", true},
		{"http://example.com:8080", true},
		{"http://localhost.example.com", true},
		{"http://0.0.0.0:8080", true},
	} {
		err := checkTarget(tc.url, false)
		if got := err != nil; got != tc.remote {
			t.Errorf("checkTarget(%q) = %v, want refused %v", tc.url, err, tc.remote)
		}
		if err != nil && !strings.Contains(err.Error(), "-allow-remote") {
			t.Errorf("checkTarget(%q) = %v, want a hint at -allow-remote", tc.url, err)
		}
		if err := checkTarget(tc.url, true); err != nil {
			t.Errorf("checkTarget(%q, allow remote) = %v", tc.url, err)
		}
	}
	for _, bad := range []string{"ftp://127.0.0.1", "127.0.0.1:8080", "http://"} {
		if err := checkTarget(bad, true); err == nil {
			t.Errorf("checkTarget(%q) accepted", bad)
		}
	}
}

// Run and the command refuse a remote target before connecting anywhere.
func TestRunRefusesRemoteTarget(t *testing.T) {
	s := DefaultScenario()
	s.URL = "http://192.0.2.1:8080" // TEST-NET-1: nothing answers there
	if _, err := Run(context.Background(), s, Options{}); err == nil || !strings.Contains(err.Error(), "loopback") {
		t.Errorf("Run = %v, want a refusal", err)
	}
	var stdout, stderr bytes.Buffer
	code := Main(context.Background(), []string{"-url", s.URL}, Env{Stdout: &stdout, Stderr: &stderr})
	if code != ExitUsage || !strings.Contains(stderr.String(), "not a loopback address") {
		t.Errorf("Main = %d, stderr %q; want %d and a refusal", code, stderr.String(), ExitUsage)
	}
}

// A scenario may name several URLs (a cluster's nodes): rooms take them in
// turn, and each is checked like one.
func TestScenarioURLs(t *testing.T) {
	s := DefaultScenario()
	s.URL = "http://127.0.0.1:8081, http://127.0.0.1:8082"
	if got := s.urls(); len(got) != 2 || got[1] != "http://127.0.0.1:8082" {
		t.Fatalf("urls() = %q", got)
	}
	r := newRun(s, Options{})
	var got []string
	for _, p := range []*player{r.players[0], r.players[s.RoomSize-1], r.players[s.RoomSize], r.players[2*s.RoomSize]} {
		got = append(got, r.urlFor(p))
	}
	if got[0] != got[1] || got[0] == got[2] || got[0] != got[3] {
		t.Errorf("the first player of rooms 0, 0, 1, 2 dial %q, want one URL per room, in turn", got)
	}
	s.URL = "http://127.0.0.1:8081,http://10.0.0.2:8082"
	if err := s.Validate(); err == nil {
		t.Errorf("a remote second URL was accepted")
	}
}
