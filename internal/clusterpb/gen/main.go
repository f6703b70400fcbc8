// Command gen regenerates clusterpb.pb.go from clusterpb.proto: it builds
// protoc-gen-go at the version go.mod requires and runs protoc with it, so
// the output depends on protoc alone.
package main

import (
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
)

func main() {
	out := flag.String("out", ".", "directory to write clusterpb.pb.go to")
	flag.Parse()
	if err := generate(*out); err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(1)
	}
}

func generate(out string) error {
	// The source directory is the working directory of go generate (this
	// package's parent); the test runs gen from the same place.
	src, err := os.Getwd()
	if err != nil {
		return err
	}
	tmp, err := os.MkdirTemp("", "clusterpb-gen")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	plugin := filepath.Join(tmp, "protoc-gen-go")
	if runtime.GOOS == "windows" {
		plugin += ".exe"
	}
	if err := run(src, "go", "build", "-o", plugin, "google.golang.org/protobuf/cmd/protoc-gen-go"); err != nil {
		return fmt.Errorf("build protoc-gen-go: %w", err)
	}
	if err := os.MkdirAll(out, 0o755); err != nil {
		return err
	}
	return run(src, "protoc", "--plugin=protoc-gen-go="+plugin, "-I", src,
		"--go_out="+out, "--go_opt=paths=source_relative", "clusterpb.proto")
}

func run(dir, name string, args ...string) error {
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
	return cmd.Run()
}
