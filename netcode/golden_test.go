package netcode_test

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/tickroom/tickroom/netcode"
	"github.com/vmihailenco/msgpack/v5"
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

// TestLayouts builds every sample frame with the msgpack library straight
// from the layouts in doc.go, as a client written from the spec would, and
// checks the encoder writes the same bytes: the golden files pin the bytes,
// this pins them to the spec.
func TestLayouts(t *testing.T) {
	t.Parallel()
	raw := func(p netcode.Payload) msgpack.RawMessage { return msgpack.RawMessage(p) }
	// field is [name, type, quantum float64, maxLen, flags].
	field := func(name string, typ int, quantum float64, maxLen, flags int) []any {
		return []any{name, typ, quantum, maxLen, flags}
	}
	want := map[string][]any{
		"join": {1, 2, "arena", "ada", 4, "K7QP", raw(pl(map[string]any{"team": "red"}))},
		"welcome": {2, 2, "s-4f2a9c", 3, 17, "lobby-7", "arena", 20, 20, 123456, []any{
			[]any{"player", []any{
				field("x", 2, 0.1, 0, 0), field("y", 2, 0.1, 0, 0), field("name", 4, 0, 16, 0),
				field("ammo", 1, 0, 0, 1), field("hand", 4, 0, 8, 1),
			}},
			[]any{"crate", []any{field("x", 2, 0.1, 0, 0), field("open", 3, 0, 0, 0), field("loot", 1, 0, 0, 1)}},
		}, "r-9f3k2m", "K7QP", "t-0123456789abcdef"},
		"input":    {3, 300, 1200, 5, 1000, -707},
		"ack":      {4, 1201},
		"snapshot": {5, 1200, 60000, 42, []any{[]any{1, 0, 5003, 250, 7, "ada"}, []any{4, 0, 10000, 0, 0, 0}, []any{9, 1, 120, 9000, 4}}},
		"diff": {6, 1201, 1198, 60050, 43, []any{[]any{12, 1, 3141, 5926, 5}},
			[]any{1, 0b11, 35, -35, 3, 0b1100, 4, "bob", 296, 1, -200, 69700, uint64(1) << 63, 1 << 40},
			[]any{9, 1, 99990}},
		"snapshot_private": {5, 1200, 60000, 42, []any{1, 0b11000, 30, "AKQ"},
			[]any{[]any{1, 0, 5003, 250, "ada", 0, 0}, []any{4, 0, 10000, 0, "bob", 0, 0}, []any{9, 1, 120, 1, 0}}},
		"diff_private": {6, 1201, 1198, 60050, 43, []any{1, 0b1000, -1, 11, 0b100, 250},
			[]any{[]any{12, 1, 3141, 0, 0}}, []any{1, 0b11, 35, -35, 3, 0b100, "bobby"}, []any{9}},
		"ping":    {7, uint64(1700000000123)},
		"pong":    {8, uint64(1700000000123), 123500},
		"error":   {9, 4004, "room lobby-7 is full"},
		"leave":   {10},
		"message": {11, "chat", raw(pl(map[string]any{"text": "gg"}))},
		"list":    {12, 7, "arena", 20, 10, map[string]string{"map": "dust", "ranked": "true"}},
		"rooms": {13, 7, 22, []any{
			[]any{"r-9f3k2m", "lobby-7", "arena", 3, 16, false, map[string]any{"map": "dust", "ranked": true}},
			[]any{"r-a1", "duel", "arena", 2, 2, true, nil},
		}},
		"event":  {14, 1201, 77, "scored", map[string]any{"by": 3, "pts": []any{10, 300}}},
		"resume": {16, 2, "k3x9q2abcdef.AbCdEfGhIjKlMnOpQrStUv", 4410, 77},
		"rates":  {15, 1300, 30, 15},
	}
	for _, s := range samples() {
		t.Run(s.name, func(t *testing.T) {
			layout, ok := want[s.name]
			if !ok {
				t.Fatalf("no layout for sample %s", s.name)
			}
			if got, want := mustAppend(t, s.msg), pl(layout); !bytes.Equal(got, want) {
				t.Errorf("%s encodes as\n%x\nthe layout in doc.go is\n%x", s.name, got, want)
			}
		})
	}
}
