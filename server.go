package tickroom

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/tickroom/tickroom/actors"
	"github.com/tickroom/tickroom/netcode"
	"github.com/tickroom/tickroom/transports"
	"github.com/tickroom/tickroom/world"
)

// Options configure a Server. The zero value serves with the embedded
// server.toml and logs to standard error.
type Options struct {
	// ConfigPath is the server.toml to load at Start and on every Reload;
	// "" means the one embedded in the binary.
	ConfigPath string
	// Config, when set, is used at Start instead of loading ConfigPath (as
	// the load tester's embedded server does). Its Modes may be nil: the
	// defined modes then run with their defaults.
	Config *Config
	// Log receives the server's log lines, formatted as server.toml's [log]
	// says. Default os.Stderr.
	Log io.Writer
	// Auth, when set, authenticates every connection instead of [auth]'s
	// join tickets (whose mode must then be "none"), for any other kind of
	// credential: credential is the ticket the client sent in its
	// handshake ("" for none; see package transports, "Tickets"). The
	// identity it returns reaches the game's join hook and Room.Players;
	// an error refuses the connection with close 4023 unauthorized, which
	// says nothing more to the client. It runs while the connection is
	// being accepted, under a context that ends after a few seconds (an
	// answer after that is a refusal), and must be safe for concurrent
	// use. auth.one_session_per_user applies to the users it names.
	Auth func(ctx context.Context, credential string, r AuthRequest) (world.Identity, error)
}

// Server is a complete Tickroom game server: the game modes defined on it,
// its config, the actors that run rooms and sessions, every transport, and
// /metrics, /healthz and /readyz. Define modes, then Start (or Run, or
// Main); Close ends it.
type Server struct {
	opts  Options
	level slog.LevelVar

	mu      sync.Mutex // guards everything below against concurrent Reloads and Closes
	modes   modeSet
	cfg     Config
	log     *slog.Logger
	hub     *actors.Hub
	srv     *transports.Server
	routes  []route
	metrics *metrics
	fwd     *forwarder   // passes on requests of other nodes' sessions; nil alone
	gate    *metricsGate // /metrics behind server.metrics_token_env
	ops     *opsListener // server.metrics_addr's listener; nil without one
	health  health
	auth    *serverAuth
}

type route struct {
	pattern string
	handler http.Handler
}

// New returns a server with no modes defined yet.
func New(o Options) *Server {
	if o.Log == nil {
		o.Log = os.Stderr
	}
	return &Server{opts: o}
}

// Handle serves handler at pattern (as http.ServeMux patterns) next to the
// game endpoints, for pages and APIs of the game's own. Call it before
// Start.
func (s *Server) Handle(pattern string, handler http.Handler) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.hub != nil {
		panic(fmt.Sprintf("tickroom: Handle(%q) after the server started", pattern))
	}
	s.routes = append(s.routes, route{pattern, handler})
}

