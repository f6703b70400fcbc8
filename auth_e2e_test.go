package tickroom

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/lxzan/gws"

	"github.com/tickroom/tickroom/netcode"
	"github.com/tickroom/tickroom/transports/httpwire"
	"github.com/tickroom/tickroom/world"
)

// jwtServer starts a server that takes HS256 tickets signed with
// testSecret (from an environment variable) and EdDSA tickets signed by
// the key it returns, for the test backend's issuer and audience, with
// replay protection. extra goes into its [auth] section.
func jwtServer(t *testing.T, log *identityLog, extra string) (*testServer, ed25519.PrivateKey) {
	t.Helper()
	const env = "TICKROOM_TEST_JWT_SECRET"
	t.Setenv(env, testSecret)
	priv, pubPEM := newEd25519(t)
	keyFile := filepath.Join(t.TempDir(), "keys.pem")
	writeConfig(t, keyFile, string(pubPEM))
	config := fmt.Sprintf("[auth]\nmode = \"jwt\"\nalgorithms = [\"HS256\", \"EdDSA\"]\nsecret_env = %q\nkey_file = %q\n"+
		"issuer = \"https://backend.test\"\naudience = \"tickroom-test\"\nreplay_protection = true\n%s", env, keyFile, extra)
	return startTestServer(t, config, defineWho(log)), priv
}

// way is one place a ticket can travel in a handshake.
type way struct {
	name string
	// connect opens a connection carrying ticket; a refusal by the
	// transport comes back as the HTTP status instead.
	connect func(t *testing.T, s *testServer, ticket string) (wireClient, int)
}

var ways = []way{
	{"WebSocket Authorization", func(t *testing.T, s *testServer, ticket string) (wireClient, int) {
		return wsWay(t, s, "", bearer(ticket))
	}},
	{"WebSocket subprotocol", func(t *testing.T, s *testServer, ticket string) (wireClient, int) {
		return wsWay(t, s, "", subprotocols(ticket))
	}},
	{"HTTP Authorization", func(t *testing.T, s *testServer, ticket string) (wireClient, int) {
		return httpWay(t, s, "", bearer(ticket), nil)
	}},
	{"HTTP body", func(t *testing.T, s *testServer, ticket string) (wireClient, int) {
		body, _ := json.Marshal(httpwire.HandshakeRequest{Ticket: ticket})
		return httpWay(t, s, "", http.Header{"Content-Type": {"application/json"}}, body)
	}},
}

func wsWay(t *testing.T, s *testServer, query string, h http.Header) (wireClient, int) {
	t.Helper()
	c, resp, err := dialWS(s, query, h)
	if err != nil {
		if resp == nil {
			t.Fatalf("dial: %v", err)
		}
		return nil, resp.StatusCode
	}
	t.Cleanup(c.close)
	return c, http.StatusSwitchingProtocols
}

func httpWay(t *testing.T, s *testServer, query string, h http.Header, body []byte) (wireClient, int) {
	t.Helper()
	c, status, _ := handshakeHTTP(t, s, query, h, body)
	if c == nil {
		return nil, status
	}
	return c, status
}

// accepted checks that the server took the connection: it answers a ping.
func accepted(t *testing.T, c wireClient) {
	t.Helper()
	c.send(t, &netcode.Ping{ClientTime: 7})
	if p := nextOf[*netcode.Pong](t, c); p.ClientTime != 7 {
		t.Fatalf("pong %d, want 7", p.ClientTime)
	}
}

// refused checks the refusal of a ticket: an error frame unauthorized,
// which says nothing more, then close 4023.
func refused(t *testing.T, what string, c wireClient) {
	t.Helper()
	var msgs []string
	var code uint16
	for {
		f, closeCode := c.next(t)
		if f == nil {
			code = closeCode
			break
		}
		if e, ok := f.(*netcode.Error); ok {
			msgs = append(msgs, fmt.Sprintf("%d %s", e.Code, e.Message))
		} else {
			msgs = append(msgs, fmt.Sprintf("%T", f))
		}
	}
	if want := []string{"4023 unauthorized"}; code != uint16(netcode.CodeUnauthorized) || !slices.Equal(msgs, want) {
		t.Errorf("%s: frames %q, close %d; want %q and close 4023", what, msgs, code, want)
	}
}

