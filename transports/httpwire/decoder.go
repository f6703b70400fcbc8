package httpwire

import (
	"bufio"
	"encoding/binary"
	"errors"
	"io"
)

// Decoder reads downlink records one at a time, as they arrive: a streaming
// client hands each frame on before the response ends. It holds one payload
// buffer, reused from record to record and grown to the largest payload
// read, so reading costs no allocation per record once it has grown.
type Decoder struct {
	r     *bufio.Reader
	limit int
	buf   []byte
}

// NewDecoder returns a Decoder reading from r (used as is when it is a
// large enough *bufio.Reader) that refuses frames longer than limit bytes.
// limit bounds what one record can make it allocate.
func NewDecoder(r io.Reader, limit int) *Decoder {
	return &Decoder{r: bufio.NewReader(r), limit: limit}
}

// Next reads the next record. Its payload is valid until the next call.
//
// At the end of the input between two records it returns io.EOF. An input
// that ends inside a record is an error wrapping io.ErrUnexpectedEOF; one
// that breaks the format (see ErrBadRecord) wraps ErrBadRecord, and is
// found before the payload is read or allocated. Other errors of the
// underlying reader come back unchanged, so a caller sees its own
// cancellation as such.
func (d *Decoder) Next() (Record, error) {
	seq, err := readUvarint(d.r)
	if err != nil {
		return Record{}, err
	}
	size, err := readUvarint(d.r)
	if err != nil {
		return Record{}, inRecord(err)
	}
	if err := checkHeader(seq, size, d.limit); err != nil {
		return Record{}, err
	}
	if uint64(cap(d.buf)) < size {
		d.buf = make([]byte, size)
	}
	p := d.buf[:size]
	if _, err := io.ReadFull(d.r, p); err != nil {
		return Record{}, inRecord(err)
	}
	return Record{Seq: seq, Payload: p}, nil
}

// inRecord maps a read error after a record's first byte: the end of the
// input there means the record was cut short.
func inRecord(err error) error {
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return errCutShort
	}
	return err
}

// readUvarint is binary.ReadUvarint with errors a caller can tell apart: an
// overflow wraps ErrBadRecord, and a varint cut short is errCutShort (io.EOF
// only before its first byte).
func readUvarint(br io.ByteReader) (uint64, error) {
	var x uint64
	for i := 0; i < binary.MaxVarintLen64; i++ {
		b, err := br.ReadByte()
		if err != nil {
			if i > 0 {
				return 0, inRecord(err)
			}
			return 0, err
		}
		if b < 0x80 {
			if i == binary.MaxVarintLen64-1 && b > 1 {
				break
			}
			return x | uint64(b)<<(7*i), nil
		}
		x |= uint64(b&0x7f) << (7 * i)
	}
	return 0, errOverflow
}
