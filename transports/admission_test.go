package transports

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/netip"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/tickroom/tickroom/transports/httpwire"
)

// admissionHandshake sends a WebSocket handshake as a plain request, so that a
// refusal before the upgrade can be read like any answer; a 101 is closed
// at once.
func admissionHandshake(t *testing.T, s *Server, header http.Header) answer {
	t.Helper()
	return admissionHandshakeQuery(t, s, "", header)
}

// admissionHandshakeQuery is admissionHandshake with a query ("?resume=1").
func admissionHandshakeQuery(t *testing.T, s *Server, query string, header http.Header) answer {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, s.HTTPURL()+s.path+query, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header = header.Clone()
	if req.Header == nil {
		req.Header = http.Header{}
	}
	req.Header.Set("Connection", "Upgrade")
	req.Header.Set("Upgrade", "websocket")
	req.Header.Set("Sec-WebSocket-Version", "13")
	req.Header.Set("Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ==")
	resp, err := (&http.Client{Transport: &http.Transport{DisableKeepAlives: true}}).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return answer{status: resp.StatusCode, header: resp.Header, body: b}
}

// checkRefusal checks an admission refusal's status, code and Retry-After.
func checkRefusal(t *testing.T, what string, a answer, status int, code string) {
	t.Helper()
	if a.status != status || a.errCode() != code || a.header.Get("Retry-After") != "10" {
		t.Errorf("%s: %d %q (Retry-After %q), want %d %s with Retry-After 10",
			what, a.status, a.body, a.header.Get("Retry-After"), status, code)
	}
	var e httpwire.ErrorBody
	if err := json.Unmarshal(a.body, &e); err != nil || a.header.Get("Content-Type") != "application/json" {
		t.Errorf("%s: body %q is not the documented JSON error", what, a.body)
	}
}

// A full server refuses new WebSockets and sessions with server_full, and
// still answers its other routes and its sessions' requests; a connection
// that ends makes room.
func TestServerFullStillAnswersHealth(t *testing.T) {
	h := newTestHandler()
	s := NewServer(Options{MaxConnections: 3, CloseDrain: 1}, h)
	s.Handle("/healthz", http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { _, _ = io.WriteString(w, "ok") }))
	if err := s.Open("127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
		defer cancel()
		if err := s.Close(ctx); err != nil {
			t.Errorf("Close: %v", err)
		}
	})

	ws := dial(t, s, dialOptions{})
	dial(t, s, dialOptions{})
	sess := newHTTPClient(t, s).handshake("")
	for range 3 {
		h.next(t)
	}
	if got := s.Stats().Connections; got != 3 {
		t.Errorf("Stats().Connections = %d, want 3", got)
	}

	checkRefusal(t, "WebSocket on a full server", admissionHandshake(t, s, nil), http.StatusServiceUnavailable, "server_full")
	checkRefusal(t, "handshake on a full server", newHTTPClient(t, s).do(http.MethodPost, "", nil, nil), http.StatusServiceUnavailable, "server_full")

	resp, err := http.Get(s.HTTPURL() + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("/healthz on a full server: %d, want 200", resp.StatusCode)
	}
	if a := sess.poll(0, false); a.status != http.StatusOK {
		t.Errorf("poll of a session on a full server: %d %s", a.status, a.body)
	}
	sess.upgrade(t) // a probe is part of its session

	ws.stop()
	waitFor(t, "a connection released", func() bool { return s.Stats().Connections == 2 })
	dial(t, s, dialOptions{})
	h.next(t)
}

// Connections from one client address are capped; from another they are
// not.
func TestPerAddressCap(t *testing.T) {
	h := newTestHandler()
	o := Options{MaxConnectionsPerAddr: 2}
	o.limitLoopback = true
	s := newTestServer(t, o, h)
	dial(t, s, dialOptions{})
	newHTTPClient(t, s).handshake("")
	h.next(t)
	h.next(t)
	checkRefusal(t, "third WebSocket", admissionHandshake(t, s, nil), http.StatusTooManyRequests, "too_many_connections")
	checkRefusal(t, "third session", newHTTPClient(t, s).do(http.MethodPost, "", nil, nil), http.StatusTooManyRequests, "too_many_connections")
	if got := s.Stats().Connections; got != 2 {
		t.Errorf("Stats().Connections = %d, want 2", got)
	}

	// An exempt address is not capped.
	o.ExemptAddrs = []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")}
	s.SetOptions(o)
	dial(t, s, dialOptions{})
	h.next(t)
}

