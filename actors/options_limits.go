package actors

import (
	"fmt"
	"net/netip"
	"time"
)

// LimitOptions bound what a connection, and a client address across its
// connections, may cost the server outside a game: idle connections, new
// rooms, guesses at secrets. Addresses are IPv4 addresses or IPv6 /64
// prefixes (see clientAddr). Rates are token buckets: so many a minute,
// with a burst of so many at once.
type LimitOptions struct {
	// MaxUnjoined bounds the connections in the lobby state (connected,
	// in no room); a new connection over it is refused with server_busy:
	// before its upgrade or session by a transport that asks Hub.Busy
	// (503, Retry-After UnjoinedRetryAfter), else closed by Accept.
	// Default DefaultMaxUnjoined.
	MaxUnjoined int
	// JoinTimeout is how long a connection may stay in the lobby state,
	// before its first join or after it leaves a room; then it is closed
	// with join_timeout. Default DefaultJoinTimeout; negative: no deadline.
	JoinTimeout time.Duration
	// SessionRoomsPerMinute and SessionRoomBurst bound the rooms one
	// connection's joins may create (join or create, private, matchmaking
	// that finds no room); one more is refused with rate_limited. Defaults
	// DefaultSessionRoomsPerMinute and DefaultSessionRoomBurst.
	SessionRoomsPerMinute float64
	SessionRoomBurst      int
	// AddrRoomsPerMinute and AddrRoomBurst bound the same across all the
	// connections of one address. Defaults DefaultAddrRoomsPerMinute and
	// DefaultAddrRoomBurst.
	AddrRoomsPerMinute float64
	AddrRoomBurst      int
	// AddrMissesPerMinute and AddrMissBurst are an address's guessing
	// budget: resumes whose token named no seat and joins by id or join
	// code that found no room. An address that spent it has such requests
	// refused unread (rate_limited, close) until it refills. Defaults
	// DefaultAddrMissesPerMinute and DefaultAddrMissBurst.
	AddrMissesPerMinute float64
	AddrMissBurst       int
	// ExemptAddrs are addresses that no per-address budget limits (the
	// per-connection ones still do): a load tester's machine, or a
	// proxy whose clients the transport cannot tell apart. Default none.
	// A change applies to connections made after it.
	ExemptAddrs []netip.Prefix
	// LogInterval is the least time between two warn lines about one kind
	// of refusal or limit (each sums up what happened since the last, by
	// address). Default DefaultLogInterval.
	LogInterval time.Duration
}

// OverloadOptions tune what the hub does when the machine cannot keep its
// rooms on time. Its signal is how late the server runs, in ticks of the
// default room's rate, smoothed (Stats.TickLatenessMilli): the larger of
// how late the rooms' ticks run and the 90th percentile of the runtime's
// scheduling latency (sched_latency.go says why both). From LateHigh on
// it is overloaded:
// it refuses new connections and joins (server_busy; Hub.Overloaded says
// so to the HTTP layer), drops no player for acknowledging late, and
// lowers every room's send rate a step (×0.75) a second, never below
// MinSendRate. Seats held for a resume are freed when their window ends,
// as at any time (reconnects that resume are let in). Once the signal
// stays at or below LateLow for RecoverAfter it raises the send rates a
// step per RecoverAfter, and takes newcomers again when they are back
// where they were configured. Between LateLow and LateHigh it holds. When
// no room is playing (every room is empty, its players left or their
// seats expired), the overload ends at once: there are no rates to
// restore and nobody for newcomers to wait behind.
type OverloadOptions struct {
	// Disabled turns the response off; the load is still measured.
	Disabled bool
	// LateHigh is the smoothed load signal, in ticks, at which the hub
	// is overloaded. Default DefaultLateHigh.
	LateHigh float64
	// LateLow is the lateness at or below which it counts as recovered;
	// it must be below LateHigh. Default DefaultLateLow.
	LateLow float64
	// MinSendRate is the floor of lowered send rates, in sends per
	// second; a room configured below it keeps its rate. Default
	// DefaultMinSendRate.
	MinSendRate int
	// RecoverAfter is how long the load must stay low before each step
	// back up. Default DefaultRecoverAfter.
	RecoverAfter time.Duration
}

func (o LimitOptions) withDefaults() LimitOptions {
	if o.MaxUnjoined <= 0 {
		o.MaxUnjoined = DefaultMaxUnjoined
	}
	if o.JoinTimeout == 0 {
		o.JoinTimeout = DefaultJoinTimeout
	}
	if o.SessionRoomsPerMinute <= 0 {
		o.SessionRoomsPerMinute = DefaultSessionRoomsPerMinute
	}
	if o.SessionRoomBurst <= 0 {
		o.SessionRoomBurst = DefaultSessionRoomBurst
	}
	if o.AddrRoomsPerMinute <= 0 {
		o.AddrRoomsPerMinute = DefaultAddrRoomsPerMinute
	}
	if o.AddrRoomBurst <= 0 {
		o.AddrRoomBurst = DefaultAddrRoomBurst
	}
	if o.AddrMissesPerMinute <= 0 {
		o.AddrMissesPerMinute = DefaultAddrMissesPerMinute
	}
	if o.AddrMissBurst <= 0 {
		o.AddrMissBurst = DefaultAddrMissBurst
	}
	if o.LogInterval <= 0 {
		o.LogInterval = DefaultLogInterval
	}
	return o
}

func (o OverloadOptions) withDefaults() (OverloadOptions, error) {
	if o.LateHigh <= 0 {
		o.LateHigh = DefaultLateHigh
	}
	if o.LateLow <= 0 {
		o.LateLow = DefaultLateLow
	}
	if o.MinSendRate <= 0 {
		o.MinSendRate = DefaultMinSendRate
	}
	if o.RecoverAfter <= 0 {
		o.RecoverAfter = DefaultRecoverAfter
	}
	if o.LateLow >= o.LateHigh {
		return o, fmt.Errorf("actors: overload: late low %g must be below late high %g", o.LateLow, o.LateHigh)
	}
	return o, nil
}
