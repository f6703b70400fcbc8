package loadtest

import (
	"fmt"
	"net"
	"net/url"
	"runtime"
	"strings"
	"time"

	"github.com/tickroom/tickroom/transports/httpwire"
)

// Bounds of the attacks: each is a bounded experiment against a server the
// operator runs, not a weapon.
const (
	maxAttackers     = 2000       // connections of one attack, but idle ones
	maxIdle          = MaxClients // idle connections: the finding needed 20,000
	minTrickle       = 10 * time.Millisecond
	maxTrickle       = 10 * time.Second
	minHugeHeader    = 1 << 10
	maxHugeHeader    = 16 << 20
	defaultTrickle   = time.Second
	defaultHugeBytes = 1 << 20
)

// Frame flood payloads (-frame-flood-payload).
const (
	payloadEmpty   = "empty"   // binary frames of no bytes
	payloadGarbage = "garbage" // one byte that starts no msgpack value (0xc1)
	payloadUnknown = "unknown" // a well-formed frame of a kind the protocol does not have
)

// Attacks are the hostile clients of a run (issue 12), next to the honest
// players the rest of the scenario describes: each field counts the
// attacker connections of one attack, 0 for none. Attacks run through the
// measured window and stop at its end, on their own, so the report shows
// what each did to the honest players (their figures are the run's main
// ones) next to what the attackers did and what the server answered. See
// doc.go, "Attacks".
type Attacks struct {
	// PingFlood connections send WebSocket ping control frames as fast as
	// their sockets take them, reading the pongs.
	PingFlood int `toml:"ping_flood" json:"ping_flood"`
	// FrameFlood connections send tiny binary frames as fast as their
	// sockets take them: FramePayload says which.
	FrameFlood   int    `toml:"frame_flood" json:"frame_flood"`
	FramePayload string `toml:"frame_flood_payload" json:"frame_flood_payload"`
	// RoomFlood connections create rooms one after the other (join with
	// how=create, leave, again), each as fast as the server answers.
	RoomFlood int `toml:"room_flood" json:"room_flood"`
	// IdleConns WebSockets are opened and held without joining (answering
	// the server's pings); one the server closes is opened again a second
	// later.
	IdleConns int `toml:"idle_conns" json:"idle_conns"`
	// SlowHeaders connections trickle an HTTP request's headers, and
	// SlowBodies connections an HTTP handshake's body (POST to the HTTP
	// transports), one byte every TrickleEvery.
	SlowHeaders  int      `toml:"slow_headers" json:"slow_headers"`
	SlowBodies   int      `toml:"slow_bodies" json:"slow_bodies"`
	TrickleEvery Duration `toml:"trickle_every" json:"trickle_every"`
	// HugeHeaders connections send requests with HugeHeaderBytes of
	// headers, one after the other.
	HugeHeaders     int `toml:"huge_headers" json:"huge_headers"`
	HugeHeaderBytes int `toml:"huge_header_bytes" json:"huge_header_bytes"`
	// BlindAcks clients join rooms of their own and then acknowledge every
	// tick the room runs without reading their sockets (whose receive
	// buffers are made tiny).
	BlindAcks int `toml:"blind_acks" json:"blind_acks"`
	// AttackFrom is the local address the attackers connect from, so that
	// the server's per-address limits see them apart from the honest
	// players. "auto" (the default) is 127.0.0.2 on Linux against an IPv4
	// loopback target, where all of 127.0.0.0/8 is the loopback
	// interface, and otherwise the system's choice, the honest players'
	// own address; "" is always the system's choice.
	AttackFrom string `toml:"attack_from" json:"attack_from"`
}

// attackFromAuto is AttackFrom's default.
const attackFromAuto = "auto"

func defaultAttacks() Attacks {
	return Attacks{
		FramePayload:    payloadEmpty,
		TrickleEvery:    Duration{defaultTrickle},
		HugeHeaderBytes: defaultHugeBytes,
		AttackFrom:      attackFromAuto,
	}
}

// any reports whether the run has an attack.
func (a Attacks) any() bool {
	return a.PingFlood+a.FrameFlood+a.RoomFlood+a.IdleConns+a.SlowHeaders+a.SlowBodies+a.HugeHeaders+a.BlindAcks > 0
}