// Without limitLoopback, clients at 127.0.0.1 (a proxy on the server's
// own host) are not capped; the rest of 127.0.0.0/8 is, like any address.
func TestOnlySameHostProxyAddrNotCapped(t *testing.T) {
	h := newTestHandler()
	s := newTestServer(t, Options{MaxConnectionsPerAddr: 1}, h)
	for range 3 {
		dial(t, s, dialOptions{})
		h.next(t)
	}
	needLocalAddr(t, s, "127.0.0.2")
	dial(t, s, dialOptions{local: "127.0.0.2"})
	if got := h.next(t).link.RemoteAddr(); !strings.HasPrefix(got, "127.0.0.2:") {
		t.Fatalf("RemoteAddr() = %q, want 127.0.0.2:port", got)
	}
	c, resp, err := dialErr(s, dialOptions{local: "127.0.0.2"})
	if err == nil {
		c.stop()
	}
	if err == nil || resp == nil || resp.StatusCode != http.StatusTooManyRequests {
		t.Errorf("second WebSocket from 127.0.0.2: %v (response %v), want 429", err, resp)
	}
	checkRefusal(t, "session from 127.0.0.2", newHTTPClientFrom(t, s, "127.0.0.2").do(http.MethodPost, "", nil, nil),
		http.StatusTooManyRequests, "too_many_connections")

	// Listed, it is not capped.
	s.SetOptions(Options{MaxConnectionsPerAddr: 1, ExemptAddrs: []netip.Prefix{netip.MustParsePrefix("127.0.0.2/32")}})
	dial(t, s, dialOptions{local: "127.0.0.2"})
	h.next(t)
}

func TestSameHost(t *testing.T) {
	for in, want := range map[string]bool{
		"127.0.0.1": true, "::1": true, "::ffff:127.0.0.1": true,
		"127.0.0.2": false, "127.1.2.3": false, "10.0.0.1": false, "::2": false,
	} {
		if got := sameHost(netip.MustParseAddr(in)); got != want {
			t.Errorf("sameHost(%s) = %v, want %v", in, got, want)
		}
	}
}

// X-Forwarded-For is believed from a trusted proxy only: the client it
// names is capped, reported by ClientAddr and Link.RemoteAddr.
func TestTrustedProxyNamesTheClient(t *testing.T) {
	addrs := make(chan string, 16)
	var links []Link
	h := newTestHandler()
	accept := handlerFunc(func(l Link, r *http.Request) (Receiver, error) {
		addrs <- ClientAddr(r)
		return h.Accept(l, r)
	})
	s := newTestServer(t, Options{
		MaxConnectionsPerAddr: 1,
		TrustedProxies:        []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")},
	}, accept)

	xff := func(v string) http.Header { return http.Header{"X-Forwarded-For": {v}} }
	dial(t, s, dialOptions{header: xff("203.0.113.9")})
	links = append(links, h.next(t).link)
	if got := <-addrs; got != "203.0.113.9" {
		t.Errorf("ClientAddr = %q, want 203.0.113.9", got)
	}
	if got := links[0].RemoteAddr(); got != "203.0.113.9" {
		t.Errorf("RemoteAddr() = %q, want 203.0.113.9", got)
	}
	checkRefusal(t, "second WebSocket of 203.0.113.9", admissionHandshake(t, s, xff("198.51.100.1, 203.0.113.9")), http.StatusTooManyRequests, "too_many_connections")
	dial(t, s, dialOptions{header: xff("203.0.113.10")})
	h.next(t)
	if got := <-addrs; got != "203.0.113.10" {
		t.Errorf("ClientAddr = %q, want 203.0.113.10", got)
	}

	// From a peer that is not trusted, the header is nobody's word.
	s2 := newTestServer(t, Options{}, accept)
	dial(t, s2, dialOptions{header: xff("203.0.113.9")})
	h.next(t)
	if got := <-addrs; got != "127.0.0.1" {
		t.Errorf("ClientAddr from an untrusted peer = %q, want the peer 127.0.0.1", got)
	}
}