// Start loads the config and starts serving. It returns once the listener
// is open (Addr then reports where), or with the config's problems, each
// naming its key.
func (s *Server) Start() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.hub != nil {
		return errors.New("tickroom: Start called twice")
	}
	cfg, err := s.initialConfig()
	if err != nil {
		return err
	}
	s.cfg = cfg
	s.level.Set(cfg.Log.SlogLevel())
	s.log = slog.New(cfg.Log.NewHandler(s.opts.Log, &s.level))
	// hollywood logs through the default logger; give it ours. With two
	// servers in one process, the last one started gets hollywood's lines.
	slog.SetDefault(s.log)

	auth, err := newServerAuth(s.opts.Auth, cfg.Auth, s.log)
	if err != nil {
		return fmt.Errorf("%s: %w", s.configName(), err)
	}
	s.auth = auth
	node := ""
	if cfg.Cluster.Enabled {
		node = cfg.Cluster.NodeID
	}
	s.metrics = newMetrics(node)
	hub, err := actors.NewHub(s.actorOptions(cfg))
	if err != nil {
		return err
	}
	if hub.Clustered() {
		s.fwd = newForwarder(hub)
	}
	srv := transports.NewServer(transportOptions(cfg, s.log, hub, s.fwd), hub)
	s.hub, s.srv = hub, srv
	s.health.hub.Store(hub)
	s.srv.Handle("/healthz", http.HandlerFunc(s.health.healthz))
	s.srv.Handle("/readyz", http.HandlerFunc(s.health.readyz))
	if cfg.Server.Metrics {
		token, err := metricsToken(cfg.Server)
		if err != nil {
			_ = s.hub.Shutdown(context.Background())
			s.hub, s.srv = nil, nil
			return fmt.Errorf("%s: %w", s.configName(), err)
		}
		s.metrics.watch(s.hub, s.srv)
		s.gate = newMetricsGate(s.metrics.handler())
		s.gate.set(token)
		if cfg.Server.MetricsAddr == "" {
			s.srv.Handle("/metrics", s.gate)
		}
	}
	if cfg.Server.RoomsPath != "" {
		s.srv.Handle(cfg.Server.RoomsPath, &listing{hub: s.hub, origins: cfg.Server.AllowedOrigins})
	}
	s.handleWeb(cfg)
	for _, r := range s.routes {
		s.srv.Handle(r.pattern, r.handler)
	}
	if err := s.srv.Open(cfg.Server.Addr); err != nil {
		_ = s.hub.Shutdown(context.Background())
		s.hub, s.srv = nil, nil // Start may be tried again
		return fmt.Errorf("listen on %s: %w", cfg.Server.Addr, err)
	}
	if a := cfg.Server.MetricsAddr; a != "" && cfg.Server.Metrics {
		mux := http.NewServeMux()
		mux.Handle("/metrics", s.gate)
		mux.HandleFunc("/healthz", s.health.healthz)
		mux.HandleFunc("/readyz", s.health.readyz)
		ops, err := openOps(a, cfg, mux, s.log)
		if err != nil {
			ctx, cancel := context.WithTimeout(context.Background(), cfg.Server.ShutdownTimeout)
			defer cancel()
			_ = s.srv.Close(ctx)
			_ = s.hub.Shutdown(ctx)
			s.hub, s.srv = nil, nil
			return err
		}
		s.ops = ops
	}
	s.log.Info("config", "config", cfg, "file", s.configName())
	if err := s.hub.StartCluster(cfg.clusterURL(s.srv.Addr().String())); err != nil {
		ctx, cancel := context.WithTimeout(context.Background(), cfg.Server.ShutdownTimeout)
		defer cancel()
		_ = s.srv.Close(ctx)
		if s.ops != nil {
			_ = s.ops.close(ctx)
			s.ops = nil
		}
		_ = s.hub.Shutdown(ctx)
		s.hub, s.srv = nil, nil
		return err
	}
	s.health.ready.Store(true)
	s.log.Info("listening", "addr", s.srv.Addr().String(), "url", s.srv.HTTPURL(), "websocket", s.srv.URL(), "modes", s.modes.names())
	if s.ops != nil {
		s.log.Info("metrics listening", "addr", s.ops.Addr())
	}
	return nil
}

func (s *Server) initialConfig() (Config, error) {
	if s.opts.Config == nil {
		return loadConfig(s.opts.ConfigPath, &s.modes)
	}
	c := *s.opts.Config
	given := c.Modes
	modes, err := s.modes.withDefaults(given)
	if err != nil {
		return Config{}, err
	}
	for name, mc := range given { // settings given over the defaults
		if s.modes.get(name) == nil {
			return Config{}, fmt.Errorf("modes.%s: %w; this server defines %s", name, errUnknownMode, strings.Join(s.modes.names(), ", "))
		}
		if mc.Settings != nil {
			modes[name] = mc
		}
	}
	c.Modes = modes
	return c, joinProblems(c.problems(&s.modes))
}

// Addr returns the address the server listens on; "" before Start.
func (s *Server) Addr() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.srv == nil {
		return ""
	}
	return s.srv.Addr().String()
}

// URL returns the server's base URL ("http://host:port"), which the Go
// client and the browser SDK dial; "" before Start.
func (s *Server) URL() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.srv == nil {
		return ""
	}
	return s.srv.HTTPURL()
}

