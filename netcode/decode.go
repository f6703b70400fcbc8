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

// DecodeClient decodes a frame a client sent: a join, input, ack, ping,
// leave, message or list, as a pointer. A server kind yields ErrUnexpectedKind, an unknown kind
// ErrUnknownKind. A join with another version yields the *Join, holding only
// that version, together with ErrVersionMismatch.
func DecodeClient(frame []byte) (Frame, error) {
	return result(decodeClient(frame))
}

// result drops the message of a failed decode, keeping it only for a version
// mismatch, and turns typed nil pointers into a nil Message.
func result(m Frame, err error) (Frame, error) {
	if err != nil && !errors.Is(err, ErrVersionMismatch) {
		return nil, err
	}
	return m, err
}

func decodeClient(frame []byte) (Frame, error) {
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
	case KindMessage:
		return decodeMessage(&r, n)
	case KindList:
		return decodeList(&r, n)
	case KindResume:
		return decodeResume(&r, n)
	default: // KindLeave
		if err := r.count(n, 1); err != nil {
			return nil, err
		}
		return &Leave{}, r.end()
	}
}

// DecodeServer decodes a frame the server sent: a welcome, snapshot, diff,
// pong, error, rooms, event or rates, as a pointer; snapshots and diffs come back as *State whose
// Delta is freshly allocated and ready for world.Apply. A client kind yields
// ErrUnexpectedKind, an unknown kind ErrUnknownKind, a welcome with another
// version the *Welcome holding it with ErrVersionMismatch.
func DecodeServer(frame []byte) (Frame, error) {
	return result(decodeServer(frame))
}

func decodeServer(frame []byte) (Frame, error) {
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
	case KindRooms:
		return decodeRooms(&r, n)
	case KindEvent:
		return decodeEvent(&r, n)
	case KindRates:
		return decodeRates(&r, n)
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
		return nil, r.fail("%d elements, want 7", n)
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
	if err := r.count(n, 7); err != nil {
		return nil, err
	}
	if j.Mode, err = r.clientStr("mode", MaxModeLen); err != nil {
		return nil, err
	}
	if j.Name, err = r.clientStr("name", MaxNameLen); err != nil {
		return nil, err
	}
	how, err := r.uint("how", uint64(maxJoinHow))
	if err != nil {
		return nil, err
	}
	j.How = JoinHow(how)
	if j.Room, err = r.clientStr("room", MaxRoomLen); err != nil {
		return nil, err
	}
	if j.Options, err = r.payload("options", MaxPayloadLen); err != nil {
		return nil, err
	}
	return j, r.end()
}

func decodeMessage(r *reader, n int) (*Message, error) {
	if err := r.count(n, 3); err != nil {
		return nil, err
	}
	typ, err := r.clientStr("type", MaxTypeLen)
	if err != nil {
		return nil, err
	}
	if typ == "" {
		return nil, r.fail("type: empty")
	}
	m := &Message{Type: typ}
	if m.Payload, err = r.payload("payload", MaxPayloadLen); err != nil {
		return nil, err
	}
	return m, r.end()
}

func decodeList(r *reader, n int) (*List, error) {
	if err := r.count(n, 6); err != nil {
		return nil, err
	}
	l := &List{}
	var err error
	if l.Request, err = r.u32("request"); err != nil {
		return nil, err
	}
	if l.Mode, err = r.clientStr("mode", MaxModeLen); err != nil {
		return nil, err
	}
	if l.Offset, err = r.u32("offset"); err != nil {
		return nil, err
	}
	limit, err := r.uint("limit", math.MaxUint16)
	if err != nil {
		return nil, err
	}
	l.Limit = uint16(limit)
	k := 0
	if len(r.b) > 0 && r.b[0] == mpNil { // no filter, as an empty map
		r.b = r.b[1:]
	} else if k, err = r.mapLen("filter", 2); err != nil {
		return nil, err
	}
	if k > MaxFilterKeys {
		return nil, r.fail("filter: %d keys, limit %d", k, MaxFilterKeys)
	}
	if k > 0 {
		l.Filter = make(map[string]string, k)
	}
	for range k {
		key, err := r.clientStr("filter key", MaxMetaKeyLen)
		if err != nil {
			return nil, err
		}
		if l.Filter[key], err = r.clientStr("filter value", MaxMetaValueLen); err != nil {
			return nil, err
		}
	}
	return l, r.end()
}

