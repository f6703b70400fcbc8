package client

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tickroom/tickroom/transports"
	"github.com/tickroom/tickroom/transports/httpwire"
	"github.com/tickroom/tickroom/world"
)

// A stream on which nothing arrives within the bound makes the client
// long-poll the same session from then on, losing nothing.
func TestFakeHeldStreamFallsBackToLongPoll(t *testing.T) {
	f := newFakeServer(t)
	f.heldStreams = true
	f.pingTimeout = 300 * time.Millisecond // the bound: shorter than streamFirstWait
	p := newPongs()
	c := dialT(t, f.srv.URL, Options{Transport: TransportStream, OnFrame: p.onFrame})
	const n = 30
	for i := 1; i <= n; i++ {
		if err := ping(t, c, uint64(i)); err != nil {
			t.Fatal(err)
		}
	}
	checkSequence(t, p.wait(testCtx(t, 10*time.Second), n), n)
	if got := c.Transport(); got != TransportLongPoll {
		t.Errorf("Transport() = %q, want longpoll after the fallback", got)
	}
	if st := c.Stats(); st.StreamFallbacks != 1 {
		t.Errorf("StreamFallbacks = %d, want 1", st.StreamFallbacks)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.streams != 1 {
		t.Errorf("%d stream requests, want 1: the fallback is for good", f.streams)
	}
}

// Streams whose first record comes at once stay streams, even when nothing
// else comes for longer than the bound.
func TestFakeStreamKeepaliveAtOnceStays(t *testing.T) {
	f := newFakeServer(t)
	f.pingTimeout = 300 * time.Millisecond
	f.keepalive = 280 * time.Millisecond // the server's later keepalives alone would come close
	f.streamMax = 400 * time.Millisecond // and every new stream starts the wait again
	c := dialT(t, f.srv.URL, Options{Transport: TransportStream})
	ctx := testCtx(t, 10*time.Second)
	for {
		f.mu.Lock()
		n := f.streams
		f.mu.Unlock()
		if n >= 4 {
			break
		}
		select {
		case <-ctx.Done():
			t.Fatalf("%d streams", n)
		case <-time.After(20 * time.Millisecond):
		}
	}
	if got, st := c.Transport(), c.Stats(); got != TransportStream || st.StreamFallbacks != 0 {
		t.Errorf("Transport() = %q, %d fallbacks; want stream, none", got, st.StreamFallbacks)
	}
}

// bufferingProxy forwards requests to target but holds each response until
// its body has ended, as a proxy that buffers whole responses does, and
// refuses WebSocket upgrades. It counts the streams it was asked for.
type bufferingProxy struct {
	srv     *httptest.Server
	tr      *http.Transport
	mu      sync.Mutex
	streams int
}

// newBufferingProxy starts a buffering proxy for target. With ignoreAborts
// it reads a response to its end even when its client has hung up, as many
// proxies do.
func newBufferingProxy(t *testing.T, target string, ignoreAborts bool) *bufferingProxy {
	u, err := url.Parse(target)
	if err != nil {
		t.Fatal(err)
	}
	p := &bufferingProxy{tr: &http.Transport{}}
	p.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Upgrade") != "" {
			http.Error(w, "websocket blocked", http.StatusForbidden)
			return
		}
		if strings.HasSuffix(r.URL.Path, "/"+httpwire.StreamSegment) {
			p.mu.Lock()
			p.streams++
			p.mu.Unlock()
		}
		ctx := r.Context() // a client that hangs up ends the upstream request too
		if ignoreAborts {
			ctx = context.WithoutCancel(ctx)
		}
		out := r.Clone(ctx)
		out.RequestURI, out.URL.Scheme, out.URL.Host, out.Host = "", u.Scheme, u.Host, u.Host
		resp, err := p.tr.RoundTrip(out)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		defer resp.Body.Close()
		body, err := io.ReadAll(resp.Body) // the whole response, however long it takes
		if err != nil {
			return
		}
		for k, v := range resp.Header {
			w.Header()[k] = v
		}
		w.WriteHeader(resp.StatusCode)
		_, _ = w.Write(body)
	}))
	p.srv.Config.ErrorLog = slog.NewLogLogger(slog.DiscardHandler, slog.LevelError)
	t.Cleanup(func() { p.srv.Close(); p.tr.CloseIdleConnections() })
	return p
}

// Streaming through a proxy that buffers whole responses: the client hears
// nothing on its stream, falls back to long-polling the same session, and
// plays on, with every frame the lost stream carried delivered once.
func TestStreamBehindBufferingProxy(t *testing.T) {
	for _, ignoreAborts := range []bool{false, true} {
		t.Run(fmt.Sprintf("ignoreAborts=%v", ignoreAborts), func(t *testing.T) { testBufferingProxy(t, ignoreAborts) })
	}
}

func testBufferingProxy(t *testing.T, ignoreAborts bool) {
	s := startServer(t, transports.Options{PingInterval: 250 * time.Millisecond, PingTimeout: 750 * time.Millisecond})
	p := newBufferingProxy(t, s.srv.HTTPURL(), ignoreAborts)
	ctx := testCtx(t, 30*time.Second)
	pongs := newPongs()
	c := dialT(t, p.srv.URL, Options{Transport: TransportStream, Name: "buffered", OnFrame: pongs.onFrame})
	for i := 1; i <= 10; i++ { // on their way before the fallback
		if err := ping(t, c, uint64(i)); err != nil {
			t.Fatal(err)
		}
	}
	self := join(t, ctx, c, "buffered")
	for i := 11; i <= 20; i++ {
		if err := ping(t, c, uint64(i)); err != nil {
			t.Fatal(err)
		}
	}
	checkSequence(t, pongs.wait(ctx, 20), 20)
	steer(t, c, world.Input{Axes: [4]int16{world.MaxAxis, 0}}, 50*time.Millisecond)
	waitMoved(t, ctx, c, self, 1, 0, 100)
	if err := c.wait(ctx, func() bool { return c.stats.UpgradeFailures > 0 }); err != nil {
		t.Fatalf("the upgrade attempt did not end: %v", err)
	}
	if got := c.Transport(); got != TransportLongPoll {
		t.Errorf("Transport() = %q, want longpoll", got)
	}
	if st := c.Stats(); st.StreamFallbacks != 1 || st.BadFrames != 0 || st.Upgrades != 0 {
		t.Errorf("stats %+v, want one stream fallback", st)
	}
	if c.Err() != nil {
		t.Errorf("Err() = %v", c.Err())
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.streams != 1 {
		t.Errorf("%d streams through the proxy, want 1", p.streams)
	}
}
