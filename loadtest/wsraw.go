package loadtest

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"strings"
	"syscall"
	"time"

	"github.com/tickroom/tickroom/transports/httpwire"
)

// A WebSocket client written by hand on a net.Conn, for the attacks: it
// sends what a well-behaved library would not (pings as fast as the socket
// takes them, empty frames, acks without reading) and reads only when its
// attacker asks. It speaks just enough RFC 6455: an upgrade request,
// masked frames out, unfragmented frames in.

// WebSocket opcodes.
const (
	opBinary = 0x2
	opClose  = 0x8
	opPing   = 0x9
	opPong   = 0xa
)

// rawFrameLimit is the largest frame a raw connection keeps; a larger one
// (a big snapshot) is read and dropped.
const rawFrameLimit = 1 << 20

// rawWS is one hand-written WebSocket connection. Writes are the owner's;
// reads are too (a reader goroutine, or the owner before it stops reading).
type rawWS struct {
	nc     net.Conn
	br     *bufio.Reader
	mask   [4]byte
	opened time.Time
	buf    []byte // the last frame read
}

// refusal is an upgrade the server answered with something other than 101.
type refusal struct {
	status int
	code   string // the error body's code, if it had one
}

func (e *refusal) Error() string { return e.key() }

// key names the refusal in an attack's answers: "HTTP 503 server_full".
func (e *refusal) key() string {
	if e.code != "" {
		return fmt.Sprintf("HTTP %d %s", e.status, e.code)
	}
	return fmt.Sprintf("HTTP %d", e.status)
}

// dialTCP connects to target's host from src (nil: the system's choice),
// within ctx.
func dialTCP(ctx context.Context, target *url.URL, src net.IP) (net.Conn, error) {
	return dialTCPBuffer(ctx, target, src, 0)
}

// dialTCPBuffer is dialTCP with a kernel receive buffer of rcvbuf bytes
// (0: the system's), set before the connection is made so that the window
// the socket offers is small from the start.
func dialTCPBuffer(ctx context.Context, target *url.URL, src net.IP, rcvbuf int) (net.Conn, error) {
	d := net.Dialer{Timeout: dialTimeout}
	if src != nil {
		d.LocalAddr = &net.TCPAddr{IP: src}
	}
	if rcvbuf > 0 {
		d.Control = func(_, _ string, c syscall.RawConn) error {
			var serr error
			if err := c.Control(func(fd uintptr) { serr = setRecvBuffer(fd, rcvbuf) }); err != nil {
				return err
			}
			return serr
		}
	}
	return d.DialContext(ctx, "tcp", hostPort(target))
}

// hostPort is the URL's host with its scheme's default port when it names
// none.
func hostPort(u *url.URL) string {
	if u.Port() != "" {
		return u.Host
	}
	if u.Scheme == "https" || u.Scheme == "wss" {
		return net.JoinHostPort(u.Hostname(), "443")
	}
	return net.JoinHostPort(u.Hostname(), "80")
}

// dialRaw connects, with a kernel receive buffer of rcvbuf bytes (0: the
// system's; see dialTCPBuffer), and upgrades to a WebSocket on the
// server's endpoint. A refused upgrade is a *refusal.
func dialRaw(ctx context.Context, e *attackEnv, rcvbuf int) (*rawWS, error) {
	nc, err := dialTCPBuffer(ctx, e.target, e.src, rcvbuf)
	if err != nil {
		return nil, err
	}
	ws, err := upgradeRaw(ctx, nc, e.target, e.wsPath)
	if err != nil {
		nc.Close()
		return nil, err
	}
	return ws, nil
}

func upgradeRaw(ctx context.Context, nc net.Conn, target *url.URL, path string) (*rawWS, error) {
	stop := context.AfterFunc(ctx, func() { _ = nc.SetDeadline(time.Unix(1, 0)) })
	defer stop()
	_ = nc.SetDeadline(time.Now().Add(dialTimeout))
	var key [16]byte
	_, _ = rand.Read(key[:])
	req := "GET " + path + " HTTP/1.1\r\nHost: " + target.Host +
		"\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: " +
		base64.StdEncoding.EncodeToString(key[:]) + "\r\n\r\n"
	if _, err := io.WriteString(nc, req); err != nil {
		return nil, err
	}
	br := bufio.NewReaderSize(nc, 4096)
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusSwitchingProtocols {
		return nil, refusalOf(resp)
	}
	_ = nc.SetDeadline(time.Time{})
	ws := &rawWS{nc: nc, br: br, opened: time.Now()}
	_, _ = rand.Read(ws.mask[:])
	return ws, nil
}

