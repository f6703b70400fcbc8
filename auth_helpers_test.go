package tickroom

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
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

	"github.com/tickroom/tickroom/games/arena"
	"github.com/tickroom/tickroom/netcode"
	"github.com/tickroom/tickroom/transports/httpwire"
	"github.com/tickroom/tickroom/world"
)

// These helpers speak the wire to a server as a client written from the
// specs would, with raw gws and net/http, so that where a ticket goes in a
// handshake is tested as the specs say, not as the Go client does it.

// authWait bounds every wait of the auth tests; they normally take far
// less.
const authWait = 10 * time.Second

// whoGame is an arena that records the identity of every join its join
// hook sees.
type whoGame struct {
	*arena.Game
	seen *identityLog
}

type identityLog struct {
	mu  sync.Mutex
	ids []world.Identity
}

func (l *identityLog) add(id world.Identity) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.ids = append(l.ids, id)
}

func (l *identityLog) all() []world.Identity {
	l.mu.Lock()
	defer l.mu.Unlock()
	return slices.Clone(l.ids)
}

func (g *whoGame) JoinAttempt(_ *world.World, a world.JoinAttempt) error {
	g.seen.add(a.Identity)
	return nil
}

func defineWho(log *identityLog) func(*Server) {
	return func(s *Server) {
		Define(s, "who", func() *whoGame { return &whoGame{Game: arena.New(), seen: log} })
	}
}

// wireClient is one connection, on WebSocket or on the HTTP transports.
type wireClient interface {
	send(t *testing.T, m netcode.Frame)
	// next returns the next frame, or the close code once the connection
	// closed (frame nil).
	next(t *testing.T) (netcode.Frame, uint16)
	close()
}

// untilClosed reads frames until the connection closes and returns the
// error codes it got and the close code.
func untilClosed(t *testing.T, c wireClient) (errs []netcode.Code, code uint16) {
	t.Helper()
	for {
		f, code := c.next(t)
		if f == nil {
			return errs, code
		}
		if e, ok := f.(*netcode.Error); ok {
			errs = append(errs, e.Code)
		}
	}
}

// nextOf waits for the next frame of type F, failing on a close.
func nextOf[F netcode.Frame](t *testing.T, c wireClient) F {
	t.Helper()
	for {
		f, code := c.next(t)
		if f == nil {
			var zero F
			t.Fatalf("connection closed with %d while waiting for a %T", code, zero)
		}
		if m, ok := f.(F); ok {
			return m
		}
	}
}

// wsClient is a WebSocket client on gws.
type wsClient struct {
	conn   *gws.Conn
	frames chan netcode.Frame
	closed chan uint16
	done   chan struct{}
}

func dialWS(s *testServer, query string, h http.Header) (*wsClient, *http.Response, error) {
	c := &wsClient{frames: make(chan netcode.Frame, 4096), closed: make(chan uint16, 1), done: make(chan struct{})}
	conn, resp, err := gws.NewClient(c, &gws.ClientOption{Addr: "ws" + strings.TrimPrefix(s.URL(), "http") + "/ws" + query, RequestHeader: h})
	if resp != nil && resp.Body != nil {
		_ = resp.Body.Close()
	}
	if err != nil {
		return nil, resp, err
	}
	c.conn = conn
	go func() {
		defer close(c.done)
		conn.ReadLoop()
	}()
	return c, resp, nil
}

func mustDialWS(t *testing.T, s *testServer, h http.Header) *wsClient {
	t.Helper()
	c, resp, err := dialWS(s, "", h)
	if err != nil {
		t.Fatalf("dial: %v (%v)", err, resp)
	}
	t.Cleanup(c.close)
	return c
}

func (c *wsClient) OnOpen(*gws.Conn)                      {}
func (c *wsClient) OnPong(*gws.Conn, []byte)              {}
func (c *wsClient) OnPing(conn *gws.Conn, p []byte)       { _ = conn.WritePong(p) }
func (c *wsClient) OnClose(_ *gws.Conn, err error)        { c.closed <- closeCodeOf(err) }
func (c *wsClient) OnMessage(_ *gws.Conn, m *gws.Message) { c.deliver(m) }

func (c *wsClient) deliver(m *gws.Message) {
	defer m.Close()
	f, err := netcode.DecodeServer(bytes.Clone(m.Bytes()))
	if err == nil {
		c.frames <- f
	}
}

func closeCodeOf(err error) uint16 {
	var ce *gws.CloseError
	if errors.As(err, &ce) {
		return ce.Code
	}
	return 0
}

func (c *wsClient) send(t *testing.T, m netcode.Frame) {
	t.Helper()
	b, err := netcode.AppendFrame(nil, m)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.conn.WriteMessage(gws.OpcodeBinary, b); err != nil {
		t.Fatalf("write: %v", err)
	}
}

func (c *wsClient) next(t *testing.T) (netcode.Frame, uint16) {
	t.Helper()
	select {
	case f := <-c.frames:
		return f, 0
	default:
	}
	select {
	case f := <-c.frames:
		return f, 0
	case code := <-c.closed:
		select { // frames read before the close come first
		case f := <-c.frames:
			c.closed <- code
			return f, 0
		default:
		}
		c.closed <- code
		return nil, code
	case <-time.After(authWait):
		t.Fatal("WebSocket: nothing received")
		return nil, 0
	}
}

func (c *wsClient) close() {
	_ = c.conn.NetConn().Close()
	<-c.done
}

