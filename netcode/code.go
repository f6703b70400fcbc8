package netcode

import (
	"errors"
	"strconv"
)

// Code is a protocol error code. The same number travels in an error frame
// and, for the codes that end a connection, as the WebSocket close code (or
// the close reason of the HTTP transports), so a client learns why from
// either. Codes other than CodeGoingAway are in the 4000–4999 range that
// WebSocket leaves to applications. The package documentation lists what the
// server does with each.
type Code uint16

// Codes. The comment says when the server sends it and what it does next.
const (
	CodeGoingAway        Code = 1001 // server shutting down; close
	CodeBadFrame         Code = 4000 // malformed msgpack or layout; error, close
	CodeUnknownKind      Code = 4001 // unknown or wrong-direction kind; error, frame ignored
	CodeTooLarge         Code = 4002 // frame over the read limit; error, close
	CodeRateLimited      Code = 4003 // frame over the session rate dropped; error at most 1/s, close after many
	CodeRoomFull         Code = 4004 // join refused: no free seat; stays connected
	CodeNotJoined        Code = 4005 // input, ack, message or leave before a join; error, frame ignored
	CodeVersionMismatch  Code = 4006 // join with another ProtocolVersion; error, close
	CodeSlowConsumer     Code = 4007 // client fell too far behind the frames sent to it; close
	CodeHeartbeatTimeout Code = 4008 // client silent too long; close
	CodeAlreadyJoined    Code = 4009 // second join on a joined session; error, frame ignored
	CodeUnknownMode      Code = 4010 // join refused: no such game mode; stays connected
	CodeRoomClosed       Code = 4011 // room stopped; the session is back in the lobby state
	CodeInternal         Code = 4012 // server bug; close
	CodeTooManyRooms     Code = 4013 // join refused: it would create a room past room.max_rooms; stays connected
	CodeJoinRefused      Code = 4014 // join refused by the game (its reason in the message) or its schemas; stays connected
	CodeRoomNotFound     Code = 4015 // join refused: no such room (name, id or code); stays connected
	CodeRoomLocked       Code = 4016 // join refused: the room is locked; stays connected
	CodeRoomExists       Code = 4017 // create refused: a room of that name exists; stays connected
	CodeUnknownMessage   Code = 4018 // a message type the game does not take; error, frame ignored
	CodeKicked           Code = 4019 // the game removed the player (its reason in the message); back in the lobby state
	CodeResumeExpired    Code = 4020 // resume refused: no seat for that token (left, timed out, closed, used or unknown); stays connected
	CodeEventsLost       Code = 4021 // on a resume: events were lost while away; a snapshot follows
	CodeReplaced         Code = 4022 // a newer connection took the seat or the user's session; close
	CodeUnauthorized     Code = 4023 // the connection's ticket or credentials were refused; close
	CodeServerBusy       Code = 4024 // overloaded, or too many connections in no room: a new connection closed, a join refused (stays connected); retry later
	CodeJoinTimeout      Code = 4025 // in no room for longer than the join deadline; error, close
)

var codeNames = map[Code]string{
	CodeGoingAway:        "going_away",
	CodeBadFrame:         "bad_frame",
	CodeUnknownKind:      "unknown_kind",
	CodeTooLarge:         "too_large",
	CodeRateLimited:      "rate_limited",
	CodeRoomFull:         "room_full",
	CodeNotJoined:        "not_joined",
	CodeVersionMismatch:  "version_mismatch",
	CodeSlowConsumer:     "slow_consumer",
	CodeHeartbeatTimeout: "heartbeat_timeout",
	CodeAlreadyJoined:    "already_joined",
	CodeUnknownMode:      "unknown_mode",
	CodeRoomClosed:       "room_closed",
	CodeInternal:         "internal",
	CodeTooManyRooms:     "too_many_rooms",
	CodeJoinRefused:      "join_refused",
	CodeRoomNotFound:     "room_not_found",
	CodeRoomLocked:       "room_locked",
	CodeRoomExists:       "room_exists",
	CodeUnknownMessage:   "unknown_message",
	CodeKicked:           "kicked",
	CodeResumeExpired:    "resume_expired",
	CodeEventsLost:       "events_lost",
	CodeReplaced:         "replaced",
	CodeUnauthorized:     "unauthorized",
	CodeServerBusy:       "server_busy",
	CodeJoinTimeout:      "join_timeout",
}

// String returns the code's snake_case name, as used in logs and metrics, or
// "code_N" for a code this version does not know.
func (c Code) String() string {
	if s, ok := codeNames[c]; ok {
		return s
	}
	return "code_" + strconv.Itoa(int(c))
}

// Error makes a Code usable as an error, so code paths that end in a refusal
// can return the code itself and CodeOf recovers it.
func (c Code) Error() string {
	return "netcode: " + c.String() + " (" + strconv.Itoa(int(c)) + ")"
}

// Closes reports whether the server closes the connection after sending c.
// CodeRateLimited reports false: the server closes only after
// session.max_rejected rate-limited frames, not after the first.
// CodeServerBusy reports false too: it refuses a join on a connection that
// stays open; a new connection refused with it is closed (the refusal of a
// connection always closes).
func (c Code) Closes() bool {
	switch c {
	case CodeGoingAway, CodeBadFrame, CodeTooLarge, CodeVersionMismatch,
		CodeSlowConsumer, CodeHeartbeatTimeout, CodeInternal, CodeReplaced, CodeUnauthorized, CodeJoinTimeout:
		return true
	}
	return false
}

// CodeOf maps an error to the code the server answers it with: decode errors
// by their sentinel, a Code (possibly wrapped) to itself, nil to 0 and
// anything else to CodeInternal, so internal errors never reach a client as
// anything more specific.
func CodeOf(err error) Code {
	var c Code
	switch {
	case err == nil:
		return 0
	case errors.Is(err, ErrMalformed):
		return CodeBadFrame
	case errors.Is(err, ErrUnknownKind), errors.Is(err, ErrUnexpectedKind):
		return CodeUnknownKind
	case errors.Is(err, ErrVersionMismatch):
		return CodeVersionMismatch
	case errors.As(err, &c):
		return c
	}
	return CodeInternal
}
