package client

import (
	"context"
	"errors"
	"fmt"
	"net/url"

	"github.com/tickroom/tickroom/transports/httpwire"
)

// open dials a new connection the way Options.Transport says, for Dial and
// for every reconnection attempt; it is neither installed nor started.
// With Options.Transport empty it tries WebSocket and falls back to
// long-polling; a client whose stream fell back to long-polling (a proxy
// buffers its responses) long-polls from then on. resume marks the
// handshake as a reconnect that resumes a seat (transports' "Resuming"),
// which a busy server still admits: only a dial whose first frame will be
// resume sets it.
func (c *Client) open(ctx context.Context, resume bool) (conn, error) {
	ticket, err := c.ticket(ctx)
	if err != nil {
		return nil, err
	}
	kind := c.opts.Transport
	c.mu.Lock()
	if kind == TransportStream && c.streamFellBack {
		kind = TransportLongPoll
	}
	c.mu.Unlock()
	switch kind {
	case TransportWebSocket:
		return dialWebSocket(ctx, c, resumeURL(c.ep.ws, resume), true, ticket)
	case "":
		return c.openAuto(ctx, ticket, resume)
	}
	return c.openHTTP(ctx, kind, ticket, resume, !c.opts.NoUpgrade && kind != TransportPoll)
}

// openAuto tries WebSocket and falls back to long-polling (which then tries
// to upgrade once) when the upgrade was refused, failed or timed out. A
// refused TCP connection fails at once: the HTTP transports use the same
// port. So does a WebSocket the server refused for load or capacity
// (server_busy, server_full, …): it would refuse a session alike.
func (c *Client) openAuto(ctx context.Context, ticket string, resume bool) (conn, error) {
	w, err := dialWebSocket(ctx, c, resumeURL(c.ep.ws, resume), true, ticket)
	if err == nil {
		return w, nil
	}
	var refused *refusedError
	var he *HTTPError
	if errors.As(err, &refused) || errors.As(err, &he) && he.refusedForLoad() || ctx.Err() != nil {
		return nil, err
	}
	h, herr := c.openHTTP(ctx, TransportLongPoll, ticket, resume, !c.opts.NoUpgrade)
	if herr != nil {
		return nil, fmt.Errorf("%w; long-polling fallback: %w", err, herr)
	}
	return h, nil
}

// openHTTP opens an HTTP session whose downlink is kind.
func (c *Client) openHTTP(ctx context.Context, kind, ticket string, resume, upgrade bool) (conn, error) {
	s, err := handshake(ctx, c.hc, c.ep.http, c.opts.Header, kind, c.opts.HandshakeTimeout, ticket, resume)
	if err != nil {
		return nil, err
	}
	h := newHTTPConn(c, s, kind)
	h.upgradable = upgrade && s.canUpgrade()
	return h, nil
}

// resumeURL returns the WebSocket endpoint rawURL, marked as a resume
// when resume is set; the query given to Dial is kept.
func resumeURL(rawURL string, resume bool) string {
	if !resume {
		return rawURL
	}
	u, err := url.Parse(rawURL)
	if err != nil { // parsed before
		return rawURL
	}
	q := u.Query()
	q.Set(httpwire.ParamResume, httpwire.ResumeValue)
	u.RawQuery = q.Encode()
	return u.String()
}
