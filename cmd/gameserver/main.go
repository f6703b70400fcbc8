package main

import (
	"os"

	"github.com/tickroom/tickroom"
	"github.com/tickroom/tickroom/games/arena"
	"github.com/tickroom/tickroom/games/tag"
)

func main() {
	if len(os.Args) > 1 && os.Args[1] == "loadtest" {
		os.Exit(runLoadtest(os.Args[2:]))
	}
	os.Exit(newServer(tickroom.Options{}).Main(os.Args[1:]))
}

// newServer is the gameserver: Tickroom with its demo games, the arena
// (the default mode) and tag.
func newServer(o tickroom.Options) *tickroom.Server {
	srv := tickroom.New(o)
	tickroom.DefineWithSettings(srv, "arena", arena.DefaultSettings(), arena.NewWithSettings)
	tickroom.DefineWithSettings(srv, "tag", tag.DefaultSettings(), tag.NewWithSettings)
	return srv
}
