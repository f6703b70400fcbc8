package tickroom

import (
	"fmt"
	"net/netip"
	"time"

	"github.com/tickroom/tickroom/actors"
	"github.com/tickroom/tickroom/transports"
)

// LimitsConfig is the [limits] section: what a connection, and a client
// address across its connections, may cost outside a game. Rates are
// token buckets: so many a minute, with a burst of so many at once.
type LimitsConfig struct {
	MaxUnjoined         int           `toml:"max_unjoined"`           // connections in no room; the newest over it gets server_busy
	JoinTimeout         time.Duration `toml:"join_timeout"`           // time allowed in no room before join_timeout; 0s: no deadline
	RoomsPerMinute      float64       `toml:"rooms_per_minute"`       // rooms one connection's joins may create
	RoomBurst           int           `toml:"room_burst"`             // of those, at once
	AddrRoomsPerMinute  float64       `toml:"addr_rooms_per_minute"`  // the same per client address
	AddrRoomBurst       int           `toml:"addr_room_burst"`        // of those, at once
	AddrMissesPerMinute float64       `toml:"addr_misses_per_minute"` // resumes and joins by id or code that found nothing, per address
	AddrMissBurst       int           `toml:"addr_miss_burst"`        // of those, at once
	ExemptAddrs         []string      `toml:"exempt_addrs"`           // CIDR prefixes no per-address budget limits
	// Connection caps, checked before a WebSocket upgrade or an HTTP
	// session is made, so other routes are still answered.
	MaxConnections        int `toml:"max_connections"`          // WebSockets plus HTTP sessions; 0: 80% of the file limit
	MaxConnectionsPerAddr int `toml:"max_connections_per_addr"` // per client address
	// New connections per client address: a token bucket, so that a
	// client that is closed and reconnects at once (a flooder) is refused
	// before its upgrade rather than costing one each time.
	AddrConnectionsPerMinute float64  `toml:"addr_connections_per_minute"`
	AddrConnectionBurst      int      `toml:"addr_connection_burst"`
	TrustedProxies           []string `toml:"trusted_proxies"` // peers whose X-Forwarded-For is believed
}

// OverloadConfig is the [overload] section: what the server does when it
// cannot keep its rooms on time.
type OverloadConfig struct {
	Enabled      bool          `toml:"enabled"`
	LateHigh     float64       `toml:"late_high"`     // smoothed load signal, in ticks, that is overload
	LateLow      float64       `toml:"late_low"`      // lateness at or below which it has passed
	MinSendRate  int           `toml:"min_send_rate"` // floor of lowered send rates
	RecoverAfter time.Duration `toml:"recover_after"` // calm time before each step back up
}

func defaultLimits() LimitsConfig {
	return LimitsConfig{
		MaxUnjoined:         actors.DefaultMaxUnjoined,
		JoinTimeout:         actors.DefaultJoinTimeout,
		RoomsPerMinute:      actors.DefaultSessionRoomsPerMinute,
		RoomBurst:           actors.DefaultSessionRoomBurst,
		AddrRoomsPerMinute:  actors.DefaultAddrRoomsPerMinute,
		AddrRoomBurst:       actors.DefaultAddrRoomBurst,
		AddrMissesPerMinute: actors.DefaultAddrMissesPerMinute,
		AddrMissBurst:       actors.DefaultAddrMissBurst,
		ExemptAddrs:         []string{}, // as "exempt_addrs = []" decodes

		MaxConnectionsPerAddr:    transports.DefaultMaxConnectionsPerAddr,
		AddrConnectionsPerMinute: transports.DefaultAddrConnectionsPerMinute,
		AddrConnectionBurst:      transports.DefaultAddrConnectionBurst,
		TrustedProxies:           []string{},
	}
}

func defaultOverload() OverloadConfig {
	return OverloadConfig{
		Enabled:      true,
		LateHigh:     actors.DefaultLateHigh,
		LateLow:      actors.DefaultLateLow,
		MinSendRate:  actors.DefaultMinSendRate,
		RecoverAfter: actors.DefaultRecoverAfter,
	}
}