// A valid ticket, HS256 or EdDSA, in each place a handshake carries one,
// gets the player in, and the game's join hook sees who the ticket says.
func TestTicketsReachTheGame(t *testing.T) {
	log := new(identityLog)
	s, edKey := jwtServer(t, log, "")
	var want []world.Identity
	for i, w := range ways {
		for _, alg := range []string{"HS256", "EdDSA"} {
			user := fmt.Sprintf("user-%d-%s", i, alg)
			claims := ticketClaims(user)
			ticket := signHS256(t, claims, testSecret)
			if alg == "EdDSA" {
				ticket = signEdDSA(t, claims, edKey)
			}
			c, status := w.connect(t, s, ticket)
			if c == nil {
				t.Fatalf("%s %s: refused with %d", w.name, alg, status)
			}
			c.send(t, joinFrame("r"))
			nextOf[*netcode.Welcome](t, c)
			want = append(want, world.Identity{UserID: user, DisplayName: "Player " + user, Claims: map[string]string{"team": "red"}})
		}
	}
	got := log.all()
	slices.SortFunc(got, func(a, b world.Identity) int { return strings.Compare(a.UserID, b.UserID) })
	slices.SortFunc(want, func(a, b world.Identity) int { return strings.Compare(a.UserID, b.UserID) })
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("join hook saw\n%v\nwant\n%v", got, want)
	}
	if st := s.hub.Stats(); st.Authenticated != int64(len(want)) || st.AuthRefused != 0 {
		t.Errorf("stats: authenticated %d refused %d, want %d and 0", st.Authenticated, st.AuthRefused, len(want))
	}
}

// player is a connected player that plays on in the background, acking
// every state, while the test throws bad tickets at the server.
type player struct {
	c    *wsClient
	stop chan struct{}
	done chan struct{}

	mu     sync.Mutex
	errs   []netcode.Code
	states int
	closed bool
}

func playOn(c *wsClient) *player {
	p := &player{c: c, stop: make(chan struct{}), done: make(chan struct{})}
	go func() {
		defer close(p.done)
		for {
			select {
			case f := <-c.frames:
				p.mu.Lock()
				switch f := f.(type) {
				case *netcode.Error:
					p.errs = append(p.errs, f.Code)
				case *netcode.State:
					p.states++
					b, _ := netcode.AppendFrame(nil, &netcode.Ack{Tick: f.Delta.Tick})
					_ = c.conn.WriteMessage(gws.OpcodeBinary, b)
				}
				p.mu.Unlock()
			case code := <-c.closed:
				c.closed <- code
				p.mu.Lock()
				p.closed = true
				p.mu.Unlock()
				return
			case <-p.stop:
				return
			}
		}
	}()
	return p
}

func (p *player) snapshot() (errs []netcode.Code, states int, closed bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return slices.Clone(p.errs), p.states, p.closed
}

func (p *player) end() {
	close(p.stop)
	<-p.done
}

var (
	rsaOnce sync.Once
	rsaKey  *rsa.PrivateKey
)

func testRSAKey(t *testing.T) *rsa.PrivateKey {
	rsaOnce.Do(func() {
		k, err := rsa.GenerateKey(rand.Reader, 2048)
		if err != nil {
			panic(err)
		}
		rsaKey = k
	})
	return rsaKey
}

