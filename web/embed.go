package web

import (
	"embed"
	"io/fs"
)

// The built SDK and its declarations, and the demo pages. Paths are
// relative to this file, so the SDK must be built (npm run build in
// web/sdk) before a change to its source reaches the binary.
//
//go:embed sdk/dist/tickroom.js sdk/dist/tickroom.d.ts
var sdkFiles embed.FS

//go:embed demo
var demoFiles embed.FS

// SDK returns the built SDK: tickroom.js and tickroom.d.ts at its root.
func SDK() fs.FS { return sub(sdkFiles, "sdk/dist") }

// Demo returns the demo pages.
func Demo() fs.FS { return sub(demoFiles, "demo") }

func sub(f fs.FS, dir string) fs.FS {
	s, err := fs.Sub(f, dir)
	if err != nil {
		panic(err) // dir is a constant that go:embed checked
	}
	return s
}
