package httpwire

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"testing"
)

func TestUplinkRoundTrip(t *testing.T) {
	frames := [][]byte{[]byte("a"), {}, bytes.Repeat([]byte{1}, 300), []byte("bc")}
	body := AppendUplink(nil, frames...)
	got, oversize, err := ParseUplink(body, 300, nil)
	if err != nil || oversize != 0 || len(got) != len(frames) {
		t.Fatalf("ParseUplink = %d frames, %d, %v", len(got), oversize, err)
	}
	for i := range frames {
		if !bytes.Equal(got[i], frames[i]) {
			t.Errorf("frame %d = %x, want %x", i, got[i], frames[i])
		}
	}
	// Frames alias the body, capped so that appending to one is harmless.
	if &got[2][0] != &body[3+2] || cap(got[0]) != 1 {
		t.Error("frames do not alias the body with their capacity cut")
	}
}

func TestUplinkSize(t *testing.T) {
	for _, n := range []int{0, 1, 127, 128, 16383, 16384, 1 << 21} {
		if got, want := UplinkSize(n), len(AppendUplink(nil, make([]byte, n))); got != want {
			t.Errorf("UplinkSize(%d) = %d, want %d", n, got, want)
		}
	}
}

func TestParseUplink(t *testing.T) {
	tests := []struct {
		body     []byte
		frames   []string
		oversize int
		err      error
	}{
		{nil, nil, 0, nil},
		{AppendUplink(nil, []byte("a"), []byte(""), []byte("bc")), []string{"a", "", "bc"}, 0, nil},
		{AppendUplink(nil, []byte("a"), []byte("toolong"), []byte("b"), []byte("longer!!")), []string{"a", "b"}, 7, nil},
		{[]byte{3, 'a'}, nil, 0, io.ErrUnexpectedEOF},
		{[]byte{0xff}, nil, 0, io.ErrUnexpectedEOF},
		{AppendUplink(nil, []byte("toolong"))[:5], nil, 0, io.ErrUnexpectedEOF},                          // cut short beats too large
		{[]byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01}, nil, 0, ErrBadRecord}, // overflows uint64
		{bytes.Repeat([]byte{0x80}, 10), nil, 0, ErrBadRecord},                                           // cannot end within 64 bits
	}
	for _, tt := range tests {
		frames, oversize, err := ParseUplink(tt.body, 4, nil)
		var got []string
		for _, f := range frames {
			got = append(got, string(f))
		}
		if fmt.Sprint(got) != fmt.Sprint(tt.frames) || oversize != tt.oversize || !errors.Is(err, tt.err) || (tt.err == nil) != (err == nil) {
			t.Errorf("ParseUplink(%x) = %q, %d, %v; want %q, %d, %v", tt.body, got, oversize, err, tt.frames, tt.oversize, tt.err)
		}
	}
}
