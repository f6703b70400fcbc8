package transports

import (
	"net/http"
	"testing"
)

func TestOriginAllowlist(t *testing.T) {
	tests := []struct {
		name    string
		allowed []string
		origin  string
		ok      bool
	}{
		{"listed", []string{"https://play.example.com"}, "https://play.example.com", true},
		{"case-insensitive", []string{"https://Play.Example.com"}, "https://play.EXAMPLE.com", true},
		{"other origin", []string{"https://play.example.com"}, "https://evil.example.com", false},
		{"other port", []string{"https://play.example.com"}, "https://play.example.com:8443", false},
		{"other scheme", []string{"https://play.example.com"}, "http://play.example.com", false},
		{"no origin header", []string{"https://play.example.com"}, "", true},
		{"empty list", nil, "https://anything.example", true},
		{"wildcard", []string{"*"}, "https://anything.example", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h := newTestHandler()
			s := newTestServer(t, Options{AllowedOrigins: tt.allowed}, h)
			c, resp, err := dialErr(s, dialOptions{origin: tt.origin})
			if tt.ok {
				if err != nil {
					t.Fatalf("dial: %v", err)
				}
				t.Cleanup(c.stop)
				h.next(t)
				return
			}
			if err == nil {
				c.stop()
				t.Fatal("dial succeeded, want 403")
			}
			if resp == nil || resp.StatusCode != http.StatusForbidden || resp.Header.Get("Content-Type") != "application/json" {
				t.Fatalf("dial: %v, response %v; want status 403 with the JSON error body", err, resp)
			}
			if got, want := s.Stats().OriginRejected, uint64(1); got != want {
				t.Errorf("Stats().OriginRejected = %d, want %d", got, want)
			}
		})
	}
}

func TestSetOptionsChangesOrigins(t *testing.T) {
	h := newTestHandler()
	s := newTestServer(t, Options{AllowedOrigins: []string{"https://a.example"}}, h)
	if c, _, err := dialErr(s, dialOptions{origin: "https://b.example"}); err == nil {
		c.stop()
		t.Fatal("dial from b succeeded before SetOptions")
	}
	s.SetOptions(Options{AllowedOrigins: []string{"https://b.example"}})
	c, _, err := dialErr(s, dialOptions{origin: "https://b.example"})
	if err != nil {
		t.Fatalf("dial from b after SetOptions: %v", err)
	}
	t.Cleanup(c.stop)
	h.next(t)
}
