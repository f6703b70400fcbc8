package tickroom

import (
	"cmp"
	"errors"
	"fmt"
	"math"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/BurntSushi/toml"

	"github.com/tickroom/tickroom/actors"
	"github.com/tickroom/tickroom/transports"
)

// Config is the whole of server.toml. It is the only place TOML is known:
// the server maps each section onto the options struct of the package it
// tunes, so those packages stay free of configuration formats.
//
// server.toml at the repository root documents every key; DefaultConfig and
// that file hold the same values, and a test keeps them equal. The defaults
// themselves are the options packages' (actors.DefaultTickRate, …), written
// once.
type Config struct {
	Server    ServerConfig    `toml:"server"`
	WebSocket WebSocketConfig `toml:"websocket"`
	HTTP      HTTPConfig      `toml:"http"`
	Room      RoomConfig      `toml:"room"`
	Session   SessionConfig   `toml:"session"`
	Limits    LimitsConfig    `toml:"limits"`
	Overload  OverloadConfig  `toml:"overload"`
	Auth      AuthConfig      `toml:"auth"`
	Web       WebConfig       `toml:"web"`
	Log       LogConfig       `toml:"log"`
	Cluster   ClusterConfig   `toml:"cluster"`
	// Modes are the [modes.NAME] tables: per-mode room settings and the
	// game's own settings. A mode the file does not name has its defaults.
	Modes map[string]ModeConfig `toml:"modes"`
}

// ModeConfig is one [modes.NAME] table. Its room keys override [room] for
// the mode's rooms; zero means "as in [room]" (send_rate is then also capped
// at the mode's tick_rate).
type ModeConfig struct {
	TickRate   int `toml:"tick_rate"`   // ticks per second
	SendRate   int `toml:"send_rate"`   // state sends per second
	MaxPlayers int `toml:"max_players"` // capacity of one room
	// Settings are the game's own settings from [modes.NAME.settings],
	// decoded strictly into the type the mode was defined with (see
	// DefineWithSettings), over its defaults; nil for a mode defined
	// without settings.
	Settings any `toml:"-"`
}

// ServerConfig is the [server] section: the listener and process lifetime.
type ServerConfig struct {
	// Addr is the listen address, host:port. Not reloadable.
	Addr string `toml:"addr"`
	// ShutdownTimeout bounds a graceful shutdown: telling clients, draining
	// connections and stopping rooms.
	ShutdownTimeout time.Duration `toml:"shutdown_timeout"`
	// Metrics serves Prometheus metrics at /metrics on the game port. Not
	// reloadable.
	Metrics bool `toml:"metrics"`
	// MetricsAddr, when set, serves /metrics on a listener of its own (with
	// /healthz and /readyz, which stay on the game port too) and not on the
	// game port. Not reloadable.
	MetricsAddr string `toml:"metrics_addr"`
	// MetricsTokenEnv names an environment variable holding a bearer token
	// that /metrics then requires. The token is never in this file nor
	// logged; it is read again on a reload.
	MetricsTokenEnv string `toml:"metrics_token_env"`
	// AllowedOrigins is the browser Origin allowlist for the WebSocket
	// upgrade and for CORS on the HTTP transports; empty allows every origin.
	AllowedOrigins []string `toml:"allowed_origins"`
	// RoomsPath serves the public room listing as JSON; "" turns it off.
	// Not reloadable.
	RoomsPath string `toml:"rooms_path"`
}

// WebConfig is the [web] section: what the server serves to browsers.
// Both are embedded in the binary; neither needs a build step.
type WebConfig struct {
	// SDKPath serves the browser SDK (tickroom.js and its declarations,
	// tickroom.d.ts) under this path, for any origin; "" turns it off.
	// Not reloadable.
	SDKPath string `toml:"sdk_path"`
	// DemoPath serves the demo pages (the arena, and tag at "tag") under
	// this path; "" turns them off. They need the SDK. Not reloadable.
	DemoPath string `toml:"demo_path"`
}