// MetricsAddr returns where /metrics is served when server.metrics_addr
// gives it a port of its own; "" otherwise, and before Start.
func (s *Server) MetricsAddr() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.ops == nil {
		return ""
	}
	return s.ops.Addr()
}

// Config returns the config the server runs with now.
func (s *Server) Config() Config {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.cfg
}

// Reload re-reads the config file and applies what can change while
// running: rates and limits at each room's next tick, the games' settings
// to new rooms and to running games that take them. An invalid file is
// reported and the running config is kept.
func (s *Server) Reload() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case s.hub == nil:
		return errors.New("tickroom: Reload before Start")
	case s.opts.Config != nil && s.opts.ConfigPath == "":
		// Re-reading the embedded file would throw the given config away.
		err := errors.New("the config was given in Options, with no file to re-read")
		s.log.Warn("reload ignored", "err", err)
		return err
	}
	next, err := loadConfig(s.opts.ConfigPath, &s.modes)
	if err != nil {
		s.log.Error("reload rejected, keeping the running config", "file", s.configName(), "err", err)
		return err
	}
	next, restart := s.cfg.Reloadable(next)
	if len(restart) > 0 {
		s.log.Warn("reload: these keys change only on restart", "keys", restart)
	}
	var token string
	if s.gate != nil { // /metrics is served: its token rotates on a reload too
		token, err = metricsToken(next.Server)
	}
	if err != nil {
		err = fmt.Errorf("%s: %w", s.configName(), err)
		s.log.Error("reload rejected, keeping the running config", "err", err)
		return err
	}
	verifier, err := s.auth.prepare(next.Auth) // reads the key files again: keys rotate on a reload
	if err != nil {
		err = fmt.Errorf("%s: %w", s.configName(), err)
		s.log.Error("reload rejected, keeping the running config", "err", err)
		return err
	}
	if err := s.hub.Reconfigure(s.actorOptions(next)); err != nil {
		s.log.Error("reload rejected, keeping the running config", "err", err)
		return err
	}
	s.auth.install(next.Auth, verifier)
	if s.gate != nil {
		s.gate.set(token)
	}
	s.cfg = next
	s.level.Set(next.Log.SlogLevel())
	s.srv.SetOptions(transportOptions(next, s.log, s.hub, s.fwd))
	s.log.Info("config reloaded", "config", next)
	return nil
}

// Close shuts down in order: stop accepting and tell every client the
// server is going away, wait for the sessions, then stop the rooms. It is
// bounded by server.shutdown_timeout.
func (s *Server) Close() error {
	s.mu.Lock()
	timeout, log, srv, hub, ops, fwd := s.cfg.Server.ShutdownTimeout, s.log, s.srv, s.hub, s.ops, s.fwd
	s.mu.Unlock()
	if hub == nil {
		return errors.New("tickroom: Close before Start")
	}
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	start := time.Now()
	s.health.ready.Store(false)
	log.Info("shutting down", "timeout", timeout)
	if fwd != nil {
		fwd.stop()
	}
	err := srv.Close(ctx)
	if ops != nil {
		if oerr := ops.close(ctx); oerr != nil && err == nil {
			err = oerr
		}
	}
	if herr := hub.Shutdown(ctx); herr != nil && err == nil {
		err = herr
	}
	if err != nil {
		log.Error("shutdown incomplete", "err", err, "took", time.Since(start))
		return err
	}
	log.Info("shut down", "took", time.Since(start))
	return nil
}

func (s *Server) configName() string {
	if s.opts.Config != nil {
		return "given in Options"
	}
	if s.opts.ConfigPath == "" {
		return "embedded server.toml"
	}
	return s.opts.ConfigPath
}

