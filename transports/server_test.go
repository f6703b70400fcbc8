package transports

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
)

func TestServerURLs(t *testing.T) {
	s := newTestServer(t, Options{Path: "game"}, newTestHandler())
	port := s.Addr().String()[strings.LastIndex(s.Addr().String(), ":"):]
	if got, want := s.URL(), "ws://127.0.0.1"+port+"/game"; got != want {
		t.Errorf("URL() = %q, want %q", got, want)
	}
	if got, want := s.HTTPURL(), "http://127.0.0.1"+port; got != want {
		t.Errorf("HTTPURL() = %q, want %q", got, want)
	}
}

func TestOpenErrors(t *testing.T) {
	s := newTestServer(t, Options{}, newTestHandler())
	if err := s.Open("127.0.0.1:0"); err == nil {
		t.Error("second Open succeeded")
	}
	other := NewServer(Options{}, newTestHandler())
	if err := other.Open(s.Addr().String()); err == nil {
		t.Error("Open on a port in use succeeded")
		_ = other.Close(context.Background())
	}
}

func TestExtraRoutesAndPlainHTTP(t *testing.T) {
	s := NewServer(Options{}, newTestHandler())
	s.Handle("/healthz", http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { io.WriteString(w, "ok") }))
	if err := s.Open("127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close(context.Background()) })
	client := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}

	tests := []struct {
		path   string
		status int
	}{
		{"/healthz", http.StatusOK},
		{"/ws", http.StatusBadRequest}, // not an upgrade request: gws refuses it
	}
	for _, tt := range tests {
		resp, err := client.Get(s.HTTPURL() + tt.path)
		if err != nil {
			t.Fatalf("GET %s: %v", tt.path, err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		_ = resp.Body.Close()
		if resp.StatusCode != tt.status {
			t.Errorf("GET %s: status %d, want %d", tt.path, resp.StatusCode, tt.status)
		}
	}
	if got := s.Stats().Accepted; got != 0 {
		t.Errorf("Stats().Accepted = %d, want 0", got)
	}
}

// Close finishes before its deadline even when a client's close handshake
// cannot: it drops the sockets that are still open, and the links end.
func TestServerCloseFinishesBeforeDeadline(t *testing.T) {
	h := newTestHandler()
	s := NewServer(Options{WriteTimeout: time.Minute}, h)
	if err := s.Open("127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	// A client that never reads: whether the writer is stuck behind full socket
	// buffers or waiting for the client's close frame, the close handshake
	// cannot finish before the one-minute write deadline.
	dial(t, s, dialOptions{noRead: true})
	rc := h.next(t)
	body := make([]byte, 1<<20)
	for i := range 64 {
		_ = rc.link.Send(ClassState, seqHead(i), body)
	}

	const timeout = time.Second
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	start := time.Now()
	if err := s.Close(ctx); err != nil {
		t.Errorf("Close = %v, want nil", err)
	}
	if took := time.Since(start); took >= timeout {
		t.Errorf("Close took %v, want less than its deadline %v", took, timeout)
	}
	select {
	case err := <-rc.closed:
		if code, _ := CloseStatus(err); code != CloseGoingAway {
			t.Errorf("OnClose(%v), want code %d", err, CloseGoingAway)
		}
	default:
		t.Error("OnClose not called before Close returned")
	}
}