// WebSocketConfig is the [websocket] section: per-connection limits.
type WebSocketConfig struct {
	// Enabled offers the WebSocket transport (and upgrades to it).
	Enabled bool `toml:"enabled"`
	// Path is the URL path of the endpoint. Not reloadable.
	Path string `toml:"path"`
	// ReadLimit is the largest inbound message in bytes. Not reloadable,
	// because it is fixed when a connection is upgraded.
	ReadLimit int `toml:"read_limit"`
	// SendQueue is how many outbound control frames a connection may queue
	// before it is closed as a slow consumer.
	SendQueue    int           `toml:"send_queue"`
	WriteTimeout time.Duration `toml:"write_timeout"`
	PingInterval time.Duration `toml:"ping_interval"`
	PingTimeout  time.Duration `toml:"ping_timeout"`
	// DeliveryTimeout: bytes the client's TCP has not acknowledged for
	// this long mean a client that does not read (Linux), closed as a
	// slow consumer whatever it acknowledges in the protocol.
	DeliveryTimeout time.Duration `toml:"delivery_timeout"`
	// SendBuffer is the kernel send buffer per connection, bytes; -1
	// leaves the system's. New connections only.
	SendBuffer int `toml:"send_buffer"`
	// ReadBuffer is the buffer each WebSocket reads through. Not
	// reloadable.
	ReadBuffer int `toml:"read_buffer"`
}

// HTTPConfig is the [http] section: long-polling, streaming and polling for
// networks that block WebSocket.
type HTTPConfig struct {
	Path              string        `toml:"path"` // base path of the HTTP transports. Not reloadable.
	LongPoll          bool          `toml:"longpoll"`
	Stream            bool          `toml:"stream"`
	Poll              bool          `toml:"poll"`
	PollTimeout       time.Duration `toml:"poll_timeout"`        // longest a long-poll is held
	StreamMaxDuration time.Duration `toml:"stream_max_duration"` // a stream ends after this; the client re-opens it
	SessionTimeout    time.Duration `toml:"session_timeout"`     // a session with no downlink request this long expires
	UpgradeTimeout    time.Duration `toml:"upgrade_timeout"`     // probe-to-upgrade bound for a move to WebSocket
	MaxBody           int           `toml:"max_body"`            // bytes per uplink POST body
	MaxSessions       int           `toml:"max_sessions"`        // live HTTP sessions
	CloseDrain        time.Duration `toml:"close_drain"`         // at shutdown, wait this long for clients between requests
	// Limits of every HTTP request the server reads, on every route.
	MaxHeaderBytes    int           `toml:"max_header_bytes"`    // request line and headers; more gets 431. Not reloadable.
	ReadHeaderTimeout time.Duration `toml:"read_header_timeout"` // to send the headers. Not reloadable.
	BodyTimeout       time.Duration `toml:"body_timeout"`        // to send a request body
	IdleTimeout       time.Duration `toml:"idle_timeout"`        // a kept-alive connection with no next request. Not reloadable.
	FastPath          bool          `toml:"fast_path"`           // serve polling clients' kept-alive connections without net/http
}

// RoomConfig is the [room] section: the simulation loop of every room.
type RoomConfig struct {
	TickRate      int           `toml:"tick_rate"` // ticks per second
	SendRate      int           `toml:"send_rate"` // state sends per second, at most TickRate
	MaxPlayers    int           `toml:"max_players"`
	MaxRooms      int           `toml:"max_rooms"`      // live rooms; a join that would create another is refused
	EmptyTimeout  time.Duration `toml:"empty_timeout"`  // 0 disposes of an empty room at once
	MaxCatchUp    int           `toml:"max_catch_up"`   // steps per tick when behind
	History       int           `toml:"history"`        // ticks of change history
	InputBuffer   int           `toml:"input_buffer"`   // inputs per player between ticks
	MessageBuffer int           `toml:"message_buffer"` // game messages per player between ticks
	AckTimeout    time.Duration `toml:"ack_timeout"`    // no acknowledged tick this long: slow consumer
	DefaultMode   string        `toml:"default_mode"`
	ResumeWindow  time.Duration `toml:"resume_window"` // a dropped player's seat is held this long; 0: not at all
	ResumeEvents  int           `toml:"resume_events"` // events kept per player for a resume
}

