package main

import (
	"context"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/tickroom/tickroom"
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
		StartServer: func(e loadtest.EmbeddedServer) (string, func() error, error) { return startEmbedded(e, os.Stderr) },
	})
}

// startEmbedded runs the real server in this process with the default
// config (which the embedded server.toml repeats), changed only where a
// load test needs it: an ephemeral loopback port, rooms of e.RoomSize
// players, the players' address exempt from the per-address limits (when
// no attacker shares it) and warnings-only logs. It returns the server's
// base URL and its Close.
func startEmbedded(e loadtest.EmbeddedServer, stderr io.Writer) (string, func() error, error) {
	cfg := tickroom.DefaultConfig()
	cfg.Server.Addr = "127.0.0.1:0"
	cfg.Room.MaxPlayers = e.RoomSize
	cfg.Limits.ExemptAddrs = append([]string{}, e.ExemptAddrs...)
	cfg.Log.Level = "warn"
	srv := newServer(tickroom.Options{Config: &cfg, Log: stderr})
	if err := srv.Start(); err != nil {
		return "", nil, err
	}
	return srv.URL(), srv.Close, nil
}