// Every bad ticket, in every place a handshake carries one, is refused
// with unauthorized and nothing more (or, too large, by the transport with
// 431), counted, and costs a player already playing nothing: it plays on,
// unaware, and the game never hears of the refused ones.
func TestBadTicketsAreRefused(t *testing.T) {
	log := new(identityLog)
	s, edKey := jwtServer(t, log, "")

	claimsWith := func(edit func(jwt.MapClaims)) jwt.MapClaims {
		c := ticketClaims("mallory")
		edit(c)
		return c
	}
	now := time.Now()
	sign := func(m jwt.SigningMethod, claims jwt.MapClaims, key any) string {
		ticket, err := jwt.NewWithClaims(m, claims).SignedString(key)
		if err != nil {
			t.Fatal(err)
		}
		return ticket
	}
	_, edPub := newEd25519(t)
	cases := []struct {
		name   string
		ticket func() string
		replay bool // use it once, successfully, first
		status int  // refused by the transport, with this status
	}{
		{"forged signature", func() string { return signHS256(t, ticketClaims("mallory"), "another secret of at least 32 bytes!") }, false, 0},
		{"forged EdDSA", func() string {
			other, _ := newEd25519(t)
			return signEdDSA(t, ticketClaims("mallory"), other)
		}, false, 0},
		{"tampered claims", func() string {
			parts := strings.Split(signHS256(t, ticketClaims("mallory"), testSecret), ".")
			admin, _ := json.Marshal(ticketClaims("admin"))
			parts[1] = jwtSegment(admin)
			return strings.Join(parts, ".")
		}, false, 0},
		{"expired", func() string {
			return signHS256(t, claimsWith(func(c jwt.MapClaims) {
				c["iat"], c["exp"] = now.Add(-3*time.Minute).Unix(), now.Add(-2*time.Minute).Unix()
			}), testSecret)
		}, false, 0},
		{"no expiry", func() string {
			return signHS256(t, claimsWith(func(c jwt.MapClaims) { delete(c, "exp") }), testSecret)
		}, false, 0},
		{"not yet valid", func() string {
			return signHS256(t, claimsWith(func(c jwt.MapClaims) { c["nbf"] = now.Add(2 * time.Minute).Unix() }), testSecret)
		}, false, 0},
		{"wrong audience", func() string {
			return signHS256(t, claimsWith(func(c jwt.MapClaims) { c["aud"] = "another-game" }), testSecret)
		}, false, 0},
		{"wrong issuer", func() string {
			return signHS256(t, claimsWith(func(c jwt.MapClaims) { c["iss"] = "https://evil.test" }), testSecret)
		}, false, 0},
		{"no subject", func() string {
			return signHS256(t, claimsWith(func(c jwt.MapClaims) { delete(c, "sub") }), testSecret)
		}, false, 0},
		{"no jti", func() string {
			return signHS256(t, claimsWith(func(c jwt.MapClaims) { delete(c, "jti") }), testSecret)
		}, false, 0},
		{"replayed", func() string { return signHS256(t, ticketClaims("mallory"), testSecret) }, true, 0},
		{"alg none", func() string {
			return sign(jwt.SigningMethodNone, ticketClaims("mallory"), jwt.UnsafeAllowNoneSignatureType)
		}, false, 0},
		{"HS384 with the right secret", func() string {
			return sign(jwt.SigningMethodHS384, ticketClaims("mallory"), []byte(testSecret))
		}, false, 0},
		{"RS256, not allowed", func() string {
			return sign(jwt.SigningMethodRS256, ticketClaims("mallory"), testRSAKey(t))
		}, false, 0},
		{"HS256 keyed with the public key", func() string {
			return sign(jwt.SigningMethodHS256, ticketClaims("mallory"), edPub)
		}, false, 0},
		{"EdDSA claiming HS256", func() string {
			parts := strings.Split(signEdDSA(t, ticketClaims("mallory"), edKey), ".")
			parts[0] = jwtSegment([]byte(`{"alg":"HS256","typ":"JWT"}`))
			return strings.Join(parts, ".")
		}, false, 0},
		{"not a JWT", func() string { return "not-a-jwt" }, false, 0},
		{"too many claims", func() string {
			return signHS256(t, claimsWith(func(c jwt.MapClaims) {
				for i := range 20 {
					c[fmt.Sprintf("c%d", i)] = "x"
				}
			}), testSecret)
		}, false, 0},
		{"oversized", func() string { return strings.Repeat("a", httpwire.MaxTicketLen+1) }, false, http.StatusRequestHeaderFieldsTooLarge},
	}

	pc := mustDialWS(t, s, bearer(signHS256(t, ticketClaims("player"), testSecret)))
	pc.send(t, joinFrame("arena"))
	nextOf[*netcode.Welcome](t, pc)
	p := playOn(pc)
	_, before, _ := p.snapshot()

	refusals := 0
	for _, tc := range cases {
		for _, w := range ways {
			what := tc.name + " over " + w.name
			ticket := tc.ticket()
			if tc.replay {
				c, _ := w.connect(t, s, ticket)
				if c == nil {
					t.Fatalf("%s: first use refused", what)
				}
				accepted(t, c)
				c.close()
			}
			c, status := w.connect(t, s, ticket)
			if tc.status != 0 {
				if c != nil || status != tc.status {
					t.Errorf("%s: status %d, want %d from the transport", what, status, tc.status)
				}
				continue
			}
			if c == nil {
				t.Fatalf("%s: refused by the transport with %d, want unauthorized from the server", what, status)
			}
			refused(t, what, c)
			refusals++
		}
	}
	// A ticket in the URL is never read: the connection has none.
	valid := signHS256(t, ticketClaims("mallory"), testSecret)
	for _, q := range []string{"?ticket=", "?access_token=", "?token="} {
		c, _ := wsWay(t, s, q+valid, nil)
		refused(t, "WebSocket "+q, c)
		c, _ = httpWay(t, s, q+valid, nil, nil)
		refused(t, "HTTP "+q, c)
		refusals += 2
	}

	// The player played on through all of it.
	deadline := time.Now().Add(authWait)
	for _, n, _ := p.snapshot(); n < before+10 && time.Now().Before(deadline); _, n, _ = p.snapshot() {
		time.Sleep(10 * time.Millisecond)
	}
	p.end()
	errs, after, closed := p.snapshot()
	if closed || len(errs) > 0 || after < before+10 {
		t.Errorf("the player: closed %v, errors %v, states %d then %d; want it playing on untouched", closed, errs, before, after)
	}
	if got := log.all(); len(got) != 1 || got[0].UserID != "player" {
		t.Errorf("join hook saw %v, want only the player", got)
	}
	st := s.hub.Stats()
	if st.AuthRefused != int64(refusals) {
		t.Errorf("AuthRefused = %d, want %d", st.AuthRefused, refusals)
	}
	_, body := getMetrics(t, s)
	for _, line := range []string{
		fmt.Sprintf(`tickroom_auth_total{outcome="refused"} %d`, refusals),
		`tickroom_auth_total{outcome="ticket_too_large"} 4`,
	} {
		if !strings.Contains(body, line) {
			t.Errorf("/metrics has no line %q", line)
		}
	}
}

