package client

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/tickroom/tickroom/netcode"
)

// Transport names, for Options.Transport and Client.Transport.
const (
	TransportWebSocket = "websocket" // one binary WebSocket message per frame
	TransportLongPoll  = "longpoll"  // held GETs, POSTed uplink
	TransportStream    = "stream"    // one long chunked GET at a time, POSTed uplink
	TransportPoll      = "poll"      // GETs answered at once, every PollInterval when idle
)

// Options configure a Client. The zero value of each field means its default.
type Options struct {
	// Name is the player name sent with Join.
	Name string
	// History is how many received states are kept as possible baselines;
	// default 64.
	History int
	// ManualAck turns off the acknowledgement the client sends for a state it
	// applies. Without it the client acknowledges a state explicitly only when
	// no input went out since the previous state (inputs carry the ack).
	ManualAck bool
	// TrackOnly keeps only the newest tick and input ack instead of applying
	// every state to a mirror: for load generators, which must cost far less
	// than the server they measure. State then carries a tick and no
	// entities, and diffs are not checked against their baselines; state
	// frames are decoded only as far as their head (netcode.DecodeStateHead),
	// and the *netcode.State that OnFrame gets for one is reused for the next:
	// it must not be kept.
	TrackOnly bool
	// IdleTimeout is how long a WebSocket may stay silent (no frame, no
	// ping) before the client takes it for dead, as on a half-open TCP
	// connection that would otherwise never end; default 35s. The server
	// pings every websocket.ping_interval (10s by default) and sends states
	// far more often: keep this well above that interval.
	IdleTimeout time.Duration
	// HandshakeTimeout bounds the TCP connect and WebSocket upgrade, the HTTP
	// handshake, the upgrade probe, and each POST; default 5s. In automatic
	// mode it bounds the whole WebSocket attempt before the fallback.
	HandshakeTimeout time.Duration
	// ReadLimit bounds inbound frames; default 1 MiB (a full snapshot of a
	// big room can be large).
	ReadLimit int
	// Header is sent with the WebSocket upgrade and with every HTTP request
	// (for example Origin).
	Header http.Header
	// Ticket is a credential the client shows when it connects: a token
	// its game's backend issued (a signed JWT, usually), which a server
	// that requires one verifies. It travels in the handshake of every
	// connection, as "Authorization: Bearer <ticket>": on the WebSocket
	// upgrade and on the HTTP transports' handshake (POST {base}), never
	// in a URL, nor on the later requests of an HTTP session or the probe
	// of an upgrade, which belong to a session already accepted. A server
	// that refuses it closes the connection with netcode.CodeUnauthorized.
	Ticket string
	// TicketFunc, when set, gives the ticket for each connection instead
	// of Ticket: it is called before Dial's connection and before every
	// reconnection attempt, since tickets expire and a player may come
	// back minutes later. An error fails that dial (that attempt, when
	// reconnecting).
	TicketFunc func(ctx context.Context) (string, error)

	// Transport is the transport to start on: TransportWebSocket,
	// TransportLongPoll, TransportStream, TransportPoll, or "" (automatic:
	// WebSocket, falling back to long-polling when the upgrade is refused or
	// blocked). See the package documentation.
	Transport string
	// NoUpgrade keeps a long-polling or streaming client on HTTP: it never
	// tries to move to WebSocket.
	NoUpgrade bool
	// HTTPPath is the base path of the HTTP transports; default "/rt".
	HTTPPath string
	// WSPath is the WebSocket endpoint's path; default "/ws". Dial uses it when
	// given an http:// URL and for the upgrade probe.
	WSPath string
	// PollInterval is the longest the poll transport waits after an empty
	// answer before it asks again; default 50ms. Once a room has welcomed the
	// client, polls are aimed at just after the room's sends instead (see
	// pollAim), and PollInterval bounds the back-off of empty answers in a
	// row.
	PollInterval time.Duration
	// SendQueue bounds the frames an HTTP transport holds while a POST is in
	// flight; a send beyond it fails with ErrQueueFull. Default 256.
	SendQueue int
	// OnFrame, when set, is called with every frame the client decodes, after
	// the client has applied it (so State, Welcome and Errors already reflect
	// it). It runs on the connection's reader goroutine, one frame at a time,
	// in order, with no lock held: it may call the Client's methods except
	// Close (which waits for that goroutine), and while it runs nothing more
	// is read. Pongs (*netcode.Pong) reach a program only this way.
	OnFrame func(netcode.Frame)
	// OnEvent, when set, is called with every game event the room sends,
	// once each and in order, on the reader goroutine like OnFrame (and
	// before it): after the state of the event's tick or an earlier one has
	// been applied, and before any state of a later tick. EventQueue.Push
	// fits it.
	OnEvent func(netcode.Event)
	// OnChange, when set, is called after each state the client applies to
	// its mirror with what changed since the previous one, on the reader
	// goroutine like OnFrame (and before it). It is never called with
	// TrackOnly, which keeps no mirror.
	OnChange func(Change)

	// Reconnect makes the client come back by itself when its connection
	// drops, resuming its seat; its zero value keeps it off. See
	// Reconnect and the package documentation ("Reconnecting"). The
	// callbacks below run on the client's goroutines (a reader, or the
	// one that reconnects), one at a time, with no lock held: they may
	// call the client's methods except Close.
	Reconnect Reconnect
	// OnDropped, when set, is called when the connection dropped and the
	// client starts to reconnect, with why it dropped (ErrDropped after
	// Drop).
	OnDropped func(err error)
	// OnResumed, when set, is called when the client is back where it was
	// after a drop. For a client in a room: at the first state after the
	// server gave its seat back (the same player and entity), after that
	// state has been applied and handed to OnChange and OnFrame; snapshot
	// says it was a full snapshot rather than a diff from the tick the
	// client had (the room's history no longer reached back to it, or the
	// server lost events the client missed, which also counts in
	// Stats.EventsLost). For a client in the lobby state: when the new
	// connection is open, with snapshot false.
	OnResumed func(snapshot bool)
	// OnRejoined, when set, is called when the server no longer held the
	// client's seat (netcode.CodeResumeExpired: the resume window passed,
	// or the server holds no seats) and the client joined its room afresh,
	// by id: w is the new welcome, a new player and entity; or, when that
	// join was refused, w is nil and err the *JoinError, and the client is
	// connected in the lobby state.
	OnRejoined func(w *netcode.Welcome, err error)
	// OnGaveUp, when set, is called once when a reconnecting client ends
	// for good without Close: its attempts or time ran out, or the server
	// closed it with a code that says not to come back (replaced,
	// unauthorized, …). err is what Err then returns.
	OnGaveUp func(err error)
}

