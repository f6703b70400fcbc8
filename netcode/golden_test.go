package netcode_test

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden from the current encoder")

// TestGolden pins the wire bytes of one message of every kind, so a change
// to the encoding shows in review and forces a ProtocolVersion bump.
// Regenerate with go test ./netcode -update.
func TestGolden(t *testing.T) {
	for _, s := range samples() {
		t.Run(s.name, func(t *testing.T) {
			path := filepath.Join("testdata", s.name+".golden")
			frame := mustAppend(t, s.msg)
			if *update {
				if err := os.MkdirAll("testdata", 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(path, frame, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run go test ./netcode -update to create it)", err)
			}
			if !bytes.Equal(frame, want) {
				t.Errorf("%s encodes as\n%x\nwant %s\n%x", s.name, frame, path, want)
			}
			got, err := decode(want, s.msg)
			if err != nil || !reflect.DeepEqual(got, s.msg) {
				t.Errorf("decoding %s = %#v, %v; want %#v", path, got, err, s.msg)
			}
		})
	}
}