// actorOptions maps the config onto the actors package.
func (s *Server) actorOptions(c Config) actors.Options {
	empty := c.Room.EmptyTimeout
	if empty == 0 {
		empty = -1 // the config's "at once"; zero means "default" to actors
	}
	resume := c.Room.ResumeWindow
	if resume == 0 {
		resume = -1 // the config's "off"
	}
	limits, overload := c.actorLimits()
	return actors.Options{
		Modes:       s.modes.actorModes(c),
		DefaultMode: s.modes.defaultMode(c),
		Room: actors.RoomOptions{
			TickRate:      c.Room.TickRate,
			SendRate:      c.Room.SendRate,
			MaxPlayers:    c.Room.MaxPlayers,
			EmptyTimeout:  empty,
			MaxCatchUp:    c.Room.MaxCatchUp,
			History:       c.Room.History,
			InputBuffer:   c.Room.InputBuffer,
			MessageBuffer: c.Room.MessageBuffer,
			AckTimeout:    c.Room.AckTimeout,
			ResumeWindow:  resume,
			ResumeEvents:  c.Room.ResumeEvents,
		},
		MaxRooms: c.Room.MaxRooms,
		Session: actors.SessionOptions{
			InputRate:   float64(c.Session.InputRate),
			InputBurst:  c.Session.InputBurst,
			MaxRejected: c.Session.MaxRejected,
			CatchUp:     offIfZero(c.Session.CatchUp),
		},
		Limits:            limits,
		Overload:          overload,
		Logger:            s.log,
		Observer:          s.metrics,
		Authenticate:      s.auth.authenticate(),
		OneSessionPerUser: c.Auth.OneSessionPerUser,
		Cluster:           c.actorCluster(),
	}
}

// transportOptions maps the config onto the transports package. While
// hub is overloaded the transport refuses new connections before their
// upgrade (503 server_busy), except those that come back to resume a seat.
// On a node of a cluster its HTTP sessions' ids name it, and requests for
// other nodes' sessions go to them (forward.go).
func transportOptions(c Config, log *slog.Logger, hub *actors.Hub, fwd *forwarder) transports.Options {
	ws, h := c.WebSocket, c.HTTP
	var forward func(http.ResponseWriter, *http.Request, string) bool
	if fwd != nil {
		forward = fwd.forward
	}
	return transports.Options{
		Busy:      hub.Busy,
		SIDPrefix: hub.SIDPrefix(),
		Forward:   forward,

		HTTPPath:          h.Path,
		DisableWebSocket:  !ws.Enabled,
		DisableLongPoll:   !h.LongPoll,
		DisableStream:     !h.Stream,
		DisablePoll:       !h.Poll,
		PollTimeout:       h.PollTimeout,
		StreamMaxDuration: h.StreamMaxDuration,
		SessionTimeout:    h.SessionTimeout,
		UpgradeTimeout:    h.UpgradeTimeout,
		MaxBody:           h.MaxBody,
		MaxSessions:       h.MaxSessions,
		CloseDrain:        h.CloseDrain,

		MaxHeaderBytes:    h.MaxHeaderBytes,
		ReadHeaderTimeout: h.ReadHeaderTimeout,
		BodyTimeout:       h.BodyTimeout,
		IdleTimeout:       h.IdleTimeout,
		DisableFastPath:   !h.FastPath,

		MaxConnections:           c.Limits.MaxConnections, // 0: the transport's default, from the file limit
		MaxConnectionsPerAddr:    c.Limits.MaxConnectionsPerAddr,
		AddrConnectionsPerMinute: c.Limits.AddrConnectionsPerMinute,
		AddrConnectionBurst:      c.Limits.AddrConnectionBurst,
		ExemptAddrs:              prefixes(c.Limits.ExemptAddrs),
		TrustedProxies:           prefixes(c.Limits.TrustedProxies),

		Path:             ws.Path,
		ReadLimit:        ws.ReadLimit,
		SendQueue:        ws.SendQueue,
		WriteTimeout:     ws.WriteTimeout,
		PingInterval:     ws.PingInterval,
		PingTimeout:      ws.PingTimeout,
		DeliveryTimeout:  ws.DeliveryTimeout,
		SendBuffer:       ws.SendBuffer,
		ReadBufferSize:   ws.ReadBuffer,
		AllowedOrigins:   c.Server.AllowedOrigins,
		SlowCloseCode:    uint16(netcode.CodeSlowConsumer),
		TimeoutCloseCode: uint16(netcode.CodeHeartbeatTimeout),
		Logger:           log,
	}
}
