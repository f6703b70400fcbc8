package tickroom

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestReadmeGameBuilds builds the server in README.md's "Write your own
// game" section, so that the first code a game developer copies compiles
// against the API as it is.
func TestReadmeGameBuilds(t *testing.T) {
	if testing.Short() {
		t.Skip("runs go build")
	}
	data, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, section, ok := strings.Cut(string(data), "## Write your own game")
	if !ok {
		t.Fatal(`README.md has no "Write your own game" section`)
	}
	_, code, ok := strings.Cut(section, "```go\n")
	if ok {
		code, _, ok = strings.Cut(code, "```")
	}
	if !ok {
		t.Fatal("no Go code block in the section")
	}
	// Inside the module, so that it builds against this checkout.
	dir, err := os.MkdirTemp(".", ".readme-test-")
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(dir)
	if err := os.WriteFile(filepath.Join(dir, "main.go"), []byte(code), 0o600); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command("go", "vet", "./"+dir).CombinedOutput(); err != nil {
		t.Errorf("README's game server does not build: %v\n%s\n%s", err, out, code)
	}
}
