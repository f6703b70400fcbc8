package actors

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"net/http"

	"github.com/tickroom/tickroom/netcode"
	"github.com/tickroom/tickroom/transports"
	"github.com/tickroom/tickroom/world"
)

// errUnauthorized refuses a connection whose ticket Options.Authenticate
// refused. Its reason is the code's name and nothing more: why a ticket
// failed (expired, forged, another audience) would tell a forger what to
// try next.
var errUnauthorized = &transports.CloseError{Code: uint16(netcode.CodeUnauthorized), Reason: "unauthorized"}

var errAuthPanic = errors.New("authenticate panicked")

// authenticate returns the identity of a new connection, or the error that
// refuses it, after telling the client (an error frame; the transport
// closes the link with the error's code). Without Options.Authenticate
// every connection is anonymous.
func (h *Hub) authenticate(o *Options, l transports.Link, r *http.Request, addr string) (world.Identity, error) {
	if o.Authenticate == nil {
		return world.Identity{}, nil
	}
	ctx := context.Background()
	if r != nil {
		ctx = r.Context()
	}
	ctx, cancel := context.WithTimeout(ctx, o.AuthTimeout)
	defer cancel()
	id, err := callAuthenticate(ctx, o.Authenticate, transports.Credential(r), l.RemoteAddr())
	if err == nil && ctx.Err() != nil {
		err = fmt.Errorf("answered after the deadline: %w", ctx.Err())
	}
	if err != nil {
		h.stats.authRefused.Add(1)
		// The ticket is a credential: it is never logged. A refusal is
		// the client's business (debug); a panicking hook is a bug.
		if errors.Is(err, errAuthPanic) {
			h.stats.panics.Add(1)
			h.log.Error("authenticate panicked; connection refused", "remote", l.RemoteAddr(), "err", err)
		} else {
			h.log.Debug("connection refused: unauthorized", "remote", l.RemoteAddr(), "transport", l.Transport(), "err", err)
		}
		h.abuse.note(abuseUnauthorized, addr)
		h.sendError(l, netcode.CodeUnauthorized, errUnauthorized.Reason, false)
		return world.Identity{}, errUnauthorized
	}
	h.stats.authenticated.Add(1)
	id.Claims = maps.Clone(id.Claims) // the session's own, whatever the hook keeps
	return id, nil
}

// callAuthenticate calls the hook, turning a panic into a refusal: the
// hook runs on a transport goroutine, where a panic would take the process
// down, and a ticket that makes it panic is bad input like any other.
func callAuthenticate(ctx context.Context, f func(context.Context, string, string) (world.Identity, error), credential, remote string) (id world.Identity, err error) {
	defer func() {
		if p := recover(); p != nil {
			id, err = world.Identity{}, fmt.Errorf("%w: %v", errAuthPanic, p)
		}
	}()
	return f(ctx, credential, remote)
}
