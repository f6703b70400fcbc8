package clusterpb

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"testing"
)

// TestGeneratedIsFresh regenerates clusterpb.pb.go from clusterpb.proto and
// compares it with the committed file, so a .proto edited without
// `go generate ./internal/clusterpb` fails here. protoc's own version, which
// the header names, may differ between machines and is not compared.
func TestGeneratedIsFresh(t *testing.T) {
	if testing.Short() {
		t.Skip("builds protoc-gen-go")
	}
	if _, err := exec.LookPath("protoc"); err != nil {
		t.Skip("protoc is not installed")
	}
	out := t.TempDir()
	cmd := exec.Command("go", "run", "./gen", "-out", out)
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go run ./gen: %v\n%s", err, b)
	}
	got, err := os.ReadFile(filepath.Join(out, "clusterpb.pb.go"))
	if err != nil {
		t.Fatal(err)
	}
	want, err := os.ReadFile("clusterpb.pb.go")
	if err != nil {
		t.Fatal(err)
	}
	protocLine := regexp.MustCompile(`(?m)^// \tprotoc +v.*$`)
	got, want = protocLine.ReplaceAll(got, nil), protocLine.ReplaceAll(want, nil)
	if !bytes.Equal(got, want) {
		t.Fatal("clusterpb.pb.go is stale: run go generate ./internal/clusterpb")
	}
}