func (o Options) withDefaults() Options {
	if o.History <= 0 {
		o.History = 64
	}
	if o.HandshakeTimeout <= 0 {
		o.HandshakeTimeout = 5 * time.Second
	}
	if o.IdleTimeout <= 0 {
		o.IdleTimeout = 35 * time.Second
	}
	if o.ReadLimit <= 0 {
		o.ReadLimit = 1 << 20
	}
	o.HTTPPath = cleanPath(o.HTTPPath, "/rt")
	o.WSPath = cleanPath(o.WSPath, "/ws")
	if o.PollInterval <= 0 {
		o.PollInterval = 50 * time.Millisecond
	}
	if o.SendQueue <= 0 {
		o.SendQueue = 256
	}
	o.Reconnect = o.Reconnect.withDefaults()
	return o
}

func (o Options) validate() error {
	switch o.Transport {
	case "", TransportWebSocket, TransportLongPoll, TransportStream, TransportPoll:
	default:
		return fmt.Errorf("client: unknown transport %q", o.Transport)
	}
	return o.Reconnect.validate()
}

func cleanPath(p, def string) string {
	if p == "" {
		return def
	}
	if !strings.HasPrefix(p, "/") {
		p = "/" + p
	}
	return strings.TrimSuffix(p, "/")
}
