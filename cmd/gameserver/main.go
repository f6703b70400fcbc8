package main

import (
	"os"

	"github.com/tickroom/tickroom"
	"github.com/tickroom/tickroom/games/arena"
)

func main() {
	if len(os.Args) > 1 && os.Args[1] == "loadtest" {
		os.Exit(runLoadtest(os.Args[2:]))
	}
	os.Exit(newServer(tickroom.Options{}).Main(os.Args[1:]))
}

// newServer is the gameserver: Tickroom with the arena, its demo game.
func newServer(o tickroom.Options) *tickroom.Server {
	srv := tickroom.New(o)
	tickroom.DefineWithSettings(srv, "arena", arena.DefaultSettings(), arena.NewWithSettings)
	return srv
}
