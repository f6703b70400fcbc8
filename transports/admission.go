package transports

import (
	"net/http"
	"net/netip"
	"strings"
	"time"
)

// Admission (see doc.go, "Admission"): every new connection, a WebSocket or
// an HTTP session, is counted against Options.MaxConnections and against
// Options.MaxConnectionsPerAddr for its client address, and spends one of
// the address's new connections (Options.AddrConnectionsPerMinute,
// admission_rate.go), before its upgrade or its session is made, and is
// refused with an HTTP error when any is spent. Probes are not counted:
// each belongs to a session that is. Other routes (health, metrics) are
// not counted at all, so they are answered when the game is full.

// admission is the Server's count of admitted connections; guarded by the
// Server's mu.
type admission struct {
	total  int
	byAddr map[string]int        // by addrKey
	rate   map[string]connBucket // by addrKey: new connections left
}

// admit counts a new connection from addr, or returns why it is refused,
// and for errConnectionRate when the address may try again. The caller
// calls release(key) when the connection ends.
func (s *Server) admit(addr netip.Addr, o *Options) (key string, e httpErr, retry time.Duration, ok bool) {
	key = addrKey(addr)
	s.mu.Lock()
	defer s.mu.Unlock()
	limited := s.limitsAddr(addr, o)
	switch {
	case s.closing:
		return "", errShuttingDown, 0, false
	case s.adm.total >= o.MaxConnections:
		return "", errServerFull, 0, false
	case limited && s.adm.byAddr[key] >= o.MaxConnectionsPerAddr:
		return "", errTooManyConnections, 0, false
	}
	if limited {
		if wait, ok := s.takeConnection(key, time.Now(), o); !ok {
			s.stats.connectionRateLimited.Add(1)
			return "", errConnectionRate, wait, false
		}
	}
	s.adm.total++
	s.adm.byAddr[key]++
	s.stats.connections.Store(int64(s.adm.total))
	return key, 0, 0, true
}

// release uncounts a connection admit counted.
func (s *Server) release(key string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.releaseLocked(key)
}

func (s *Server) releaseLocked(key string) {
	s.adm.total--
	if n := s.adm.byAddr[key] - 1; n > 0 {
		s.adm.byAddr[key] = n
	} else {
		delete(s.adm.byAddr, key)
	}
	s.stats.connections.Store(int64(s.adm.total))
}

// refuseAdmission answers a connection admit refused, after retry when
// admit gave one.
func (s *Server) refuseAdmission(w http.ResponseWriter, e httpErr, retry time.Duration, remote string, o *Options) {
	msg := "the server is full"
	switch e {
	case errTooManyConnections:
		msg = "too many connections from this address"
	case errConnectionRate:
		msg = "too many new connections from this address: try again later"
		w.Header().Set("Retry-After", retrySeconds(retry))
	case errShuttingDown:
		msg = "server shutting down"
	}
	o.Logger.Debug("transports: connection refused", "remote", remote, "code", e.code())
	s.fail(w, e, msg)
}

// admitNew makes the checks a new connection (a WebSocket before its
// upgrade, an HTTP session's handshake) passes once its ticket is read, in
// doc.go's order: its resume mark (400 bad_request), Options.Busy (503
// server_busy unless it resumes a seat) and admit's caps and rate. When
// one refuses, it has answered w and ok is false; otherwise the connection
// is counted, and the caller calls release(key) when it ends or is never
// made. addr and remote are clientAddr's.
func (s *Server) admitNew(w http.ResponseWriter, r *http.Request, o *Options) (addr netip.Addr, remote, key string, ok bool) {
	resume, ok := resumeHint(r)
	if !ok {
		s.refuseResumeHint(w)
		return netip.Addr{}, "", "", false
	}
	addr, remote = clientAddr(r, o.TrustedProxies)
	if s.refuseBusy(w, resume, remote, o) {
		return netip.Addr{}, "", "", false
	}
	key, e, retry, ok := s.admit(addr, o)
	if !ok {
		s.refuseAdmission(w, e, retry, remote, o)
		return netip.Addr{}, "", "", false
	}
	return addr, remote, key, true
}

