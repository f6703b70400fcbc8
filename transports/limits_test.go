package transports

import (
	"bytes"
	"testing"

	"github.com/lxzan/gws"
)

func TestReadLimit(t *testing.T) {
	const limit = 1024
	h := newTestHandler()
	s := newTestServer(t, Options{ReadLimit: limit}, h)
	c := dial(t, s, dialOptions{})
	rc := h.next(t)

	at := bytes.Repeat([]byte{'a'}, limit)
	if err := c.conn.WriteMessage(gws.OpcodeBinary, at); err != nil {
		t.Fatal(err)
	}
	if got := <-rc.frames; !bytes.Equal(got, at) {
		t.Errorf("frame of ReadLimit bytes: got %d bytes, want %d", len(got), limit)
	}

	if err := c.conn.WriteMessage(gws.OpcodeBinary, make([]byte, limit+1)); err != nil {
		t.Fatal(err)
	}
	if got, want := <-rc.tooLarge, limit+1; got != want {
		t.Errorf("OnTooLarge(%d), want OnTooLarge(%d)", got, want)
	}
	// The link survives an OnTooLarge: the receiver decides what to do.
	if err := c.conn.WriteMessage(gws.OpcodeBinary, []byte("after")); err != nil {
		t.Fatal(err)
	}
	if got := <-rc.frames; string(got) != "after" {
		t.Errorf("frame after OnTooLarge: got %q, want %q", got, "after")
	}

	// Beyond 4*ReadLimit gws refuses the message itself.
	if err := c.conn.WriteMessage(gws.OpcodeBinary, make([]byte, 10*limit)); err != nil {
		t.Fatal(err)
	}
	if code, _ := c.waitClosed(t); code != CloseMessageTooBig {
		t.Errorf("client saw close code %d, want %d", code, CloseMessageTooBig)
	}
	if code, _ := CloseStatus(rc.waitClosed(t)); code != CloseMessageTooBig {
		t.Errorf("OnClose code %d, want %d", code, CloseMessageTooBig)
	}
	if got, want := s.Stats().TooLarge, uint64(2); got != want {
		t.Errorf("Stats().TooLarge = %d, want %d", got, want)
	}
	select {
	case n := <-rc.frames:
		t.Errorf("unexpected frame of %d bytes", len(n))
	case n := <-rc.tooLarge:
		t.Errorf("unexpected OnTooLarge(%d)", n)
	default:
	}
}
