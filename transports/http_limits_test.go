package transports

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tickroom/tickroom/transports/httpwire"
)

// rawConn dials the server for requests written by hand.
func rawConn(t testing.TB, s *Server) net.Conn {
	t.Helper()
	c, err := net.Dial("tcp", s.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close() })
	return c
}

// readUntilEOF reads what the server sends on c until it closes the
// connection, and fails the test if it does not within waitTimeout.
func readUntilEOF(t testing.TB, c net.Conn) string {
	t.Helper()
	_ = c.SetReadDeadline(time.Now().Add(waitTimeout))
	b, err := io.ReadAll(c)
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		t.Fatalf("server did not close the connection; read %q", b)
	}
	return string(b)
}

// A handshake's largest ticket fits the default header limit; far larger
// headers get 431 instead of the 1 MiB net/http would take.
func TestMaxHeaderBytes(t *testing.T) {
	h := newTestHandler()
	s := newTestServer(t, Options{}, h)
	c := newHTTPClient(t, s)

	ticket := strings.Repeat("t", 8192)
	a := c.do(http.MethodPost, "", nil, http.Header{
		"Authorization": {"Bearer " + ticket},
		"User-Agent":    {strings.Repeat("u", 512)},
		"Cookie":        {strings.Repeat("c", 2048)},
	})
	if a.status != http.StatusOK {
		t.Fatalf("handshake with an 8 KiB ticket: %d %s", a.status, a.body)
	}
	h.next(t)

	a = c.do(http.MethodPost, "", nil, http.Header{"X-Big": {strings.Repeat("x", DefaultMaxHeaderBytes+8<<10)}})
	if a.status != http.StatusRequestHeaderFieldsTooLarge {
		t.Errorf("request with %d bytes of headers: %d, want 431", DefaultMaxHeaderBytes+8<<10, a.status)
	}
}

// A body that trickles in is cut off at BodyTimeout on every kind of route:
// an uplink POST, a handshake, and a route added with Handle that never
// reads its body (net/http drains such a body before it answers).
func TestBodyTimeoutCutsTrickledBody(t *testing.T) {
	h := newTestHandler()
	s := NewServer(Options{BodyTimeout: 100 * time.Millisecond, CloseDrain: time.Millisecond}, h)
	s.Handle("/other", http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		_, _ = io.WriteString(w, "ok")
	}))
	if err := s.Open("127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close(context.Background()) })
	sess := newHTTPClient(t, s).handshake("")
	rc := h.next(t)

	for _, tc := range []struct {
		name, path, ctype string
		status            int
		code              string
	}{
		{"uplink", s.httpPath + "/" + sess.sid + "?seq=1", "application/octet-stream", http.StatusRequestTimeout, "body_timeout"},
		{"exchange", s.httpPath + "/" + sess.sid + "/exchange?seq=1&ack=0", "application/octet-stream", http.StatusRequestTimeout, "body_timeout"},
		{"handshake", s.httpPath, "application/json", http.StatusRequestTimeout, "body_timeout"},
		{"other route", "/other", "text/plain", http.StatusOK, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := rawConn(t, s)
			fmt.Fprintf(c, "POST %s HTTP/1.1\r\nHost: x\r\nContent-Type: %s\r\nContent-Length: 100\r\n\r\n{", tc.path, tc.ctype)
			got := readUntilEOF(t, c)
			resp, err := http.ReadResponse(bufio.NewReader(strings.NewReader(got)), nil)
			if err != nil {
				t.Fatalf("answer %q: %v", got, err)
			}
			var e httpwire.ErrorBody
			if tc.code != "" {
				err = json.NewDecoder(resp.Body).Decode(&e)
			}
			if resp.StatusCode != tc.status || e.Code != tc.code || err != nil {
				t.Errorf("answer %q, want %d %s and the connection closed", got, tc.status, tc.code)
			}
		})
	}
	select {
	case f := <-rc.frames:
		t.Errorf("frame %x delivered from a body cut short", f)
	default:
	}
	if got := s.Stats().Handshakes; got != 1 {
		t.Errorf("Stats().Handshakes = %d, want 1 (the trickled handshake makes none)", got)
	}
	if got := s.Stats().HTTPErrors["body_timeout"]; got != 3 {
		t.Errorf(`Stats().HTTPErrors["body_timeout"] = %d, want 3`, got)
	}
}

