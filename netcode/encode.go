package netcode

import (
	"fmt"
	"math"
	"slices"
	"unicode/utf8"
)

// AppendFrame appends the frame for m to dst. It takes any kind, in either
// direction, as a value or a pointer, and is meant for control frames, tests
// and clients; rooms encode states with AppendStateHead and AppendStateBody.
// It fails, wrapping ErrMalformed, only when m holds a value the wire cannot
// carry or a decoder would reject, such as a name over MaxNameLen or a schema
// with more than MaxFields fields; dst is then returned unchanged.
func AppendFrame(dst []byte, m Frame) ([]byte, error) {
	out, err := appendFrame(dst, m)
	if err != nil {
		return dst, fmt.Errorf("%w: encode %T: %w", ErrMalformed, m, err)
	}
	return out, nil
}

func appendFrame(dst []byte, m Frame) ([]byte, error) {
	switch v := m.(type) {
	case Join:
		return appendJoin(dst, &v)
	case *Join:
		if v != nil {
			return appendJoin(dst, v)
		}
	case Welcome:
		return appendWelcome(dst, &v)
	case *Welcome:
		if v != nil {
			return appendWelcome(dst, v)
		}
	case Input:
		return appendInput(dst, &v), nil
	case *Input:
		if v != nil {
			return appendInput(dst, v), nil
		}
	case Ack:
		return appendUint(append(dst, mpFixArray|2, byte(KindAck)), uint64(v.Tick)), nil
	case *Ack:
		if v != nil {
			return appendUint(append(dst, mpFixArray|2, byte(KindAck)), uint64(v.Tick)), nil
		}
	case Ping:
		return appendUint(append(dst, mpFixArray|2, byte(KindPing)), v.ClientTime), nil
	case *Ping:
		if v != nil {
			return appendUint(append(dst, mpFixArray|2, byte(KindPing)), v.ClientTime), nil
		}
	case Pong:
		return appendPong(dst, &v), nil
	case *Pong:
		if v != nil {
			return appendPong(dst, v), nil
		}
	case Error:
		return appendError(dst, &v)
	case *Error:
		if v != nil {
			return appendError(dst, v)
		}
	case Leave, *Leave:
		return append(dst, mpFixArray|1, byte(KindLeave)), nil
	case State:
		return appendState(dst, &v)
	case *State:
		if v != nil {
			return appendState(dst, v)
		}
	case Message:
		return appendMessage(dst, &v)
	case *Message:
		if v != nil {
			return appendMessage(dst, v)
		}
	case List:
		return appendList(dst, &v)
	case *List:
		if v != nil {
			return appendList(dst, v)
		}
	case Rooms:
		return appendRooms(dst, &v)
	case *Rooms:
		if v != nil {
			return appendRooms(dst, v)
		}
	case Event:
		return appendEvent(dst, &v)
	case *Event:
		if v != nil {
			return appendEvent(dst, v)
		}
	case Resume:
		return appendResume(dst, &v)
	case *Resume:
		if v != nil {
			return appendResume(dst, v)
		}
	case Rates:
		return appendRates(dst, &v)
	case *Rates:
		if v != nil {
			return appendRates(dst, v)
		}
	}
	return dst, fmt.Errorf("not an encodable message")
}

func appendJoin(dst []byte, j *Join) ([]byte, error) {
	if err := checkClientString("room", j.Room, MaxRoomLen); err != nil {
		return dst, err
	}
	if err := checkClientString("mode", j.Mode, MaxModeLen); err != nil {
		return dst, err
	}
	if err := checkClientString("name", j.Name, MaxNameLen); err != nil {
		return dst, err
	}
	if j.How > maxJoinHow {
		return dst, fmt.Errorf("how: %d is over %d", j.How, maxJoinHow)
	}
	if err := checkPayload("options", j.Options, MaxPayloadLen); err != nil {
		return dst, err
	}
	dst = append(dst, mpFixArray|7, byte(KindJoin))
	dst = appendInt(dst, int64(j.Version))
	dst = appendString(dst, j.Mode)
	dst = appendString(dst, j.Name)
	dst = appendUint(dst, uint64(j.How))
	dst = appendString(dst, j.Room)
	return appendPayload(dst, j.Options), nil
}

// checkPayload applies the checks a decoder makes: one msgpack value, at
// most max bytes, nested at most MaxPayloadDepth deep.
func checkPayload(what string, p Payload, max int) error {
	if len(p) == 0 {
		return nil
	}
	r := reader{b: p}
	if _, err := r.payload(what, max); err != nil {
		return err
	}
	if len(r.b) != 0 {
		return fmt.Errorf("%s: %d bytes after its value", what, len(r.b))
	}
	return nil
}

