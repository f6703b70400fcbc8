//go:build !(linux || darwin || freebsd || netbsd || openbsd || dragonfly)

package transports

// fileLimit cannot be read here: DefaultMaxConnections falls back to
// FallbackMaxConnections.
func fileLimit() int { return 0 }
