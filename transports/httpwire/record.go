package httpwire

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"unicode/utf8"
)

// A downlink body is a sequence of records: uvarint seq, uvarint length,
// that many bytes. Frames have seq 1, 2, 3, …; seq 0 is the transport's own:
// with no payload a keepalive, with 2 to MaxClosePayload bytes the close
// record (a 2-byte big-endian code, then the reason).

const (
	// MaxClosePayload is the largest payload of a close record: that of a
	// WebSocket close frame, so a close reads the same on every transport.
	MaxClosePayload = 125
	// MaxCloseReason is the longest close reason, in bytes.
	MaxCloseReason = MaxClosePayload - 2
	// MaxCloseRecord is the longest close record: seq 0 and a length below
	// 128 take one byte each.
	MaxCloseRecord = 2 + MaxClosePayload
	// RecordOverhead is the most a record adds to its payload: two uvarints.
	RecordOverhead = 2 * binary.MaxVarintLen64
)

// ErrBadRecord is a body that does not follow the format: a varint over 64
// bits, a record longer than the reader's bound, a seq 0 record that is
// neither a keepalive nor a close record. Reading the same bytes again
// cannot succeed. A body that merely ends inside a record is
// io.ErrUnexpectedEOF instead: the connection broke, a retry may do.
var ErrBadRecord = errors.New("httpwire: bad record")

// Record is one downlink record.
type Record struct {
	Seq     uint64
	Payload []byte
}

// IsKeepalive reports whether r is a keepalive: seq 0, no payload.
func (r Record) IsKeepalive() bool { return r.Seq == 0 && len(r.Payload) == 0 }

// Close returns the code and reason of a close record; ok is false for any
// other record. The reason is a copy: it outlives a reused payload.
func (r Record) Close() (code uint16, reason string, ok bool) {
	if r.Seq != 0 || len(r.Payload) < 2 {
		return 0, "", false
	}
	return binary.BigEndian.Uint16(r.Payload), string(r.Payload[2:]), true
}

// AppendRecord appends a frame's record to dst. The frame is head followed
// by body, so a sender that keeps the two apart (the server keeps small
// heads inline and shares bodies) never joins them first. It allocates
// only if dst must grow.
func AppendRecord(dst []byte, seq uint64, head, body []byte) []byte {
	dst = binary.AppendUvarint(dst, seq)
	dst = binary.AppendUvarint(dst, uint64(len(head)+len(body)))
	dst = append(dst, head...)
	return append(dst, body...)
}

// AppendCloseRecord appends the close record: seq 0, then code and the
// reason cut by TruncateReason. The code goes out as given; a sender that
// must not send some codes (the WebSocket's reserved ones) maps them first.
func AppendCloseRecord(dst []byte, code uint16, reason string) []byte {
	reason = TruncateReason(reason)
	dst = append(dst, 0, byte(2+len(reason)))
	dst = binary.BigEndian.AppendUint16(dst, code)
	return append(dst, reason...)
}

// AppendKeepalive appends a keepalive record (seq 0, length 0), which a
// stream sends when it has been silent for a while so the client can tell a
// quiet stream from a dead one.
func AppendKeepalive(dst []byte) []byte { return append(dst, 0, 0) }

// TruncateReason cuts a close reason to MaxCloseReason bytes, dropping the
// bytes of a rune split by the cut so the reason stays UTF-8, as a
// WebSocket close frame's must. A reason that fits is returned unchanged.
func TruncateReason(reason string) string {
	if len(reason) <= MaxCloseReason {
		return reason
	}
	reason = reason[:MaxCloseReason]
	for len(reason) > 0 && !utf8.ValidString(reason) {
		reason = reason[:len(reason)-1]
	}
	return reason
}

// checkHeader reports whether a record with this seq and payload size may
// be read, limit being the caller's bound on a frame (negative counts as 0).
// Transport records have their own bound, so a small limit never hides a
// close.
func checkHeader(seq, size uint64, limit int) error {
	if seq == 0 {
		if size == 1 || size > MaxClosePayload {
			return fmt.Errorf("%w: %d-byte transport record (seq 0)", ErrBadRecord, size)
		}
		return nil
	}
	if size > uint64(max(limit, 0)) {
		return fmt.Errorf("%w: %d-byte record over the limit of %d", ErrBadRecord, size, limit)
	}
	return nil
}

// ParseRecords splits a whole downlink body into records, appended to dst,
// whose payloads alias body. A frame longer than limit is ErrBadRecord; a
// body that ends inside a record is io.ErrUnexpectedEOF. On an error it
// returns the records before the bad one.
func ParseRecords(body []byte, limit int, dst []Record) ([]Record, error) {
	for len(body) > 0 {
		seq, k, err := uvarint(body)
		if err != nil {
			return dst, err
		}
		body = body[k:]
		size, k, err := uvarint(body)
		if err != nil {
			return dst, err
		}
		body = body[k:]
		if err := checkHeader(seq, size, limit); err != nil {
			return dst, err
		}
		if size > uint64(len(body)) {
			return dst, errCutShort
		}
		dst = append(dst, Record{Seq: seq, Payload: body[:size:size]})
		body = body[size:]
	}
	return dst, nil
}

// errOverflow is a varint longer than 64 bits.
var errOverflow = fmt.Errorf("%w: varint overflows 64 bits", ErrBadRecord)

// errCutShort is a body that ends inside a record.
var errCutShort = fmt.Errorf("httpwire: record cut short: %w", io.ErrUnexpectedEOF)

// uvarint is binary.Uvarint with the Decoder's errors. Ten bytes that all
// continue are an overflow, as binary.ReadUvarint says, though
// binary.Uvarint calls them too short: no byte after them could help.
func uvarint(b []byte) (uint64, int, error) {
	x, k := binary.Uvarint(b)
	switch {
	case k > 0:
		return x, k, nil
	case k == 0 && len(b) < binary.MaxVarintLen64:
		return 0, 0, errCutShort
	}
	return 0, 0, errOverflow
}