// validate adds the attacks' problems to bad, each named by its flag.
func (a Attacks) validate(bad func(flag, format string, args ...any)) {
	for _, c := range []struct {
		flag string
		n    int
		max  int
	}{
		{"ping-flood", a.PingFlood, maxAttackers},
		{"frame-flood", a.FrameFlood, maxAttackers},
		{"room-flood", a.RoomFlood, maxAttackers},
		{"idle-conns", a.IdleConns, maxIdle},
		{"slow-headers", a.SlowHeaders, maxAttackers},
		{"slow-bodies", a.SlowBodies, maxAttackers},
		{"huge-headers", a.HugeHeaders, maxAttackers},
		{"blind-acks", a.BlindAcks, maxAttackers},
	} {
		if c.n < 0 || c.n > c.max {
			bad(c.flag, "%d is not between 0 and %d connections", c.n, c.max)
		}
	}
	switch a.FramePayload {
	case payloadEmpty, payloadGarbage, payloadUnknown:
	default:
		bad("frame-flood-payload", "%q is not %s, %s or %s", a.FramePayload, payloadEmpty, payloadGarbage, payloadUnknown)
	}
	if d := a.TrickleEvery.Duration; d < minTrickle || d > maxTrickle {
		bad("trickle-every", "%v is not between %v and %v", a.TrickleEvery, Duration{minTrickle}, Duration{maxTrickle})
	}
	if n := a.HugeHeaderBytes; n < minHugeHeader || n > maxHugeHeader {
		bad("huge-header-bytes", "%d is not between %d and %d bytes", n, minHugeHeader, maxHugeHeader)
	}
	if a.AttackFrom != "" && a.AttackFrom != attackFromAuto && net.ParseIP(a.AttackFrom) == nil {
		bad("attack-from", "%q is not an IP address, %q or empty", a.AttackFrom, attackFromAuto)
	}
}

// validateTarget adds a problem with the run's target for the attacks,
// which speak plain TCP.
func (a Attacks) validateTarget(target string, bad func(flag, format string, args ...any)) {
	if !a.any() {
		return
	}
	if u, err := url.Parse(target); err == nil && (u.Scheme == "https" || u.Scheme == "wss") {
		bad("url", "the attacks speak plain TCP: %q needs TLS", target)
	}
}

// sourceAddr is the address the attackers connect from when attacking
// target: AttackFrom resolved, or nil for the system's choice.
func (a Attacks) sourceAddr(target string) net.IP {
	switch a.AttackFrom {
	case "":
		return nil
	case attackFromAuto:
		u, err := url.Parse(target)
		if err != nil || runtime.GOOS != "linux" {
			return nil
		}
		ip := net.ParseIP(u.Hostname())
		if ip == nil || ip.To4() == nil || !ip.IsLoopback() {
			return nil
		}
		src := net.IPv4(127, 0, 0, 2)
		if ip.Equal(src) {
			src = net.IPv4(127, 0, 0, 3)
		}
		return src
	}
	return net.ParseIP(a.AttackFrom)
}

// slowBodyLength is the Content-Length a slow body announces: the largest
// handshake body the server reads. One whose last byte arrives gets the
// server's answer to it (not a ticket), and its attacker starts again.
const slowBodyLength = httpwire.MaxHandshakeBody

func (a Attacks) text() string {
	var parts []string
	add := func(n int, format string, args ...any) {
		if n > 0 {
			parts = append(parts, fmt.Sprintf(format, args...))
		}
	}
	add(a.PingFlood, "%d ping flooders", a.PingFlood)
	add(a.FrameFlood, "%d %s-frame flooders", a.FrameFlood, a.FramePayload)
	add(a.RoomFlood, "%d room flooders", a.RoomFlood)
	add(a.IdleConns, "%d idle connections", a.IdleConns)
	add(a.SlowHeaders, "%d slow headers (a byte per %v)", a.SlowHeaders, a.TrickleEvery.Duration)
	add(a.SlowBodies, "%d slow bodies (a byte per %v)", a.SlowBodies, a.TrickleEvery.Duration)
	add(a.HugeHeaders, "%d huge headers (%s each)", a.HugeHeaders, fmtBytes(float64(a.HugeHeaderBytes)))
	add(a.BlindAcks, "%d blind ackers", a.BlindAcks)
	return strings.Join(parts, "; ")
}
