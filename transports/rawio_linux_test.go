package transports

import (
	"bytes"
	"errors"
	"io"
	"net"
	"os"
	"testing"
	"time"
)

// tcpPair is a connected pair of TCP sockets on 127.0.0.1: the server's end
// (as the fast path gets it) and the client's.
func tcpPair(t *testing.T) (server, client net.Conn) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	client, err = net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	server, err = ln.Accept()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = server.Close(); _ = client.Close() })
	return server, client
}

func TestRawIOIsUsedForSockets(t *testing.T) {
	server, _ := tcpPair(t)
	if _, ok := newConnIO(server).(*rawIO); !ok {
		t.Fatalf("a TCP connection is read with %T, want *rawIO", newConnIO(server))
	}
	a, b := net.Pipe()
	defer a.Close()
	defer b.Close()
	if newConnIO(a) != io.ReadWriter(a) {
		t.Fatal("a connection without a socket is not read through itself")
	}
}

func TestRawIOReadsWaitsAndEnds(t *testing.T) {
	server, client := tcpPair(t)
	rio := newConnIO(server)
	go func() {
		time.Sleep(20 * time.Millisecond) // the read below has to wait for it
		_, _ = client.Write([]byte("hello"))
		_ = client.Close()
	}()
	buf := make([]byte, 16)
	n, err := rio.Read(buf)
	if err != nil || string(buf[:n]) != "hello" {
		t.Fatalf("read %q, %v; want hello", buf[:n], err)
	}
	if n, err = rio.Read(buf); n != 0 || err != io.EOF {
		t.Fatalf("after the peer closed: %d, %v; want 0, EOF", n, err)
	}
	if n, err = rio.Read(nil); n != 0 || err != nil {
		t.Fatalf("an empty read: %d, %v", n, err)
	}
}

func TestRawIOReadDeadlineIsATimeout(t *testing.T) {
	server, _ := tcpPair(t)
	rio := newConnIO(server)
	_ = server.SetReadDeadline(time.Now().Add(20 * time.Millisecond))
	_, err := rio.Read(make([]byte, 8))
	if !bodyTimedOut(err) || !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("a read past its deadline: %v; want a timeout", err)
	}
}

func TestRawIOReadAfterCloseFails(t *testing.T) {
	server, _ := tcpPair(t)
	rio := newConnIO(server)
	_ = server.Close()
	if _, err := rio.Read(make([]byte, 8)); !errors.Is(err, net.ErrClosed) {
		t.Fatalf("a read of a closed connection: %v; want net.ErrClosed", err)
	}
	if _, err := rio.Write([]byte("x")); !errors.Is(err, net.ErrClosed) {
		t.Fatalf("a write to a closed connection: %v; want net.ErrClosed", err)
	}
}

// A write larger than the socket's buffers completes as the peer reads: the
// raw write waits for room through the poller.
func TestRawIOWriteWaitsForRoom(t *testing.T) {
	server, client := tcpPair(t)
	rio := newConnIO(server)
	want := bytes.Repeat([]byte("0123456789abcdef"), 1<<18) // 4 MiB
	got := make(chan []byte, 1)
	go func() {
		time.Sleep(20 * time.Millisecond) // let the buffers fill first
		b, _ := io.ReadAll(io.LimitReader(client, int64(len(want))))
		got <- b
	}()
	n, err := rio.Write(want)
	if n != len(want) || err != nil {
		t.Fatalf("wrote %d, %v; want %d", n, err, len(want))
	}
	if !bytes.Equal(<-got, want) {
		t.Fatal("the peer read other bytes than were written")
	}
}