// SessionConfig is the [session] section: the inbound rate limit of one
// client, whatever its transport.
type SessionConfig struct {
	InputRate   int `toml:"input_rate"`   // frames per second (bucket refill)
	InputBurst  int `toml:"input_burst"`  // bucket size in frames
	MaxRejected int `toml:"max_rejected"` // rejected frames before the session is closed
	// CatchUp is the longest network stall whose backlog a seated player
	// may deliver at once (the frames it had the right to send and did
	// not are banked); 0s: none.
	CatchUp time.Duration `toml:"catch_up"`
}

// AuthConfig is the [auth] section: who players are. With mode "none"
// they are anonymous; with "jwt" every connection shows a join ticket, a
// JWT the game's backend signed, which the server verifies (see auth.go).
// A server whose program sets Options.Auth authenticates with that hook
// instead, and mode must be "none".
type AuthConfig struct {
	// Mode is "none" or "jwt". Not reloadable.
	Mode string `toml:"mode"`
	// Algorithms are the signatures a ticket may carry: "HS256" (a shared
	// secret), "RS256" (RSA public keys) and "EdDSA" (Ed25519 public
	// keys). Each needs its key, and each key its algorithm.
	Algorithms []string `toml:"algorithms"`
	// SecretEnv names the environment variable that holds the HS256
	// secret; SecretFile names a file that holds it. One of them, for
	// HS256 only. The secret itself is never in this file, nor logged.
	SecretEnv  string `toml:"secret_env"`
	SecretFile string `toml:"secret_file"`
	// KeyFile is a PEM file of public keys, for RS256 and EdDSA. A reload
	// reads it again, which is how keys rotate.
	KeyFile string `toml:"key_file"`
	// Issuer and Audience, when set, must be the ticket's iss and one of
	// its aud.
	Issuer   string `toml:"issuer"`
	Audience string `toml:"audience"`
	// Leeway is the clock skew allowed when checking exp, nbf and iat.
	Leeway time.Duration `toml:"leeway"`
	// NameClaim is the claim that becomes the player's display name.
	NameClaim string `toml:"name_claim"`
	// MaxClaims bounds the other string claims a ticket may carry, which
	// become the identity's claims map.
	MaxClaims int `toml:"max_claims"`
	// ReplayProtection lets each ticket open one connection: its jti is
	// remembered until it expires, and a ticket without one is refused.
	ReplayProtection bool `toml:"replay_protection"`
	// ReplayCache bounds the jti values remembered.
	ReplayCache int `toml:"replay_cache"`
	// OneSessionPerUser closes a user's older connection when it connects
	// again.
	OneSessionPerUser bool `toml:"one_session_per_user"`
}

// LogConfig is the [log] section.
type LogConfig struct {
	Level  string `toml:"level"`  // debug, info, warn or error
	Format string `toml:"format"` // text or json
	// AbuseInterval is the least time between two warn lines about one
	// kind of refusal or limit hit (each sums up the time since the last,
	// by client address).
	AbuseInterval time.Duration `toml:"abuse_interval"`
}

