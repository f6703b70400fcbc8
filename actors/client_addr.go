package actors

import (
	"net"
	"net/netip"
	"slices"

	"github.com/tickroom/tickroom/transports"
)

// clientAddr is the address a connection's per-address limits and abuse
// logs use: the one place that decides it. It is the client's address as
// the transport resolved it (Link.RemoteAddr: the TCP peer, or the client
// a trusted proxy named in X-Forwarded-For; see transports' "Admission"),
// so the actors' budgets count the same clients as the transport's
// connection caps, and clients behind a trusted proxy do not share one.
func clientAddr(l transports.Link) string { return addrKey(l.RemoteAddr()) }

// clientExempt reports whether the connection's address is one of
// LimitOptions.ExemptAddrs, which no per-address budget limits. It reads
// the same address as clientAddr, and switches with it.
func clientExempt(l transports.Link, exempt []netip.Prefix) bool {
	if len(exempt) == 0 {
		return false
	}
	ip, ok := addrIP(l.RemoteAddr())
	return ok && slices.ContainsFunc(exempt, func(p netip.Prefix) bool { return p.Contains(ip) })
}

// addrKey reduces a "host:port" (or a bare host) to what one client
// controls: an IPv4 address, or the /64 prefix of an IPv6 address, since
// one subscriber is routinely given a whole /64 and could otherwise spend
// a fresh budget per address. Anything that does not parse is kept whole.
func addrKey(addr string) string {
	ip, ok := addrIP(addr)
	if !ok {
		return hostOf(addr)
	}
	if ip.Is4() {
		return ip.String()
	}
	p, _ := ip.Prefix(64) // never fails for a 128-bit address
	return p.String()
}

// addrIP parses the IP of a "host:port" or a bare host, IPv4-mapped IPv6
// addresses as IPv4, without a zone.
func addrIP(addr string) (netip.Addr, bool) {
	ip, err := netip.ParseAddr(hostOf(addr))
	if err != nil {
		return netip.Addr{}, false
	}
	return ip.Unmap().WithZone(""), true
}

func hostOf(addr string) string {
	if h, _, err := net.SplitHostPort(addr); err == nil {
		return h
	}
	return addr
}
