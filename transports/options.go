package transports

import (
	"log/slog"
	"net/http"
	"net/netip"
	"strings"
	"time"
)

// Options configures a Server. The zero value of every field means its default, so
// Options{} is a working configuration and callers set only what they change.
type Options struct {
	// Path is the WebSocket endpoint. Default "/ws". Fixed at NewServer.
	Path string

	// ReadLimit is the largest inbound message, in bytes, handed to
	// Receiver.OnFrame. Default 4096. gws is configured with 4*ReadLimit: a
	// message in (ReadLimit, 4*ReadLimit] is read, discarded and reported through
	// Receiver.OnTooLarge; a larger one is refused by gws without being read, and
	// the link is closed with CloseMessageTooBig (1009). Fixed at NewServer.
	ReadLimit int

	// SendQueue is the most ClassControl frames a link may hold unwritten; one
	// more closes the link with SlowCloseCode. Default 64. A link's queue is
	// bounded by the value it opened with, so a larger value reaches only new
	// links; a smaller one applies to existing links too.
	SendQueue int

	// WriteTimeout bounds one write to the socket, and the flush done by
	// Link.Close. A write that takes longer marks the client a slow consumer and
	// closes its link. Default 5s.
	WriteTimeout time.Duration

	// DeliveryTimeout is how long bytes written to a WebSocket may wait in
	// the kernel unacknowledged by the client's TCP before the link is
	// closed as a slow consumer (SlowCloseCode, Stats.NotReading): the client
	// is not reading, whatever it acknowledges (see doc.go, "Slow readers").
	// Checked where the kernel tells (Linux); elsewhere a client that does
	// not read is found by WriteTimeout alone. Default 10s.
	DeliveryTimeout time.Duration

	// SendBuffer is the kernel send buffer (SO_SNDBUF) of every connection
	// the Server accepts, in bytes (Linux doubles it for its bookkeeping and
	// stops growing it on its own). It bounds what a client that does not
	// read can hold in the server's kernel, and how soon a write to it
	// blocks. Default 64 KiB, above what a game's frames need in flight
	// across a long round trip; negative leaves the system's own (on Linux,
	// grown up to net.ipv4.tcp_wmem's maximum, 4 MiB by default). Applies to
	// new connections.
	SendBuffer int

	// ReadBufferSize is the buffer each WebSocket reads through, in bytes
	// (at least 256). A client's frames are small (inputs, acks), and a
	// larger one only saves a system call per frame longer than the buffer;
	// every idle link holds it. Default 1024. Fixed at NewServer.
	ReadBufferSize int

	// PingInterval is how often the server pings each client. Default 10s.
	PingInterval time.Duration

	// PingTimeout is how long a link may stay silent: a link from which
	// nothing (message, ping or pong) has arrived for PingTimeout is closed
	// with TimeoutCloseCode. It must be longer than PingInterval, so that a
	// healthy client has a ping to answer first; a shorter one becomes twice
	// PingInterval. Default 20s.
	PingTimeout time.Duration

	// AllowedOrigins lists the browser origins that may connect, as
	// scheme://host[:port], compared case-insensitively. Empty, or containing
	// "*", allows every origin. Requests without an Origin header (native
	// clients, bots) are always allowed: the check stops other web pages from
	// using a visitor's browser, not other programs. A rejected request gets
	// HTTP 403 and counts in Stats.OriginRejected.
	AllowedOrigins []string

	// SlowCloseCode is the close code for slow consumers (control queue full,
	// write timeout). Default ClosePolicy (1008).
	SlowCloseCode uint16

	// TimeoutCloseCode is the close code for a heartbeat timeout. Default
	// CloseGoingAway (1001).
	TimeoutCloseCode uint16

	// Logger receives connection-level events at Debug and unexpected failures
	// at Warn. Default slog.Default().
	Logger *slog.Logger

	// HTTPPath is the base path of the HTTP transports (long-polling, streaming,
	// polling): the handshake is POST HTTPPath, a session lives under
	// HTTPPath/{sid}. Default "/rt". It must differ from Path. Fixed at
	// NewServer.
	HTTPPath string

	// DisableWebSocket, DisableLongPoll, DisableStream and DisablePoll switch
	// one transport off: its requests get 404 transport_disabled and the
	// handshake no longer lists it. DisableWebSocket also refuses upgrades of
	// HTTP sessions. Every transport is on by default; changes apply to new
	// requests.
	DisableWebSocket bool
	DisableLongPoll  bool
	DisableStream    bool
	DisablePoll      bool

	// PollTimeout is how long a long-poll GET is held when nothing is buffered
	// before it returns an empty 200. It should stay below the idle timeouts of
	// the proxies between client and server. Default 25s.
	PollTimeout time.Duration

	// StreamMaxDuration is how long one streaming response lasts before it ends
	// cleanly and the client re-opens it; periodic re-opening keeps buffering
	// proxies and connection-age limits from holding frames back. Default 30s.
	StreamMaxDuration time.Duration

	// SessionTimeout is how long an HTTP session may go without a downlink
	// request open before it expires with TimeoutCloseCode. It bounds the memory
	// of clients that vanish, and of handshakes never followed by a poll.
	// Default 20s.
	SessionTimeout time.Duration

	// UpgradeTimeout is how long a probe WebSocket (an upgrade of an HTTP
	// session) may take, from its opening to its "upgrade" message. A probe
	// that takes longer is closed and the session stays on HTTP. Default 10s.
	UpgradeTimeout time.Duration

	// MaxBody is the largest uplink POST body, in bytes. Default 65536.
	MaxBody int

	// CloseDrain is how long Server.Close waits for HTTP clients that are
	// between two requests to come back for their close record (CloseGoingAway),
	// so that they learn why the session ended as WebSocket clients do. A
	// long-polling client is back within a round trip; a polling one within
	// its interval. Sessions still waiting after CloseDrain just end.
	// Default 1s.
	CloseDrain time.Duration

	// MaxSessions is the most live HTTP sessions (upgraded ones included); one
	// more handshake gets 503 too_many_sessions. Default 10000.
	MaxSessions int

	// MaxConnections is the most connections the Server keeps: WebSocket
	// links (probes excepted) and HTTP sessions together. One more is
	// refused before its upgrade or session with 503 server_full and
	// Retry-After (see doc.go, "Admission"), while every other route (health,
	// metrics) is still answered. It should stay below the process's file
	// limit, which every connection takes one of, and more during requests.
	// Default DefaultMaxConnections(): 80% of the limit on open files
	// (RLIMIT_NOFILE), or 10000 where it cannot be read. Changes apply to
	// new connections.
	MaxConnections int

	// MaxConnectionsPerAddr is the most connections one client address may
	// have (an IPv6 address counts by its /64); one more is refused with 429
	// too_many_connections and Retry-After. Clients at 127.0.0.1 or ::1
	// (the server's own host, where a proxy in front of it connects from)
	// and in ExemptAddrs are not limited; the rest of 127.0.0.0/8 is, like
	// any address. The client address is the socket's peer, or the one a
	// trusted proxy names (TrustedProxies). Default 64; changes apply to
	// new connections.
	MaxConnectionsPerAddr int

	// AddrConnectionsPerMinute and AddrConnectionBurst bound how fast one
	// client address may open connections (those MaxConnectionsPerAddr
	// counts): a token bucket of AddrConnectionsPerMinute a minute, with
	// a burst of AddrConnectionBurst at once, spent by each connection
	// admitted. One more is refused before its upgrade or session with
	// 429 too_many_connections and a Retry-After of when the next is
	// allowed (Stats.ConnectionRateLimited), so that a client that is
	// closed and reconnects at once, again and again, costs the server an
	// upgrade and a session only so often. The same addresses are exempt
	// as from MaxConnectionsPerAddr. Defaults
	// DefaultAddrConnectionsPerMinute and DefaultAddrConnectionBurst;
	// changes apply to new connections.
	AddrConnectionsPerMinute float64
	AddrConnectionBurst      int

	// ExemptAddrs are client addresses (prefixes, or single addresses with
	// all bits; see ParseTrustedProxy) that MaxConnectionsPerAddr and
	// AddrConnectionsPerMinute do not limit: a load tester's machine, a
	// proxy whose clients cannot be told apart. MaxConnections still
	// counts them. 127.0.0.1 and ::1 are exempt without being listed (see
	// MaxConnectionsPerAddr). Default none.
	ExemptAddrs []netip.Prefix

	// TrustedProxies are the proxies (prefixes or, with all bits, single
	// addresses; see ParseTrustedProxy) whose X-Forwarded-For header is
	// believed: from a peer in one of them, the client address is the
	// rightmost X-Forwarded-For hop that is not itself a trusted proxy.
	// From any other peer the header is ignored, since a client can send
	// whatever it likes. Default none. Changes apply to new connections.
	TrustedProxies []netip.Prefix

	// Busy, when set, is asked before every new connection (a WebSocket
	// or an HTTP handshake; not a probe) is admitted: while it reports
	// busy, a connection whose handshake does not mark it as resuming a
	// seat is refused before its upgrade or session with 503 server_busy
	// and a Retry-After of retryAfter (rounded up to whole seconds, at
	// least 1); one that does is admitted (see doc.go, "Resuming"). It is
	// called on the request's goroutine, so it must be cheap and safe for
	// concurrent use (an atomic load). Default nil: never busy.
	Busy func() (busy bool, retryAfter time.Duration)

	// SIDPrefix is lowercase hex, at most 8 digits, that every new HTTP
	// session's id starts with (the rest stays random, still at least 96
	// bits): a server that is one of several behind a load balancer gives
	// each its own, so that any of them can tell whose a sid is. Default
	// none. Fixed at NewServer.
	SIDPrefix string
	// Forward, when set, is offered every request of an HTTP session (and
	// every upgrade probe) whose sid this server does not know, before it
	// answers 404 unknown_session: it may serve it (pass it to the server
	// that has the session) and report true. It runs on the request's
	// goroutine, before CORS or anything else is done for the request.
	// Default nil.
	Forward func(w http.ResponseWriter, r *http.Request, sid string) bool

	// MaxHeaderBytes bounds the request line and headers of every HTTP
	// request (net/http adds 4 KiB of slack); a larger request gets net/http's
	// own 431 answer and its connection is closed. The default, 16 KiB, holds
	// a handshake's largest ticket (8 KiB, see "Tickets") with room for the
	// other headers, while Go's own default (1 MiB) let 2,000 connections hold
	// gigabytes. Fixed at Open.
	MaxHeaderBytes int

	// ReadHeaderTimeout is how long a client may take to send a request's
	// line and headers, from its first byte (or, on a kept-alive connection,
	// from the end of the previous response); a slower one is disconnected.
	// Default 10s. Fixed at Open.
	ReadHeaderTimeout time.Duration

	// BodyTimeout is how long a client may take to send a request's body,
	// counted from when its headers have been read, on every route of the
	// server (uplink POSTs, exchanges, handshakes, and routes added with
	// Handle). A request whose body has not arrived by then fails (the
	// transports' routes answer 408 body_timeout) and its connection is
	// closed, so a client trickling a body cannot hold a handler, or Close.
	// Requests without a body (polls, streams) have no such deadline.
	// Default 10s; changes apply to new requests.
	BodyTimeout time.Duration

	// IdleTimeout is how long a kept-alive HTTP connection may wait for its
	// next request before the server closes it. It should exceed the
	// interval of polling clients, which reuse their connection. Default 30s.
	// Fixed at Open.
	IdleTimeout time.Duration

	// DisableFastPath leaves every request to net/http: polling clients'
	// kept-alive connections are not served by the fast path (see
	// http_fast.go); a long-polling player then costs about 40% more
	// server CPU (21% of a core against 15% for 256, BENCHMARKS.md). It is a switch for an operator who suspects the
	// fast path of a problem with some client or proxy. Applies to new
	// requests.
	DisableFastPath bool

	// limitLoopback applies the per-address limits to 127.0.0.1 and ::1
	// too, so that tests on 127.0.0.1 can reach them without a proxy.
	limitLoopback bool

	// noDirectWrites makes new WebSocket links send every frame through
	// their queue and writer, as on platforms without direct writes
	// (direct_fallback.go), so that tests run that path on Linux too. It is
	// unexported because operators gain nothing from it: the fallback only
	// adds a goroutine wake-up per frame. It applies to links opened after
	// it is set.
	noDirectWrites bool
}