// DefaultConfig returns the defaults: those of the options packages, and
// for the keys only the server has, their single source in code.
// server.toml repeats them for operators to read. It has no modes: a
// server's modes add their defaults when it loads a config.
func DefaultConfig() Config {
	return Config{
		Server: ServerConfig{
			Addr:            "127.0.0.1:8080",
			ShutdownTimeout: 10 * time.Second,
			Metrics:         true,
			// Empty rather than nil: decoding "allowed_origins = []" yields an
			// empty slice, and the default must equal what server.toml decodes to.
			AllowedOrigins: []string{},
			RoomsPath:      "/rooms",
		},
		WebSocket: WebSocketConfig{
			Enabled:      true,
			Path:         transports.DefaultPath,
			ReadLimit:    transports.DefaultReadLimit,
			SendQueue:    transports.DefaultSendQueue,
			WriteTimeout: transports.DefaultWriteTimeout,
			PingInterval: transports.DefaultPingInterval,
			PingTimeout:  transports.DefaultPingTimeout,

			DeliveryTimeout: transports.DefaultDeliveryTimeout,
			SendBuffer:      transports.DefaultSendBuffer,
			ReadBuffer:      transports.DefaultReadBufferSize,
		},
		HTTP: HTTPConfig{
			Path:              transports.DefaultHTTPPath,
			LongPoll:          true,
			Stream:            true,
			Poll:              true,
			PollTimeout:       transports.DefaultPollTimeout,
			StreamMaxDuration: transports.DefaultStreamMaxDuration,
			SessionTimeout:    transports.DefaultSessionTimeout,
			UpgradeTimeout:    transports.DefaultUpgradeTimeout,
			MaxBody:           transports.DefaultMaxBody,
			MaxSessions:       transports.DefaultMaxSessions,
			CloseDrain:        transports.DefaultCloseDrain,
			MaxHeaderBytes:    transports.DefaultMaxHeaderBytes,
			ReadHeaderTimeout: transports.DefaultReadHeaderTimeout,
			BodyTimeout:       transports.DefaultBodyTimeout,
			IdleTimeout:       transports.DefaultIdleTimeout,
			FastPath:          true,
		},
		Room: RoomConfig{
			TickRate:      actors.DefaultTickRate,
			SendRate:      actors.DefaultTickRate,
			MaxPlayers:    actors.DefaultMaxPlayers,
			MaxRooms:      actors.DefaultMaxRooms,
			EmptyTimeout:  actors.DefaultEmptyTimeout,
			MaxCatchUp:    actors.DefaultMaxCatchUp,
			History:       actors.DefaultHistory,
			InputBuffer:   actors.DefaultInputBuffer,
			MessageBuffer: actors.DefaultMessageBuffer,
			AckTimeout:    actors.DefaultAckTimeout,
			ResumeWindow:  actors.DefaultResumeWindow,
			ResumeEvents:  actors.DefaultResumeEvents,
			DefaultMode:   "",
		},
		Session: SessionConfig{
			InputRate:   actors.DefaultInputRate,
			InputBurst:  actors.DefaultInputBurst,
			MaxRejected: actors.DefaultMaxRejected,
			CatchUp:     actors.DefaultCatchUp,
		},
		Limits:   defaultLimits(),
		Overload: defaultOverload(),
		Auth: AuthConfig{
			Mode:        authNone,
			Algorithms:  []string{algHS256},
			Leeway:      30 * time.Second,
			NameClaim:   "name",
			MaxClaims:   16,
			ReplayCache: 100_000,
		},
		Web: WebConfig{
			SDKPath:  "/sdk/",
			DemoPath: "/",
		},
		Log: LogConfig{
			Level:         "info",
			Format:        "text",
			AbuseInterval: actors.DefaultLogInterval,
		},
		Cluster: defaultCluster(),
	}
}

// loadConfig reads and parses the config file at path for the modes ms. An
// empty path means the server.toml embedded in the binary, so the server
// runs with no file.
func loadConfig(path string, ms *modeSet) (Config, error) {
	if path == "" {
		return parseConfig(DefaultConfigTOML, "embedded server.toml", ms)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return Config{}, fmt.Errorf("load config: %w", err)
	}
	return parseConfig(data, path, ms)
}

