package client

import (
	"context"
	"fmt"
	"net/http"
)

// ticket returns the ticket for a new connection: TicketFunc's, fresh for
// each one, or Ticket.
func (c *Client) ticket(ctx context.Context) (string, error) {
	if f := c.opts.TicketFunc; f != nil {
		t, err := f(ctx)
		if err != nil {
			return "", fmt.Errorf("client: ticket: %w", err)
		}
		return t, nil
	}
	return c.opts.Ticket, nil
}

// withTicket returns a copy of header with ticket in an Authorization:
// Bearer header, the form transports' "Tickets" gives native clients for
// both handshakes; header itself when there is no ticket.
func withTicket(header http.Header, ticket string) http.Header {
	h := header.Clone()
	if ticket == "" {
		return h
	}
	if h == nil {
		h = make(http.Header)
	}
	h.Set("Authorization", "Bearer "+ticket)
	return h
}
