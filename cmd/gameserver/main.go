package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	if len(os.Args) > 1 && os.Args[1] == "loadtest" {
		os.Exit(runLoadtest(os.Args[2:]))
	}
	m := NewMain(os.Stderr)
	if err := m.ParseFlags(os.Args[1:]); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			os.Exit(0)
		}
		fmt.Fprintln(os.Stderr, "gameserver:", err)
		os.Exit(2)
	}
	if err := run(m); err != nil {
		fmt.Fprintln(os.Stderr, "gameserver:", err)
		os.Exit(1)
	}
}

// run serves until SIGINT or SIGTERM, reloading on SIGHUP.
func run(m *Main) error {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)

	if err := m.Run(); err != nil {
		return err
	}
	for {
		select {
		case <-hup:
			m.Reload() // logs its own outcome; a bad file keeps the running config
		case <-ctx.Done():
			stop() // a second signal kills the process the default way
			return m.Close()
		}
	}
}

// ParseFlags reads the command line: an optional "serve" subcommand and its
// flags.
func (m *Main) ParseFlags(args []string) error {
	if len(args) > 0 && args[0] == "serve" {
		args = args[1:]
	}
	fs := flag.NewFlagSet("gameserver", flag.ContinueOnError)
	fs.SetOutput(m.stderr)
	fs.StringVar(&m.ConfigPath, "config", "", "config `file` (default: the embedded server.toml)")
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "usage: gameserver [serve] [-config FILE]")
		fmt.Fprintln(fs.Output(), "       gameserver loadtest [flags]   (gameserver loadtest -h lists them)")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		fs.Usage()
		return fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	return nil
}