// refusalOf reads an error answer's code from its JSON body.
func refusalOf(resp *http.Response) *refusal {
	defer resp.Body.Close()
	var body httpwire.ErrorBody
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
	_ = json.Unmarshal(b, &body)
	return &refusal{status: resp.StatusCode, code: body.Code}
}

// appendFrame appends one masked client frame.
func (ws *rawWS) appendFrame(dst []byte, op byte, payload []byte) []byte {
	dst = append(dst, 0x80|op)
	switch n := len(payload); {
	case n < 126:
		dst = append(dst, 0x80|byte(n))
	case n <= 0xffff:
		dst = append(dst, 0x80|126)
		dst = binary.BigEndian.AppendUint16(dst, uint16(n))
	default:
		dst = append(dst, 0x80|127)
		dst = binary.BigEndian.AppendUint64(dst, uint64(n))
	}
	dst = append(dst, ws.mask[:]...)
	for i, b := range payload {
		dst = append(dst, b^ws.mask[i%4])
	}
	return dst
}

// send writes one frame.
func (ws *rawWS) send(op byte, payload []byte) error {
	_, err := ws.nc.Write(ws.appendFrame(nil, op, payload))
	return err
}

// readFrame reads the next frame: its opcode and payload (valid until the
// next read; nil for one over rawFrameLimit).
func (ws *rawWS) readFrame() (byte, []byte, error) {
	var h [2]byte
	if _, err := io.ReadFull(ws.br, h[:]); err != nil {
		return 0, nil, err
	}
	op := h[0] & 0x0f
	n := uint64(h[1] & 0x7f)
	switch n {
	case 126:
		var b [2]byte
		if _, err := io.ReadFull(ws.br, b[:]); err != nil {
			return 0, nil, err
		}
		n = uint64(binary.BigEndian.Uint16(b[:]))
	case 127:
		var b [8]byte
		if _, err := io.ReadFull(ws.br, b[:]); err != nil {
			return 0, nil, err
		}
		n = binary.BigEndian.Uint64(b[:])
	}
	var mask [4]byte
	masked := h[1]&0x80 != 0
	if masked {
		if _, err := io.ReadFull(ws.br, mask[:]); err != nil {
			return 0, nil, err
		}
	}
	if n > rawFrameLimit {
		_, err := io.CopyN(io.Discard, ws.br, int64(n))
		return op, nil, err
	}
	if uint64(cap(ws.buf)) < n {
		ws.buf = make([]byte, n)
	}
	p := ws.buf[:n]
	if _, err := io.ReadFull(ws.br, p); err != nil {
		return 0, nil, err
	}
	if masked {
		for i := range p {
			p[i] ^= mask[i%4]
		}
	}
	return op, p, nil
}

// closeCode is a close frame's code, 1005 (no status) when it has none.
func closeCode(p []byte) uint16 {
	if len(p) < 2 {
		return 1005
	}
	return binary.BigEndian.Uint16(p)
}

// closeFrameKey names a close frame in an attack's answers: "close 4024
// server_busy".
func closeFrameKey(code uint16) string {
	return fmt.Sprintf("close %d %s", code, codeName(code))
}

// endKey names how a connection ended that had no close frame: the server
// closed it (EOF), reset it, or it timed out.
func endKey(err error) string {
	var ne net.Error
	switch {
	case err == nil:
		return "ended"
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return "closed without a close frame (EOF)"
	case errors.Is(err, syscall.ECONNRESET), errors.Is(err, syscall.EPIPE):
		return "reset"
	case errors.Is(err, syscall.ECONNREFUSED):
		return "connection refused"
	case errors.Is(err, os.ErrDeadlineExceeded), errors.As(err, &ne) && ne.Timeout():
		return "timeout"
	case errors.Is(err, syscall.EMFILE), errors.Is(err, syscall.ENFILE):
		return testerOutOfFiles
	case errors.Is(err, syscall.EADDRNOTAVAIL), errors.Is(err, syscall.EADDRINUSE):
		return testerOutOfPorts
	case strings.Contains(err.Error(), "use of closed network connection"):
		return "closed by the tester"
	}
	return "error: " + err.Error()
}

// How a dial fails when the tester, not the server, ran out of something.
const (
	testerOutOfFiles = "tester out of file descriptors"
	testerOutOfPorts = "tester out of ports"
)

// dialKey names a failed dial or upgrade in an attack's answers.
func dialKey(err error) string {
	var rf *refusal
	if errors.As(err, &rf) {
		return rf.key()
	}
	return "dial: " + endKey(err)
}

// isTimeout reports whether err is a deadline's.
func isTimeout(err error) bool {
	var ne net.Error
	return errors.Is(err, os.ErrDeadlineExceeded) || errors.As(err, &ne) && ne.Timeout()
}
