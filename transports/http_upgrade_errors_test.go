package transports

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/lxzan/gws"
)

// TestUpgradeRefusals covers the probe's protocol errors: each closes the
// probe with ClosePolicy and leaves the session on HTTP.
func TestUpgradeRefusals(t *testing.T) {
	tests := []struct {
		name string
		send func(*probeClient) error
	}{
		{"upgrade before probe", func(p *probeClient) error { return p.conn.WriteString("upgrade 0") }},
		{"binary before upgrade", func(p *probeClient) error { return p.conn.WriteMessage(gws.OpcodeBinary, []byte("x")) }},
		{"unknown text", func(p *probeClient) error { return p.conn.WriteString("hello") }},
		{"upgrade beyond sent", func(p *probeClient) error {
			_ = p.conn.WriteString("probe")
			return p.conn.WriteString("upgrade 99")
		}},
		{"upgrade not a number", func(p *probeClient) error {
			_ = p.conn.WriteString("probe")
			return p.conn.WriteString("upgrade x")
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newTestHandler()
			s := newTestServer(t, Options{}, h)
			c := newHTTPClient(t, s).handshake("")
			rc := h.next(t)
			p, _, err := c.dialProbe()
			if err != nil {
				t.Fatal(err)
			}
			if err := tt.send(p); err != nil {
				t.Fatal(err)
			}
			if code := p.waitClosed(t); code != ClosePolicy {
				t.Errorf("probe closed with %d, want %d", code, ClosePolicy)
			}
			_ = rc.link.Send(ClassControl, seqHead(1), nil)
			if got := frameNums(c.get(true)); len(got) != 1 {
				t.Errorf("poll after the refusal: frames %v", got)
			}
			if got := s.Stats().Upgrades; got != 0 {
				t.Errorf("Upgrades = %d", got)
			}
		})
	}
}

func TestUpgradeRequestErrors(t *testing.T) {
	h := newTestHandler()
	s := newTestServer(t, Options{AllowedOrigins: []string{"https://good.example"}}, h)
	c := newHTTPClient(t, s).handshake("")
	h.next(t)
	if _, _, err := c.dialProbe(); err != nil {
		t.Fatal(err)
	}
	waitUp(t, s, c.sid, upProbeOpen)
	tests := []struct {
		name, sid, origin string
		status            int
		code              string
	}{
		{"second probe", c.sid, "", http.StatusConflict, "poll_in_progress"},
		{"unknown sid", strings.Repeat("0", 32), "", http.StatusNotFound, "unknown_session"},
		{"malformed sid", "nope", "", http.StatusNotFound, "unknown_session"},
		{"origin", c.sid, "https://evil.example", http.StatusForbidden, "origin_not_allowed"},
	}
	for _, tt := range tests {
		before := s.Stats().HTTPErrors[tt.code]
		hdr := http.Header{}
		if tt.origin != "" {
			hdr.Set("Origin", tt.origin)
		}
		_, resp, err := gws.NewClient(&probeClient{}, &gws.ClientOption{Addr: s.URL() + "?sid=" + tt.sid, RequestHeader: hdr})
		if err == nil || resp == nil || resp.StatusCode != tt.status {
			t.Errorf("%s: %v %v, want %d", tt.name, err, resp, tt.status)
		}
		if got := s.Stats().HTTPErrors[tt.code] - before; got != 1 {
			t.Errorf("%s: HTTPErrors[%q] grew by %d, want 1", tt.name, tt.code, got)
		}
	}
}

// TestUpgradedSessionHeartbeat: after the upgrade the WebSocket heartbeat
// governs the session, and its close code reaches the session's Receiver.
func TestUpgradedSessionHeartbeat(t *testing.T) {
	const code = 4011
	h := newTestHandler()
	s := newTestServer(t, Options{PingInterval: 20 * time.Millisecond, PingTimeout: 80 * time.Millisecond,
		TimeoutCloseCode: code, SessionTimeout: time.Minute}, h)
	c := newHTTPClient(t, s).handshake("")
	rc := h.next(t)
	p := c.upgrade(t)
	p.noPong.Store(true)
	if got, _ := CloseStatus(rc.waitClosed(t)); got != code {
		t.Errorf("OnClose code %d, want %d", got, code)
	}
	if got := s.Stats().TimeoutClosed; got != 1 {
		t.Errorf("TimeoutClosed = %d, want 1", got)
	}
	waitFor(t, "session forgotten", func() bool { return s.Stats().HTTPSessions == 0 })
}

func TestServerCloseEndsUpgradedSession(t *testing.T) {
	h := newTestHandler()
	s := NewServer(Options{}, h)
	if err := s.Open("127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	c := newHTTPClient(t, s).handshake("")
	rc := h.next(t)
	p := c.upgrade(t)
	ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
	defer cancel()
	if err := s.Close(ctx); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if code := p.waitClosed(t); code != CloseGoingAway {
		t.Errorf("client saw close %d, want %d", code, CloseGoingAway)
	}
	select {
	case err := <-rc.closed:
		if code, _ := CloseStatus(err); code != CloseGoingAway {
			t.Errorf("OnClose(%v), want code %d", err, CloseGoingAway)
		}
	default:
		t.Error("OnClose not called before Close returned")
	}
	if st := s.Stats(); st.HTTPSessions != 0 || st.Active != 0 {
		t.Errorf("HTTPSessions %d, Active %d after Close", st.HTTPSessions, st.Active)
	}
}
