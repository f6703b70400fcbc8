//go:build !linux && !darwin

package transports

import "net"

// peerGone cannot look without reading on this platform: a held poll of a
// client that left keeps its session's downlink until PollTimeout.
func peerGone(net.Conn) bool { return false }
