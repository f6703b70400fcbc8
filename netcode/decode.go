package netcode

import (
	"errors"
	"fmt"
	"math"
	"unicode/utf8"
)

// PeekKind returns the kind of frame without decoding the rest and without
// allocating unless the frame is bad: receivers dispatch on it once and call
// the one decoder for that kind (DecodeInput, DecodeAck, DecodeClient, …).
// A frame that is not an array starting with a kind yields ErrMalformed, an
// unknown kind ErrUnknownKind. It says nothing of direction: a server kind
// from a client is for the decoder to refuse.
func PeekKind(frame []byte) (Kind, error) {
	r := reader{b: frame}
	if _, err := r.head(); err != nil {
		return 0, err
	}
	return r.kind, nil
}

// DecodeClient decodes a frame a client sent: a join, input, ack, ping or
// leave, as a pointer. A server kind yields ErrUnexpectedKind, an unknown kind
// ErrUnknownKind. A join with another version yields the *Join, holding only
// that version, together with ErrVersionMismatch.
func DecodeClient(frame []byte) (Message, error) {
	return result(decodeClient(frame))
}

// result drops the message of a failed decode, keeping it only for a version
// mismatch, and turns typed nil pointers into a nil Message.
func result(m Message, err error) (Message, error) {
	if err != nil && !errors.Is(err, ErrVersionMismatch) {
		return nil, err
	}
	return m, err
}

func decodeClient(frame []byte) (Message, error) {
	r := reader{b: frame}
	n, err := r.head()
	if err != nil {
		return nil, err
	}
	if !r.kind.fromClient() {
		return nil, fmt.Errorf("%w: %s from a client", ErrUnexpectedKind, r.kind)
	}
	switch r.kind {
	case KindJoin:
		return decodeJoin(&r, n)
	case KindInput:
		in := &Input{}
		if err := decodeInput(&r, n, in); err != nil {
			return nil, err
		}
		return in, nil
	case KindAck:
		tick, err := r.oneU32(n, "ack")
		if err != nil {
			return nil, err
		}
		return &Ack{Tick: tick}, nil
	case KindPing:
		if err := r.count(n, 2); err != nil {
			return nil, err
		}
		t, err := r.uint("client time", math.MaxUint64)
		if err != nil {
			return nil, err
		}
		return &Ping{ClientTime: t}, r.end()
	default: // KindLeave
		if err := r.count(n, 1); err != nil {
			return nil, err
		}
		return &Leave{}, r.end()
	}
}

// DecodeServer decodes a frame the server sent: a welcome, snapshot, diff,
// pong or error, as a pointer; snapshots and diffs come back as *State whose
// Delta is freshly allocated and ready for world.Apply. A client kind yields
// ErrUnexpectedKind, an unknown kind ErrUnknownKind, a welcome with another
// version the *Welcome holding it with ErrVersionMismatch.
func DecodeServer(frame []byte) (Message, error) {
	return result(decodeServer(frame))
}

func decodeServer(frame []byte) (Message, error) {
	r := reader{b: frame}
	n, err := r.head()
	if err != nil {
		return nil, err
	}
	if r.kind.fromClient() {
		return nil, fmt.Errorf("%w: %s from the server", ErrUnexpectedKind, r.kind)
	}
	switch r.kind {
	case KindWelcome:
		return decodeWelcome(&r, n)
	case KindSnapshot, KindDiff:
		return decodeState(&r, n)
	case KindPong:
		if err := r.count(n, 3); err != nil {
			return nil, err
		}
		p := &Pong{}
		if p.ClientTime, err = r.uint("client time", math.MaxUint64); err != nil {
			return nil, err
		}
		if p.ServerTime, err = r.u32("server time"); err != nil {
			return nil, err
		}
		return p, r.end()
	default: // KindError
		if err := r.count(n, 3); err != nil {
			return nil, err
		}
		code, err := r.uint("code", math.MaxUint16)
		if err != nil {
			return nil, err
		}
		msg, err := r.str("message", MaxErrorLen)
		if err != nil {
			return nil, err
		}
		return &Error{Code: Code(code), Message: msg}, r.end()
	}
}

// DecodeInput decodes an input frame into in without allocating: inputs are
// most of what clients send. For any other known kind it returns
// ErrUnexpectedKind itself, unwrapped and without allocating. On error *in is
// left unchanged.
func DecodeInput(frame []byte, in *Input) error {
	r := reader{b: frame}
	n, err := r.head()
	if err != nil {
		return err
	}
	if r.kind != KindInput {
		return ErrUnexpectedKind
	}
	return decodeInput(&r, n, in)
}

// DecodeAck decodes an ack frame without allocating and returns its tick: a
// seated client that sends no inputs acknowledges every state this way. For
// any other known kind it returns ErrUnexpectedKind itself, as DecodeInput
// does.
func DecodeAck(frame []byte) (uint32, error) {
	r := reader{b: frame}
	n, err := r.head()
	if err != nil {
		return 0, err
	}
	if r.kind != KindAck {
		return 0, ErrUnexpectedKind
	}
	return r.oneU32(n, "ack")
}

