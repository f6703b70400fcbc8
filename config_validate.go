package tickroom

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

// ConfigError is one problem with one key of the config. Validate and
// ParseConfig return every problem at once, joined, so an operator fixes a
// file in one pass; errors.As finds each ConfigError in the joined error.
type ConfigError struct {
	Key   string // dotted key, e.g. "room.tick_rate"
	Value any    // the offending value; nil when there is none (an unknown key)
	Err   error
}

// Error returns a message like `room.tick_rate = 0: must be between 1 and 240`,
// the key and value written as they would be in server.toml.
func (e *ConfigError) Error() string {
	if e.Value == nil {
		return fmt.Sprintf("%s: %v", e.Key, e.Err)
	}
	return fmt.Sprintf("%s = %s: %v", e.Key, tomlValue(e.Value), e.Err)
}

func (e *ConfigError) Unwrap() error { return e.Err }

// tomlValue formats v the way it is written in server.toml.
func tomlValue(v any) string {
	switch v := v.(type) {
	case string:
		return strconv.Quote(v)
	case time.Duration:
		return strconv.Quote(v.String())
	case []string:
		q := make([]string, len(v))
		for i, s := range v {
			q[i] = strconv.Quote(s)
		}
		return "[" + strings.Join(q, ", ") + "]"
	default:
		return fmt.Sprint(v)
	}
}

var logLevels = []string{"debug", "info", "warn", "error"}