// parseConfig parses a server.toml document over DefaultConfig, so a key
// left out keeps its default, for the modes ms. It is strict, because a typo
// must not silently fall back to a default: unknown keys and sections (a
// [modes.NAME] of a mode the server does not define among them), durations
// written as bare integers and invalid values are all errors naming the key,
// in the game's settings too, and every such problem is reported at once.
// name (a path, or "embedded server.toml") prefixes the error.
func parseConfig(data []byte, name string, ms *modeSet) (Config, error) {
	c := DefaultConfig()
	md, err := toml.Decode(string(data), &c)
	if err != nil {
		// Syntax and type errors stop the decoder at the first one; toml's
		// message names the key as `last key "room.tick_rate"`.
		return Config{}, fmt.Errorf("%s: %w", name, err)
	}
	c.Modes, err = ms.withDefaults(c.Modes)
	if err != nil {
		return Config{}, fmt.Errorf("%s: %w", name, err)
	}
	problems := ms.decodeSettings(data, &c, md)
	problems = append(problems, unknownKeys(md, ms)...)
	problems = append(problems, bareDurations(md, c)...)
	reported := make(map[string]bool, len(problems))
	for _, p := range problems {
		reported[p.Key] = true
	}
	for _, p := range c.problems(ms) {
		if !reported[p.Key] { // one message per key is enough
			problems = append(problems, p)
		}
	}
	if len(problems) > 0 {
		sortByFileOrder(problems, md)
		return Config{}, fmt.Errorf("%s: %w", name, joinProblems(problems))
	}
	return c, nil
}

var (
	errUnknownKey     = errors.New("unknown key")
	errUnknownSection = errors.New("unknown section")
	errBareDuration   = errors.New(`must be a string with a unit, like "30s"`)
)

// unknownKeys reports keys the decoder did not use. Keys inside an unknown
// section are not reported again: the section is the typo. The games'
// settings tables are left to decodeSettings.
func unknownKeys(md toml.MetaData, ms *modeSet) []*ConfigError {
	var problems []*ConfigError
	skip := make(map[string]bool)
	for _, k := range md.Undecoded() {
		if ms.settingsKey(k) {
			continue
		}
		if skip[k[:len(k)-1].String()] {
			skip[k.String()] = true
			continue
		}
		err := errUnknownKey
		if md.Type(k...) == "Hash" {
			err = errUnknownSection
			skip[k.String()] = true
		}
		problems = append(problems, &ConfigError{Key: k.String(), Err: err})
	}
	return problems
}

// bareDurations reports duration keys written as integers. The toml package
// reads those as nanoseconds, so `empty_timeout = 30` would mean 30ns;
// server.toml promises durations are strings with a unit.
func bareDurations(md toml.MetaData, c Config) []*ConfigError {
	var problems []*ConfigError
	for _, l := range leaves(c) {
		d, ok := l.value.(time.Duration)
		if !ok || !md.IsDefined(l.path...) || md.Type(l.path...) == "String" {
			continue
		}
		problems = append(problems, &ConfigError{Key: l.key(), Value: int64(d), Err: errBareDuration})
	}
	return problems
}

// sortByFileOrder orders problems as their keys appear in the file, so the
// message reads top to bottom alongside it. Problems with keys the file does
// not set (a default that conflicts with a value it does set) go last.
func sortByFileOrder(problems []*ConfigError, md toml.MetaData) {
	line := make(map[string]int)
	for i, k := range md.Keys() {
		line[k.String()] = i + 1
	}
	pos := func(p *ConfigError) int {
		key, _, _ := strings.Cut(p.Key, "[") // websocket.allowed_origins[1]
		if n, ok := line[key]; ok {
			return n
		}
		return math.MaxInt
	}
	slices.SortStableFunc(problems, func(a, b *ConfigError) int { return cmp.Compare(pos(a), pos(b)) })
}