func getMetrics(t *testing.T, s *testServer) (int, string) {
	t.Helper()
	return getJSON(t, s.URL()+"/metrics", nil)
}

// jwtSegment is base64url without padding, as JWT segments are.
func jwtSegment(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }

// One connection per user: a user's new connection closes the older with
// replaced, and may resume the seat the older held; another user's resume
// of that seat's token is refused with resume_expired.
func TestOneSessionPerUserEndToEnd(t *testing.T) {
	log := new(identityLog)
	s, _ := jwtServer(t, log, "one_session_per_user = true\n")
	ticket := func(user string) string { return signHS256(t, ticketClaims(user), testSecret) }

	a := mustDialWS(t, s, bearer(ticket("alice")))
	a.send(t, joinFrame("r"))
	w := nextOf[*netcode.Welcome](t, a)
	st := nextOf[*netcode.State](t, a)
	bob := mustDialWS(t, s, subprotocols(ticket("bob")))
	bob.send(t, joinFrame("r"))
	nextOf[*netcode.Welcome](t, bob)

	// Alice again, over HTTP: the WebSocket is replaced.
	a2, status := ways[3].connect(t, s, ticket("alice"))
	if a2 == nil {
		t.Fatalf("alice's second connection refused: %d", status)
	}
	errs, code := untilClosed(t, a)
	if code != uint16(netcode.CodeReplaced) || !slices.Contains(errs, netcode.CodeReplaced) {
		t.Fatalf("alice's first connection: errors %v, close %d; want replaced and 4022", errs, code)
	}

	// Mallory, with a valid ticket of her own, cannot take alice's seat.
	m, _ := ways[0].connect(t, s, ticket("mallory"))
	m.send(t, &netcode.Resume{Version: netcode.ProtocolVersion, Token: w.ResumeToken, LastTick: st.Delta.Tick})
	if e := nextOf[*netcode.Error](t, m); e.Code != netcode.CodeResumeExpired {
		t.Errorf("mallory's resume of alice's seat: %d %s, want resume_expired", e.Code, e.Message)
	}
	accepted(t, m) // and she stays connected

	// Alice's new connection resumes her seat.
	a2.send(t, &netcode.Resume{Version: netcode.ProtocolVersion, Token: w.ResumeToken, LastTick: st.Delta.Tick})
	w2 := nextOf[*netcode.Welcome](t, a2)
	if w2.Player != w.Player || w2.Entity != w.Entity {
		t.Errorf("alice's resume: player %d entity %d, want %d and %d", w2.Player, w2.Entity, w.Player, w.Entity)
	}
	accepted(t, bob) // bob was never touched
	if got := s.hub.Stats().UsersReplaced; got != 1 {
		t.Errorf("UsersReplaced = %d, want 1", got)
	}
	if _, body := getMetrics(t, s); !strings.Contains(body, `tickroom_connections_closed_total{reason="replaced"} 1`) {
		t.Error("/metrics does not count the replaced connection")
	}
}

