package transports

import (
	"errors"
	"net/http"
	"strconv"
	"time"
)

// fastWriter is the http.ResponseWriter the fast path hands the transports'
// own handlers. It keeps the response in memory and writes it, status line,
// headers and body, in one write when the handler flushes or returns: every
// response of these routes is small and complete before it is sent. It is
// reused for each request of its connection.
type fastWriter struct {
	fc       *fastConn
	hdr      http.Header
	status   int
	body     []byte
	flushed  bool
	err      error     // of the write, once flushed
	deadline time.Time // for the write; zero: WriteTimeout from now
}

var errFastWriteAfterFlush = errors.New("transports: write after the response was sent")

func (w *fastWriter) reset() {
	clear(w.hdr)
	w.status, w.body, w.flushed, w.err, w.deadline = 0, w.body[:0], false, nil, time.Time{}
}

func (w *fastWriter) Header() http.Header { return w.hdr }

func (w *fastWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
}

func (w *fastWriter) Write(p []byte) (int, error) {
	if w.flushed {
		return 0, errFastWriteAfterFlush
	}
	w.WriteHeader(http.StatusOK)
	w.body = append(w.body, p...)
	return len(p), nil
}

// FlushError sends the response; http.ResponseController's Flush lands here.
// The error is the socket's, so a handler that reports delivery (writePoll)
// reports the truth.
func (w *fastWriter) FlushError() error {
	if !w.flushed {
		w.flushed = true
		w.err = w.fc.writeResponse(w)
	}
	return w.err
}

// SetWriteDeadline bounds the response's write, as it does on net/http's
// writer; it is set when the response is written.
func (w *fastWriter) SetWriteDeadline(t time.Time) error {
	w.deadline = t
	return nil
}

// answered reports whether the handler gave a response at all: one that
// returned without (a held poll whose client left) has nothing to send.
func (w *fastWriter) answered() bool { return w.status != 0 }

// appendHead appends the status line and headers of the response, with a
// Date and the Content-Length of its body (none for 204 and 304, which have
// no body), and the blank line.
func (w *fastWriter) appendHead(b []byte, date []byte) []byte {
	b = append(b, "HTTP/1.1 "...)
	b = strconv.AppendInt(b, int64(w.status), 10)
	b = append(b, ' ')
	b = append(b, http.StatusText(w.status)...)
	b = append(b, "\r\n"...)
	for k, vs := range w.hdr {
		if k == "Content-Length" || k == "Date" {
			continue
		}
		for _, v := range vs {
			b = append(b, k...)
			b = append(b, ": "...)
			b = append(b, v...)
			b = append(b, "\r\n"...)
		}
	}
	b = append(b, "Date: "...)
	b = append(b, date...)
	b = append(b, "\r\n"...)
	if w.status != http.StatusNoContent && w.status != http.StatusNotModified {
		b = append(b, "Content-Length: "...)
		b = strconv.AppendInt(b, int64(len(w.body)), 10)
		b = append(b, "\r\n"...)
	}
	return append(b, "\r\n"...)
}
