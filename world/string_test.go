package world_test

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/tickroom/tickroom/world"
)

// TestSetStringStaysText: a string field always holds valid UTF-8 within
// its MaxLen, whatever the game sets: a cut never splits a character, even
// when the limit is shorter than the first one, and bytes that are not
// UTF-8 become U+FFFD.
func TestSetStringStaysText(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		max      int
		in, want string
	}{
		{3, "🎮 game", ""},
		{4, "🎮 game", "🎮"},
		{5, "🎮 game", "🎮 "},
		{2, "héllo", "h"},
		{3, "héllo", "hé"},
		{16, "short", "short"},
		{16, "bad \xff byte", "bad \uFFFD byte"},
		{5, "ab\xffcd", "ab\uFFFD"},
		{4, "ab\xffcd", "ab"}, // U+FFFD is three bytes, and a cut keeps whole characters
		{8, strings.Repeat("€", 10), "€€"},
	} {
		w := world.New([]world.Schema{{Name: "t", Fields: []world.Field{{Name: "s", Type: world.String, MaxLen: tc.max}}}}, world.Options{})
		w.Advance()
		e := w.Spawn(0)
		e.SetString(0, tc.in)
		got := e.String(0)
		if !utf8.ValidString(got) || len(got) > tc.max {
			t.Errorf("MaxLen %d, SetString(%q) holds %q: not UTF-8 within the limit", tc.max, tc.in, got)
		}
		if got != tc.want {
			t.Errorf("MaxLen %d, SetString(%q) holds %q, want %q", tc.max, tc.in, got, tc.want)
		}
	}
}