func TestRawIOWriteErrorsAndDeadline(t *testing.T) {
	server, client := tcpPair(t)
	rio := newConnIO(server)
	// Nobody reads: the write fills the buffers and then meets its deadline.
	_ = server.SetWriteDeadline(time.Now().Add(50 * time.Millisecond))
	n, err := rio.Write(make([]byte, 64<<20))
	if !errors.Is(err, os.ErrDeadlineExceeded) || n == 0 || n == 64<<20 {
		t.Fatalf("a write past its deadline: %d bytes, %v; want some bytes and a timeout", n, err)
	}
	// A peer that is gone makes the write fail, not hang.
	_ = server.SetWriteDeadline(time.Time{})
	if tc, ok := client.(*net.TCPConn); ok {
		_ = tc.SetLinger(0) // close with a reset
	}
	_ = client.Close()
	deadline := time.Now().Add(waitTimeout)
	for {
		if _, err = rio.Write([]byte("after the reset")); err != nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("writes to a reset connection kept succeeding")
		}
		time.Sleep(5 * time.Millisecond)
	}
	var oe *net.OpError
	var se *os.SyscallError
	if !errors.As(err, &oe) || oe.Op != "write" || oe.Addr == nil || !errors.As(err, &se) {
		t.Fatalf("a write to a reset connection: %v (%T); want net.Conn's *net.OpError around a system call error", err, err)
	}
}

// A WebSocket link's gate, which gws reads and writes through, uses the raw
// calls too.
func TestWriteGateReadsAndWritesRaw(t *testing.T) {
	server, client := tcpPair(t)
	g := newWriteGate(server, true)
	if _, ok := g.rw.(*rawIO); !ok {
		t.Fatalf("the gate reads and writes with %T, want *rawIO", g.rw)
	}
	if _, err := g.Write([]byte("ping")); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 8)
	if n, err := io.ReadFull(client, buf[:4]); err != nil || string(buf[:n]) != "ping" {
		t.Fatalf("the client read %q, %v", buf[:n], err)
	}
	if _, err := client.Write([]byte("pong")); err != nil {
		t.Fatal(err)
	}
	if n, err := io.ReadFull(g, buf[:4]); err != nil || string(buf[:n]) != "pong" {
		t.Fatalf("the gate read %q, %v", buf[:n], err)
	}
}

// A handed-back connection is read raw once it has replayed what it held,
// and through its own Read until then.
func TestRawIOOfAHandedBackConnection(t *testing.T) {
	server, client := tcpPair(t)
	if _, ok := newConnIO(&replayConn{Conn: server}).(*rawIO); !ok {
		t.Fatal("a handed-back connection with nothing to replay is not read raw")
	}
	rio := newConnIO(&replayConn{Conn: server, pending: []byte("held ")})
	if _, ok := rio.(*rawIO); ok {
		t.Fatal("a handed-back connection with bytes to replay is read raw: they would be lost")
	}
	if _, err := client.Write([]byte("then read")); err != nil {
		t.Fatal(err)
	}
	got, err := io.ReadAll(io.LimitReader(rio, int64(len("held then read"))))
	if err != nil || string(got) != "held then read" {
		t.Fatalf("read %q, %v", got, err)
	}
}

// The listener hands out accepted connections read and written raw, and
// the fast path and the gate take over the same rawIO after a hijack.
func TestAcceptedConnectionsAreRaw(t *testing.T) {
	server, client := tcpPair(t)
	c := acceptedConn(server)
	rc, ok := c.(*rawTCPConn)
	if !ok {
		t.Fatalf("an accepted TCP connection is handed out as %T, want *rawTCPConn", c)
	}
	if newConnIO(c) != io.ReadWriter(rc.io) || newConnIO(&replayConn{Conn: c}) != io.ReadWriter(rc.io) {
		t.Fatal("a hijacked connection gets a second rawIO")
	}
	if _, err := client.Write([]byte("req")); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 3)
	if _, err := io.ReadFull(c, buf); err != nil || string(buf) != "req" {
		t.Fatalf("read %q, %v", buf, err)
	}
	// Errors read as net.Conn's do: net/http tells common read errors by
	// their Op.
	_ = c.SetReadDeadline(time.Now().Add(-time.Second))
	_, err := c.Read(buf)
	var oe *net.OpError
	if !errors.As(err, &oe) || oe.Op != "read" || !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("a read past its deadline: %#v, want a *net.OpError with Op read", err)
	}
	_ = c.Close()
	_, err = c.Write(buf)
	if !errors.As(err, &oe) || oe.Op != "write" || !errors.Is(err, net.ErrClosed) {
		t.Fatalf("a write after Close: %#v, want a *net.OpError with Op write", err)
	}
}