// httpClient is a long-polling client of the HTTP transports.
type httpClient struct {
	hc     *http.Client
	base   string
	sid    string
	ack    uint64
	batch  uint64
	queue  []netcode.Frame
	closed uint16 // the close record's code, once read
}

// handshakeHTTP opens an HTTP session with the given headers and body and
// returns the answer's status and error code when it is not 200.
func handshakeHTTP(t *testing.T, s *testServer, query string, h http.Header, body []byte) (*httpClient, int, string) {
	t.Helper()
	tr := &http.Transport{}
	t.Cleanup(tr.CloseIdleConnections)
	c := &httpClient{hc: &http.Client{Transport: tr, Timeout: authWait}, base: s.URL() + "/rt"}
	status, b := c.do(t, http.MethodPost, query, h, body)
	if status != http.StatusOK {
		var e httpwire.ErrorBody
		_ = json.Unmarshal(b, &e)
		return nil, status, e.Code
	}
	var hs httpwire.Handshake
	if err := json.Unmarshal(b, &hs); err != nil {
		t.Fatalf("handshake: %v in %s", err, b)
	}
	c.sid = hs.SID
	t.Cleanup(c.close)
	return c, status, ""
}

func (c *httpClient) do(t *testing.T, method, path string, h http.Header, body []byte) (int, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, c.base+path, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range h {
		req.Header[k] = v
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	return resp.StatusCode, b
}

func (c *httpClient) send(t *testing.T, m netcode.Frame) {
	t.Helper()
	b, err := netcode.AppendFrame(nil, m)
	if err != nil {
		t.Fatal(err)
	}
	c.batch++
	status, body := c.do(t, http.MethodPost, fmt.Sprintf("/%s?seq=%d", c.sid, c.batch),
		http.Header{"Content-Type": {httpwire.ContentType}}, httpwire.AppendUplink(nil, b))
	if status != http.StatusNoContent {
		t.Fatalf("POST: %d %s", status, body)
	}
}

func (c *httpClient) next(t *testing.T) (netcode.Frame, uint16) {
	t.Helper()
	for len(c.queue) == 0 {
		if c.closed != 0 {
			return nil, c.closed
		}
		status, body := c.do(t, http.MethodGet, fmt.Sprintf("/%s?ack=%d", c.sid, c.ack), nil, nil)
		if status != http.StatusOK {
			t.Fatalf("GET: %d %s", status, body)
		}
		recs, err := httpwire.ParseRecords(body, 1<<20, nil)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range recs {
			if code, _, ok := r.Close(); ok {
				c.closed = code
				continue
			}
			if r.Seq == 0 {
				continue
			}
			c.ack = r.Seq
			if f, err := netcode.DecodeServer(bytes.Clone(r.Payload)); err == nil {
				c.queue = append(c.queue, f)
			}
		}
	}
	f := c.queue[0]
	c.queue = c.queue[1:]
	return f, 0
}

func (c *httpClient) close() {
	req, _ := http.NewRequest(http.MethodDelete, c.base+"/"+c.sid, nil)
	if resp, err := c.hc.Do(req); err == nil {
		resp.Body.Close()
	}
}

// Ticket signing, as a game's backend would.

// testSecret is the HS256 secret of the auth tests: 32 bytes.
const testSecret = "0123456789abcdef0123456789abcdef"

// ticketClaims are the claims of a valid ticket for user: right issuer
// and audience, a minute to live, a fresh jti.
func ticketClaims(user string) jwt.MapClaims {
	now := time.Now()
	return jwt.MapClaims{
		"sub": user, "name": "Player " + user, "team": "red",
		"iss": "https://backend.test", "aud": "tickroom-test",
		"iat": now.Unix(), "exp": now.Add(time.Minute).Unix(), "jti": rand.Text(),
	}
}

func signHS256(t *testing.T, claims jwt.MapClaims, secret string) string {
	t.Helper()
	s, err := jwt.NewWithClaims(jwt.SigningMethodHS256, claims).SignedString([]byte(secret))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func signEdDSA(t *testing.T, claims jwt.MapClaims, key ed25519.PrivateKey) string {
	t.Helper()
	s, err := jwt.NewWithClaims(jwt.SigningMethodEdDSA, claims).SignedString(key)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// newEd25519 returns a fresh key pair and its public key as PEM.
func newEd25519(t *testing.T) (ed25519.PrivateKey, []byte) {
	t.Helper()
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		t.Fatal(err)
	}
	return priv, pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})
}

func bearer(ticket string) http.Header { return http.Header{"Authorization": {"Bearer " + ticket}} }

func subprotocols(ticket string) http.Header {
	return http.Header{"Sec-Websocket-Protocol": {httpwire.Subprotocol + ", " + httpwire.TicketProtocolPrefix + ticket}}
}

func joinFrame(room string) *netcode.Join {
	return &netcode.Join{Version: netcode.ProtocolVersion, Mode: "who", Name: "p", Room: room}
}

// startAuthServer is startTestServer with options of the test's own (an
// Auth hook).
func startAuthServer(t *testing.T, config string, o Options, define func(*Server)) *testServer {
	t.Helper()
	path := filepath.Join(t.TempDir(), "server.toml")
	writeConfig(t, path, "[server]\naddr = \"127.0.0.1:0\"\n[log]\nlevel = \"warn\"\n"+config)
	o.ConfigPath, o.Log = path, io.Discard
	s := New(o)
	define(s)
	if err := s.Start(); err != nil {
		t.Fatalf("Start: %v", err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return &testServer{Server: s, path: path}
}
