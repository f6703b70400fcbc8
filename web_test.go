package tickroom

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/tickroom/tickroom/web"
)

func httpGet(t *testing.T, url string) (int, http.Header, string) {
	t.Helper()
	res, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return res.StatusCode, res.Header, string(b)
}

// The server serves the SDK and the demo where [web] says, with a
// config.json that tells the pages this server's paths and modes; "" turns
// each off.
func TestWebRoutes(t *testing.T) {
	t.Parallel()
	s := startTestServer(t, "[web]\nsdk_path = \"/static/sdk/\"\ndemo_path = \"/play/\"\n[http]\nstream = false\npath = \"/fallback\"", defineArena)
	base := "http://" + s.Addr()
	if code, h, body := httpGet(t, base+"/static/sdk/tickroom.js"); code != 200 || !strings.HasPrefix(h.Get("Content-Type"), "text/javascript") || !strings.Contains(body, "export") {
		t.Errorf("GET the SDK: %d %q", code, h.Get("Content-Type"))
	}
	if code, _, body := httpGet(t, base+"/play/"); code != 200 || !strings.Contains(body, "arena.js") {
		t.Errorf("GET /play/: %d, want the arena page", code)
	}
	if code, _, _ := httpGet(t, base+"/play/tag"); code != 200 {
		t.Errorf("GET /play/tag: %d, want the tag page", code)
	}
	code, _, body := httpGet(t, base+"/play/config.json")
	var cfg web.DemoConfig
	if err := json.Unmarshal([]byte(body), &cfg); code != 200 || err != nil {
		t.Fatalf("config.json: %d %v", code, err)
	}
	if cfg.SDK != "/static/sdk/tickroom.js" || cfg.WSPath != "/ws" || cfg.HTTPPath != "/fallback" || cfg.RoomsPath != "/rooms" || strings.Join(cfg.Modes, ",") != "arena" {
		t.Errorf("config.json = %+v", cfg)
	}
	for _, p := range []string{"/", "/sdk/tickroom.js", "/play/nothing.js"} {
		if code, _, _ := httpGet(t, base+p); code != 404 {
			t.Errorf("GET %s: %d, want 404", p, code)
		}
	}

	off := startTestServer(t, "[web]\nsdk_path = \"\"\ndemo_path = \"\"\n[websocket]\nenabled = false", defineArena)
	for _, p := range []string{"/", "/sdk/tickroom.js", "/tag"} {
		if code, _, _ := httpGet(t, "http://"+off.Addr()+p); code != 404 {
			t.Errorf("with [web] off, GET %s: %d, want 404", p, code)
		}
	}
}
