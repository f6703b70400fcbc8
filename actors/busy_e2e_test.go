package actors

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tickroom/tickroom/client"
	"github.com/tickroom/tickroom/games/arena"
	"github.com/tickroom/tickroom/netcode"
	"github.com/tickroom/tickroom/transports"
	"github.com/tickroom/tickroom/transports/httpwire"
	"github.com/tickroom/tickroom/world"
)

// TestOverloadKeepsDroppedPlayers runs the hub behind a real transport on
// 127.0.0.1, wired as the server wires it (transports.Options.Busy is
// Hub.Busy), and forces it overloaded: a newcomer is refused before its
// upgrade or session (503 server_busy, Retry-After) on WebSocket and HTTP
// alike, and a fresh Dial says so in a typed error; players whose
// connections drop meanwhile come back through the same overload and get
// their seats; a connection that claims to resume and joins instead is
// refused, and stays good for nothing but a resume.
func TestOverloadKeepsDroppedPlayers(t *testing.T) {
	if testing.Short() {
		t.Skip("real sockets, a few seconds")
	}
	log := slog.New(slog.DiscardHandler)
	hub, err := NewHub(Options{
		Modes:   map[string]Mode{"arena": {NewGame: func() world.Game { return arena.New() }}},
		Room:    RoomOptions{ResumeWindow: time.Minute},
		Session: SessionOptions{InputRate: 1000, InputBurst: 1000},
		Logger:  log,
	})
	if err != nil {
		t.Fatal(err)
	}
	var load atomic.Uint64 // float64 bits: the lateness the governor sees
	source := func() float64 { return math.Float64frombits(load.Load()) }
	hub.loadSource.Store(&source)
	srv := transports.NewServer(transports.Options{Logger: log, Busy: hub.Busy}, hub)
	if err := srv.Open("127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = srv.Close(ctx)
		_ = hub.Shutdown(ctx)
	})
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()

	// Two players, on WebSocket and on long-polling, who come back by
	// themselves.
	type player struct {
		c       *client.Client
		resumed chan bool
	}
	players := map[string]*player{}
	for _, tr := range []string{client.TransportWebSocket, client.TransportLongPoll} {
		p := &player{resumed: make(chan bool, 4)}
		p.c, err = client.Dial(ctx, srv.HTTPURL(), client.Options{
			Transport: tr, NoUpgrade: true, Name: tr,
			Reconnect: client.Reconnect{Attempts: 20, MaxTime: 20 * time.Second, BaseDelay: 10 * time.Millisecond, MaxDelay: 100 * time.Millisecond},
			OnResumed: func(snapshot bool) { p.resumed <- snapshot },
		})
		if err != nil {
			t.Fatalf("dial %s: %v", tr, err)
		}
		t.Cleanup(func() { _ = p.c.Close() })
		if _, err := p.c.Join(ctx, "r", ""); err != nil {
			t.Fatalf("join %s: %v", tr, err)
		}
		players[tr] = p
	}

	load.Store(math.Float64bits(1))
	for !hub.Overloaded() {
		if ctx.Err() != nil {
			t.Fatal("the hub never became overloaded")
		}
		time.Sleep(10 * time.Millisecond) // the governor samples every 500ms
	}

	// Newcomers: refused before the upgrade or session.
	wantRetry := fmt.Sprint(int(DefaultRecoverAfter / time.Second))
	for what, req := range map[string]func() (*http.Response, error){
		"WebSocket": func() (*http.Response, error) {
			r, _ := http.NewRequestWithContext(ctx, http.MethodGet, srv.HTTPURL()+"/ws", nil)
			r.Header = http.Header{"Connection": {"Upgrade"}, "Upgrade": {"websocket"},
				"Sec-Websocket-Version": {"13"}, "Sec-Websocket-Key": {"dGhlIHNhbXBsZSBub25jZQ=="}}
			return http.DefaultClient.Do(r)
		},
		"HTTP handshake": func() (*http.Response, error) {
			return http.Post(srv.HTTPURL()+"/rt?transport=longpoll", "", nil)
		},
	} {
		resp, err := req()
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		var body httpwire.ErrorBody
		_ = json.NewDecoder(resp.Body).Decode(&body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusServiceUnavailable || body.Code != "server_busy" || resp.Header.Get("Retry-After") != wantRetry {
			t.Errorf("%s while overloaded: %d %q Retry-After %q, want 503 server_busy Retry-After %s",
				what, resp.StatusCode, body.Code, resp.Header.Get("Retry-After"), wantRetry)
		}
	}
	for _, tr := range []string{"", client.TransportWebSocket, client.TransportLongPoll} {
		_, err := client.Dial(ctx, srv.HTTPURL(), client.Options{Transport: tr})
		var he *client.HTTPError
		if !errors.As(err, &he) || he.Status != 503 || he.Code != "server_busy" || he.RetryAfter != DefaultRecoverAfter {
			t.Errorf("Dial(%q) while overloaded: %v, want an *HTTPError 503 server_busy retrying after %v", tr, err, DefaultRecoverAfter)
		}
	}

	// Dropped players come back to their seats.
	for tr, p := range players {
		w := p.c.Welcome()
		p.c.Drop(0)
		select {
		case <-p.resumed:
		case <-ctx.Done():
			t.Fatalf("%s did not resume while overloaded: %v, stats %+v", tr, p.c.Err(), p.c.Stats())
		}
		if w2 := p.c.Welcome(); w2 == nil || w2.Player != w.Player || w2.Entity != w.Entity {
			t.Errorf("%s resumed as %+v, want player %d", tr, w2, w.Player)
		}
		if !hub.Overloaded() {
			t.Fatal("the overload ended during the test")
		}
	}

	// A liar: marked as a resume, it joins. It is let in, its join is
	// refused, and it stays connected (until its join deadline).
	resp, err := http.Post(srv.HTTPURL()+"/rt?transport=longpoll&resume=1", "", nil)
	if err != nil {
		t.Fatal(err)
	}
	var hs httpwire.Handshake
	err = json.NewDecoder(resp.Body).Decode(&hs)
	resp.Body.Close()
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("a handshake marked resume=1 while overloaded: %d %v", resp.StatusCode, err)
	}
	join, _ := netcode.AppendFrame(nil, &netcode.Join{Version: netcode.ProtocolVersion, Room: "r", Name: "liar"})
	resp, err = http.Post(srv.HTTPURL()+"/rt/"+hs.SID+"?seq=1", httpwire.ContentType, bytes.NewReader(httpwire.AppendUplink(nil, join)))
	if err != nil || resp.StatusCode != http.StatusNoContent {
		t.Fatalf("the liar's join: %v %v", resp, err)
	}
	resp.Body.Close()
	resp, err = http.Get(srv.HTTPURL() + "/rt/" + hs.SID + "?ack=0")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	recs, err := httpwire.ParseRecords(b, 1<<20, nil)
	if err != nil || len(recs) != 1 {
		t.Fatalf("the liar's poll: %v records %v", err, recs)
	}
	f, err := netcode.DecodeServer(recs[0].Payload)
	if e, ok := f.(*netcode.Error); err != nil || !ok || e.Code != netcode.CodeServerBusy {
		t.Errorf("the liar's join was answered %#v (%v), want error server_busy", f, err)
	}
	if hub.Stats().BusyJoins != 1 {
		t.Errorf("Stats().BusyJoins = %d, want 1", hub.Stats().BusyJoins)
	}
}