// FileLimitShare is the share of the file limit DefaultMaxConnections
// leaves to connections: the rest is for the listener, the connections'
// second sockets during requests, logs and whatever else the process opens.
const FileLimitShare = 0.8

// FallbackMaxConnections is DefaultMaxConnections where the file limit
// cannot be read.
const FallbackMaxConnections = 10000

// DefaultMaxConnections is MaxConnections' default: FileLimitShare of the
// process's limit on open files (RLIMIT_NOFILE), or FallbackMaxConnections
// where it cannot be read.
func DefaultMaxConnections() int {
	n := fileLimit()
	if n <= 0 {
		return FallbackMaxConnections
	}
	return max(int(float64(n)*FileLimitShare), 1)
}

// minReadBufferSize is the smallest ReadBufferSize: a frame header (14
// bytes) and a small frame should come in one read.
const minReadBufferSize = 256

// Defaults, named so that tests and documentation agree with the code.
const (
	DefaultPath         = "/ws"
	DefaultReadLimit    = 4096
	DefaultSendQueue    = 64
	DefaultWriteTimeout = 5 * time.Second
	DefaultPingInterval = 10 * time.Second
	DefaultPingTimeout  = 20 * time.Second

	DefaultDeliveryTimeout = 10 * time.Second
	DefaultSendBuffer      = 64 << 10
	DefaultReadBufferSize  = 1024

	DefaultHTTPPath              = "/rt"
	DefaultPollTimeout           = 25 * time.Second
	DefaultStreamMaxDuration     = 30 * time.Second
	DefaultSessionTimeout        = 20 * time.Second
	DefaultUpgradeTimeout        = 10 * time.Second
	DefaultMaxBody               = 64 << 10
	DefaultMaxSessions           = 10000
	DefaultCloseDrain            = time.Second
	DefaultMaxConnectionsPerAddr = 64
	DefaultMaxHeaderBytes        = 16 << 10
	DefaultReadHeaderTimeout     = 10 * time.Second
	DefaultBodyTimeout           = 10 * time.Second
	DefaultIdleTimeout           = 30 * time.Second
)

