package client

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tickroom/tickroom/transports"
)

// Close posts what is queued, also when it lands while an upgrade is posting
// the HTTP uplink's queued frames before switching the sender: that step
// runs to its end instead of being cancelled with the upgrade, which cut the
// POST in flight and lost its frames. A proxy holds POSTs for a second so
// that Close finds the upgrade in that step.
func TestCloseDuringUpgradePostsQueuedFrames(t *testing.T) {
	s := startServer(t, transports.Options{})
	target, _ := url.Parse(s.srv.HTTPURL())
	rp := httputil.NewSingleHostReverseProxy(target)
	var delayPosts atomic.Bool
	var mu sync.Mutex
	forwarded, dropped := 0, 0
	proxy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPost && strings.Count(r.URL.Path, "/") == 2 && delayPosts.Load() {
			body, _ := io.ReadAll(r.Body) // lets the server notice a client that gives up
			r.Body = io.NopCloser(bytes.NewReader(body))
			select {
			case <-time.After(time.Second):
			case <-r.Context().Done():
				mu.Lock()
				dropped++
				mu.Unlock()
				return
			}
			mu.Lock()
			forwarded++
			mu.Unlock()
		}
		rp.ServeHTTP(w, r)
	}))
	defer proxy.Close()

	release := make(chan struct{})
	testHookUpgrade = func(ctx context.Context) {
		select {
		case <-release:
		case <-ctx.Done():
		}
	}
	defer func() { testHookUpgrade = nil }()

	c, err := Dial(context.Background(), proxy.URL, Options{Transport: TransportLongPoll})
	if err != nil {
		t.Fatal(err)
	}
	delayPosts.Store(true)
	if err := ping(t, c, 1); err != nil { // queued, then POSTed (held 1s by the proxy)
		t.Fatal(err)
	}
	time.Sleep(50 * time.Millisecond) // usually the POST is in flight by now; queued works too
	close(release)
	deadline := time.Now().Add(5 * time.Second)
	for {
		c.mu.Lock()
		_, switched := c.cur.(*wsConn)
		c.mu.Unlock()
		if switched {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("upgrade did not reach the switch")
		}
		time.Sleep(time.Millisecond)
	}
	_ = c.Close() // retire is waiting for the POST
	proxy.Close() // waits for the proxy's handlers
	mu.Lock()
	defer mu.Unlock()
	t.Logf("stats %+v, forwarded %d, cancelled %d", c.Stats(), forwarded, dropped)
	if forwarded == 0 {
		t.Fatalf("the POST carrying the queued ping was cancelled by Close (%d cancelled): frame lost", dropped)
	}
}
