package transports

import (
	"context"
	"net/http"
	"net/netip"
)

// What the transport learnt from a connection's handshake, for
// Handler.Accept: the request it gets carries it in its Context.

// acceptInfoKey is the context key of the request given to Handler.Accept.
type acceptInfoKey struct{}

type acceptInfo struct {
	ticket string
	addr   netip.Addr
}

// Credential returns the ticket the client sent in the handshake of r, the
// request Handler.Accept gets; "" when it sent none. The probe of an
// upgrade never carries one: the session it upgrades was accepted already.
func Credential(r *http.Request) string {
	if r == nil {
		return ""
	}
	info, _ := r.Context().Value(acceptInfoKey{}).(acceptInfo)
	return info.ticket
}

// ClientAddr returns the client's IP address for r, the request
// Handler.Accept gets: the socket's peer, or the address a trusted proxy
// named in X-Forwarded-For (Options.TrustedProxies). It is the address the
// transport's per-address cap counted (see doc.go, "Admission"), so that a
// Handler's own per-address limits count the same clients; "" when unknown.
func ClientAddr(r *http.Request) string {
	if r == nil {
		return ""
	}
	info, _ := r.Context().Value(acceptInfoKey{}).(acceptInfo)
	if !info.addr.IsValid() {
		return ""
	}
	return info.addr.String()
}

// withAcceptInfo returns r carrying what Credential and ClientAddr read.
func withAcceptInfo(r *http.Request, ticket string, addr netip.Addr) *http.Request {
	return r.WithContext(context.WithValue(r.Context(), acceptInfoKey{}, acceptInfo{ticket: ticket, addr: addr}))
}
