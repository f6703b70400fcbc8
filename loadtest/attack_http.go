package loadtest

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
)

// The HTTP attacks, on raw TCP connections: requests whose headers or
// body trickle in a byte at a time, and requests with huge headers. A
// reader goroutine waits for the server's answer (a status line) or the
// end of the connection, while the attacker writes; its time is when the
// server answered or cut the connection. When that happens the attacker
// opens another connection and starts again.

// trickleLine is how many bytes a trickled header line carries before its
// CRLF: the header grows by lines, as a real one would.
const trickleLine = 64

// slowHeaders trickles an HTTP request's headers: the request line at
// once, then header lines a byte at a time, never ending them.
func slowHeaders(ctx context.Context, e *attackEnv, st *attackStats, _ int) {
	head := "GET " + e.wsPath + " HTTP/1.1\r\nHost: " + e.target.Host + "\r\n"
	line := "X-Trickle: " + strings.Repeat("a", trickleLine) + "\r\n"
	httpAttack(ctx, e, st, func(ctx context.Context, nc net.Conn, done <-chan struct{}, sent *atomic.Int64) error {
		if err := write(nc, sent, head); err != nil {
			return err
		}
		return trickle(ctx, nc, done, sent, e.s.TrickleEvery.Duration, -1, func(k int) byte { return line[k%len(line)] })
	})
}

// slowBody trickles the body of an HTTP transport handshake (POST to the
// HTTP transports' base path): its headers at once, announcing
// slowBodyLength bytes of JSON, then the body a byte at a time.
func slowBody(ctx context.Context, e *attackEnv, st *attackStats, _ int) {
	head := "POST " + e.httpPath + "?transport=longpoll HTTP/1.1\r\nHost: " + e.target.Host +
		"\r\nContent-Type: application/json\r\nContent-Length: " + strconv.Itoa(slowBodyLength) + "\r\n\r\n"
	const prefix = `{"ticket":"`
	body := func(k int) byte {
		switch {
		case k < len(prefix):
			return prefix[k]
		case k == slowBodyLength-2:
			return '"'
		case k == slowBodyLength-1:
			return '}'
		}
		return 'a'
	}
	httpAttack(ctx, e, st, func(ctx context.Context, nc net.Conn, done <-chan struct{}, sent *atomic.Int64) error {
		if err := write(nc, sent, head); err != nil {
			return err
		}
		return trickle(ctx, nc, done, sent, e.s.TrickleEvery.Duration, slowBodyLength, body)
	})
}

// hugeHeaders sends requests with HugeHeaderBytes of headers, as fast as
// the server reads them, each on a connection of its own.
func hugeHeaders(ctx context.Context, e *attackEnv, st *attackStats, _ int) {
	head := "GET " + e.wsPath + " HTTP/1.1\r\nHost: " + e.target.Host + "\r\n"
	pad := strings.Repeat("a", 1000)
	var chunk strings.Builder
	for k := 0; chunk.Len() < 16<<10; k++ {
		fmt.Fprintf(&chunk, "X-Huge-%03d: %s\r\n", k, pad)
	}
	lines := chunk.String()
	httpAttack(ctx, e, st, func(ctx context.Context, nc net.Conn, done <-chan struct{}, sent *atomic.Int64) error {
		if err := write(nc, sent, head); err != nil {
			return err
		}
		for n := 0; n < e.s.HugeHeaderBytes; n += len(lines) {
			select {
			case <-done:
				return nil // answered already
			default:
			}
			if err := write(nc, sent, lines); err != nil {
				return err
			}
		}
		return write(nc, sent, "\r\n")
	})
}

// httpAttack runs one attacker of an HTTP attack: connect, send (which
// writes the request, and returns when it is done or done is closed),
// wait for the server's answer or close, again.
func httpAttack(ctx context.Context, e *attackEnv, st *attackStats,
	send func(ctx context.Context, nc net.Conn, done <-chan struct{}, sent *atomic.Int64) error) {
	sent, requests, answered := st.count(didBytes), st.count(didRequests), st.count(didAnswered)
	for ctx.Err() == nil {
		nc, err := dialTCP(ctx, e.target, e.src)
		if err != nil {
			if ctx.Err() != nil {
				return
			}
			st.answer(dialKey(err))
			pause(ctx, retryPause)
			continue
		}
		requests.Add(1)
		hold(ctx, st, nc, time.Now(), func() bool {
			done := make(chan struct{})
			var v verdict
			go func() {
				defer close(done)
				v = readAnswer(ctx, nc)
			}()
			if err := send(ctx, nc, done, sent); err != nil && ctx.Err() == nil {
				// The server stopped reading and closed, most likely; its
				// answer may be on its way.
				t := time.NewTimer(drainWait)
				select {
				case <-done:
				case <-t.C:
				}
				t.Stop()
			} else {
				select {
				case <-done:
				case <-ctx.Done():
				}
			}
			_ = nc.Close()
			<-done
			if !v.byServer {
				return false
			}
			if v.status != 0 {
				answered.Add(1)
			}
			st.answer(v.key)
			return true
		})
	}
}

// verdict is how the server answered a request: a status (key "HTTP 431"),
// or the end of the connection.
type verdict struct {
	key      string
	status   int
	byServer bool // the server answered or ended it, not the attack
}

// readAnswer reads the server's answer from nc: a response's status line
// and headers (and an error body's code), or the connection's end.
func readAnswer(ctx context.Context, nc net.Conn) verdict {
	resp, err := http.ReadResponse(bufio.NewReader(nc), nil)
	if err != nil {
		if ctx.Err() != nil {
			return verdict{}
		}
		return verdict{key: endKey(err), byServer: true}
	}
	rf := refusalOf(resp) // reads the body's code, whatever the status
	return verdict{key: rf.key(), status: resp.StatusCode, byServer: true}
}

// write writes s, counting the bytes.
func write(nc net.Conn, sent *atomic.Int64, s string) error {
	n, err := io.WriteString(nc, s)
	sent.Add(int64(n))
	return err
}

// trickle writes the bytes next(0), next(1), … one every interval, until
// it has written length of them (-1: no end), done is closed (the server
// answered) or ctx ends.
func trickle(ctx context.Context, nc net.Conn, done <-chan struct{}, sent *atomic.Int64, every time.Duration, length int, next func(int) byte) error {
	t := time.NewTicker(every)
	defer t.Stop()
	var b [1]byte
	for k := 0; length < 0 || k < length; k++ {
		select {
		case <-ctx.Done():
			return nil
		case <-done:
			return nil
		case <-t.C:
		}
		b[0] = next(k)
		n, err := nc.Write(b[:])
		sent.Add(int64(n))
		if err != nil {
			return err
		}
	}
	return nil
}
