package transports

import (
	"net/http"
	"testing"
	"time"

	"github.com/lxzan/gws"
)

// tooLargeCloser is a Receiver that answers a frame over ReadLimit as
// Tickroom's sessions do: an error frame, then a close with 4002.
type tooLargeCloser struct {
	l      Link
	closed chan error
}

func (r *tooLargeCloser) OnFrame([]byte) {}
func (r *tooLargeCloser) OnTooLarge(int) {
	_ = r.l.Send(ClassControl, nil, []byte("too_large"))
	r.l.Close(4002, "frame over the size limit")
}
func (r *tooLargeCloser) OnClose(err error) { r.closed <- err }

// closeCode waits for OnClose and returns its code.
func (r *tooLargeCloser) closeCode(t *testing.T) uint16 {
	t.Helper()
	select {
	case err := <-r.closed:
		code, _ := CloseStatus(err)
		return code
	case <-time.After(waitTimeout):
		t.Fatal("Receiver.OnClose not called")
		return 0
	}
}

// TestFrameTooLargeSameOnEveryTransport: a frame over ReadLimit reaches the
// Receiver the same way in a POST as on a WebSocket, and what the Receiver
// does about it reaches the client the same way too. In a POST the request
// is refused (413 frame_too_large) and the session carries on until the
// Receiver closes it; the client reads the error frame and the close from
// its next downlink response (doc.go, "Uplink").
func TestFrameTooLargeSameOnEveryTransport(t *testing.T) {
	const readLimit = 64
	recv := make(chan *tooLargeCloser, 2)
	s := newTestServer(t, Options{ReadLimit: readLimit}, handlerFunc(func(l Link, _ *http.Request) (Receiver, error) {
		r := &tooLargeCloser{l: l, closed: make(chan error, 1)}
		recv <- r
		return r, nil
	}))

	t.Run("http", func(t *testing.T) {
		c := newHTTPClient(t, s).handshake("")
		rc := <-recv
		a := c.postRaw("?seq=1", uplink(make([]byte, readLimit+1)), octetStream)
		if a.status != http.StatusRequestEntityTooLarge || a.errCode() != "frame_too_large" {
			t.Fatalf("POST: %d %s, want 413 frame_too_large", a.status, a.body)
		}
		recs := c.poll(0, false).records(t)
		if len(recs) != 2 || string(recs[0].data) != "too_large" || !recs[1].isClose() || recs[1].closeCode() != 4002 {
			t.Fatalf("downlink after the 413: %v, want the error frame and a close record 4002", recs)
		}
		if code := rc.closeCode(t); code != 4002 {
			t.Errorf("OnClose code %d, want 4002", code)
		}
		if a := c.poll(0, false); a.status != http.StatusNotFound {
			t.Errorf("poll after the close: %d %s, want 404", a.status, a.body)
		}
	})

	t.Run("websocket", func(t *testing.T) {
		c := dial(t, s, dialOptions{})
		rc := <-recv
		if err := c.conn.WriteMessage(gws.OpcodeBinary, make([]byte, readLimit+1)); err != nil {
			t.Fatal(err)
		}
		if got := string(c.recv(t)); got != "too_large" {
			t.Errorf("client got %q, want the error frame", got)
		}
		if code, reason := c.waitClosed(t); code != 4002 {
			t.Errorf("client saw close %d (%q), want 4002", code, reason)
		}
		if code := rc.closeCode(t); code != 4002 {
			t.Errorf("OnClose code %d, want 4002", code)
		}
	})
}
