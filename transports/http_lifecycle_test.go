package transports

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
)

// flushHook is a ResponseWriter whose Flush runs a hook once the response
// is complete on the wire (as a client sees it).
type flushHook struct {
	*httptest.ResponseRecorder
	onFlush func()
}

func (f *flushHook) Flush() {
	f.ResponseRecorder.Flush()
	if f.onFlush != nil {
		h := f.onFlush
		f.onFlush = nil
		h()
	}
}

// A long-poll's response is complete once flushed; a client (or a proxy on
// another upstream connection) that sends its next GET as soon as it has
// read it must not get 409 poll_in_progress, as no downlink is open from its
// point of view.
func TestNextPollRightAfterAResponseIsNotConcurrent(t *testing.T) {
	h := newTestHandler()
	s := newTestServer(t, Options{}, h)
	c := newHTTPClient(t, s).handshake("?transport=longpoll")
	rc := h.next(t)
	if err := rc.link.Send(ClassControl, seqHead(1), nil); err != nil {
		t.Fatal(err)
	}
	o := s.options()
	var second *httptest.ResponseRecorder
	w := &flushHook{ResponseRecorder: httptest.NewRecorder()}
	w.onFlush = func() {
		// The first response is complete: the client sends its next GET.
		second = httptest.NewRecorder()
		r2 := httptest.NewRequest(http.MethodGet, fmt.Sprintf("/rt/%s?ack=1&wait=0", c.sid), nil)
		s.servePoll(second, r2, c.sid, o)
	}
	r1 := httptest.NewRequest(http.MethodGet, fmt.Sprintf("/rt/%s?ack=0", c.sid), nil)
	s.servePoll(w, r1, c.sid, o)
	if w.Code != http.StatusOK {
		t.Fatalf("first poll: %d", w.Code)
	}
	if second.Code != http.StatusOK {
		t.Errorf("next poll sent after the previous response was complete: %d %s, want 200", second.Code, second.Body.String())
	}
}

// A session closed on HTTP that then upgrades moves its frames and its
// close to the WebSocket; a Send racing the switch must get ErrClosed on
// either side of it, and the client must receive nothing sent after Close.
func TestNoSendAfterCloseAcrossTheUpgrade(t *testing.T) {
	for i := 0; i < 200 && !t.Failed(); i++ {
		func() {
			h := newTestHandler()
			s := newTestServer(t, Options{CloseDrain: time.Millisecond}, h)
			c := newHTTPClient(t, s).handshake("?transport=longpoll")
			rc := h.next(t)
			p, _, err := c.dialProbe()
			if err != nil {
				t.Fatal(err)
			}
			if err := p.conn.WriteString("probe"); err != nil {
				t.Fatal(err)
			}
			if msg := p.text(t); msg != "probe" {
				t.Fatalf("probe answered %q", msg)
			}
			rc.link.Close(4000, "bye")
			stop := make(chan struct{})
			accepted := make(chan int, 1)
			go func() {
				n := 0
				for {
					select {
					case <-stop:
						accepted <- n
						return
					default:
					}
					if rc.link.Send(ClassControl, seqHead(99), nil) == nil {
						n++
					}
				}
			}()
			if err := p.conn.WriteString("upgrade 0"); err != nil {
				t.Fatal(err)
			}
			p.waitClosed(t)
			close(stop)
			if n := <-accepted; n > 0 {
				t.Errorf("run %d: %d Sends after Close returned nil; client received %d binary frames after Close", i, n, len(p.binaries))
			}
			p.stop()
		}()
	}
}
