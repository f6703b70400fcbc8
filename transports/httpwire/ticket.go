package httpwire

// A ticket is the credential a client shows when it connects: a token its
// game's backend issued (a signed JWT, usually), which the server only
// verifies. It travels in the handshake of a connection, never in a URL,
// which proxies and servers write to their logs. Which handshake carries it
// where is specified in transports/doc.go ("Tickets"); these are the names
// and bounds the server and the clients share.

// MaxTicketLen is the longest ticket, in bytes. A longer one is refused
// before the connection is made (ticket_too_large): a signed join ticket
// is a few hundred bytes, and the bound keeps a flood of huge headers from
// costing a signature check each.
const MaxTicketLen = 8 << 10

// MaxHandshakeBody is the largest handshake body the server reads: room
// for a ticket of MaxTicketLen even if an encoder escaped every other
// character ("\/"), and the JSON around it.
const MaxHandshakeBody = 2*MaxTicketLen + 256

// The WebSocket subprotocols of a browser, which cannot set headers on a
// WebSocket: it offers Subprotocol and TicketProtocolPrefix followed by its
// ticket, as in new WebSocket(url, ["tickroom", "tickroom-ticket." +
// ticket]), and the server answers with Subprotocol.
const (
	Subprotocol          = "tickroom"
	TicketProtocolPrefix = "tickroom-ticket."
)

// BearerScheme is the Authorization scheme of a ticket in a header
// (Authorization: Bearer <ticket>), compared case-insensitively.
const BearerScheme = "Bearer"

// JSONContentType is the media type of a handshake body that carries a
// ticket.
const JSONContentType = "application/json"

// HandshakeRequest is the optional JSON body of a handshake (POST {base}):
// {"ticket":"<ticket>"}. An empty body is a handshake without one.
type HandshakeRequest struct {
	Ticket string `json:"ticket"`
}

// ValidTicket reports whether t has the form of a ticket: 1 to
// MaxTicketLen visible ASCII characters (no space, no control character).
// A JWT always has it; the rule keeps a ticket one token in a header and
// one entry in a subprotocol list.
func ValidTicket(t string) bool {
	if len(t) == 0 || len(t) > MaxTicketLen {
		return false
	}
	for i := range len(t) {
		if c := t[i]; c <= ' ' || c > '~' {
			return false
		}
	}
	return true
}
