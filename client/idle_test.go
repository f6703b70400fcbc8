package client

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/lxzan/gws"
	"github.com/tickroom/tickroom/transports"
)

// A WebSocket on which nothing arrives, as on a half-open connection whose
// peer vanished, ends after IdleTimeout instead of never.
func TestWebSocketSilentPeerEnds(t *testing.T) {
	up := gws.NewUpgrader(&gws.BuiltinEventHandler{}, nil)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		conn, err := up.Upgrade(w, r)
		if err != nil {
			return
		}
		conn.ReadLoop() // reads, never writes, not even a ping
	}))
	defer srv.Close()
	c, err := Dial(context.Background(), "ws"+strings.TrimPrefix(srv.URL, "http")+"/ws",
		Options{Transport: TransportWebSocket, IdleTimeout: 200 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	select {
	case <-c.Done():
	case <-testCtx(t, 10*time.Second).Done():
		t.Fatal("a silent WebSocket never ended")
	}
	if err := c.Err(); !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Errorf("Err() = %v, want the idle deadline", err)
	}
	_ = c.Close()
}

// The server's pings keep a WebSocket with nothing else to say alive.
func TestWebSocketPingsKeepItAlive(t *testing.T) {
	s := startServer(t, transports.Options{PingInterval: 50 * time.Millisecond})
	c, err := Dial(context.Background(), s.srv.URL(), Options{Transport: TransportWebSocket, IdleTimeout: 300 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	select {
	case <-c.Done():
		t.Fatalf("connection ended: %v", c.Err())
	case <-time.After(time.Second): // three idle timeouts without a frame
	}
}