// problems reports every invalid value in c for a server with the modes ms.
func (c Config) problems(ms *modeSet) []*ConfigError {
	var v validator
	v.addr("server.addr", c.Server.Addr)
	v.positive("server.shutdown_timeout", c.Server.ShutdownTimeout)
	for i, o := range c.Server.AllowedOrigins {
		v.origin(fmt.Sprintf("server.allowed_origins[%d]", i), o)
	}

	if a := c.Server.MetricsAddr; a != "" {
		v.addr("server.metrics_addr", a)
		switch {
		case !c.Server.Metrics:
			v.add("server.metrics_addr", a, "is set, but server.metrics is false")
		case a == c.Server.Addr && !strings.HasSuffix(a, ":0"): // ":0" picks a free port each
			v.add("server.metrics_addr", a, "must differ from server.addr")
		}
	}
	if e := c.Server.MetricsTokenEnv; e != "" && !envName.MatchString(e) {
		v.add("server.metrics_token_env", e, "must be the name of an environment variable, like \"TICKROOM_METRICS_TOKEN\"")
	}

	if p := c.Server.RoomsPath; p != "" && (!strings.HasPrefix(p, "/") || slices.Contains([]string{c.WebSocket.Path, c.HTTP.Path, "/metrics", "/healthz", "/readyz"}, p)) {
		v.add("server.rooms_path", p, `must be "" or a path starting with "/" that no other endpoint uses`)
	}

	c.webProblems(&v)

	ws := c.WebSocket
	if !strings.HasPrefix(ws.Path, "/") {
		v.add("websocket.path", ws.Path, `must start with "/"`)
	}
	v.between("websocket.read_limit", ws.ReadLimit, 1, 1<<20)
	v.between("websocket.send_queue", ws.SendQueue, 1, 1<<16)
	v.positive("websocket.write_timeout", ws.WriteTimeout)
	v.positive("websocket.ping_interval", ws.PingInterval)
	v.within("websocket.delivery_timeout", ws.DeliveryTimeout, time.Second, 5*time.Minute)
	if ws.SendBuffer != -1 {
		v.between("websocket.send_buffer", ws.SendBuffer, 4096, 16<<20)
	}
	v.between("websocket.read_buffer", ws.ReadBuffer, 256, 65536)
	// A timeout no longer than the interval would drop a healthy client
	// before the ping that proves it alive is even sent.
	if ws.PingTimeout <= ws.PingInterval {
		v.add("websocket.ping_timeout", ws.PingTimeout,
			"must be greater than websocket.ping_interval (%s)", ws.PingInterval)
	}

	h := c.HTTP
	if !strings.HasPrefix(h.Path, "/") {
		v.add("http.path", h.Path, `must start with "/"`)
	} else if h.Path == ws.Path {
		v.add("http.path", h.Path, "must differ from websocket.path")
	}
	v.positive("http.poll_timeout", h.PollTimeout)
	v.positive("http.stream_max_duration", h.StreamMaxDuration)
	v.positive("http.upgrade_timeout", h.UpgradeTimeout)
	v.positive("http.close_drain", h.CloseDrain)
	v.between("http.max_header_bytes", h.MaxHeaderBytes, 4096, 1<<20)
	v.within("http.read_header_timeout", h.ReadHeaderTimeout, time.Second, time.Minute)
	v.within("http.body_timeout", h.BodyTimeout, time.Second, 5*time.Minute)
	v.within("http.idle_timeout", h.IdleTimeout, time.Second, 10*time.Minute)
	// The drain comes first in a shutdown; one as long as the whole
	// shutdown would leave WebSocket clients no time for their close frame.
	// (A shutdown_timeout below a microsecond is a bare number, reported as
	// such by ParseConfig, or already refused above.)
	if h.CloseDrain > 0 && c.Server.ShutdownTimeout >= time.Microsecond && h.CloseDrain >= c.Server.ShutdownTimeout/2 {
		v.add("http.close_drain", h.CloseDrain, "must be less than half of server.shutdown_timeout (%v)", c.Server.ShutdownTimeout)
	}
	// A session must outlive the wait between two polls, or long-polling
	// clients would expire while their request is merely being answered.
	if h.SessionTimeout <= 0 {
		v.add("http.session_timeout", h.SessionTimeout, "must be greater than 0s")
	}
	v.between("http.max_body", h.MaxBody, 1, 16<<20)
	v.between("http.max_sessions", h.MaxSessions, 1, 10_000_000)
	if !ws.Enabled && !h.LongPoll && !h.Stream && !h.Poll {
		v.add("websocket.enabled", ws.Enabled, "at least one transport must be enabled")
	}

	r := c.Room
	v.between("room.tick_rate", r.TickRate, 1, 240)
	if r.TickRate >= 1 && r.TickRate <= 240 {
		if r.SendRate < 1 || r.SendRate > r.TickRate {
			v.add("room.send_rate", r.SendRate, "must be between 1 and room.tick_rate (%d)", r.TickRate)
		}
	} else {
		// tick_rate is already reported; judge send_rate on its own.
		v.between("room.send_rate", r.SendRate, 1, 240)
	}
	v.between("room.max_players", r.MaxPlayers, 1, 1024)
	v.between("room.max_rooms", r.MaxRooms, 1, 1_000_000)
	if r.EmptyTimeout < 0 {
		v.add("room.empty_timeout", r.EmptyTimeout, "must not be negative")
	}
	v.between("room.max_catch_up", r.MaxCatchUp, 1, 100)
	v.between("room.history", r.History, 8, 1024)
	v.between("room.input_buffer", r.InputBuffer, 1, 1024)
	v.between("room.message_buffer", r.MessageBuffer, 1, 1024)
	v.positive("room.ack_timeout", r.AckTimeout)
	if r.ResumeWindow < 0 || r.ResumeWindow > time.Hour {
		v.add("room.resume_window", r.ResumeWindow, "must be between 0s (seats are not held) and 1h")
	}
	v.between("room.resume_events", r.ResumeEvents, 1, 65536)
	ms.problems(&v, c)

	s := c.Session
	v.between("session.input_rate", s.InputRate, 1, 10000)
	v.between("session.input_burst", s.InputBurst, 1, 10000)
	v.between("session.max_rejected", s.MaxRejected, 1, 1000000)
	if s.CatchUp < 0 || s.CatchUp > time.Minute {
		v.add("session.catch_up", s.CatchUp, "must be between 0s (no catch-up) and 1m")
	}
	c.limitProblems(&v)

	c.Auth.problems(&v)

	v.oneOf("log.level", c.Log.Level, logLevels)
	v.oneOf("log.format", c.Log.Format, []string{"text", "json"})
	c.clusterProblems(&v)
	return v.problems
}

