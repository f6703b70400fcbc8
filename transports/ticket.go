package transports

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
	"strings"

	"github.com/tickroom/tickroom/transports/httpwire"
)

// Tickets (see doc.go, "Tickets"): the transport reads a connection's
// ticket from its handshake, refuses one it cannot read or that is too
// large, and hands the rest to Handler.Accept, which judges it. It never
// reads one from a URL.

// ticketError is why a handshake's ticket was refused: the HTTP error and
// its message.
type ticketError struct {
	e   httpErr
	msg string
}

func (e *ticketError) Error() string { return e.msg }

var (
	errTwoTickets = &ticketError{errBadTicket, "a handshake carries at most one ticket"}
	errTicketSize = &ticketError{errTicketTooLarge, "ticket over the size limit"}
)

// checkTicket refuses a ticket of the wrong size or form.
func checkTicket(t string) error {
	switch {
	case len(t) > httpwire.MaxTicketLen:
		return errTicketSize
	case !httpwire.ValidTicket(t):
		return &ticketError{errBadTicket, "a ticket is 1 to 8192 visible ASCII characters"}
	}
	return nil
}

// bearerTicket returns the ticket of an Authorization: Bearer header, ""
// when there is none. Another scheme is not a ticket and is ignored: a
// proxy's Basic credentials may reach the server, and they prove nothing
// to it.
func bearerTicket(h http.Header) (string, error) {
	values := h.Values("Authorization")
	var ticket string
	found := false
	for _, v := range values {
		scheme, rest, _ := strings.Cut(strings.TrimSpace(v), " ")
		if !strings.EqualFold(scheme, httpwire.BearerScheme) {
			continue
		}
		if found {
			return "", errTwoTickets
		}
		found, ticket = true, strings.TrimSpace(rest)
		if err := checkTicket(ticket); err != nil {
			return "", err
		}
	}
	return ticket, nil
}

// offeredProtocols reads the WebSocket subprotocols a client offers, over
// every Sec-WebSocket-Protocol line: whether it offers ours, and the ticket
// of a tickroom-ticket.<ticket> entry.
func offeredProtocols(h http.Header) (ours bool, ticket string, err error) {
	found := false
	for _, line := range h.Values("Sec-WebSocket-Protocol") {
		for p := range strings.SplitSeq(line, ",") {
			p = strings.TrimSpace(p)
			if p == httpwire.Subprotocol {
				ours = true
			}
			t, ok := strings.CutPrefix(p, httpwire.TicketProtocolPrefix)
			if !ok {
				continue
			}
			if found {
				return false, "", errTwoTickets
			}
			found, ticket = true, t
			if err := checkTicket(t); err != nil {
				return false, "", err
			}
		}
	}
	if found && !ours {
		// A browser fails a WebSocket whose answer names no subprotocol
		// when it offered some; say so rather than let it guess.
		return false, "", &ticketError{errBadTicket, `a ticket in the subprotocols needs "tickroom" offered with it`}
	}
	return ours, ticket, nil
}

// offersOurs reports whether a client offers our subprotocol, whatever
// else its list holds: the probe of an upgrade ignores tickets, but a
// browser fails a WebSocket whose answer does not name one it offered.
func offersOurs(h http.Header) bool {
	for _, line := range h.Values("Sec-WebSocket-Protocol") {
		for p := range strings.SplitSeq(line, ",") {
			if strings.TrimSpace(p) == httpwire.Subprotocol {
				return true
			}
		}
	}
	return false
}

// webSocketTicket returns the ticket of a WebSocket handshake, from its
// Authorization header or its subprotocols, and whether it offered our
// subprotocol (the answer then names it).
func webSocketTicket(r *http.Request) (ticket string, ours bool, err error) {
	header, err := bearerTicket(r.Header)
	if err != nil {
		return "", false, err
	}
	ours, proto, err := offeredProtocols(r.Header)
	if err != nil {
		return "", false, err
	}
	switch {
	case header != "" && proto != "":
		return "", false, errTwoTickets
	case proto != "":
		return proto, ours, nil
	}
	return header, ours, nil
}

// handshakeTicket returns the ticket of an HTTP handshake, from its
// Authorization header or its JSON body. The body may be empty, as it was
// before tickets; a non-empty one must be {"ticket":"<ticket>"} with
// Content-Type application/json.
func handshakeTicket(r *http.Request) (string, error) {
	header, err := bearerTicket(r.Header)
	if err != nil {
		return "", err
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, httpwire.MaxHandshakeBody+1))
	switch {
	case err != nil && bodyTimedOut(err):
		return "", &ticketError{errBodyTimeout, "the handshake body did not arrive within the body timeout"}
	case err != nil:
		return "", &ticketError{errBadTicket, "reading the handshake body failed"}
	case len(body) > httpwire.MaxHandshakeBody:
		return "", errTicketSize
	case len(body) == 0:
		return header, nil
	}
	if mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err != nil || mt != httpwire.JSONContentType {
		return "", &ticketError{errBadContentType, "a handshake body is JSON: Content-Type application/json"}
	}
	var req httpwire.HandshakeRequest
	if err := decodeStrict(body, &req); err != nil {
		return "", &ticketError{errBadTicket, `a handshake body is {"ticket":"<ticket>"}`}
	}
	if req.Ticket == "" {
		return header, nil
	}
	if header != "" {
		return "", errTwoTickets
	}
	if err := checkTicket(req.Ticket); err != nil {
		return "", err
	}
	return req.Ticket, nil
}

// decodeStrict decodes exactly one JSON value into v, refusing unknown
// fields and anything after the value.
func decodeStrict(body []byte, v any) error {
	d := json.NewDecoder(bytes.NewReader(body))
	d.DisallowUnknownFields()
	if err := d.Decode(v); err != nil {
		return err
	}
	if _, err := d.Token(); err != io.EOF {
		return errors.New("data after the JSON value")
	}
	return nil
}

// refuseTicket answers a handshake whose ticket cannot be read with its
// error. Nothing of the ticket is logged: it is a credential.
func (s *Server) refuseTicket(w http.ResponseWriter, r *http.Request, err error, o *Options) {
	var te *ticketError
	if !errors.As(err, &te) {
		te = &ticketError{errBadTicket, "bad ticket"}
	}
	o.Logger.Debug("transports: ticket refused", "remote", r.RemoteAddr, "code", te.e.code())
	s.fail(w, te.e, te.msg)
}