func TestClientAddr(t *testing.T) {
	trusted := []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("fd00::/8")}
	tests := []struct {
		peer   string
		xff    []string
		addr   string
		remote string
	}{
		{"192.0.2.1:5000", nil, "192.0.2.1", "192.0.2.1:5000"},
		{"192.0.2.1:5000", []string{"203.0.113.9"}, "192.0.2.1", "192.0.2.1:5000"}, // untrusted peer
		{"10.0.0.1:5000", nil, "10.0.0.1", "10.0.0.1:5000"},
		{"10.0.0.1:5000", []string{"203.0.113.9"}, "203.0.113.9", "203.0.113.9"},
		{"10.0.0.1:5000", []string{"1.1.1.1, 203.0.113.9, 10.0.0.2"}, "203.0.113.9", "203.0.113.9"},
		{"10.0.0.1:5000", []string{"1.1.1.1", "203.0.113.9"}, "203.0.113.9", "203.0.113.9"},      // two header lines
		{"10.0.0.1:5000", []string{"10.0.0.3, 10.0.0.2"}, "10.0.0.3", "10.0.0.3"},                // all trusted: the leftmost
		{"10.0.0.1:5000", []string{"1.1.1.1, junk, 10.0.0.2"}, "10.0.0.2", "10.0.0.2"},           // junk ends the walk
		{"10.0.0.1:5000", []string{"junk"}, "10.0.0.1", "10.0.0.1:5000"},                         // at the peer
		{"10.0.0.1:5000", []string{"203.0.113.9:4711"}, "203.0.113.9", "203.0.113.9"},            // a hop with a port
		{"[fd00::1]:5000", []string{"2001:db8::7"}, "2001:db8::7", "2001:db8::7"},                // IPv6
		{"[::ffff:10.0.0.1]:5000", []string{"::ffff:203.0.113.9"}, "203.0.113.9", "203.0.113.9"}, // mapped
		{"pipe", []string{"203.0.113.9"}, "invalid IP", "pipe"},
	}
	for _, tt := range tests {
		r := &http.Request{RemoteAddr: tt.peer, Header: http.Header{"X-Forwarded-For": tt.xff}}
		addr, remote := clientAddr(r, trusted)
		if addr.String() != tt.addr || remote != tt.remote {
			t.Errorf("peer %s, X-Forwarded-For %q: %s %q, want %s %q", tt.peer, tt.xff, addr, remote, tt.addr, tt.remote)
		}
	}
}

func TestAddrKey(t *testing.T) {
	for in, want := range map[string]string{
		"203.0.113.9":          "203.0.113.9",
		"2001:db8:1:2:3:4:5:6": "2001:db8:1:2::/64",
		"2001:db8:1:2:ffff::1": "2001:db8:1:2::/64",
		"::ffff:203.0.113.9":   "::ffff:203.0.113.9", // clientAddr unmaps first
		"2001:db8:1:3:3:4:5:6": "2001:db8:1:3::/64",
	} {
		if got := addrKey(netip.MustParseAddr(in)); got != want {
			t.Errorf("addrKey(%s) = %s, want %s", in, got, want)
		}
	}
}

func TestParseTrustedProxy(t *testing.T) {
	for in, want := range map[string]string{
		"10.0.0.0/8":          "10.0.0.0/8",
		"10.1.2.3/8":          "10.0.0.0/8",
		"192.0.2.7":           "192.0.2.7/32",
		"fd00::/8":            "fd00::/8",
		"2001:db8::1":         "2001:db8::1/128",
		"::ffff:10.0.0.0/104": "10.0.0.0/8",
		" 192.0.2.7 ":         "192.0.2.7/32",
	} {
		p, err := ParseTrustedProxy(in)
		if err != nil || p.String() != want {
			t.Errorf("ParseTrustedProxy(%q) = %v, %v; want %s", in, p, err, want)
		}
	}
	for _, bad := range []string{"", "10.0.0.0/33", "example.com", "10.0.0"} {
		if _, err := ParseTrustedProxy(bad); err == nil {
			t.Errorf("ParseTrustedProxy(%q) accepted", bad)
		}
	}
}

