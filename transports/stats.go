package transports

import "sync/atomic"

// Stats are a Server's counters since NewServer.
type Stats struct {
	Accepted       uint64 // links handed to Handler.Accept (WebSocket and HTTP)
	Active         int64  // WebSocket connections (probes included) whose goroutines are still running
	OriginRejected uint64 // requests refused with 403 by AllowedOrigins
	TooLarge       uint64 // inbound messages above ReadLimit (both kinds, and in POST bodies)
	StaleDropped   uint64 // ClassState frames superseded by a newer one before being written
	DirectWrites   uint64 // WebSocket frames written by the sender, without waking the link's writer (Linux only; 0 elsewhere)
	SlowClosed     uint64 // links closed as slow consumers
	NotReading     uint64 // of SlowClosed, WebSockets whose client left bytes unacknowledged for DeliveryTimeout
	TimeoutClosed  uint64 // links closed by the heartbeat

	Connections int64 // connections admitted and alive: WebSocket links (not probes) and HTTP sessions
	// ConnectionRateLimited counts new connections refused (429
	// too_many_connections) because their address had opened
	// AddrConnectionBurst lately (Options.AddrConnectionsPerMinute);
	// HTTPErrors["too_many_connections"] counts them too, with those
	// refused by MaxConnectionsPerAddr.
	ConnectionRateLimited uint64

	HTTPSessions int64  // live HTTP sessions, upgraded ones included
	Handshakes   uint64 // HTTP sessions created
	Expired      uint64 // HTTP sessions closed by SessionTimeout
	Upgrades     uint64 // HTTP sessions moved to WebSocket
	Exchanges    uint64 // exchanges admitted: uplink batches that rode on a long-poll

	// FastRequests counts the requests the fast path answered (see
	// http_fast.go), FastAdopted the connections it took from net/http and
	// FastHandbacks the requests it gave back to net/http.
	FastRequests, FastAdopted, FastHandbacks uint64

	// HTTPErrors counts HTTP error responses by their code ("bad_ack",
	// "unknown_session", …); codes never returned are absent.
	HTTPErrors map[string]uint64
}

// counters is the live, atomic form of Stats.
type counters struct {
	accepted, originRejected, tooLarge      atomic.Uint64
	staleDropped, slowClosed, timeoutClosed atomic.Uint64
	directWrites, notReading                atomic.Uint64
	active, connections                     atomic.Int64

	httpSessions                  atomic.Int64
	handshakes, expired, upgrades atomic.Uint64
	exchanges                     atomic.Uint64
	fastRequests, fastAdopted     atomic.Uint64
	fastHandbacks                 atomic.Uint64
	connectionRateLimited         atomic.Uint64
	httpErrors                    [numHTTPErrs]atomic.Uint64
}

func (c *counters) snapshot() Stats {
	st := Stats{
		Accepted:              c.accepted.Load(),
		Active:                c.active.Load(),
		OriginRejected:        c.originRejected.Load(),
		TooLarge:              c.tooLarge.Load(),
		StaleDropped:          c.staleDropped.Load(),
		DirectWrites:          c.directWrites.Load(),
		SlowClosed:            c.slowClosed.Load(),
		NotReading:            c.notReading.Load(),
		TimeoutClosed:         c.timeoutClosed.Load(),
		Connections:           c.connections.Load(),
		ConnectionRateLimited: c.connectionRateLimited.Load(),
		HTTPSessions:          c.httpSessions.Load(),
		Handshakes:            c.handshakes.Load(),
		Expired:               c.expired.Load(),
		Upgrades:              c.upgrades.Load(),
		Exchanges:             c.exchanges.Load(),
		FastRequests:          c.fastRequests.Load(),
		FastAdopted:           c.fastAdopted.Load(),
		FastHandbacks:         c.fastHandbacks.Load(),
		HTTPErrors:            make(map[string]uint64),
	}
	for e := range numHTTPErrs {
		if n := c.httpErrors[e].Load(); n > 0 {
			st.HTTPErrors[e.code()] += n // two rows may share a code
		}
	}
	return st
}