// With LimitOptions.MaxUnjoined connections in no room, a newcomer is
// refused before its upgrade or session (503 server_busy, Retry-After 1),
// on WebSocket and HTTP alike, where Accept's refusal came after the
// upgrade; a connection marked as resuming a seat passes, and meets
// Accept's exact check.
func TestUnjoinedCapRefusesBeforeTheUpgrade(t *testing.T) {
	log := slog.New(slog.DiscardHandler)
	hub, err := NewHub(Options{
		Modes:  map[string]Mode{"arena": {NewGame: func() world.Game { return arena.New() }}},
		Limits: LimitOptions{MaxUnjoined: 2},
		Logger: log,
	})
	if err != nil {
		t.Fatal(err)
	}
	srv := transports.NewServer(transports.Options{Logger: log, Busy: hub.Busy}, hub)
	if err := srv.Open("127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = srv.Close(ctx)
		_ = hub.Shutdown(ctx)
	})
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
	defer cancel()
	for range 2 {
		c, err := client.Dial(ctx, srv.HTTPURL(), client.Options{Transport: client.TransportWebSocket})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = c.Close() })
	}
	for hub.Stats().Unjoined != 2 {
		if ctx.Err() != nil {
			t.Fatal("the two connections never reached the lobby")
		}
		time.Sleep(5 * time.Millisecond)
	}

	webSocket := func(query string) (*http.Response, error) {
		r, _ := http.NewRequestWithContext(ctx, http.MethodGet, srv.HTTPURL()+"/ws"+query, nil)
		r.Header = http.Header{"Connection": {"Upgrade"}, "Upgrade": {"websocket"},
			"Sec-Websocket-Version": {"13"}, "Sec-Websocket-Key": {"dGhlIHNhbXBsZSBub25jZQ=="}}
		return http.DefaultClient.Do(r)
	}
	for what, req := range map[string]func() (*http.Response, error){
		"WebSocket":      func() (*http.Response, error) { return webSocket("") },
		"HTTP handshake": func() (*http.Response, error) { return http.Post(srv.HTTPURL()+"/rt?transport=longpoll", "", nil) },
	} {
		resp, err := req()
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		var body httpwire.ErrorBody
		_ = json.NewDecoder(resp.Body).Decode(&body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusServiceUnavailable || body.Code != "server_busy" || resp.Header.Get("Retry-After") != "1" {
			t.Errorf("%s with the lobby full: %d %q Retry-After %q, want 503 server_busy Retry-After 1",
				what, resp.StatusCode, body.Code, resp.Header.Get("Retry-After"))
		}
	}
	if got := hub.Stats().UnjoinedRefused; got != 0 {
		t.Errorf("UnjoinedRefused = %d, want 0: the transport refused them before Accept", got)
	}

	resp, err := webSocket("?resume=1")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSwitchingProtocols {
		t.Errorf("a WebSocket marked resume=1 with the lobby full: %d, want 101 (Accept decides)", resp.StatusCode)
	}
	for hub.Stats().UnjoinedRefused == 0 && ctx.Err() == nil {
		time.Sleep(5 * time.Millisecond)
	}
	if got := hub.Stats().UnjoinedRefused; got != 1 {
		t.Errorf("UnjoinedRefused = %d, want 1: Accept's check behind the transport's", got)
	}
	if got := srv.Stats().HTTPErrors["server_busy"]; got != 2 {
		t.Errorf("transport's server_busy refusals = %d, want 2", got)
	}
}
