package tickroom

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"syscall"
)

// Run starts the server and serves until ctx ends or the process gets
// SIGINT or SIGTERM, reloading the config on SIGHUP, and then shuts down
// gracefully. A second SIGINT or SIGTERM during the shutdown kills the
// process the default way.
func (s *Server) Run(ctx context.Context) error {
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)

	if err := s.Start(); err != nil {
		return err
	}
	for {
		select {
		case <-hup:
			_ = s.Reload() // logs its own outcome; a bad file keeps the running config
		case <-ctx.Done():
			stop()
			return s.Close()
		}
	}
}

// Main is a whole server program's main: it reads the command line
// ([serve] [-config FILE]), runs the server (Run) and returns the process
// exit code: 0 after a clean shutdown, 1 when the server failed, 2 for a bad
// command line. A game server's main can be
//
//	func main() {
//		srv := tickroom.New(tickroom.Options{})
//		tickroom.Define(srv, "tag", tag.New)
//		os.Exit(srv.Main(os.Args[1:]))
//	}
func (s *Server) Main(args []string) int {
	name := "gameserver"
	if len(os.Args) > 0 {
		name = os.Args[0]
	}
	if len(args) > 0 && args[0] == "serve" {
		args = args[1:]
	}
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(s.opts.Log)
	fs.StringVar(&s.opts.ConfigPath, "config", s.opts.ConfigPath, "config `file` (default: the embedded server.toml)")
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "usage: %s [serve] [-config FILE]\n", name)
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(s.opts.Log, "%s: unexpected argument %q\n", name, fs.Arg(0))
		fs.Usage()
		return 2
	}
	if err := s.Run(context.Background()); err != nil {
		fmt.Fprintf(s.opts.Log, "%s: %v\n", name, err)
		return 1
	}
	return 0
}