func (c Config) limitProblems(v *validator) {
	l := c.Limits
	v.between("limits.max_unjoined", l.MaxUnjoined, 1, 1_000_000)
	if l.JoinTimeout < 0 || l.JoinTimeout > time.Hour {
		v.add("limits.join_timeout", l.JoinTimeout, "must be between 0s (no deadline) and 1h")
	}
	v.rate("limits.rooms_per_minute", l.RoomsPerMinute, 0.1, 10_000)
	v.between("limits.room_burst", l.RoomBurst, 1, 10_000)
	v.rate("limits.addr_rooms_per_minute", l.AddrRoomsPerMinute, 0.1, 100_000)
	v.between("limits.addr_room_burst", l.AddrRoomBurst, 1, 100_000)
	v.rate("limits.addr_misses_per_minute", l.AddrMissesPerMinute, 0.1, 10_000)
	v.between("limits.addr_miss_burst", l.AddrMissBurst, 1, 10_000)
	for key, list := range map[string][]string{"limits.exempt_addrs": l.ExemptAddrs, "limits.trusted_proxies": l.TrustedProxies} {
		for i, p := range list {
			if _, err := parsePrefix(p); err != nil {
				v.add(fmt.Sprintf("%s[%d]", key, i), p, "must be an address or a CIDR prefix (10.0.0.0/8, ::1)")
			}
		}
	}
	v.between("limits.max_connections", l.MaxConnections, 0, 10_000_000)
	v.between("limits.max_connections_per_addr", l.MaxConnectionsPerAddr, 1, 1_000_000)
	v.rate("limits.addr_connections_per_minute", l.AddrConnectionsPerMinute, 1, 1_000_000)
	v.between("limits.addr_connection_burst", l.AddrConnectionBurst, 1, 1_000_000)

	o := c.Overload
	v.rate("overload.late_high", o.LateHigh, 0.01, 10)
	v.rate("overload.late_low", o.LateLow, 0.001, 10)
	if o.LateLow >= o.LateHigh {
		v.add("overload.late_low", o.LateLow, "must be below overload.late_high (%g)", o.LateHigh)
	}
	v.between("overload.min_send_rate", o.MinSendRate, 1, 240)
	if o.RecoverAfter < time.Second || o.RecoverAfter > 10*time.Minute {
		v.add("overload.recover_after", o.RecoverAfter, "must be between 1s and 10m")
	}
	if d := c.Log.AbuseInterval; d < time.Second || d > time.Hour {
		v.add("log.abuse_interval", d, "must be between 1s and 1h")
	}
}

// rate checks a float key.
func (v *validator) rate(key string, f, lo, hi float64) {
	if !(f >= lo && f <= hi) { // also false for NaN
		v.add(key, f, "must be between %g and %g", lo, hi)
	}
}

// parsePrefix reads a CIDR prefix, or one address as a prefix of its own.
func parsePrefix(s string) (netip.Prefix, error) {
	if p, err := netip.ParsePrefix(s); err == nil {
		return p.Masked(), nil
	}
	a, err := netip.ParseAddr(s)
	if err != nil {
		return netip.Prefix{}, err
	}
	return netip.PrefixFrom(a, a.BitLen()), nil
}

// prefixes parses a validated list.
func prefixes(list []string) []netip.Prefix {
	out := make([]netip.Prefix, 0, len(list))
	for _, s := range list {
		if p, err := parsePrefix(s); err == nil {
			out = append(out, p)
		}
	}
	return out
}

// offIfZero maps the config's "0s: off" to the actors' negative "off"
// (zero means "default" there).
func offIfZero(d time.Duration) time.Duration {
	if d == 0 {
		return -1
	}
	return d
}

func (c Config) actorLimits() (actors.LimitOptions, actors.OverloadOptions) {
	l, o := c.Limits, c.Overload
	return actors.LimitOptions{
			MaxUnjoined:           l.MaxUnjoined,
			JoinTimeout:           offIfZero(l.JoinTimeout),
			SessionRoomsPerMinute: l.RoomsPerMinute,
			SessionRoomBurst:      l.RoomBurst,
			AddrRoomsPerMinute:    l.AddrRoomsPerMinute,
			AddrRoomBurst:         l.AddrRoomBurst,
			AddrMissesPerMinute:   l.AddrMissesPerMinute,
			AddrMissBurst:         l.AddrMissBurst,
			ExemptAddrs:           prefixes(l.ExemptAddrs),
			LogInterval:           c.Log.AbuseInterval,
		}, actors.OverloadOptions{
			Disabled:     !o.Enabled,
			LateHigh:     o.LateHigh,
			LateLow:      o.LateLow,
			MinSendRate:  o.MinSendRate,
			RecoverAfter: o.RecoverAfter,
		}
}
