package actors

import (
	"time"

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
// players it has come first), unless its handshake says it comes back to
// resume a seat (transports.Resuming), since a player whose connection
// dropped is one of those players; and not past LimitOptions.MaxUnjoined
// connections in the lobby state (each holds a session actor and a place
// in the lobby's queue, and an idle one does nothing for anyone). The
// newest is refused, not the oldest evicted: an honest client that waits
// in the lobby keeps its place, and the join deadline frees the places an
// idle one holds. On success the connection holds one of those places.
//
// The resume mark proves nothing, and need not: while the hub is
// overloaded a session refuses every join (onJoin), so a connection let
// in by the mark can resume a seat its token names and nothing else, and
// its join deadline ends it if it does not.
func (h *Hub) admit(o *Options, l transports.Link, addr string, resume bool) error {
	if h.overloaded.Load() && !resume {
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

// Busy is transports.Options.Busy for a server whose Handler is h: busy
// while the hub is overloaded, with RetryAfter, while newcomers after an
// overload are paced and this second's are in (admitRamp), with
// RampRetryAfter, and while the connections
// in no room are at LimitOptions.MaxUnjoined, with UnjoinedRetryAfter. The
// transport then refuses new connections before their upgrade or session
// (503 server_busy), which costs far less than Accept's refusal after it
// (an upgrade, a goroutine, a session actor, an error frame and a close),
// and lets those that come back to resume a seat through. Busy is read
// before the connection is counted, so it can let a few too many through
// at once: Accept's checks (admit) stay the exact ones.
func (h *Hub) Busy() (bool, time.Duration) {
	if h.overloaded.Load() {
		return true, h.RetryAfter()
	}
	if h.rampFull(time.Now()) {
		return true, RampRetryAfter
	}
	if h.stats.unjoined.Load() >= int64(h.opts.Load().Limits.MaxUnjoined) {
		return true, UnjoinedRetryAfter
	}
	return false, 0
}

// pace takes a newcomer's place in the ramp that paces newcomers after an
// overload (admitRamp), if one runs: Accept calls it once the connection's
// ticket is verified, so that connections refused for their tickets take
// no place from honest ones; a session let in by the resume mark calls it
// at its first fresh join (session.onJoin), since the mark alone proves
// nothing. false: no place now, and the refusal is counted.
func (h *Hub) pace(addr string) bool {
	if h.rampTake(time.Now()) {
		return true
	}
	h.stats.pacedRefusals.Add(1)
	h.abuse.note(abusePaced, addr)
	return false
}

// UnjoinedRetryAfter is the Retry-After of a connection refused because
// LimitOptions.MaxUnjoined connections are in no room: a place frees as
// soon as one of them joins a room, which takes a round trip, so the
// refused should come back soon. (One held by an idle connection frees
// only at its join deadline, but a client cannot tell, and a refusal
// before the upgrade costs the server little.)
const UnjoinedRetryAfter = time.Second

// RampRetryAfter is the Retry-After of a connection refused while
// newcomers are paced after an overload: the ramp has new places every
// second.
const RampRetryAfter = time.Second
