package loadtest

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"golang.org/x/term"
)

// Exit codes of the loadtest command.
const (
	ExitPass  = 0 // the run passed every gate
	ExitFail  = 1 // it missed a gate, or could not run
	ExitUsage = 2 // bad flags or scenario file
)

// Env is what the loadtest command needs from the program that hosts it.
type Env struct {
	Stdout, Stderr io.Writer
	// StartServer starts an embedded server as e asks and returns its base
	// URL and a function that stops it. It is used when the scenario names
	// no URL; nil makes the URL required.
	StartServer func(e EmbeddedServer) (url string, stop func() error, err error)
}

// EmbeddedServer is what a run asks of the embedded server, over the
// embedded server.toml.
type EmbeddedServer struct {
	// RoomSize is the players a room holds (room.max_players).
	RoomSize int
	// ExemptAddrs are client addresses no per-address budget limits
	// (limits.exempt_addrs): the honest players', who all come from one
	// address, as no real server's players would. Empty when attackers
	// come from that address too, so that the limits meet them.
	ExemptAddrs []string
}

// embeddedLoopback are the addresses the honest players come from to an
// embedded server, which listens on 127.0.0.1 (::1 when localhost resolves
// there).
var embeddedLoopback = []string{"127.0.0.1", "::1"}

// embeddedServer is what s asks of the embedded server.
func embeddedServer(s Scenario) EmbeddedServer {
	e := EmbeddedServer{RoomSize: s.RoomSize, ExemptAddrs: embeddedLoopback}
	if s.Attacks.any() && s.Attacks.sourceAddr("http://"+embeddedLoopback[0]) == nil {
		e.ExemptAddrs = nil // the attackers share the players' address
	}
	return e
}

// Main runs `gameserver loadtest` with args (the flags after "loadtest")
// until the run ends or ctx does (an interrupted run still reports), and
// returns the exit code. The summary goes to Stdout; progress, file names
// and errors to Stderr.
func Main(ctx context.Context, args []string, env Env) int {
	s, err := ParseArgs(args, env.Stderr)
	if errors.Is(err, flag.ErrHelp) {
		return ExitPass
	}
	if err != nil {
		fmt.Fprintln(env.Stderr, "gameserver loadtest:", err)
		return ExitUsage
	}
	embedded := s.URL == ""
	if embedded {
		if env.StartServer == nil {
			fmt.Fprintln(env.Stderr, "gameserver loadtest: -url is required")
			return ExitUsage
		}
		es := embeddedServer(s)
		url, stop, err := env.StartServer(es)
		if err != nil {
			fmt.Fprintln(env.Stderr, "gameserver loadtest: embedded server:", err)
			return ExitFail
		}
		defer func() {
			if err := stop(); err != nil {
				fmt.Fprintln(env.Stderr, "gameserver loadtest: stopping the embedded server:", err)
			}
		}()
		s.URL = url
	}
	o := Options{Progress: env.Stderr, Terminal: isTerminal(env.Stderr), Embedded: embedded}
	if embedded {
		o.ExemptAddrs = embeddedServer(s).ExemptAddrs
	}
	rep, err := Run(ctx, s, o)
	if err != nil {
		fmt.Fprintln(env.Stderr, "gameserver loadtest:", err)
		return ExitFail
	}
	if err := WriteSummary(env.Stdout, rep); err != nil {
		fmt.Fprintln(env.Stderr, "gameserver loadtest:", err)
		return ExitFail
	}
	if s.Out != "" {
		if err := WriteFiles(s.Out, rep); err != nil {
			fmt.Fprintln(env.Stderr, "gameserver loadtest:", err)
			return ExitFail
		}
		fmt.Fprintf(env.Stdout, "reports: %s, %s\n", filepath.Join(s.Out, "report.html"), filepath.Join(s.Out, "report.json"))
	}
	if !rep.Passed {
		return ExitFail
	}
	return ExitPass
}

// WriteFiles writes dir/report.json and dir/report.html, creating dir.
func WriteFiles(dir string, rep *Report) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("write report: %w", err)
	}
	js, err := json.MarshalIndent(rep, "", "  ")
	if err != nil {
		return fmt.Errorf("write report: %w", err)
	}
	if err := os.WriteFile(filepath.Join(dir, "report.json"), append(js, '\n'), 0o644); err != nil {
		return fmt.Errorf("write report: %w", err)
	}
	f, err := os.Create(filepath.Join(dir, "report.html"))
	if err != nil {
		return fmt.Errorf("write report: %w", err)
	}
	if err := WriteHTML(f, rep); err != nil {
		f.Close()
		return fmt.Errorf("write report.html: %w", err)
	}
	return f.Close()
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}
