package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"

	"github.com/BurntSushi/toml"

	"github.com/tickroom/tickroom/loadtest"
)

// runLoadtest is `gameserver loadtest [flags]`: package loadtest does the
// work; this wires it to the process (signals, output) and provides the
// embedded server it uses when given no -url. SIGINT or SIGTERM ends the
// run early; it still reports. A second signal kills it.
func runLoadtest(args []string) int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	context.AfterFunc(ctx, stop) // a second signal kills the process the default way
	return loadtest.Main(ctx, args, loadtest.Env{
		Stdout:      os.Stdout,
		Stderr:      os.Stderr,
		StartServer: func(roomSize int) (string, func() error, error) { return startEmbedded(roomSize, os.Stderr) },
	})
}

// startEmbedded runs the real program in this process with the embedded
// server.toml, changed only where a load test needs it: an ephemeral
// loopback port, rooms of roomSize players and warnings-only logs. It
// returns the server's base URL and its Close.
func startEmbedded(roomSize int, stderr io.Writer) (string, func() error, error) {
	cfg, err := LoadConfig("")
	if err != nil {
		return "", nil, err
	}
	cfg.Server.Addr = "127.0.0.1:0"
	cfg.Room.MaxPlayers = roomSize
	cfg.Log.Level = "warn"
	// Main loads its config from a file; hand it this one through a
	// temporary file, removed once the server has read it.
	path, err := writeTempConfig(cfg)
	if err != nil {
		return "", nil, err
	}
	defer os.RemoveAll(filepath.Dir(path))
	m := NewMain(stderr)
	m.ConfigPath = path
	if err := m.Run(); err != nil {
		return "", nil, err
	}
	return "http://" + m.Addr(), m.Close, nil
}

func writeTempConfig(cfg Config) (string, error) {
	dir, err := os.MkdirTemp("", "gameserver-loadtest")
	if err != nil {
		return "", err
	}
	path := filepath.Join(dir, "server.toml")
	f, err := os.Create(path)
	if err != nil {
		os.RemoveAll(dir)
		return "", err
	}
	err = toml.NewEncoder(f).Encode(cfg)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.RemoveAll(dir)
		return "", fmt.Errorf("write embedded config: %w", err)
	}
	return path, nil
}
