package transports

import (
	"math"
	"time"
)

// The rate of new connections per client address (see doc.go,
// "Admission"): a client closed quickly (a flooder) that reconnects at
// once costs the server an accept, an upgrade or a session, and a
// Handler.Accept per round, however short each connection lives; the cap
// on connections alive does not see that churn. So each address also has
// a token bucket of new connections, Options.AddrConnectionsPerMinute
// with a burst of Options.AddrConnectionBurst, spent by every connection
// admitted (a refusal spends nothing) and checked with the caps, before
// the upgrade or session, where refusing costs least.

// connBucket is one address's bucket: tokens as of at.
type connBucket struct {
	tokens float64
	at     time.Time
}

// take refills b to now, at perMinute up to burst, and spends a token if
// there is one; if not, wait is how long until there is.
func (b *connBucket) take(now time.Time, perMinute float64, burst int) (wait time.Duration, ok bool) {
	perSecond := perMinute / 60
	b.tokens = b.level(now, perSecond, burst)
	b.at = now
	if b.tokens >= 1 {
		b.tokens--
		return 0, true
	}
	return time.Duration(math.Ceil((1 - b.tokens) / perSecond * float64(time.Second))), false
}

// level is b's tokens at now.
func (b *connBucket) level(now time.Time, perSecond float64, burst int) float64 {
	if elapsed := now.Sub(b.at); elapsed > 0 {
		return min(b.tokens+elapsed.Seconds()*perSecond, float64(burst))
	}
	return min(b.tokens, float64(burst))
}

// maxRateAddrs bounds the addresses whose buckets the Server keeps.
const maxRateAddrs = 10000

// takeConnection spends one of key's new connections, or says how long
// until it has one. A bucket is made full on first use, so the table
// forgets, when it must make room, the buckets that are full again: they
// cost nothing to forget. If that frees too little (more than
// maxRateAddrs addresses opened connections within a burst's refill
// time), it forgets them all: a flood of addresses can so reset the
// buckets, but each of its addresses still gets one burst, and the caps
// on connections alive still hold. s.mu is held.
func (s *Server) takeConnection(key string, now time.Time, o *Options) (wait time.Duration, ok bool) {
	b, known := s.adm.rate[key]
	if !known {
		s.boundRateTable(now, o)
		b = connBucket{tokens: float64(o.AddrConnectionBurst), at: now}
	}
	wait, ok = b.take(now, o.AddrConnectionsPerMinute, o.AddrConnectionBurst)
	s.adm.rate[key] = b
	return wait, ok
}

// boundRateTable makes room for one more address. s.mu is held.
func (s *Server) boundRateTable(now time.Time, o *Options) {
	if len(s.adm.rate) < maxRateAddrs {
		return
	}
	perSecond, burst := o.AddrConnectionsPerMinute/60, o.AddrConnectionBurst
	for k, b := range s.adm.rate {
		if b.level(now, perSecond, burst) >= float64(burst) {
			delete(s.adm.rate, k)
		}
	}
	if len(s.adm.rate) > maxRateAddrs*3/4 { // or the next address would sweep again
		clear(s.adm.rate)
	}
}