func appendMessage(dst []byte, m *Message) ([]byte, error) {
	if err := checkClientString("type", m.Type, MaxTypeLen); err != nil {
		return dst, err
	}
	if m.Type == "" {
		return dst, fmt.Errorf("type: empty")
	}
	if err := checkPayload("payload", m.Payload, MaxPayloadLen); err != nil {
		return dst, err
	}
	dst = append(dst, mpFixArray|3, byte(KindMessage))
	dst = appendString(dst, m.Type)
	return appendPayload(dst, m.Payload), nil
}

func appendList(dst []byte, l *List) ([]byte, error) {
	if err := checkClientString("mode", l.Mode, MaxModeLen); err != nil {
		return dst, err
	}
	if len(l.Filter) > MaxFilterKeys {
		return dst, fmt.Errorf("filter: %d keys, limit %d", len(l.Filter), MaxFilterKeys)
	}
	keys := make([]string, 0, len(l.Filter))
	for k, v := range l.Filter {
		if err := checkClientString("filter key", k, MaxMetaKeyLen); err != nil {
			return dst, err
		}
		if err := checkClientString("filter value", v, MaxMetaValueLen); err != nil {
			return dst, err
		}
		keys = append(keys, k)
	}
	slices.Sort(keys) // canonical: the same list is the same bytes
	dst = append(dst, mpFixArray|6, byte(KindList))
	dst = appendUint(dst, uint64(l.Request))
	dst = appendString(dst, l.Mode)
	dst = appendUint(dst, uint64(l.Offset))
	dst = appendUint(dst, uint64(l.Limit))
	dst = appendMapLen(dst, len(keys))
	for _, k := range keys {
		dst = appendString(dst, k)
		dst = appendString(dst, l.Filter[k])
	}
	return dst, nil
}

func appendRooms(dst []byte, rs *Rooms) ([]byte, error) {
	if len(rs.Rooms) > MaxListLimit {
		return dst, fmt.Errorf("rooms: %d, limit %d", len(rs.Rooms), MaxListLimit)
	}
	dst = append(dst, mpFixArray|4, byte(KindRooms))
	dst = appendUint(dst, uint64(rs.Request))
	dst = appendUint(dst, uint64(rs.Total))
	dst = appendArrayLen(dst, len(rs.Rooms))
	for i := range rs.Rooms {
		ri := &rs.Rooms[i]
		switch {
		case len(ri.ID) > MaxRoomIDLen, len(ri.Name) > MaxRoomLen, len(ri.Mode) > MaxModeLen:
			return dst, fmt.Errorf("room %d: id, name or mode over its limit", i)
		case ri.Players < 0 || ri.Players > math.MaxUint16 || ri.MaxPlayers < 0 || ri.MaxPlayers > math.MaxUint16:
			return dst, fmt.Errorf("room %d: players %d/%d outside [0, %d]", i, ri.Players, ri.MaxPlayers, math.MaxUint16)
		}
		if err := checkPayload("metadata", ri.Metadata, MaxMetadataLen); err != nil {
			return dst, err
		}
		dst = append(dst, mpFixArray|7)
		dst = appendString(dst, ri.ID)
		dst = appendString(dst, ri.Name)
		dst = appendString(dst, ri.Mode)
		dst = appendUint(dst, uint64(ri.Players))
		dst = appendUint(dst, uint64(ri.MaxPlayers))
		dst = appendBool(dst, ri.Locked)
		dst = appendPayload(dst, ri.Metadata)
	}
	return dst, nil
}

func appendEvent(dst []byte, e *Event) ([]byte, error) {
	if len(e.Type) == 0 || len(e.Type) > MaxTypeLen {
		return dst, fmt.Errorf("type: %d bytes, want 1..%d", len(e.Type), MaxTypeLen)
	}
	if err := checkPayload("payload", e.Payload, MaxEventLen); err != nil {
		return dst, err
	}
	return AppendEvent(dst, e.Tick, e.ID, e.Type, e.Payload), nil
}

// AppendEvent appends an event frame without checking its parts: a room
// encodes an event once, from a type it checked and a payload from
// EncodePayload, and sends the same bytes to every recipient.
func AppendEvent(dst []byte, tick, id uint32, typ string, payload Payload) []byte {
	dst = append(dst, mpFixArray|5, byte(KindEvent))
	dst = appendUint(dst, uint64(tick))
	dst = appendUint(dst, uint64(id))
	dst = appendString(dst, typ)
	return appendPayload(dst, payload)
}

func appendResume(dst []byte, r *Resume) ([]byte, error) {
	if len(r.Token) == 0 || len(r.Token) > MaxTokenLen {
		return dst, fmt.Errorf("token: %d bytes, want 1..%d", len(r.Token), MaxTokenLen)
	}
	if err := checkClientString("token", r.Token, MaxTokenLen); err != nil {
		return dst, err
	}
	dst = append(dst, mpFixArray|5, byte(KindResume))
	dst = appendInt(dst, int64(r.Version))
	dst = appendString(dst, r.Token)
	dst = appendUint(dst, uint64(r.LastTick))
	return appendUint(dst, uint64(r.LastEvent)), nil
}

