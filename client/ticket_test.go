package client

import (
	"context"
	"encoding/binary"
	"errors"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tickroom/tickroom/netcode"
)

// authOf returns the Authorization headers f saw on requests of kind.
func (f *fakeServer) authOf(kind string) []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []string
	for _, a := range f.auth {
		if k, v, _ := strings.Cut(a, " "); k == kind {
			out = append(out, v)
		}
	}
	return out
}

// only returns f's one session.
func (f *fakeServer) only(t *testing.T) *fakeSession {
	t.Helper()
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.sessions) != 1 {
		t.Fatalf("%d sessions, want 1", len(f.sessions))
	}
	for _, s := range f.sessions {
		return s
	}
	return nil
}

// The ticket goes in the HTTP handshake as a Bearer header, and in no
// later request of the session: not its polls, POSTs or DELETE, nor the
// probe of an upgrade.
func TestTicketInTheHTTPHandshakeOnly(t *testing.T) {
	for _, kind := range []string{TransportLongPoll, TransportStream, TransportPoll} {
		t.Run(kind, func(t *testing.T) {
			f := newFakeServer(t)
			f.upgrades = []string{TransportWebSocket}
			probed := make(chan struct{})
			var once sync.Once
			testHookUpgrade = func(context.Context) { once.Do(func() { close(probed) }) }
			t.Cleanup(func() { testHookUpgrade = nil })
			c := dialT(t, f.srv.URL, Options{Transport: kind, Ticket: "header.payload.sig"})
			if err := c.Ping(); err != nil {
				t.Fatal(err)
			}
			ctx := testCtx(t, 10*time.Second)
			if kind != TransportPoll {
				<-probed
				if err := c.wait(ctx, func() bool { return c.stats.UpgradeFailures > 0 }); err != nil {
					t.Fatal(err)
				}
			}
			if err := c.wait(ctx, func() bool { return c.stats.Frames > 0 }); err != nil {
				t.Fatal(err)
			}
			_ = c.Close()
			if got := f.authOf("handshake"); !slices.Equal(got, []string{"Bearer header.payload.sig"}) {
				t.Errorf("handshake Authorization %q, want the ticket", got)
			}
			for _, req := range []string{"poll", "stream", "post", "delete", "ws"} {
				for _, a := range f.authOf(req) {
					if a != "" {
						t.Errorf("%s request carried Authorization %q", req, a)
					}
				}
			}
			if kind != TransportPoll && len(f.authOf("ws")) != 1 {
				t.Errorf("probes %q, want one", f.authOf("ws"))
			}
		})
	}
}

// The ticket goes in the WebSocket handshake as a Bearer header.
func TestTicketInTheWebSocketHandshake(t *testing.T) {
	var mu sync.Mutex
	var got []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		got = append(got, r.Header.Get("Authorization"))
		mu.Unlock()
		http.Error(w, "no", http.StatusForbidden)
	}))
	t.Cleanup(srv.Close)
	ctx := testCtx(t, 10*time.Second)
	_, err := Dial(ctx, strings.Replace(srv.URL, "http", "ws", 1)+"/ws", Options{Transport: TransportWebSocket, Ticket: "tkt"})
	if err == nil {
		t.Fatal("dial succeeded against a server that refuses")
	}
	mu.Lock()
	defer mu.Unlock()
	if !slices.Equal(got, []string{"Bearer tkt"}) {
		t.Errorf("upgrade Authorization %q, want the ticket", got)
	}
}

// TicketFunc gives each connection its ticket: Dial's and every
// reconnection's, fresh; an error fails that dial.
func TestTicketFuncForEveryConnection(t *testing.T) {
	f := newFakeServer(t)
	var mu sync.Mutex
	n := 0
	tickets := func(context.Context) (string, error) {
		mu.Lock()
		defer mu.Unlock()
		n++
		return "ticket-" + strconv.Itoa(n), nil
	}
	resumed := make(chan bool, 1)
	c := dialT(t, f.srv.URL, Options{Transport: TransportLongPoll, TicketFunc: tickets, Reconnect: e2eReconnect,
		OnResumed: func(s bool) { resumed <- s }})
	c.Drop(0)
	select {
	case <-resumed:
	case <-testCtx(t, 10*time.Second).Done():
		t.Fatal("not back")
	}
	if got := f.authOf("handshake"); !slices.Equal(got, []string{"Bearer ticket-1", "Bearer ticket-2"}) {
		t.Errorf("handshake Authorization %q, want a fresh ticket for each", got)
	}

	refused := errors.New("backend down")
	ctx := testCtx(t, 10*time.Second)
	if _, err := Dial(ctx, f.srv.URL, Options{Transport: TransportLongPoll, TicketFunc: func(context.Context) (string, error) { return "", refused }}); !errors.Is(err, refused) {
		t.Errorf("Dial with a failing TicketFunc: %v", err)
	}
}

// A close with unauthorized ends the connection, and a reconnecting client
// does not come back: its ticket would be refused again.
func TestUnauthorizedStopsReconnecting(t *testing.T) {
	f := newFakeServer(t)
	gaveUp := make(chan error, 1)
	c := dialT(t, f.srv.URL, Options{Transport: TransportLongPoll, Ticket: "bad", Reconnect: e2eReconnect,
		OnGaveUp: func(err error) { gaveUp <- err }})
	reason := "ticket refused"
	f.only(t).push(append(binary.BigEndian.AppendUint16(nil, uint16(netcode.CodeUnauthorized)), reason...), true)
	select {
	case err := <-gaveUp:
		if !errors.Is(err, ErrGaveUp) {
			t.Errorf("OnGaveUp(%v)", err)
		}
	case <-testCtx(t, 10*time.Second).Done():
		t.Fatal("still connected")
	}
	if got := c.CloseCode(); got != uint16(netcode.CodeUnauthorized) {
		t.Errorf("CloseCode() = %d (%v), want unauthorized", got, c.Err())
	}
	if got := f.authOf("handshake"); len(got) != 1 || c.Stats().Attempts != 0 {
		t.Errorf("handshakes %q, attempts %d: want no reconnection", got, c.Stats().Attempts)
	}
}