// Options.Auth authenticates instead of [auth]: whatever it proves
// reaches the game, whatever it refuses gets unauthorized.
func TestAuthHook(t *testing.T) {
	t.Parallel()
	log := new(identityLog)
	var mu sync.Mutex
	var remotes []string
	hook := func(_ context.Context, credential string, r AuthRequest) (world.Identity, error) {
		mu.Lock()
		remotes = append(remotes, r.RemoteAddr)
		mu.Unlock()
		user, ok := strings.CutPrefix(credential, "let-me-in:")
		if !ok {
			return world.Identity{}, errors.New("who are you?")
		}
		return world.Identity{UserID: user, DisplayName: strings.ToUpper(user)}, nil
	}
	s := startAuthServer(t, "", Options{Auth: hook}, defineWho(log))
	c, _ := ways[1].connect(t, s, "let-me-in:carol")
	c.send(t, joinFrame("r"))
	nextOf[*netcode.Welcome](t, c)
	if got := log.all(); len(got) != 1 || got[0].UserID != "carol" || got[0].DisplayName != "CAROL" {
		t.Errorf("join hook saw %v, want carol", got)
	}
	for _, w := range ways {
		c, _ := w.connect(t, s, "open-sesame")
		refused(t, w.name, c)
	}
	mu.Lock()
	defer mu.Unlock()
	for _, r := range remotes {
		if !strings.HasPrefix(r, "127.0.0.1:") {
			t.Errorf("hook saw remote address %q, want the client's", r)
		}
	}
}

// A program with its own hook and a config that also checks tickets is a
// mistake, named by its key.
func TestAuthHookAndJWTConflict(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "server.toml")
	writeConfig(t, path, "[server]\naddr = \"127.0.0.1:0\"\n[auth]\nmode = \"jwt\"\nsecret_file = \"/nonexistent\"\n")
	s := New(Options{ConfigPath: path, Log: io.Discard, Auth: func(context.Context, string, AuthRequest) (world.Identity, error) {
		return world.Identity{}, nil
	}})
	defineWho(new(identityLog))(s)
	err := s.Start()
	if got := problemKeys(err); !slices.Equal(got, []string{"auth.mode"}) {
		t.Errorf("Start = %v, want a problem with auth.mode", err)
	}
}

// A reload reads the key file again: a new key is taken, and an old one
// that left the file is not; a key file that does not parse keeps the
// running keys.
func TestReloadRotatesKeys(t *testing.T) {
	t.Parallel()
	log := new(identityLog)
	k1, pem1 := newEd25519(t)
	k2, pem2 := newEd25519(t)
	keyFile := filepath.Join(t.TempDir(), "keys.pem")
	writeConfig(t, keyFile, string(pem1))
	s := startTestServer(t, fmt.Sprintf("[auth]\nmode = \"jwt\"\nalgorithms = [\"EdDSA\"]\nkey_file = %q\n", keyFile), defineWho(log))
	try := func(key ed25519.PrivateKey) bool {
		c, _ := ways[0].connect(t, s, signEdDSA(t, ticketClaims("dave"), key))
		c.send(t, &netcode.Ping{ClientTime: 1})
		f, _ := c.next(t)
		c.close()
		_, ok := f.(*netcode.Pong)
		return ok
	}
	if !try(k1) || try(k2) {
		t.Fatal("before the reload: want the first key taken, the second refused")
	}
	writeConfig(t, keyFile, string(pem2))
	if err := s.Reload(); err != nil {
		t.Fatal(err)
	}
	if try(k1) || !try(k2) {
		t.Error("after the reload: want the second key taken, the first refused")
	}
	writeConfig(t, keyFile, "not a key")
	if err := s.Reload(); err == nil || !slices.Equal(problemKeys(err), []string{"auth.key_file"}) {
		t.Errorf("Reload with a broken key file = %v, want a problem with auth.key_file", err)
	}
	if !try(k2) {
		t.Error("after a refused reload: the running key no longer works")
	}
}
