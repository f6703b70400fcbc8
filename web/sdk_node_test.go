package web

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// TestSDKNodeTests runs the SDK's own tests (npm test: the codec against
// @msgpack/msgpack, the golden frames, the mirror against the Go encoder,
// the transports, the helpers, fuzzing) as part of go test, so that the
// one test command covers the browser SDK too. It needs Node and
// web/sdk/node_modules (npm ci in web/sdk); without them it skips, saying
// so, unless TICKROOM_TOOLS=require.
func TestSDKNodeTests(t *testing.T) {
	if testing.Short() {
		t.Skip("runs Node")
	}
	skip := func(msg string) {
		if os.Getenv("TICKROOM_TOOLS") == "require" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	node, err := exec.LookPath("node")
	if err != nil {
		skip("node not found: skipping the SDK's Node tests")
	}
	if _, err := os.Stat(filepath.Join("sdk", "node_modules", "esbuild")); err != nil {
		skip("web/sdk/node_modules missing: skipping the SDK's Node tests (run npm ci in web/sdk)")
	}
	cmd := exec.Command(node, filepath.Join("scripts", "test.mjs"))
	cmd.Dir = "sdk"
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("npm test in web/sdk: %v\n%s", err, out)
	}
}