func decodeRooms(r *reader, n int) (*Rooms, error) {
	if err := r.count(n, 4); err != nil {
		return nil, err
	}
	rs := &Rooms{}
	var err error
	if rs.Request, err = r.u32("request"); err != nil {
		return nil, err
	}
	if rs.Total, err = r.u32("total"); err != nil {
		return nil, err
	}
	k, err := r.arrayLen("rooms", 8) // [id, name, mode, players, max, locked, meta] takes 8 bytes at least
	if err != nil {
		return nil, err
	}
	if k > MaxListLimit {
		return nil, r.fail("rooms: %d, limit %d", k, MaxListLimit)
	}
	if k > 0 {
		rs.Rooms = make([]RoomInfo, k)
	}
	for i := range rs.Rooms {
		ri := &rs.Rooms[i]
		if m, err := r.arrayLen("room", 1); err != nil {
			return nil, err
		} else if m != 7 {
			return nil, r.fail("room: %d elements, want 7", m)
		}
		if ri.ID, err = r.str("room id", MaxRoomIDLen); err != nil {
			return nil, err
		}
		if ri.Name, err = r.str("room name", MaxRoomLen); err != nil {
			return nil, err
		}
		if ri.Mode, err = r.str("room mode", MaxModeLen); err != nil {
			return nil, err
		}
		players, err := r.uint("players", math.MaxUint16)
		if err != nil {
			return nil, err
		}
		maxPlayers, err := r.uint("max players", math.MaxUint16)
		if err != nil {
			return nil, err
		}
		ri.Players, ri.MaxPlayers = int(players), int(maxPlayers)
		if ri.Locked, err = r.bool("locked"); err != nil {
			return nil, err
		}
		if ri.Metadata, err = r.payload("metadata", MaxMetadataLen); err != nil {
			return nil, err
		}
	}
	return rs, r.end()
}

func decodeEvent(r *reader, n int) (*Event, error) {
	if err := r.count(n, 5); err != nil {
		return nil, err
	}
	e := &Event{}
	var err error
	if e.Tick, err = r.u32("tick"); err != nil {
		return nil, err
	}
	if e.ID, err = r.u32("event id"); err != nil {
		return nil, err
	}
	if e.Type, err = r.str("type", MaxTypeLen); err != nil {
		return nil, err
	}
	if e.Type == "" {
		return nil, r.fail("type: empty")
	}
	if e.Payload, err = r.payload("payload", MaxEventLen); err != nil {
		return nil, err
	}
	return e, r.end()
}

func decodeResume(r *reader, n int) (*Resume, error) {
	if n < 2 {
		return nil, r.fail("%d elements, want 5", n)
	}
	v, err := r.version()
	if err != nil {
		return nil, err
	}
	res := &Resume{Version: v}
	if v != ProtocolVersion {
		return res, fmt.Errorf("%w: client speaks %d, server speaks %d", ErrVersionMismatch, v, ProtocolVersion)
	}
	if err := r.count(n, 5); err != nil {
		return nil, err
	}
	if res.Token, err = r.clientStr("token", MaxTokenLen); err != nil {
		return nil, err
	}
	if res.Token == "" {
		return nil, r.fail("token: empty")
	}
	if res.LastTick, err = r.u32("last tick"); err != nil {
		return nil, err
	}
	if res.LastEvent, err = r.u32("last event"); err != nil {
		return nil, err
	}
	return res, r.end()
}

func decodeRates(r *reader, n int) (*Rates, error) {
	if err := r.count(n, 4); err != nil {
		return nil, err
	}
	ra := &Rates{}
	var err error
	if ra.Tick, err = r.u32("tick"); err != nil {
		return nil, err
	}
	tick, err := r.uint("tick rate", math.MaxUint16)
	if err != nil {
		return nil, err
	}
	send, err := r.uint("send rate", math.MaxUint16)
	if err != nil {
		return nil, err
	}
	ra.TickRate, ra.SendRate = int(tick), int(send)
	if ra.SendRate < 1 || ra.SendRate > ra.TickRate {
		return nil, r.fail("rates %d/%d: want 1 <= send <= tick", ra.TickRate, ra.SendRate)
	}
	return ra, r.end()
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
		return nil, r.fail("%d elements, want 14", n)
	}
	v, err := r.version()
	if err != nil {
		return nil, err
	}
	w := &Welcome{Version: v}
	if v != ProtocolVersion {
		return w, fmt.Errorf("%w: server speaks %d, client speaks %d", ErrVersionMismatch, v, ProtocolVersion)
	}
	if err := r.count(n, 14); err != nil {
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
	if w.TickRate < 1 || w.SendRate < 1 || w.SendRate > w.TickRate {
		return nil, r.fail("rates %d/%d: want 1 <= send <= tick", w.TickRate, w.SendRate)
	}
	if w.ServerTime, err = r.u32("server time"); err != nil {
		return nil, err
	}
	if w.Schemas, err = decodeSchemas(r); err != nil {
		return nil, err
	}
	if w.RoomID, err = r.str("room id", MaxRoomIDLen); err != nil {
		return nil, err
	}
	if w.JoinCode, err = r.str("join code", MaxRoomIDLen); err != nil {
		return nil, err
	}
	if w.ResumeToken, err = r.str("resume token", MaxTokenLen); err != nil {
		return nil, err
	}
	return w, r.end()
}