// head reads the array header and the kind, leaving the kind in r.kind, and
// returns the element count including the kind.
func (r *reader) head() (int, error) {
	n, err := r.arrayLen("frame", 1)
	if err != nil {
		return 0, err
	}
	if n == 0 {
		return 0, r.fail("empty array")
	}
	u, neg, err := r.num("kind")
	if err != nil {
		return 0, err
	}
	if neg {
		return 0, fmt.Errorf("%w %d", ErrUnknownKind, int64(u))
	}
	if u > math.MaxUint8 || !Kind(u).known() {
		return 0, fmt.Errorf("%w %d", ErrUnknownKind, u)
	}
	r.kind = Kind(u)
	return n, nil
}

// count checks a fixed element count.
func (r *reader) count(n, want int) error {
	if n != want {
		return r.fail("%d elements, want %d", n, want)
	}
	return nil
}

// oneU32 reads the single u32 field of a two-element frame.
func (r *reader) oneU32(n int, what string) (uint32, error) {
	if err := r.count(n, 2); err != nil {
		return 0, err
	}
	v, err := r.u32(what)
	if err != nil {
		return 0, err
	}
	return v, r.end()
}

// version reads a version number: any int, as a later version may be large.
func (r *reader) version() (int, error) {
	v, err := r.int("version", math.MinInt64, math.MaxInt64)
	return int(v), err
}

func decodeJoin(r *reader, n int) (*Join, error) {
	if n < 2 {
		return nil, r.fail("%d elements, want 5", n)
	}
	v, err := r.version()
	if err != nil {
		return nil, err
	}
	j := &Join{Version: v}
	if v != ProtocolVersion {
		// The rest of the frame is in that version's layout, which this one
		// cannot know.
		return j, fmt.Errorf("%w: client speaks %d, server speaks %d", ErrVersionMismatch, v, ProtocolVersion)
	}
	if err := r.count(n, 5); err != nil {
		return nil, err
	}
	if j.Room, err = r.clientStr("room", MaxRoomLen); err != nil {
		return nil, err
	}
	if j.Mode, err = r.clientStr("mode", MaxModeLen); err != nil {
		return nil, err
	}
	if j.Name, err = r.clientStr("name", MaxNameLen); err != nil {
		return nil, err
	}
	return j, r.end()
}

// clientStr reads a string a client chose, which must be valid UTF-8.
func (r *reader) clientStr(what string, max int) (string, error) {
	b, err := r.strBytes(what, max)
	if err != nil {
		return "", err
	}
	if !utf8.Valid(b) {
		return "", r.fail("%s: invalid UTF-8", what)
	}
	return string(b), nil
}

func decodeInput(r *reader, n int, out *Input) error {
	if n < 4 || n > 4+MaxAxes {
		return r.fail("%d elements, want 4..%d", n, 4+MaxAxes)
	}
	var in Input
	var err error
	if in.Seq, err = r.u32("seq"); err != nil {
		return err
	}
	if in.Ack, err = r.u32("ack"); err != nil {
		return err
	}
	if in.Buttons, err = r.u32("buttons"); err != nil {
		return err
	}
	for i := range n - 4 {
		a, err := r.int("axis", math.MinInt16, math.MaxInt16)
		if err != nil {
			return err
		}
		in.Axes[i] = int16(a)
	}
	if err := r.end(); err != nil {
		return err
	}
	*out = in
	return nil
}

func decodeWelcome(r *reader, n int) (*Welcome, error) {
	if n < 2 {
		return nil, r.fail("%d elements, want 11", n)
	}
	v, err := r.version()
	if err != nil {
		return nil, err
	}
	w := &Welcome{Version: v}
	if v != ProtocolVersion {
		return w, fmt.Errorf("%w: server speaks %d, client speaks %d", ErrVersionMismatch, v, ProtocolVersion)
	}
	if err := r.count(n, 11); err != nil {
		return nil, err
	}
	if w.Session, err = r.str("session", MaxSessionLen); err != nil {
		return nil, err
	}
	if w.Player, err = r.u32("player"); err != nil {
		return nil, err
	}
	if w.Entity, err = r.u32("entity"); err != nil {
		return nil, err
	}
	if w.Room, err = r.str("room", MaxRoomLen); err != nil {
		return nil, err
	}
	if w.Mode, err = r.str("mode", MaxModeLen); err != nil {
		return nil, err
	}
	tickRate, err := r.uint("tick rate", math.MaxUint16)
	if err != nil {
		return nil, err
	}
	sendRate, err := r.uint("send rate", math.MaxUint16)
	if err != nil {
		return nil, err
	}
	w.TickRate, w.SendRate = int(tickRate), int(sendRate)
	if w.ServerTime, err = r.u32("server time"); err != nil {
		return nil, err
	}
	if w.Schemas, err = decodeSchemas(r); err != nil {
		return nil, err
	}
	return w, r.end()
}