// A client that stops sending its headers, or a kept-alive connection that
// sends no next request, is disconnected.
func TestHeaderAndIdleTimeouts(t *testing.T) {
	s := newTestServer(t, Options{ReadHeaderTimeout: 100 * time.Millisecond, IdleTimeout: 100 * time.Millisecond}, newTestHandler())

	c := rawConn(t, s)
	fmt.Fprintf(c, "GET %s HTTP/1.1\r\nHost: x\r\n", s.httpPath)
	readUntilEOF(t, c)

	c = rawConn(t, s)
	fmt.Fprintf(c, "GET %s/x HTTP/1.1\r\nHost: x\r\n\r\n", s.httpPath)
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		t.Fatal(err)
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	if resp.Close {
		t.Fatal("the server closes the connection after one request; want it kept alive")
	}
	readUntilEOF(t, c)
}

// Close finishes before its deadline, with nil, whatever its clients do:
// bodies and headers trickling in (none of which BodyTimeout or
// ReadHeaderTimeout would end in time), a connection that sent nothing,
// idle keep-alives, a held long-poll, a stream and a WebSocket that does
// not read. Every one of their connections is closed by then.
func TestCloseFinishesWithTricklingClients(t *testing.T) {
	h := newEchoHandler()
	s := NewServer(Options{
		BodyTimeout:       time.Minute,
		ReadHeaderTimeout: time.Minute,
		IdleTimeout:       time.Minute,
		WriteTimeout:      time.Minute,
		CloseDrain:        time.Minute,
	}, h)
	s.Handle("/other", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
	}))
	if err := s.Open("127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	poller := newHTTPClient(t, s).handshake("")
	streamer := newHTTPClient(t, s).handshake("?transport=stream")
	idle := newHTTPClient(t, s).handshake("") // between two polls, never back

	// 20 trickling clients, each sending one more byte every 20 ms.
	var conns []net.Conn
	var wg sync.WaitGroup
	defer wg.Wait()
	for i := range 20 {
		c := rawConn(t, s)
		conns = append(conns, c)
		var head string
		switch i % 4 {
		case 0:
			head = fmt.Sprintf("POST %s/%s?seq=1 HTTP/1.1\r\nHost: x\r\nContent-Type: application/octet-stream\r\nContent-Length: 100000\r\n\r\n", s.httpPath, idle.sid)
		case 1:
			head = fmt.Sprintf("POST %s HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n", s.httpPath)
		case 2:
			head = "POST /other HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\n"
		case 3:
			head = "GET /other HTTP/1.1\r\nHost: x\r\nX-Slow: " // headers that never end
		}
		if _, err := io.WriteString(c, head); err != nil {
			t.Fatal(err)
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				time.Sleep(20 * time.Millisecond)
				if _, err := c.Write([]byte{'a'}); err != nil {
					return
				}
			}
		}()
	}
	silent := rawConn(t, s) // connected, sends nothing
	keptAlive := rawConn(t, s)
	fmt.Fprintf(keptAlive, "GET %s/x HTTP/1.1\r\nHost: x\r\n\r\n", s.httpPath)
	resp, err := http.ReadResponse(bufio.NewReader(keptAlive), nil)
	if err != nil {
		t.Fatal(err)
	}
	_, _ = io.Copy(io.Discard, resp.Body)

	held := poller.asyncPoll(0)
	waitHeld(t, s, poller.sid)
	st := streamer.openStream(0)
	ws := dial(t, s, dialOptions{noRead: true})
	for range 4 {
		h.next(t)
	}
	_ = ws.conn.WriteMessage(1, make([]byte, 1000))
	// Wait until every trickler's request has reached the server.
	time.Sleep(100 * time.Millisecond)

	const timeout = 2 * time.Second
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	start := time.Now()
	if err := s.Close(ctx); err != nil {
		t.Errorf("Close = %v, want nil", err)
	}
	if took := time.Since(start); took >= timeout {
		t.Errorf("Close took %v, want less than its deadline %v", took, timeout)
	}
	t.Logf("Close took %v", time.Since(start))

	if a := recvAnswer(t, held); a.status != http.StatusOK {
		t.Errorf("held poll: %d %s", a.status, a.body)
	}
	for {
		r, ok := st.next(t)
		if !ok || r.isClose() {
			break
		}
	}
	for i, c := range append(conns, silent, keptAlive) {
		// Every connection was closed: reading ends at once.
		_ = c.SetReadDeadline(time.Now().Add(waitTimeout))
		if _, err := io.Copy(io.Discard, c); err != nil {
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				t.Errorf("connection %d still open after Close", i)
			}
		}
	}
}
