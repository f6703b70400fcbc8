package client

import (
	"context"
	"errors"
	"fmt"
)

// open dials a new connection the way Options.Transport says, for Dial and
// for every reconnection attempt; it is neither installed nor started.
// With Options.Transport empty it tries WebSocket and falls back to
// long-polling; a client whose stream fell back to long-polling (a proxy
// buffers its responses) long-polls from then on.
func (c *Client) open(ctx context.Context) (conn, error) {
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
		return dialWebSocket(ctx, c, c.ep.ws, true, ticket)
	case "":
		return c.openAuto(ctx, ticket)
	}
	return c.openHTTP(ctx, kind, ticket, !c.opts.NoUpgrade && kind != TransportPoll)
}

// openAuto tries WebSocket and falls back to long-polling (which then tries
// to upgrade once) when the upgrade was refused, failed or timed out. A
// refused TCP connection fails at once: the HTTP transports use the same
// port.
func (c *Client) openAuto(ctx context.Context, ticket string) (conn, error) {
	w, err := dialWebSocket(ctx, c, c.ep.ws, true, ticket)
	if err == nil {
		return w, nil
	}
	var refused *refusedError
	if errors.As(err, &refused) || ctx.Err() != nil {
		return nil, err
	}
	h, herr := c.openHTTP(ctx, TransportLongPoll, ticket, !c.opts.NoUpgrade)
	if herr != nil {
		return nil, fmt.Errorf("%w; long-polling fallback: %w", err, herr)
	}
	return h, nil
}

// openHTTP opens an HTTP session whose downlink is kind.
func (c *Client) openHTTP(ctx context.Context, kind, ticket string, upgrade bool) (conn, error) {
	s, err := handshake(ctx, c.hc, c.ep.http, c.opts.Header, kind, c.opts.HandshakeTimeout, ticket)
	if err != nil {
		return nil, err
	}
	h := newHTTPConn(c, s, kind)
	h.upgradable = upgrade && s.canUpgrade()
	return h, nil
}
