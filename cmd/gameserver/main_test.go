package main

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"go.uber.org/goleak"
)

// TestMain fails the package if a test leaves a goroutine behind (clients,
// log readers and process waiters all have owners that must end them), and
// removes the server binary the end-to-end tests built.
func TestMain(m *testing.M) {
	code := m.Run()
	if build.path != "" {
		if err := os.RemoveAll(filepath.Dir(build.path)); err != nil {
			fmt.Fprintln(os.Stderr, "remove the test binary:", err)
		}
	}
	if code == 0 {
		if err := goleak.Find(); err != nil {
			fmt.Fprintln(os.Stderr, "goleak:", err)
			code = 1
		}
	}
	os.Exit(code)
}
