package netcode

import "errors"

// Decode errors. Every error a decoder returns wraps exactly one of these
// with detail ("netcode: malformed frame: input: axis 2: 40000 is outside
// [-32768, 32767]"); branch on them with errors.Is, or map them to a Code with
// CodeOf.
var (
	// ErrMalformed reports a frame that is not one msgpack array in the
	// layout of its kind: bad msgpack, truncation, trailing bytes, a wrong
	// element count or type, an out-of-range number or a string over its
	// limit. AppendFrame also reports values the wire cannot carry with it.
	ErrMalformed = errors.New("netcode: malformed frame")

	// ErrUnknownKind reports a well-formed array whose first element is an
	// integer this version does not know. Receivers ignore such frames, so
	// that later versions can add kinds.
	ErrUnknownKind = errors.New("netcode: unknown kind")

	// ErrUnexpectedKind reports a known kind sent in the wrong direction,
	// such as a welcome from a client, or a kind that a decoder for one kind
	// (DecodeInput, DecodeAck, DecodeStateHead) was not given; those return
	// it unwrapped and without allocating.
	ErrUnexpectedKind = errors.New("netcode: unexpected kind")

	// ErrVersionMismatch reports a join (or welcome) whose version is not
	// ProtocolVersion. The decoder still returns the message, holding the
	// peer's version, so the server can answer with CodeVersionMismatch.
	ErrVersionMismatch = errors.New("netcode: protocol version mismatch")
)
