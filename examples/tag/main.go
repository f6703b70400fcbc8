// Command tag serves the game of tag in games/tag, configured from
// server.toml's [modes.tag] and [modes.tag.settings] tables:
//
//	go run ./examples/tag [-config FILE]
//
// It is the whole server: the game is in games/tag, written only against
// the public game API; everything else is package tickroom.
package main

import (
	"os"

	"github.com/tickroom/tickroom"
	"github.com/tickroom/tickroom/games/tag"
)

func main() {
	srv := tickroom.New(tickroom.Options{})
	tickroom.DefineWithSettings(srv, "tag", tag.DefaultSettings(), tag.NewWithSettings)
	os.Exit(srv.Main(os.Args[1:]))
}
