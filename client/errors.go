package client

import (
	"errors"
	"fmt"
	"time"

	"github.com/tickroom/tickroom/netcode"
	"github.com/tickroom/tickroom/transports/httpwire"
)

// ErrClosed is returned by calls on a client whose connection has ended, and
// by Err after Close.
var ErrClosed = errors.New("client: connection closed")

// ErrQueueFull is returned by sends on an HTTP transport when Options.SendQueue
// frames are already waiting for their POST: the server is not keeping up, and
// the frame was not queued. While the client reconnects it is returned by
// SendMessage (and SendRaw) once Reconnect.Messages frames wait for the
// connection.
var ErrQueueFull = errors.New("client: send queue full")

// ErrReconnecting is returned while the client is reconnecting
// (Options.Reconnect) by the calls that need an answer from the server now
// (JoinWith, ListRooms, Ping), and by a JoinWith or ListRooms whose request
// was on its way when the connection dropped: its answer is lost with the
// connection. Try again once the client is back.
var ErrReconnecting = errors.New("client: reconnecting")

// ErrDropped is the end of a connection cut by Client.Drop.
var ErrDropped = errors.New("client: connection dropped")

// ErrGaveUp wraps the error of a client that stopped reconnecting: its
// attempts or its time (Reconnect.Attempts, Reconnect.MaxTime) ran out, or
// an attempt ended with a close code that says not to come back. The last
// attempt's error is wrapped too, so CloseCode still reports its code.
var ErrGaveUp = errors.New("client: gave up reconnecting")

// CloseError is the close code and reason a connection ended with: a
// WebSocket close frame's, or an HTTP transport's close record. Codes in
// 4000–4999 (and 1001) are netcode.Codes.
type CloseError struct {
	Code   uint16
	Reason string
}

func (e *CloseError) Error() string {
	return fmt.Sprintf("client: closed with code %d %s (%s)", e.Code, netcode.Code(e.Code), e.Reason)
}

// HTTPError is a request the server answered with an error status: an
// HTTP transport's, or a WebSocket handshake refused before its upgrade.
// Code is the spec's error code ("unknown_session", "server_busy", …) when
// the body carried one. A new connection refused for load or capacity
// (server_busy, server_full: 503; too_many_connections: 429) carries
// RetryAfter: the server will take it later, and a program that dials
// again waits at least that long (a reconnecting client does so itself).
type HTTPError struct {
	Op         string // "websocket", "handshake", "poll", "exchange", "stream", "post", "delete"
	Status     int
	Code       string
	Message    string
	RetryAfter time.Duration // the Retry-After header, whole seconds; 0 without one
}

func (e *HTTPError) Error() string {
	s := fmt.Sprintf("client: %s: HTTP %d %s: %s", e.Op, e.Status, e.Code, e.Message)
	if e.RetryAfter > 0 {
		s += fmt.Sprintf(" (retry after %v)", e.RetryAfter)
	}
	return s
}

// refusedForLoad reports whether the server refused a new connection for
// its load or its capacity: any transport would be refused alike, and the
// same dial succeeds later.
func (e *HTTPError) refusedForLoad() bool {
	switch e.Code {
	case httpwire.CodeServerBusy, httpwire.CodeServerFull, httpwire.CodeTooManyConnections, httpwire.CodeShuttingDown:
		return true
	}
	return false
}

// retryAfter is the least wait before dialling again that err asks for:
// the Retry-After of a refusal for load or capacity, 0 for anything else.
func retryAfter(err error) time.Duration {
	var he *HTTPError
	if errors.As(err, &he) {
		return he.RetryAfter
	}
	return 0
}

// retryable reports whether the same request may succeed if made again. A
// server that is shutting down will not come back for this session.
func (e *HTTPError) retryable() bool {
	if e.Code == httpwire.CodeShuttingDown {
		return false
	}
	return e.Status == 409 || e.Status == 408 || e.Status == 429 || e.Status >= 500
}

// goingAway turns a request refused because the server is shutting down
// into the close a client between requests would have read during the
// drain: 1001.
func goingAway(err error) *CloseError {
	var he *HTTPError
	if errors.As(err, &he) && he.Code == httpwire.CodeShuttingDown {
		return &CloseError{Code: uint16(netcode.CodeGoingAway), Reason: "server shutting down"}
	}
	return nil
}

// JoinError is a join the server refused, with the error frame's code and
// message: netcode.CodeRoomFull, CodeRoomNotFound, CodeRoomLocked,
// CodeRoomExists, CodeUnknownMode, CodeTooManyRooms, CodeAlreadyJoined,
// CodeRoomClosed, or CodeJoinRefused with the game's reason, among others.
// It unwraps to its Code, so errors.Is(err, netcode.CodeRoomFull) and
// errors.As(err, &code) work as well as errors.As(err, &joinErr).
type JoinError struct {
	Code   netcode.Code
	Reason string // the server's message: the game's reason for join_refused
}

func (e *JoinError) Error() string {
	return fmt.Sprintf("client: join refused: %s (%d): %s", e.Code.String(), uint16(e.Code), e.Reason)
}

// Unwrap returns the code, which is itself an error.
func (e *JoinError) Unwrap() error { return e.Code }
