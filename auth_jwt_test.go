package tickroom

import (
	"crypto/rsa"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// testVerifier checks HS256 and RS256 tickets at a fixed clock.
func testVerifier(t *testing.T, edit func(*AuthConfig)) (*jwtVerifier, time.Time) {
	t.Helper()
	a := DefaultConfig().Auth
	a.Mode, a.Algorithms = authJWT, []string{algHS256, algRS256}
	a.Issuer, a.Audience = "https://backend.test", "tickroom-test"
	if edit != nil {
		edit(&a)
	}
	now := time.Now()
	keys := &authKeys{secret: []byte(testSecret), rsa: []*rsa.PublicKey{&testRSAKey(t).PublicKey}}
	return newJWTVerifier(a, keys, newReplayCache(a.ReplayCache), func() time.Time { return now }), now
}

// A ticket's claims become the identity: sub the user id, the name claim
// the display name, the other string claims the claims map; the rest is
// the backend's.
func TestTicketIdentity(t *testing.T) {
	t.Parallel()
	v, _ := testVerifier(t, func(a *AuthConfig) { a.NameClaim = "nick" })
	c := ticketClaims("u1")
	c["nick"] = "Nick"
	c["level"] = 12
	c["roles"] = []string{"admin"}
	id, err := v.verify(signHS256(t, c, testSecret))
	if err != nil {
		t.Fatal(err)
	}
	if id.UserID != "u1" || id.DisplayName != "Nick" || fmt.Sprint(id.Claims) != "map[name:Player u1 team:red]" {
		t.Errorf("identity %+v, want u1, Nick and the string claims name and team", id)
	}
	rs, err := jwt.NewWithClaims(jwt.SigningMethodRS256, ticketClaims("u2")).SignedString(testRSAKey(t))
	if err != nil {
		t.Fatal(err)
	}
	if id, err := v.verify(rs); err != nil || id.UserID != "u2" {
		t.Errorf("RS256 ticket: %+v, %v", id, err)
	}
}

func TestTicketBounds(t *testing.T) {
	t.Parallel()
	v, now := testVerifier(t, func(a *AuthConfig) { a.MaxClaims = 2 })
	for name, edit := range map[string]func(jwt.MapClaims){
		"sub too long":         func(c jwt.MapClaims) { c["sub"] = strings.Repeat("u", maxUserID+1) },
		"sub not a string":     func(c jwt.MapClaims) { c["sub"] = 5 },
		"name too long":        func(c jwt.MapClaims) { c["name"] = strings.Repeat("n", maxDisplayName+1) },
		"name not a string":    func(c jwt.MapClaims) { c["name"] = 5 },
		"claim value too long": func(c jwt.MapClaims) { c["team"] = strings.Repeat("t", maxClaimValue+1) },
		"claim name too long":  func(c jwt.MapClaims) { c[strings.Repeat("k", maxClaimKey+1)] = "v" },
		"too many claims":      func(c jwt.MapClaims) { c["rank"], c["clan"] = "a", "b" },
		"iat in the future":    func(c jwt.MapClaims) { c["iat"] = now.Add(time.Hour).Unix() },
		"expired within skew":  nil,
	} {
		c := ticketClaims("u")
		if edit == nil { // inside the leeway: accepted
			c["exp"] = now.Add(-10 * time.Second).Unix()
			if _, err := v.verify(signHS256(t, c, testSecret)); err != nil {
				t.Errorf("%s: %v, want it accepted", name, err)
			}
			continue
		}
		edit(c)
		if id, err := v.verify(signHS256(t, c, testSecret)); err == nil {
			t.Errorf("%s: accepted as %+v", name, id)
		}
	}
	if _, err := v.verify(""); !errors.Is(err, errNoTicket) {
		t.Errorf("no ticket: %v, want errNoTicket", err)
	}
}

// With replay protection a ticket opens one connection, a ticket without
// jti none; without it the same ticket may be shown again.
func TestTicketReplay(t *testing.T) {
	t.Parallel()
	v, _ := testVerifier(t, func(a *AuthConfig) { a.ReplayProtection = true })
	ticket := signHS256(t, ticketClaims("u"), testSecret)
	if _, err := v.verify(ticket); err != nil {
		t.Fatal(err)
	}
	if _, err := v.verify(ticket); !errors.Is(err, errReplayed) {
		t.Errorf("second use: %v, want errReplayed", err)
	}
	c := ticketClaims("u")
	delete(c, "jti")
	if _, err := v.verify(signHS256(t, c, testSecret)); !errors.Is(err, errMissingJTI) {
		t.Errorf("no jti: %v, want errMissingJTI", err)
	}
	// A forged ticket never reaches the cache.
	forged := signHS256(t, ticketClaims("u"), "another secret of at least 32 bytes!")
	n := v.replay.len()
	if _, err := v.verify(forged); err == nil || v.replay.len() != n {
		t.Errorf("forged ticket: %v, cache %d → %d", err, n, v.replay.len())
	}

	open, _ := testVerifier(t, nil)
	for range 2 {
		if _, err := open.verify(ticket); err != nil {
			t.Errorf("without replay protection: %v", err)
		}
	}
}

func TestReplayCache(t *testing.T) {
	t.Parallel()
	c := newReplayCache(2)
	t0 := time.Now()
	if err := c.use("a", t0.Add(time.Minute), t0); err != nil {
		t.Fatal(err)
	}
	if err := c.use("a", t0.Add(time.Minute), t0.Add(time.Second)); !errors.Is(err, errReplayed) {
		t.Errorf("a again: %v, want errReplayed", err)
	}
	if err := c.use("b", t0.Add(2*time.Minute), t0); err != nil {
		t.Fatal(err)
	}
	if err := c.use("c", t0.Add(time.Minute), t0); !errors.Is(err, errReplayFull) {
		t.Errorf("c with the cache full: %v, want errReplayFull (never forget a live jti)", err)
	}
	// Once a expires it is forgotten, making room, and may come back:
	// its ticket has expired anyway.
	later := t0.Add(time.Minute + time.Second)
	if err := c.use("c", later.Add(time.Minute), later); err != nil {
		t.Errorf("c after a expired: %v", err)
	}
	if err := c.use("b", later.Add(time.Minute), later); !errors.Is(err, errReplayed) {
		t.Errorf("b, still live: %v, want errReplayed", err)
	}
	c.setLimit(1)
	if err := c.use("d", later.Add(time.Minute), later); !errors.Is(err, errReplayFull) {
		t.Errorf("d after shrinking: %v, want errReplayFull", err)
	}
	if got := c.len(); got != 2 {
		t.Errorf("len = %d, want 2", got)
	}
}
