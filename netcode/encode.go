package netcode

import (
	"fmt"
	"math"
	"unicode/utf8"
)

// AppendMessage appends the frame for m to dst. It takes any kind, in either
// direction, as a value or a pointer, and is meant for control frames, tests
// and clients; rooms encode states with AppendStateHead and AppendStateBody.
// It fails, wrapping ErrMalformed, only when m holds a value the wire cannot
// carry or a decoder would reject, such as a name over MaxNameLen or a schema
// with more than MaxFields fields; dst is then returned unchanged.
func AppendMessage(dst []byte, m Message) ([]byte, error) {
	out, err := appendMessage(dst, m)
	if err != nil {
		return dst, fmt.Errorf("%w: encode %T: %w", ErrMalformed, m, err)
	}
	return out, nil
}

func appendMessage(dst []byte, m Message) ([]byte, error) {
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
	dst = append(dst, mpFixArray|5, byte(KindJoin))
	dst = appendInt(dst, int64(j.Version))
	dst = appendString(dst, j.Room)
	dst = appendString(dst, j.Mode)
	return appendString(dst, j.Name), nil
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
	if w.TickRate < 0 || w.TickRate > math.MaxUint16 || w.SendRate < 0 || w.SendRate > math.MaxUint16 {
		return dst, fmt.Errorf("rates %d/%d outside [0, %d]", w.TickRate, w.SendRate, math.MaxUint16)
	}
	if err := CheckSchemas(w.Schemas); err != nil {
		return dst, err
	}
	dst = append(dst, mpFixArray|11, byte(KindWelcome))
	dst = appendInt(dst, int64(w.Version))
	dst = appendString(dst, w.Session)
	dst = appendUint(dst, uint64(w.Player))
	dst = appendUint(dst, uint64(w.Entity))
	dst = appendString(dst, w.Room)
	dst = appendString(dst, w.Mode)
	dst = appendUint(dst, uint64(w.TickRate))
	dst = appendUint(dst, uint64(w.SendRate))
	dst = appendUint(dst, uint64(w.ServerTime))
	return appendSchemas(dst, w.Schemas), nil
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
	dst = AppendStateHead(dst, &s.Delta, s.ServerTime, s.InputAck)
	return AppendStateBody(dst, &s.Delta), nil
}
