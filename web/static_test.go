package web

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func serve(t *testing.T, h http.Handler, method, path string, header http.Header) *http.Response {
	t.Helper()
	r := httptest.NewRequest(method, path, nil)
	for k, v := range header {
		r.Header[k] = v
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w.Result()
}

func body(t *testing.T, r *http.Response) []byte {
	t.Helper()
	b, err := io.ReadAll(r.Body)
	if err != nil {
		t.Fatal(err)
	}
	if r.Header.Get("Content-Encoding") == "gzip" {
		z, err := gzip.NewReader(bytes.NewReader(b))
		if err != nil {
			t.Fatal(err)
		}
		if b, err = io.ReadAll(z); err != nil {
			t.Fatal(err)
		}
	}
	return b
}

// The SDK: JavaScript with its type, loadable from any origin, gzipped
// for those who take it, revalidated by ETag.
func TestSDKHandler(t *testing.T) {
	t.Parallel()
	h := SDKHandler()
	want, err := SDK().(interface{ ReadFile(string) ([]byte, error) }).ReadFile("tickroom.js")
	if err != nil {
		t.Fatal(err)
	}
	plain := serve(t, h, "GET", "/tickroom.js", nil)
	if plain.StatusCode != 200 || plain.Header.Get("Content-Type") != "text/javascript; charset=utf-8" || !bytes.Equal(body(t, plain), want) {
		t.Fatalf("GET tickroom.js: %d %q, want 200, JavaScript, the built SDK", plain.StatusCode, plain.Header.Get("Content-Type"))
	}
	if plain.Header.Get("Access-Control-Allow-Origin") != "*" || plain.Header.Get("X-Content-Type-Options") != "nosniff" {
		t.Errorf("headers %v: want any origin allowed and nosniff", plain.Header)
	}
	z := serve(t, h, "GET", "/tickroom.js", http.Header{"Accept-Encoding": {"br, gzip;q=0.8"}})
	if z.Header.Get("Content-Encoding") != "gzip" || !bytes.Equal(body(t, z), want) {
		t.Errorf("with gzip accepted: encoding %q, want gzip of the same bytes", z.Header.Get("Content-Encoding"))
	}
	if no := serve(t, h, "GET", "/tickroom.js", http.Header{"Accept-Encoding": {"gzip;q=0"}}); no.Header.Get("Content-Encoding") != "" {
		t.Errorf("gzip;q=0 still got %q", no.Header.Get("Content-Encoding"))
	}
	etag := plain.Header.Get("ETag")
	for _, match := range []string{etag, `"other", ` + etag, "W/" + etag, "*"} {
		if r := serve(t, h, "GET", "/tickroom.js", http.Header{"If-None-Match": {match}}); r.StatusCode != http.StatusNotModified || len(body(t, r)) != 0 {
			t.Errorf("If-None-Match %s: %d, want 304 and no body", match, r.StatusCode)
		}
	}
	if r := serve(t, h, "GET", "/tickroom.js", http.Header{"If-None-Match": {`"other"`}}); r.StatusCode != 200 {
		t.Errorf("another ETag: %d, want 200", r.StatusCode)
	}
	if r := serve(t, h, "HEAD", "/tickroom.js", nil); r.StatusCode != 200 || len(body(t, r)) != 0 || r.Header.Get("Content-Length") != plain.Header.Get("Content-Length") {
		t.Errorf("HEAD: %d, length %q, want 200, no body, the GET's length", r.StatusCode, r.Header.Get("Content-Length"))
	}
	if r := serve(t, h, "GET", "/tickroom.d.ts", nil); r.StatusCode != 200 || !strings.Contains(string(body(t, r)), "export") {
		t.Errorf("GET tickroom.d.ts: %d, want the declarations", r.StatusCode)
	}
	if r := serve(t, h, "POST", "/tickroom.js", nil); r.StatusCode != http.StatusMethodNotAllowed || r.Header.Get("Allow") != "GET, HEAD" {
		t.Errorf("POST: %d Allow %q, want 405 with Allow", r.StatusCode, r.Header.Get("Allow"))
	}
	for _, p := range []string{"/missing.js", "/../embed.go", "/sdk/dist/tickroom.js"} {
		if r := serve(t, h, "GET", p, nil); r.StatusCode != 404 {
			t.Errorf("GET %s: %d, want 404", p, r.StatusCode)
		}
	}
}

// The demo: its pages by short names, config.json as given, its own
// origin only.
func TestDemoHandler(t *testing.T) {
	t.Parallel()
	cfg := DemoConfig{SDK: "/sdk/tickroom.js", WSPath: "/ws", HTTPPath: "/rt", RoomsPath: "/rooms", Modes: []string{"arena", "tag"}, DefaultMode: "arena"}
	h := DemoHandler(cfg)
	for path, want := range map[string]string{"/": "arena.js", "/index.html": "arena.js", "/tag": "tag.js", "/tag.html": "tag.js"} {
		r := serve(t, h, "GET", path, nil)
		if b := body(t, r); r.StatusCode != 200 || !strings.Contains(string(b), want) || !strings.HasPrefix(r.Header.Get("Content-Type"), "text/html") {
			t.Errorf("GET %s: %d %q, want the page that runs %s", path, r.StatusCode, r.Header.Get("Content-Type"), want)
		}
		if !strings.Contains(r.Header.Get("Content-Security-Policy"), "default-src 'self'") {
			t.Errorf("GET %s: CSP %q", path, r.Header.Get("Content-Security-Policy"))
		}
	}
	r := serve(t, h, "GET", "/config.json", nil)
	var got DemoConfig
	if err := json.Unmarshal(body(t, r), &got); err != nil || r.Header.Get("Content-Type") != "application/json" {
		t.Fatalf("config.json: %v, type %q", err, r.Header.Get("Content-Type"))
	}
	if got.SDK != cfg.SDK || got.WSPath != cfg.WSPath || len(got.Modes) != 2 {
		t.Errorf("config.json = %+v, want %+v", got, cfg)
	}
	for _, p := range []string{"/arena.js", "/common.js", "/tag.js"} {
		if r := serve(t, h, "GET", p, nil); r.StatusCode != 200 || r.Header.Get("Content-Type") != "text/javascript; charset=utf-8" {
			t.Errorf("GET %s: %d %q", p, r.StatusCode, r.Header.Get("Content-Type"))
		}
	}
	if r := serve(t, h, "GET", "/nope", nil); r.StatusCode != 404 {
		t.Errorf("GET /nope: %d, want 404", r.StatusCode)
	}
}

func TestAcceptsGzip(t *testing.T) {
	t.Parallel()
	for ae, want := range map[string]bool{
		"": false, "gzip": true, "GZIP": true, "br, gzip": true, "gzip;q=0": false, "gzip; q=0.000": false,
		"gzip;q=0.5": true, "deflate": false, "x-gzip": false,
	} {
		if got := acceptsGzip(ae); got != want {
			t.Errorf("acceptsGzip(%q) = %v, want %v", ae, got, want)
		}
	}
}
