package web

import (
	"encoding/json"
	"net/http"
)

// SDKHandler serves the built SDK (tickroom.js, tickroom.d.ts) under the
// path it is mounted at, less that prefix (use http.StripPrefix). Any
// origin may load it: it is a public file, and a game's page is often
// served from elsewhere.
func SDKHandler() http.Handler {
	s, err := newStatic(SDK(), nil, http.Header{"Access-Control-Allow-Origin": {"*"}})
	if err != nil {
		panic(err) // embedded files always read
	}
	return s
}

// DemoConfig is what the demo pages need to know of the server they run
// on. It is served as config.json next to them.
type DemoConfig struct {
	SDK         string   `json:"sdk"`       // the URL path of tickroom.js
	WSPath      string   `json:"wsPath"`    // "" when WebSocket is off
	HTTPPath    string   `json:"httpPath"`  // "" when every HTTP transport is off
	RoomsPath   string   `json:"roomsPath"` // "" when the listing is off
	Modes       []string `json:"modes"`
	DefaultMode string   `json:"defaultMode"`
}

// DemoHandler serves the demo pages under the path it is mounted at, less
// that prefix: the arena at "", tag at "tag", and config.json. The pages
// load only from their own origin.
func DemoHandler(c DemoConfig) http.Handler {
	cfg, err := json.Marshal(c)
	if err != nil {
		panic(err) // strings and slices always marshal
	}
	csp := "default-src 'self'; connect-src 'self' ws: wss:; img-src 'self' data:; base-uri 'none'; frame-ancestors 'none'"
	s, err := newStatic(Demo(), map[string][]byte{"config.json": cfg}, http.Header{"Content-Security-Policy": {csp}})
	if err != nil {
		panic(err)
	}
	return s
}
