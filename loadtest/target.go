package loadtest

import (
	"fmt"
	"net"
	"net/url"
	"strings"
)

// checkTarget refuses a URL whose host is not a loopback address (127.0.0.0/8,
// ::1 or "localhost") unless allowRemote is set: a load test aimed at someone
// else's server by mistake is an attack. Host names other than localhost are
// refused too, because what they resolve to can change.
func checkTarget(raw string, allowRemote bool) error {
	u, err := url.Parse(raw)
	if err != nil {
		return fmt.Errorf("url: %w", err)
	}
	switch u.Scheme {
	case "http", "https", "ws", "wss":
	default:
		return fmt.Errorf("url: %q is not an http://, https://, ws:// or wss:// URL", raw)
	}
	host := u.Hostname()
	if host == "" {
		return fmt.Errorf("url: %q has no host", raw)
	}
	if allowRemote || isLoopback(host) {
		return nil
	}
	return fmt.Errorf("url: refusing %q: %s is not a loopback address (127.0.0.0/8, ::1, localhost); pass -allow-remote to load-test another machine", raw, host)
}

func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// metricsURL is where the server behind base serves Prometheus metrics.
func metricsURL(base string) string {
	u, err := url.Parse(base)
	if err != nil {
		return ""
	}
	switch u.Scheme {
	case "ws":
		u.Scheme = "http"
	case "wss":
		u.Scheme = "https"
	}
	return (&url.URL{Scheme: u.Scheme, Host: u.Host, Path: "/metrics"}).String()
}
