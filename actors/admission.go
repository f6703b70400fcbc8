package actors

import (
	"github.com/tickroom/tickroom/netcode"
	"github.com/tickroom/tickroom/transports"
)

// Refusals of new connections, after an error frame that says why; the
// transport closes the link with the code.
var (
	errServerBusy = &transports.CloseError{Code: uint16(netcode.CodeServerBusy), Reason: "server busy"}
	errUnjoined   = &transports.CloseError{Code: uint16(netcode.CodeServerBusy), Reason: "too many connections in no room"}
)

// admit decides whether a new connection may start a session, before its
// ticket costs anything to check: not while the hub is overloaded (the
// players it has come first), and not past LimitOptions.MaxUnjoined
// connections in the lobby state (each holds a session actor and a place
// in the lobby's queue, and an idle one does nothing for anyone). The
// newest is refused, not the oldest evicted: an honest client that waits
// in the lobby keeps its place, and the join deadline frees the places an
// idle one holds. On success the connection holds one of those places.
func (h *Hub) admit(o *Options, l transports.Link, addr string) error {
	if h.overloaded.Load() {
		h.stats.busyConnections.Add(1)
		h.abuse.note(abuseBusy, addr)
		h.sendError(l, netcode.CodeServerBusy, "the server is busy: try again later", false)
		return errServerBusy
	}
	if h.stats.unjoined.Add(1) > int64(o.Limits.MaxUnjoined) {
		h.stats.unjoined.Add(-1)
		h.stats.unjoinedRefused.Add(1)
		h.abuse.note(abuseUnjoinedCap, addr)
		h.sendError(l, netcode.CodeServerBusy, "too many connections in no room: try again later", false)
		return errUnjoined
	}
	return nil
}
