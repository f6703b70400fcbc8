package httpwire

import "encoding/binary"

// An uplink (POST) body is a sequence of uvarint length, bytes: one frame
// each, no seq (the batch counter in the query orders batches).

// AppendUplink appends frames to an uplink body.
func AppendUplink(dst []byte, frames ...[]byte) []byte {
	for _, f := range frames {
		dst = binary.AppendUvarint(dst, uint64(len(f)))
		dst = append(dst, f...)
	}
	return dst
}

// UplinkSize is how many bytes AppendUplink adds for a frame of n bytes, so
// a sender can fill a body up to the server's maxBody without encoding twice.
func UplinkSize(n int) int {
	size := 1
	for x := uint64(n); x >= 0x80; x >>= 7 {
		size++
	}
	return size + n
}

// ParseUplink splits an uplink body into frames, appended to dst, that
// alias body (capacity cut, so appending to one cannot overwrite the next).
// A frame longer than limit (negative counts as 0) is left out and does not
// stop the parse: oversize is the size of the first such frame, so the
// server can refuse the whole batch and say how large the frame was. err is
// io.ErrUnexpectedEOF (wrapped) for a record that runs past the end, or
// ErrBadRecord for a length over 64 bits; frames is nil then.
func ParseUplink(body []byte, limit int, dst [][]byte) (frames [][]byte, oversize int, err error) {
	limit = max(limit, 0)
	for len(body) > 0 {
		n, k, uerr := uvarint(body)
		if uerr != nil {
			return nil, 0, uerr
		}
		body = body[k:]
		if n > uint64(len(body)) {
			return nil, 0, errCutShort
		}
		f := body[:n:n]
		body = body[n:]
		if len(f) > limit {
			if oversize == 0 {
				oversize = len(f)
			}
			continue
		}
		dst = append(dst, f)
	}
	return dst, oversize, nil
}