func appendRates(dst []byte, r *Rates) ([]byte, error) {
	if r.TickRate < 1 || r.TickRate > math.MaxUint16 || r.SendRate < 1 || r.SendRate > r.TickRate {
		return dst, fmt.Errorf("rates %d/%d: want 1 <= send <= tick <= %d", r.TickRate, r.SendRate, math.MaxUint16)
	}
	dst = append(dst, mpFixArray|4, byte(KindRates))
	dst = appendUint(dst, uint64(r.Tick))
	dst = appendUint(dst, uint64(r.TickRate))
	return appendUint(dst, uint64(r.SendRate)), nil
}

// checkClientString applies the limits on strings a client sends: they end
// up in world state and in other clients' frames, so they must be valid
// UTF-8 as well as short.
func checkClientString(what, s string, max int) error {
	if len(s) > max {
		return fmt.Errorf("%s: %d bytes, limit %d", what, len(s), max)
	}
	if !utf8.ValidString(s) {
		return fmt.Errorf("%s: invalid UTF-8", what)
	}
	return nil
}

func appendWelcome(dst []byte, w *Welcome) ([]byte, error) {
	if len(w.Session) > MaxSessionLen {
		return dst, fmt.Errorf("session: %d bytes, limit %d", len(w.Session), MaxSessionLen)
	}
	if len(w.Room) > MaxRoomLen {
		return dst, fmt.Errorf("room: %d bytes, limit %d", len(w.Room), MaxRoomLen)
	}
	if len(w.Mode) > MaxModeLen {
		return dst, fmt.Errorf("mode: %d bytes, limit %d", len(w.Mode), MaxModeLen)
	}
	if w.TickRate < 1 || w.TickRate > math.MaxUint16 || w.SendRate < 1 || w.SendRate > w.TickRate {
		return dst, fmt.Errorf("rates %d/%d: want 1 <= send <= tick <= %d", w.TickRate, w.SendRate, math.MaxUint16)
	}
	if err := CheckSchemas(w.Schemas); err != nil {
		return dst, err
	}
	if len(w.RoomID) > MaxRoomIDLen || len(w.JoinCode) > MaxRoomIDLen || len(w.ResumeToken) > MaxTokenLen {
		return dst, fmt.Errorf("room id, join code or resume token over its limit")
	}
	dst = append(dst, mpFixArray|14, byte(KindWelcome))
	dst = appendInt(dst, int64(w.Version))
	dst = appendString(dst, w.Session)
	dst = appendUint(dst, uint64(w.Player))
	dst = appendUint(dst, uint64(w.Entity))
	dst = appendString(dst, w.Room)
	dst = appendString(dst, w.Mode)
	dst = appendUint(dst, uint64(w.TickRate))
	dst = appendUint(dst, uint64(w.SendRate))
	dst = appendUint(dst, uint64(w.ServerTime))
	dst = appendSchemas(dst, w.Schemas)
	dst = appendString(dst, w.RoomID)
	dst = appendString(dst, w.JoinCode)
	return appendString(dst, w.ResumeToken), nil
}

// appendInput leaves out trailing zero axes: a missing axis reads as 0.
func appendInput(dst []byte, in *Input) []byte {
	axes := len(in.Axes)
	for axes > 0 && in.Axes[axes-1] == 0 {
		axes--
	}
	dst = append(dst, mpFixArray|byte(4+axes), byte(KindInput))
	dst = appendUint(dst, uint64(in.Seq))
	dst = appendUint(dst, uint64(in.Ack))
	dst = appendUint(dst, uint64(in.Buttons))
	for _, a := range in.Axes[:axes] {
		dst = appendInt(dst, int64(a))
	}
	return dst
}

func appendPong(dst []byte, p *Pong) []byte {
	dst = append(dst, mpFixArray|3, byte(KindPong))
	dst = appendUint(dst, p.ClientTime)
	return appendUint(dst, uint64(p.ServerTime))
}

func appendError(dst []byte, e *Error) ([]byte, error) {
	if len(e.Message) > MaxErrorLen {
		return dst, fmt.Errorf("message: %d bytes, limit %d", len(e.Message), MaxErrorLen)
	}
	dst = append(dst, mpFixArray|3, byte(KindError))
	dst = appendUint(dst, uint64(e.Code))
	return appendString(dst, e.Message), nil
}

func appendState(dst []byte, s *State) ([]byte, error) {
	if err := checkDelta(&s.Delta); err != nil {
		return dst, err
	}
	var private []byte
	if len(s.Delta.Private) > 0 {
		private = AppendPrivate(nil, s.Delta.Private)
	}
	dst = AppendStateHead(dst, &s.Delta, s.ServerTime, s.InputAck, private)
	return AppendStateBody(dst, &s.Delta, nil), nil
}
