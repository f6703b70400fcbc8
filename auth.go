package tickroom

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync/atomic"
	"time"

	"github.com/tickroom/tickroom/world"
)

// AuthRequest is what an Options.Auth hook knows of a connection besides
// its credential.
type AuthRequest struct {
	// RemoteAddr is the client's address: host:port of the TCP peer, or
	// the bare IP a trusted proxy named in X-Forwarded-For (see
	// limits.trusted_proxies).
	RemoteAddr string
}

// serverAuth authenticates a server's connections: with the program's
// Options.Auth hook, or with [auth]'s join tickets. The verifier is
// replaced on a reload (new keys, issuer, limits); the replay cache stays.
type serverAuth struct {
	hook     func(ctx context.Context, credential string, r AuthRequest) (world.Identity, error)
	mode     string // auth.mode at Start: fixed until a restart
	replay   *replayCache
	verifier atomic.Pointer[jwtVerifier]
	log      *slog.Logger
	warned   atomic.Int64 // unix nanoseconds of the last "replay cache full" warning
	now      func() time.Time
}

// newServerAuth checks that the program and the config agree on how to
// authenticate and reads the keys the config names.
func newServerAuth(hook func(context.Context, string, AuthRequest) (world.Identity, error), c AuthConfig, log *slog.Logger) (*serverAuth, error) {
	if hook != nil && c.Mode != authNone {
		return nil, &ConfigError{Key: "auth.mode", Value: c.Mode,
			Err: errors.New(`must be "none": this program authenticates with its own hook (Options.Auth)`)}
	}
	a := &serverAuth{hook: hook, mode: c.Mode, replay: newReplayCache(c.ReplayCache), log: log, now: time.Now}
	v, err := a.prepare(c)
	if err != nil {
		return nil, err
	}
	a.install(c, v)
	return a, nil
}

// prepare reads the keys of c and builds its verifier, without putting it
// in use: a reload puts it in use only once every other part of the new
// config has been accepted. nil without tickets to check.
func (a *serverAuth) prepare(c AuthConfig) (*jwtVerifier, error) {
	if a.hook != nil || a.mode != authJWT {
		return nil, nil
	}
	keys, err := loadAuthKeys(c)
	if err != nil {
		return nil, err
	}
	return newJWTVerifier(c, keys, a.replay, a.now), nil
}

// install puts the verifier prepared for c in use.
func (a *serverAuth) install(c AuthConfig, v *jwtVerifier) {
	a.replay.setLimit(c.ReplayCache)
	if v != nil {
		a.verifier.Store(v)
	}
}

// authenticate is the actors.Options.Authenticate of the server, nil when
// its players are anonymous.
func (a *serverAuth) authenticate() func(ctx context.Context, credential, remote string) (world.Identity, error) {
	switch {
	case a.hook != nil:
		return func(ctx context.Context, credential, remote string) (world.Identity, error) {
			return a.hook(ctx, credential, AuthRequest{RemoteAddr: remote})
		}
	case a.mode == authJWT:
		return a.verify
	}
	return nil
}

// verify checks a join ticket with the verifier in use.
func (a *serverAuth) verify(_ context.Context, ticket, _ string) (world.Identity, error) {
	id, err := a.verifier.Load().verify(ticket)
	if errors.Is(err, errReplayFull) {
		a.warnFull()
	}
	if err != nil {
		return world.Identity{}, fmt.Errorf("ticket refused: %w", err)
	}
	return id, nil
}

// warnFull tells the operator, at most once a minute, that valid tickets
// are being refused for want of room in the replay cache.
func (a *serverAuth) warnFull() {
	now := a.now().UnixNano()
	last := a.warned.Load()
	if now-last < int64(time.Minute) || !a.warned.CompareAndSwap(last, now) {
		return
	}
	a.log.Warn("auth: the replay cache is full; valid tickets are refused until entries expire", "entries", a.replay.len())
}