// The defaults of the rate of new connections per address: 10 a second,
// 64 at once. Honest clients open one connection each and another only
// when theirs dropped, so even an address full of them (a NAT: up to
// DefaultMaxConnectionsPerAddr players) stays far below 10 a second in
// steady play, and when a network blip drops them all together the burst
// lets every one of them back at once. A flooder closed for what it sends
// gets back in at most 10 times a second, instead of as fast as it can
// reconnect.
const (
	DefaultAddrConnectionsPerMinute = 600
	DefaultAddrConnectionBurst      = DefaultMaxConnectionsPerAddr
)

// withDefaults returns o with every zero (or negative) field replaced by its
// default. AllowedOrigins is copied and lowercased so that a caller mutating its
// slice later cannot race with the upgrade handler.
func (o Options) withDefaults() Options {
	o.Path = cleanPath(o.Path, DefaultPath)
	o.HTTPPath = strings.TrimSuffix(cleanPath(o.HTTPPath, DefaultHTTPPath), "/")
	if o.HTTPPath == "" {
		o.HTTPPath = DefaultHTTPPath
	}
	if o.ReadLimit <= 0 {
		o.ReadLimit = DefaultReadLimit
	}
	if o.SendQueue <= 0 {
		o.SendQueue = DefaultSendQueue
	}
	if o.WriteTimeout <= 0 {
		o.WriteTimeout = DefaultWriteTimeout
	}
	if o.PingInterval <= 0 {
		o.PingInterval = DefaultPingInterval
	}
	if o.DeliveryTimeout <= 0 {
		o.DeliveryTimeout = DefaultDeliveryTimeout
	}
	if o.SendBuffer == 0 {
		o.SendBuffer = DefaultSendBuffer
	}
	if o.ReadBufferSize <= 0 {
		o.ReadBufferSize = DefaultReadBufferSize
	}
	o.ReadBufferSize = max(o.ReadBufferSize, minReadBufferSize)
	if o.PingTimeout <= 0 {
		o.PingTimeout = DefaultPingTimeout
	}
	if o.PingTimeout <= o.PingInterval {
		o.PingTimeout = 2 * o.PingInterval
	}
	if o.SlowCloseCode == 0 {
		o.SlowCloseCode = ClosePolicy
	}
	if o.TimeoutCloseCode == 0 {
		o.TimeoutCloseCode = CloseGoingAway
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.PollTimeout <= 0 {
		o.PollTimeout = DefaultPollTimeout
	}
	if o.StreamMaxDuration <= 0 {
		o.StreamMaxDuration = DefaultStreamMaxDuration
	}
	if o.SessionTimeout <= 0 {
		o.SessionTimeout = DefaultSessionTimeout
	}
	if o.UpgradeTimeout <= 0 {
		o.UpgradeTimeout = DefaultUpgradeTimeout
	}
	if o.MaxBody <= 0 {
		o.MaxBody = DefaultMaxBody
	}
	if o.MaxSessions <= 0 {
		o.MaxSessions = DefaultMaxSessions
	}
	if o.CloseDrain <= 0 {
		o.CloseDrain = DefaultCloseDrain
	}
	if o.MaxConnections <= 0 {
		o.MaxConnections = DefaultMaxConnections()
	}
	if o.MaxConnectionsPerAddr <= 0 {
		o.MaxConnectionsPerAddr = DefaultMaxConnectionsPerAddr
	}
	if o.AddrConnectionsPerMinute <= 0 {
		o.AddrConnectionsPerMinute = DefaultAddrConnectionsPerMinute
	}
	if o.AddrConnectionBurst <= 0 {
		o.AddrConnectionBurst = DefaultAddrConnectionBurst
	}
	if len(o.SIDPrefix) > 8 || strings.Trim(o.SIDPrefix, "0123456789abcdef") != "" {
		o.SIDPrefix = "" // not a prefix a sid can have
	}
	o.TrustedProxies = append([]netip.Prefix(nil), o.TrustedProxies...)
	o.ExemptAddrs = append([]netip.Prefix(nil), o.ExemptAddrs...)
	if o.MaxHeaderBytes <= 0 {
		o.MaxHeaderBytes = DefaultMaxHeaderBytes
	}
	if o.ReadHeaderTimeout <= 0 {
		o.ReadHeaderTimeout = DefaultReadHeaderTimeout
	}
	if o.BodyTimeout <= 0 {
		o.BodyTimeout = DefaultBodyTimeout
	}
	if o.IdleTimeout <= 0 {
		o.IdleTimeout = DefaultIdleTimeout
	}
	origins := make([]string, 0, len(o.AllowedOrigins))
	for _, s := range o.AllowedOrigins {
		origins = append(origins, strings.ToLower(strings.TrimSuffix(strings.TrimSpace(s), "/")))
	}
	o.AllowedOrigins = origins
	return o
}

// cleanPath gives a configured path its leading slash, or def when empty.
func cleanPath(p, def string) string {
	if p == "" {
		return def
	}
	if !strings.HasPrefix(p, "/") {
		return "/" + p
	}
	return p
}

// originAllowed reports whether a request with the given Origin header may
// upgrade. o must have been through withDefaults.
func (o *Options) originAllowed(origin string) bool {
	if origin == "" || len(o.AllowedOrigins) == 0 {
		return true
	}
	for _, a := range o.AllowedOrigins {
		if a == "*" || strings.EqualFold(a, origin) {
			return true
		}
	}
	return false
}
