package tickroom

import (
	"io"
	"net/http"
	"os"
	"strings"
	"testing"
)

// get fetches url with token as its bearer ("" sends none) and returns the
// status and body.
func get(t *testing.T, url, token string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body)
}

// /metrics on a port of its own and behind a token: the game port no
// longer serves it, a scrape without the token or with a wrong one gets
// 401, the right one gets the metrics, and a reload rotates the token.
func TestMetricsOnTheirOwnPortWithAToken(t *testing.T) {
	t.Setenv("TEST_METRICS_TOKEN", "first-token")
	const config = "[server]\naddr = \"127.0.0.1:0\"\nmetrics_addr = \"127.0.0.1:0\"\nmetrics_token_env = \"TEST_METRICS_TOKEN\"\n[log]\nlevel = \"warn\"\n"
	path := writeTemp(t, config)
	s := New(Options{ConfigPath: path, Log: io.Discard})
	defineArena(s)
	if err := s.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	ops := "http://" + s.MetricsAddr()
	if ops == "http://" {
		t.Fatal("no metrics address")
	}

	if code, _ := get(t, s.URL()+"/metrics", "first-token"); code != http.StatusNotFound {
		t.Errorf("game port /metrics: %d, want 404 (moved to its own port)", code)
	}
	if code, _ := get(t, s.URL()+"/healthz", ""); code != http.StatusOK {
		t.Errorf("game port /healthz: %d, want 200", code)
	}
	for _, path := range []string{"/healthz", "/readyz"} {
		if code, _ := get(t, ops+path, ""); code != http.StatusOK {
			t.Errorf("metrics port %s: %d, want 200 without a token", path, code)
		}
	}
	for _, token := range []string{"", "first-toke", "first-token2", "wrong"} {
		if code, body := get(t, ops+"/metrics", token); code != http.StatusUnauthorized || strings.Contains(body, "tickroom_") {
			t.Errorf("token %q: %d %.40q, want 401 and no metrics", token, code, body)
		}
	}
	if code, body := get(t, ops+"/metrics", "first-token"); code != http.StatusOK || !strings.Contains(body, "tickroom_rooms") {
		t.Fatalf("right token: %d %.80q, want 200 with the metrics", code, body)
	}

	// A reload reads the variable again.
	t.Setenv("TEST_METRICS_TOKEN", "second-token")
	if err := s.Reload(); err != nil {
		t.Fatal(err)
	}
	if code, _ := get(t, ops+"/metrics", "first-token"); code != http.StatusUnauthorized {
		t.Errorf("old token after the reload: %d, want 401", code)
	}
	if code, _ := get(t, ops+"/metrics", "second-token"); code != http.StatusOK {
		t.Errorf("new token after the reload: %d, want 200", code)
	}
	// An emptied variable is refused, keeping the running token: an
	// operator's mistake must not open /metrics.
	t.Setenv("TEST_METRICS_TOKEN", "")
	if err := s.Reload(); err == nil || !strings.Contains(err.Error(), "server.metrics_token_env") {
		t.Errorf("reload with the variable empty: %v, want an error naming server.metrics_token_env", err)
	}
	if code, _ := get(t, ops+"/metrics", ""); code != http.StatusUnauthorized {
		t.Errorf("after the refused reload, no token: %d, want 401", code)
	}
}

// A token on the game port, and the mistakes the config check catches.
func TestMetricsTokenOnTheGamePortAndConfigMistakes(t *testing.T) {
	t.Setenv("TEST_METRICS_TOKEN", "tok")
	s := New(Options{ConfigPath: writeTemp(t, "[server]\naddr = \"127.0.0.1:0\"\nmetrics_token_env = \"TEST_METRICS_TOKEN\"\n[log]\nlevel = \"warn\"\n"), Log: io.Discard})
	defineArena(s)
	if err := s.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	if s.MetricsAddr() != "" {
		t.Errorf("MetricsAddr %q without server.metrics_addr", s.MetricsAddr())
	}
	if code, _ := get(t, s.URL()+"/metrics", ""); code != http.StatusUnauthorized {
		t.Errorf("no token: %d, want 401", code)
	}
	if code, _ := get(t, s.URL()+"/metrics", "tok"); code != http.StatusOK {
		t.Errorf("token: %d, want 200", code)
	}

	if _, set := os.LookupEnv("TEST_METRICS_UNSET"); set {
		t.Skip("TEST_METRICS_UNSET is set in this environment")
	}
	for _, c := range []struct{ config, key string }{
		{"metrics_addr = \"nohost\"", "server.metrics_addr"},
		{"metrics = false\nmetrics_addr = \"127.0.0.1:9\"", "server.metrics_addr"},
		{"metrics_token_env = \"1BAD\"", "server.metrics_token_env"},
		{"metrics_token_env = \"TEST_METRICS_UNSET\"", "server.metrics_token_env"},
	} {
		s := New(Options{ConfigPath: writeTemp(t, "[server]\naddr = \"127.0.0.1:0\"\n"+c.config+"\n"), Log: io.Discard})
		defineArena(s)
		err := s.Start()
		if err == nil {
			_ = s.Close()
			t.Errorf("%q: started, want an error naming %s", c.config, c.key)
			continue
		}
		if !strings.Contains(err.Error(), c.key) {
			t.Errorf("%q: %v, want it to name %s", c.config, err, c.key)
		}
	}
	// One address for both ports.
	s = New(Options{ConfigPath: writeTemp(t, "[server]\naddr = \"127.0.0.1:18999\"\nmetrics_addr = \"127.0.0.1:18999\"\n"), Log: io.Discard})
	defineArena(s)
	if err := s.Start(); err == nil || !strings.Contains(err.Error(), "must differ from server.addr") {
		if err == nil {
			_ = s.Close()
		}
		t.Errorf("one address for both: %v, want must differ from server.addr", err)
	}
}

// With /metrics off, server.metrics_token_env is not read, at start or on
// a reload: a reload of the file the server started with is never refused
// for it. The scheme of Authorization is matched without regard to case.
func TestMetricsTokenReadOnlyWhenServed(t *testing.T) {
	if _, set := os.LookupEnv("TEST_METRICS_UNSET"); set {
		t.Skip("TEST_METRICS_UNSET is set in this environment")
	}
	s := New(Options{ConfigPath: writeTemp(t, "[server]\naddr = \"127.0.0.1:0\"\nmetrics = false\nmetrics_token_env = \"TEST_METRICS_UNSET\"\n[log]\nlevel = \"warn\"\n"), Log: io.Discard})
	defineArena(s)
	if err := s.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	if err := s.Reload(); err != nil {
		t.Errorf("a reload of the unchanged file: %v", err)
	}

	t.Setenv("TEST_METRICS_TOKEN", "tok")
	on := New(Options{ConfigPath: writeTemp(t, "[server]\naddr = \"127.0.0.1:0\"\nmetrics_token_env = \"TEST_METRICS_TOKEN\"\n[log]\nlevel = \"warn\"\n"), Log: io.Discard})
	defineArena(on)
	if err := on.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = on.Close() })
	req, _ := http.NewRequest(http.MethodGet, on.URL()+"/metrics", nil)
	req.Header.Set("Authorization", "bearer tok")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("scheme in lower case: %d, want 200", resp.StatusCode)
	}
}