// New connections from one address are rationed, whether or not the
// earlier ones are still open: past the burst, one is refused with 429
// too_many_connections before its upgrade or session, with a Retry-After
// of when the next is allowed. A connection refused for another reason
// spends nothing.
func TestConnectionRatePerAddress(t *testing.T) {
	h := newTestHandler()
	o := Options{MaxConnectionsPerAddr: 1, AddrConnectionsPerMinute: 1, AddrConnectionBurst: 2}
	o.limitLoopback = true
	s := newTestServer(t, o, h)

	ws := dial(t, s, dialOptions{})
	h.next(t)
	checkRefusal(t, "a second WebSocket at the cap", admissionHandshake(t, s, nil), http.StatusTooManyRequests, "too_many_connections")
	ws.stop()
	waitFor(t, "the connection released", func() bool { return s.Stats().Connections == 0 })
	sess := newHTTPClient(t, s).handshake("") // the second of the burst: the refusal spent nothing
	h.next(t)
	sess.do(http.MethodDelete, "/"+sess.sid, nil, nil)
	waitFor(t, "the session released", func() bool { return s.Stats().Connections == 0 })

	for what, a := range map[string]answer{
		"WebSocket":         admissionHandshake(t, s, nil),
		"session handshake": newHTTPClient(t, s).do(http.MethodPost, "", nil, nil),
	} {
		retry, err := strconv.Atoi(a.header.Get("Retry-After"))
		if a.status != http.StatusTooManyRequests || a.errCode() != "too_many_connections" || err != nil || retry < 1 || retry > 60 {
			t.Errorf("%s past the burst: %d %s, Retry-After %q; want 429 too_many_connections, Retry-After 1 to 60",
				what, a.status, a.body, a.header.Get("Retry-After"))
		}
	}
	st := s.Stats()
	if st.ConnectionRateLimited != 2 || st.HTTPErrors["too_many_connections"] != 3 || st.Accepted != 2 {
		t.Errorf("stats: ConnectionRateLimited %d, too_many_connections %d, Accepted %d; want 2, 3, 2",
			st.ConnectionRateLimited, st.HTTPErrors["too_many_connections"], st.Accepted)
	}

	// The exempt are not rationed.
	o.ExemptAddrs = []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")}
	s.SetOptions(o)
	dial(t, s, dialOptions{})
	h.next(t)
}

func TestConnBucket(t *testing.T) {
	t0 := time.Unix(1000, 0)
	b := connBucket{tokens: 2, at: t0}
	step := func(at time.Duration, wantWait time.Duration, wantOK bool) {
		t.Helper()
		if wait, ok := b.take(t0.Add(at), 6, 2); wait != wantWait || ok != wantOK { // one every 10s
			t.Errorf("take at %v = %v, %v; want %v, %v", at, wait, ok, wantWait, wantOK)
		}
	}
	step(0, 0, true)
	step(0, 0, true)
	step(time.Second, 9*time.Second, false)
	step(10*time.Second, 0, true)
	step(10*time.Second, 10*time.Second, false)
	step(time.Hour, 0, true) // refilled to the burst, not beyond
	step(time.Hour, 0, true)
	step(time.Hour, 10*time.Second, false)
}

// The table of buckets is bounded: past maxRateAddrs it forgets the
// buckets that are full again, and if that is not enough, all of them.
func TestRateTableBound(t *testing.T) {
	s := NewServer(Options{}, newTestHandler())
	o := s.options()
	now, later := time.Unix(1000, 0), time.Unix(1000, 0).Add(time.Hour)
	for i := range maxRateAddrs / 2 {
		s.takeConnection("a"+strconv.Itoa(i), now, o)
		s.takeConnection("b"+strconv.Itoa(i), later, o)
	}
	s.takeConnection("new", later, o) // the a's are full again by then
	if got, want := len(s.adm.rate), maxRateAddrs/2+1; got != want {
		t.Fatalf("%d buckets after a sweep that found half of them full, want %d", got, want)
	}
	if _, ok := s.adm.rate["b0"]; !ok {
		t.Fatal("a spent bucket was forgotten")
	}

	clear(s.adm.rate)
	for i := range maxRateAddrs {
		s.takeConnection(strconv.Itoa(i), now, o)
	}
	s.takeConnection("new", now, o) // none is full
	if got := len(s.adm.rate); got != 1 {
		t.Errorf("%d buckets after a sweep that found none full, want 1", got)
	}
}
