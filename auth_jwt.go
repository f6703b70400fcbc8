package tickroom

import (
	"errors"
	"fmt"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/tickroom/tickroom/world"
)

// Bounds of what a ticket may put in an identity. A ticket over them is
// refused, not cut: a cut user id would be somebody else's.
const (
	maxUserID      = 128 // sub, bytes
	maxDisplayName = 64  // the name claim, bytes
	maxClaimKey    = 64  // the name of another string claim, bytes
	maxClaimValue  = 256 // its value, bytes
	maxJTI         = 128 // jti, bytes
)

// registeredClaims are the claims of RFC 7519 4.1 that the verifier reads
// itself; they never reach the identity's claims map.
var registeredClaims = []string{"iss", "sub", "aud", "exp", "nbf", "iat", "jti"}

var (
	errNoTicket   = errors.New("no ticket")
	errMissingJTI = errors.New("ticket has no jti, and replay protection needs one")
)

// jwtVerifier checks join tickets for [auth] mode "jwt": the signature
// with a key of the ticket's algorithm (one the config allows), then exp
// (required), nbf and iat with the leeway, iss and aud when configured,
// and last, for a ticket that passed all of that, its jti against the
// replay cache. It is immutable: a reload builds a new one (with new keys)
// around the same replay cache.
type jwtVerifier struct {
	parser    *jwt.Parser
	keys      *authKeys
	nameClaim string
	maxClaims int
	leeway    time.Duration
	replay    *replayCache // nil when replay protection is off
	now       func() time.Time
}

func newJWTVerifier(a AuthConfig, keys *authKeys, replay *replayCache, now func() time.Time) *jwtVerifier {
	opts := []jwt.ParserOption{
		jwt.WithValidMethods(a.Algorithms),
		jwt.WithLeeway(a.Leeway),
		jwt.WithExpirationRequired(),
		jwt.WithIssuedAt(),
		jwt.WithStrictDecoding(),
		jwt.WithTimeFunc(now),
	}
	if a.Issuer != "" {
		opts = append(opts, jwt.WithIssuer(a.Issuer))
	}
	if a.Audience != "" {
		opts = append(opts, jwt.WithAudience(a.Audience))
	}
	v := &jwtVerifier{
		parser:    jwt.NewParser(opts...),
		keys:      keys,
		nameClaim: a.NameClaim,
		maxClaims: a.MaxClaims,
		leeway:    a.Leeway,
		now:       now,
	}
	if a.ReplayProtection {
		v.replay = replay
	}
	return v
}

// key gives the parser the keys of the ticket's algorithm, and only
// those: an HMAC ticket is checked with the secret alone, an RSA one with
// RSA keys, an EdDSA one with Ed25519 keys, so no public key can be
// passed off as a secret. The parser has already refused an algorithm the
// config does not list.
func (v *jwtVerifier) key(t *jwt.Token) (any, error) {
	var keys []jwt.VerificationKey
	switch t.Method.(type) {
	case *jwt.SigningMethodHMAC:
		if v.keys.secret != nil {
			keys = append(keys, v.keys.secret)
		}
	case *jwt.SigningMethodRSA:
		for _, k := range v.keys.rsa {
			keys = append(keys, k)
		}
	case *jwt.SigningMethodEd25519:
		for _, k := range v.keys.ed {
			keys = append(keys, k)
		}
	}
	if len(keys) == 0 {
		return nil, fmt.Errorf("no key for algorithm %s", t.Method.Alg())
	}
	return jwt.VerificationKeySet{Keys: keys}, nil
}

// verify returns the identity a ticket proves, or why it proves none.
func (v *jwtVerifier) verify(ticket string) (world.Identity, error) {
	if ticket == "" {
		return world.Identity{}, errNoTicket
	}
	claims := jwt.MapClaims{}
	if _, err := v.parser.ParseWithClaims(ticket, claims, v.key); err != nil {
		return world.Identity{}, err
	}
	id, err := v.identity(claims)
	if err != nil {
		return world.Identity{}, err
	}
	if v.replay != nil {
		if err := v.useOnce(claims); err != nil {
			return world.Identity{}, err
		}
	}
	return id, nil
}

// identity maps verified claims: sub to UserID (required), the name claim
// to DisplayName, and the other string claims to Claims.
func (v *jwtVerifier) identity(claims jwt.MapClaims) (world.Identity, error) {
	sub, err := claims.GetSubject()
	switch {
	case err != nil:
		return world.Identity{}, err
	case sub == "" || len(sub) > maxUserID:
		return world.Identity{}, fmt.Errorf("sub must be 1 to %d bytes", maxUserID)
	}
	id := world.Identity{UserID: sub}
	if n, ok := claims[v.nameClaim]; ok {
		name, ok := n.(string)
		if !ok || len(name) > maxDisplayName {
			return world.Identity{}, fmt.Errorf("%s must be a string of at most %d bytes", v.nameClaim, maxDisplayName)
		}
		id.DisplayName = name
	}
	for k, c := range claims {
		s, ok := c.(string)
		if !ok || k == v.nameClaim || isRegistered(k) {
			continue // numbers, lists and objects are the backend's, not the game's
		}
		if len(id.Claims) == v.maxClaims {
			return world.Identity{}, fmt.Errorf("more than %d string claims", v.maxClaims)
		}
		if len(k) > maxClaimKey || len(s) > maxClaimValue {
			return world.Identity{}, fmt.Errorf("claim %.64q over %d bytes, or its value over %d", k, maxClaimKey, maxClaimValue)
		}
		if id.Claims == nil {
			id.Claims = make(map[string]string)
		}
		id.Claims[k] = s
	}
	return id, nil
}

// useOnce spends the ticket's jti: it is remembered until the ticket
// could no longer be accepted (exp plus the leeway).
func (v *jwtVerifier) useOnce(claims jwt.MapClaims) error {
	jti, ok := claims["jti"].(string)
	if !ok || jti == "" || len(jti) > maxJTI {
		return errMissingJTI
	}
	exp, err := claims.GetExpirationTime()
	if err != nil || exp == nil { // the parser requires exp; this is belt and braces
		return errors.New("ticket has no expiry")
	}
	return v.replay.use(jti, exp.Add(v.leeway), v.now())
}

func isRegistered(claim string) bool {
	for _, r := range registeredClaims {
		if r == claim {
			return true
		}
	}
	return false
}
