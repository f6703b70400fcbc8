package transports

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"io"
	"net"
	"testing"
	"time"

	"github.com/lxzan/gws"
)

// TestDirectFramingMatchesGws sends the same frames twice, once written
// directly (appendFrameHeader and one writev) and once by gws (the writer,
// with direct writes off), and checks that both arrive as the same bytes on
// the wire and that a gws client decodes both as the same message. The
// direct path frames messages itself, bypassing gws, so this is what catches
// a change in gws's framing, or in what its client accepts, that
// appendFrameHeader does not follow. The bytes are compared too because
// gws's client is lenient where browsers are not: it accepts a length in a
// longer encoding than needed, which RFC 6455 forbids. The sizes cover each
// length encoding (7 bits, 16 bits, 64 bits) and its edges.
func TestDirectFramingMatchesGws(t *testing.T) {
	requireWritev(t)
	h := newTestHandler()
	direct := newTestServer(t, Options{}, h)
	dc := dial(t, direct, dialOptions{opcodes: true, noRead: true})
	dl := h.next(t).link.(*wsLink)
	viaGws := newTestServer(t, withoutDirectWrites(Options{}), h)
	gc := dial(t, viaGws, dialOptions{opcodes: true, noRead: true})
	gl := h.next(t).link.(*wsLink)

	sizes := []int{0, 1, 125, 126, 127, 1000, 65535, 65536, 300_000}
	// send sends one frame of size bytes on both links, the first directly,
	// and returns its payload.
	send := func(t *testing.T, size int) []byte {
		t.Helper()
		payload := make([]byte, size)
		for i := range payload {
			payload[i] = byte(i*7 + size)
		}
		// A head as Send callers use one, so that all three iovecs carry
		// bytes whenever the payload is long enough.
		head, body := payload[:min(size, 8)], payload[min(size, 8):]
		waitIdle(t, dl)
		before := direct.Stats().DirectWrites
		if err := dl.Send(ClassControl, head, body); err != nil {
			t.Fatalf("direct Send: %v", err)
		}
		if got := direct.Stats().DirectWrites - before; got != 1 {
			t.Fatalf("the frame to the idle link was not written directly (DirectWrites +%d)", got)
		}
		if err := gl.Send(ClassControl, head, body); err != nil {
			t.Fatalf("gws Send: %v", err)
		}
		return payload
	}

	// On the wire, read while the clients' readers have not started.
	for _, size := range sizes {
		t.Run(fmt.Sprintf("wire/%d", size), func(t *testing.T) {
			send(t, size)
			d, g := readRawFrame(t, dc.conn.NetConn()), readRawFrame(t, gc.conn.NetConn())
			if !bytes.Equal(d, g) {
				t.Errorf("direct frame (%d bytes) differs from gws's (%d bytes); headers %x and %x",
					len(d), len(g), d[:min(len(d), 10)], g[:min(len(g), 10)])
			}
		})
	}

	// As gws's client decodes them.
	dc.start()
	gc.start()
	for _, size := range sizes {
		t.Run(fmt.Sprintf("decoded/%d", size), func(t *testing.T) {
			payload := send(t, size)
			dmsg, gmsg := dc.recv(t), gc.recv(t)
			dop, gop := <-dc.ops, <-gc.ops
			if dop != gop || dop != gws.OpcodeBinary {
				t.Errorf("opcodes: direct %d, gws %d; want both %d (binary)", dop, gop, gws.OpcodeBinary)
			}
			if !bytes.Equal(dmsg, gmsg) || !bytes.Equal(dmsg, payload) {
				t.Errorf("payloads of %d bytes: direct %d bytes, gws %d bytes, equal %v, direct as sent %v",
					size, len(dmsg), len(gmsg), bytes.Equal(dmsg, gmsg), bytes.Equal(dmsg, payload))
			}
		})
	}
	if d := viaGws.Stats().DirectWrites; d != 0 {
		t.Errorf("DirectWrites = %d on the server with direct writes off, want 0", d)
	}
}

// readRawFrame reads one unmasked WebSocket frame, header included, from c.
func readRawFrame(t *testing.T, c net.Conn) []byte {
	t.Helper()
	_ = c.SetReadDeadline(time.Now().Add(waitTimeout))
	defer func() { _ = c.SetReadDeadline(time.Time{}) }()
	read := func(f []byte, n int) []byte {
		f = append(f, make([]byte, n)...)
		if _, err := io.ReadFull(c, f[len(f)-n:]); err != nil {
			t.Fatalf("reading a frame: %v", err)
		}
		return f
	}
	f := read(nil, 2)
	n := int(f[1] & 0x7F)
	switch n {
	case 126:
		f = read(f, 2)
		n = int(binary.BigEndian.Uint16(f[2:]))
	case 127:
		f = read(f, 8)
		n = int(binary.BigEndian.Uint64(f[2:]))
	}
	return read(f, n)
}
