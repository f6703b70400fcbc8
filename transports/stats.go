package transports

import "sync/atomic"

// Stats are a Server's counters since NewServer.
type Stats struct {
	Accepted       uint64 // links upgraded and handed to Handler.Accept
	Active         int64  // links whose goroutines are still running
	OriginRejected uint64 // upgrades refused with 403 by AllowedOrigins
	TooLarge       uint64 // inbound messages above ReadLimit (both kinds)
	StaleDropped   uint64 // ClassState frames replaced before being written
	SlowClosed     uint64 // links closed as slow consumers
	TimeoutClosed  uint64 // links closed by the heartbeat
}

// counters is the live, atomic form of Stats.
type counters struct {
	accepted, originRejected, tooLarge      atomic.Uint64
	staleDropped, slowClosed, timeoutClosed atomic.Uint64
	active                                  atomic.Int64
}

func (c *counters) snapshot() Stats {
	return Stats{
		Accepted:       c.accepted.Load(),
		Active:         c.active.Load(),
		OriginRejected: c.originRejected.Load(),
		TooLarge:       c.tooLarge.Load(),
		StaleDropped:   c.staleDropped.Load(),
		SlowClosed:     c.slowClosed.Load(),
		TimeoutClosed:  c.timeoutClosed.Load(),
	}
}
