package client

import (
	"bufio"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"sync/atomic"
	"time"
)

// pollConn is the downlink of the long-polling transport (GET ?ack=N, held by
// the server until there is something to send) and of the polling transport
// (GET ?ack=N&wait=0, answered at once; the loop waits PollInterval after an
// empty answer).
type pollConn struct {
	h      *httpConn
	noWait bool
}

func (p *pollConn) fetch(ctx context.Context) (int, error) {
	h, op := p.h, "longpoll"
	timeout := h.s.pollTimeout + h.c.opts.HandshakeTimeout
	if p.noWait {
		op, timeout = "poll", h.c.opts.HandshakeTimeout
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	resp, err := h.s.get(ctx, op, "", h.seq.Load(), p.noWait)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	return h.readRecords(resp.Body, nil)
}

// streamConn is the downlink of the streaming transport: GET /stream?ack=N,
// a chunked response whose records are delivered as they arrive. The server
// ends it after streamMaxDuration and the loop opens the next one with the
// latest ack. The server sends a keepalive record every pingInterval of
// silence, so a stream silent for pingInterval+pingTimeout is dead.
type streamConn struct {
	h *httpConn
}

func (s *streamConn) fetch(ctx context.Context) (int, error) {
	h := s.h
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	idle := h.s.pingInterval + h.s.pingTimeout
	var silent atomic.Bool
	watchdog := time.AfterFunc(idle, func() { silent.Store(true); cancel() })
	defer watchdog.Stop()
	resp, err := h.s.get(ctx, "stream", "/stream", h.seq.Load(), false)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	n, err := h.readRecords(resp.Body, func() { watchdog.Reset(idle) })
	if err != nil && silent.Load() {
		err = fmt.Errorf("client: stream: nothing heard for %v", idle)
	}
	return n, err
}

// streamAckEvery is how many records a streaming client receives before it
// makes sure a POST acknowledges them: the server keeps control records
// until they are acknowledged and closes a session that has too many.
const streamAckEvery = 16

// readRecords reads downlink records (uvarint seq, uvarint len, len bytes)
// until the body ends, delivering each frame it has not delivered before.
// onRecord, if set, is called for every record, keepalives included. A close
// record comes back as a *CloseError. It returns how many frames it delivered.
func (h *httpConn) readRecords(body io.Reader, onRecord func()) (int, error) {
	br := bufio.NewReader(body)
	n := 0
	for {
		seq, err := readUvarint(br)
		if errors.Is(err, io.EOF) {
			return n, nil // a clean end, between records
		}
		if err != nil {
			return n, recordErr(err)
		}
		size, err := readUvarint(br)
		if err != nil {
			return n, recordErr(err)
		}
		if size > uint64(h.c.opts.ReadLimit) {
			return n, errBadRecord{fmt.Sprintf("%d-byte record over the read limit", size)}
		}
		payload := make([]byte, size)
		if _, err := io.ReadFull(br, payload); err != nil {
			return n, recordErr(err)
		}
		if onRecord != nil {
			onRecord()
		}
		if seq == 0 {
			switch {
			case size == 0: // keepalive
				continue
			case size == 1:
				return n, errBadRecord{"1-byte close record"}
			}
			return n, &CloseError{Code: binary.BigEndian.Uint16(payload), Reason: string(payload[2:])}
		}
		if seq <= h.seq.Load() {
			continue // already delivered
		}
		h.c.deliver(payload)
		h.seq.Store(seq)
		n++
		if h.kind == TransportStream && seq-h.up.acked.Load() >= streamAckEvery {
			h.up.requestAck()
		}
	}
}

// recordErr maps a read error inside a record: a body cut short is a
// network failure, retried.
func recordErr(err error) error {
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return fmt.Errorf("client: downlink body cut short: %w", io.ErrUnexpectedEOF)
	}
	return err
}

// readUvarint is binary.ReadUvarint with a typed overflow error and
// io.ErrUnexpectedEOF for a varint cut short.
func readUvarint(br io.ByteReader) (uint64, error) {
	var x uint64
	for i := 0; i < binary.MaxVarintLen64; i++ {
		b, err := br.ReadByte()
		if err != nil {
			if i > 0 && errors.Is(err, io.EOF) {
				return 0, io.ErrUnexpectedEOF
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
	return 0, errBadRecord{"varint overflows 64 bits"}
}
