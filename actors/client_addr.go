package actors

import (
	"net"
	"net/netip"

	"github.com/tickroom/tickroom/transports"
)

// clientAddr is the address a connection's per-address limits and abuse
// logs use: the one place that decides it. It is the TCP peer's address
// for now; once transports resolves the client's address (trusted proxies,
// X-Forwarded-For from them only), this is the line to switch to it, so
// that every client behind a proxy does not share one budget.
func clientAddr(l transports.Link) string { return addrKey(l.RemoteAddr()) }

// addrKey reduces a "host:port" (or a bare host) to what one client
// controls: an IPv4 address, or the /64 prefix of an IPv6 address, since
// one subscriber is routinely given a whole /64 and could otherwise spend
// a fresh budget per address. Anything that does not parse is kept whole.
func addrKey(addr string) string {
	host := addr
	if h, _, err := net.SplitHostPort(addr); err == nil {
		host = h
	}
	ip, err := netip.ParseAddr(host)
	if err != nil {
		return host
	}
	ip = ip.Unmap().WithZone("")
	if ip.Is4() {
		return ip.String()
	}
	p, _ := ip.Prefix(64) // never fails for a 128-bit address
	return p.String()
}