// joinProblems joins problems into one error, nil for none.
func joinProblems(problems []*ConfigError) error {
	errs := make([]error, len(problems))
	for i, p := range problems {
		errs[i] = p
	}
	return errors.Join(errs...)
}

// validator collects problems so that Validate reports all of them.
type validator struct {
	problems []*ConfigError
}

func (v *validator) add(key string, value any, format string, args ...any) {
	v.problems = append(v.problems, &ConfigError{Key: key, Value: value, Err: fmt.Errorf(format, args...)})
}

func (v *validator) between(key string, n, lo, hi int) {
	if n < lo || n > hi {
		v.add(key, n, "must be between %d and %d", lo, hi)
	}
}

func (v *validator) within(key string, d, lo, hi time.Duration) {
	if d < lo || d > hi {
		v.add(key, d, "must be between %s and %s", lo, hi)
	}
}

func (v *validator) positive(key string, d time.Duration) {
	if d <= 0 {
		v.add(key, d, "must be greater than 0s")
	}
}

func (v *validator) oneOf(key, s string, allowed []string) {
	if !slices.Contains(allowed, s) {
		v.add(key, s, "must be one of %s", strings.Join(allowed, ", "))
	}
}

// addr accepts what net.Listen("tcp", addr) accepts with a numeric port,
// including ":0" for tests.
func (v *validator) addr(key, addr string) {
	_, port, err := net.SplitHostPort(addr)
	if err != nil {
		v.add(key, addr, "must be host:port")
		return
	}
	if _, err := strconv.ParseUint(port, 10, 16); err != nil {
		v.add(key, addr, "port must be a number between 0 and 65535")
	}
}

// origin accepts what a browser sends in an Origin header: scheme://host[:port]
// and nothing more, because a path or a trailing slash would never match.
func (v *validator) origin(key, o string) {
	u, err := url.Parse(o)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" ||
		u.User != nil || u.Path != "" || u.RawQuery != "" || u.Fragment != "" {
		v.add(key, o, `must be an origin like "https://game.example"`)
	}
}

// webProblems checks the [web] paths: each a subtree ("/…/") that takes no
// other endpoint's path, and the demo only with the SDK it loads.
func (c Config) webProblems(v *validator) {
	others := []string{c.WebSocket.Path, c.HTTP.Path, c.Server.RoomsPath, "/metrics", "/healthz", "/readyz"}
	for _, w := range []struct{ key, path string }{{"web.sdk_path", c.Web.SDKPath}, {"web.demo_path", c.Web.DemoPath}} {
		p := w.path
		if p == "" {
			continue
		}
		if !strings.HasPrefix(p, "/") || !strings.HasSuffix(p, "/") {
			v.add(w.key, p, `must be "" or a path that starts and ends with "/"`)
			continue
		}
		for _, o := range others {
			if o != "" && (p == o+"/" || strings.HasPrefix(p, o+"/")) {
				v.add(w.key, p, "must not be inside %q, which another endpoint serves", o)
			}
		}
	}
	switch {
	case c.Web.DemoPath != "" && c.Web.SDKPath == "":
		v.add("web.demo_path", c.Web.DemoPath, `needs web.sdk_path: the demo pages load the SDK ("" turns the demo off)`)
	case c.Web.DemoPath != "" && c.Web.DemoPath == c.Web.SDKPath:
		v.add("web.demo_path", c.Web.DemoPath, "must differ from web.sdk_path")
	}
}
