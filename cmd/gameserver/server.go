package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/tickroom/tickroom/actors"
	"github.com/tickroom/tickroom/netcode"
	"github.com/tickroom/tickroom/transports"
)

// Main is the program: config, logger, actors and transport, with the
// lifecycle main drives and tests drive the same way.
type Main struct {
	ConfigPath string // "" means the embedded server.toml
	// Config, when set, is used instead of loading ConfigPath at start, as
	// the embedded load-test server does; reloads still read ConfigPath.
	Config *Config

	stderr io.Writer
	level  slog.LevelVar
	log    *slog.Logger

	mu      sync.Mutex // guards cfg against concurrent reloads
	cfg     Config
	hub     *actors.Hub
	srv     *transports.Server
	metrics *metrics
	health  health
}

// NewMain returns a program that logs to stderr.
func NewMain(stderr io.Writer) *Main { return &Main{stderr: stderr} }

// Run loads the config and starts serving. It returns once the listener is
// open; Addr then reports where.
func (m *Main) Run() error {
	cfg, err := m.initialConfig()
	if err != nil {
		return err
	}
	m.cfg = cfg
	m.level.Set(cfg.Log.SlogLevel())
	m.log = slog.New(cfg.Log.NewHandler(m.stderr, &m.level))
	// hollywood logs through the default logger; give it ours.
	slog.SetDefault(m.log)

	m.metrics = newMetrics()
	m.hub, err = actors.NewHub(m.actorOptions(cfg))
	if err != nil {
		return err
	}
	m.srv = transports.NewServer(transportOptions(cfg, m.log), m.hub)
	m.srv.Handle("/healthz", http.HandlerFunc(m.health.healthz))
	m.srv.Handle("/readyz", http.HandlerFunc(m.health.readyz))
	if cfg.Server.Metrics {
		m.metrics.watch(m.hub, m.srv)
		m.srv.Handle("/metrics", m.metrics.handler())
	}
	if err := m.srv.Open(cfg.Server.Addr); err != nil {
		_ = m.hub.Shutdown(context.Background())
		return fmt.Errorf("listen on %s: %w", cfg.Server.Addr, err)
	}
	m.log.Info("config", "config", cfg, "file", m.configName())
	m.health.ready.Store(true)
	m.log.Info("listening", "addr", m.srv.Addr().String(), "url", m.srv.URL())
	return nil
}

func (m *Main) initialConfig() (Config, error) {
	if m.Config != nil {
		return *m.Config, m.Config.Validate()
	}
	return LoadConfig(m.ConfigPath)
}

// Addr returns the address the server listens on.
func (m *Main) Addr() string { return m.srv.Addr().String() }

// Reload re-reads the config file and applies what can change while
// running. An invalid file is reported and the running config is kept.
func (m *Main) Reload() error {
	m.mu.Lock()
	defer m.mu.Unlock()
	next, err := LoadConfig(m.ConfigPath)
	if err != nil {
		m.log.Error("reload rejected, keeping the running config", "file", m.configName(), "err", err)
		return err
	}
	next, restart := m.cfg.Reloadable(next)
	if len(restart) > 0 {
		m.log.Warn("reload: these keys change only on restart", "keys", restart)
	}
	if next.Log.Format != m.cfg.Log.Format {
		m.log.Warn("reload: log.format changes only on restart")
	}
	m.cfg = next
	m.level.Set(next.Log.SlogLevel())
	m.hub.Reconfigure(m.actorOptions(next))
	m.srv.SetOptions(transportOptions(next, m.log))
	m.log.Info("config reloaded", "config", next)
	return nil
}

// Close shuts down in order: stop accepting and tell every client the server
// is going away, wait for the sessions, then stop the rooms. It is bounded by
// server.shutdown_timeout.
func (m *Main) Close() error {
	m.mu.Lock()
	timeout := m.cfg.Server.ShutdownTimeout
	m.mu.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	start := time.Now()
	m.health.ready.Store(false)
	m.log.Info("shutting down", "timeout", timeout)
	err := m.srv.Close(ctx)
	if herr := m.hub.Shutdown(ctx); herr != nil && err == nil {
		err = herr
	}
	if err != nil {
		m.log.Error("shutdown incomplete", "err", err, "took", time.Since(start))
		return err
	}
	m.log.Info("shut down", "took", time.Since(start))
	return nil
}

func (m *Main) configName() string {
	if m.ConfigPath == "" {
		return "embedded server.toml"
	}
	return m.ConfigPath
}

// actorOptions maps the config onto the actors package.
func (m *Main) actorOptions(c Config) actors.Options {
	empty := c.Room.EmptyTimeout
	if empty == 0 {
		empty = -1 // the config's "at once"; zero means "default" to actors
	}
	return actors.Options{
		Room: actors.RoomOptions{
			TickRate:     c.Room.TickRate,
			SendRate:     c.Room.SendRate,
			MaxPlayers:   c.Room.MaxPlayers,
			MaxRooms:     c.Room.MaxRooms,
			EmptyTimeout: empty,
			MaxCatchUp:   c.Room.MaxCatchUp,
			History:      c.Room.History,
			InputBuffer:  c.Room.InputBuffer,
			AckTimeout:   c.Room.AckTimeout,
		},
		Session: actors.SessionOptions{
			InputRate:   float64(c.Session.InputRate),
			InputBurst:  c.Session.InputBurst,
			MaxRejected: c.Session.MaxRejected,
		},
		DefaultMode: c.Room.DefaultMode,
		Logger:      m.log,
		Observer:    m.metrics,
	}
}

// transportOptions maps the config onto the transports package. The
// config's ping_timeout counts from the last message; the transport's counts
// from the ping it sent.
func transportOptions(c Config, log *slog.Logger) transports.Options {
	ws, h := c.WebSocket, c.HTTP
	return transports.Options{
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

		Path:             ws.Path,
		ReadLimit:        ws.ReadLimit,
		SendQueue:        ws.SendQueue,
		WriteTimeout:     ws.WriteTimeout,
		PingInterval:     ws.PingInterval,
		PingTimeout:      ws.PingTimeout - ws.PingInterval,
		AllowedOrigins:   c.Server.AllowedOrigins,
		SlowCloseCode:    uint16(netcode.CodeSlowConsumer),
		TimeoutCloseCode: uint16(netcode.CodeHeartbeatTimeout),
		Logger:           log,
	}
}
