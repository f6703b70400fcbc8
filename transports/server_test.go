package transports

import (
	"context"
	"errors"
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

func TestServerCloseGivesUpAtDeadline(t *testing.T) {
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

	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	if err := s.Close(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Close = %v, want %v", err, context.DeadlineExceeded)
	}
	// The sockets were dropped, so the links end promptly after all.
	ctx2, cancel2 := context.WithTimeout(context.Background(), waitTimeout)
	defer cancel2()
	if err := s.Close(ctx2); err != nil {
		t.Errorf("second Close = %v, want nil", err)
	}
	rc.waitClosed(t)
}