// limitsAddr reports whether the per-address limits apply to addr: not to
// Options.ExemptAddrs, nor to the addresses a proxy on the server's own
// host connects from (sameHost), whose clients would all share its
// address if it was not listed in TrustedProxies.
func (s *Server) limitsAddr(addr netip.Addr, o *Options) bool {
	return (!sameHost(addr) || o.limitLoopback) && !isTrusted(addr, o.ExemptAddrs)
}

// sameHost reports whether addr is 127.0.0.1 or ::1: the addresses a
// proxy, or the operator, on the server's own host connects from unless
// told otherwise. Only these two: the rest of 127.0.0.0/8 is the host's
// too, but nothing uses it unless asked to, and what asks (a load
// tester's attackers, from 127.0.0.2, say) wants to be told apart.
func sameHost(addr netip.Addr) bool {
	addr = addr.Unmap().WithZone("")
	return addr == netip.AddrFrom4([4]byte{127, 0, 0, 1}) || addr == netip.IPv6Loopback()
}

// addrKey is what the per-address cap counts by: the address, or for IPv6
// its /64, which is one subscriber's (a client can pick any address in it).
func addrKey(a netip.Addr) string {
	if a.Is6() && !a.Is4In6() {
		p, _ := a.Prefix(64)
		return p.String()
	}
	return a.String()
}

// clientAddr is the address of r's client: the socket's peer, unless that
// peer is a trusted proxy, in which case X-Forwarded-For is read from its
// right end (the hop the proxy appended) leftwards, past every trusted hop:
// the first hop not trusted is the client, the leftmost if all are. A hop
// that does not parse ends the walk at the last address believed, since
// anything left of it may be the client's own invention. remote is what
// Link.RemoteAddr reports: the peer's host:port, or the forwarded address.
func clientAddr(r *http.Request, trusted []netip.Prefix) (addr netip.Addr, remote string) {
	remote = r.RemoteAddr
	peer, err := netip.ParseAddrPort(r.RemoteAddr)
	if err != nil {
		return netip.Addr{}, remote
	}
	addr = peer.Addr().Unmap()
	if !isTrusted(addr, trusted) {
		return addr, remote
	}
	values := r.Header.Values("X-Forwarded-For")
	for i := len(values) - 1; i >= 0; i-- {
		hops := strings.Split(values[i], ",")
		for j := len(hops) - 1; j >= 0; j-- {
			hop, ok := parseHop(hops[j])
			if !ok {
				return addr, forwarded(addr, peer)
			}
			addr = hop
			if !isTrusted(hop, trusted) {
				return addr, addr.String()
			}
		}
	}
	return addr, forwarded(addr, peer)
}

// forwarded is remote for the address a walk of X-Forwarded-For ended at.
func forwarded(addr netip.Addr, peer netip.AddrPort) string {
	if addr == peer.Addr().Unmap() {
		return peer.String()
	}
	return addr.String()
}

// parseHop reads one X-Forwarded-For entry: an address, possibly with a
// port (some proxies add one).
func parseHop(s string) (netip.Addr, bool) {
	s = strings.TrimSpace(s)
	if a, err := netip.ParseAddr(s); err == nil {
		return a.Unmap(), true
	}
	if ap, err := netip.ParseAddrPort(s); err == nil {
		return ap.Addr().Unmap(), true
	}
	return netip.Addr{}, false
}

// isTrusted reports whether a is in one of the prefixes.
func isTrusted(a netip.Addr, trusted []netip.Prefix) bool {
	for _, p := range trusted {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// ParseTrustedProxy reads one entry of Options.TrustedProxies as a
// configuration gives it: a CIDR prefix ("10.0.0.0/8", "fd00::/8") or a
// single address ("192.0.2.7"). IPv4-mapped IPv6 forms are read as IPv4.
func ParseTrustedProxy(s string) (netip.Prefix, error) {
	s = strings.TrimSpace(s)
	if strings.Contains(s, "/") {
		p, err := netip.ParsePrefix(s)
		if err != nil {
			return netip.Prefix{}, err
		}
		if p.Addr().Is4In6() && p.Bits() >= 96 {
			p = netip.PrefixFrom(p.Addr().Unmap(), p.Bits()-96)
		}
		return p.Masked(), nil
	}
	a, err := netip.ParseAddr(s)
	if err != nil {
		return netip.Prefix{}, err
	}
	a = a.Unmap()
	return netip.PrefixFrom(a, a.BitLen()), nil
}
