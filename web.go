package tickroom

import (
	"net/http"
	"strings"

	"github.com/tickroom/tickroom/web"
)

// handleWeb mounts the browser SDK and the demo pages ([web]), each under
// its path with the prefix stripped, so the handlers see paths relative to
// where they are mounted.
func (s *Server) handleWeb(cfg Config) {
	if p := cfg.Web.SDKPath; p != "" {
		s.srv.Handle(p, http.StripPrefix(strings.TrimSuffix(p, "/"), web.SDKHandler()))
	}
	if p := cfg.Web.DemoPath; p != "" {
		demo := web.DemoConfig{
			SDK:         cfg.Web.SDKPath + "tickroom.js",
			RoomsPath:   cfg.Server.RoomsPath,
			Modes:       s.modes.names(),
			DefaultMode: cfg.Room.DefaultMode,
		}
		if cfg.WebSocket.Enabled {
			demo.WSPath = cfg.WebSocket.Path
		}
		if cfg.HTTP.LongPoll || cfg.HTTP.Stream || cfg.HTTP.Poll {
			demo.HTTPPath = cfg.HTTP.Path
		}
		s.srv.Handle(p, http.StripPrefix(strings.TrimSuffix(p, "/"), web.DemoHandler(demo)))
	}
}
