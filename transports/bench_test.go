package transports

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"

	"github.com/tickroom/tickroom/transports/httpwire"
)

// BenchmarkLinkSend measures Send on a live loopback link whose client reads
// and discards. Send copies the head into a slot allocated with the link and
// must not allocate. allocs/op also counts the writer goroutine's share (gws
// boxes each write's buffers), which latest-wins keeps well below one per Send.
func BenchmarkLinkSend(b *testing.B) {
	for _, bc := range []struct {
		name string
		size int
	}{
		{"state/1KiB", 1 << 10},
		{"state/64KiB", 64 << 10},
	} {
		b.Run(bc.name, func(b *testing.B) {
			h := newTestHandler()
			s := newTestServer(b, Options{}, h)
			dial(b, s, dialOptions{discard: true})
			l := h.next(b).link
			head, body := []byte("0123456789abcdef"), make([]byte, bc.size)
			b.ReportAllocs()
			for b.Loop() {
				if err := l.Send(ClassState, head, body); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkHTTPHandlers measures the HTTP transports' own request handling
// (routing, parsing, headers, the session's buffer), without sockets or
// net/http's connection handling: a poll that returns one state record, and
// an uplink POST of one input-sized frame. net/http adds its own per-request
// cost on top; allocs/op here are ours alone.
func BenchmarkHTTPHandlers(b *testing.B) {
	links := make(chan Link, 1)
	s := NewServer(Options{}, handlerFunc(func(l Link, _ *http.Request) (Receiver, error) {
		links <- l
		return discardReceiver{}, nil
	}))
	rec := httptest.NewRecorder()
	s.mux.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/rt", nil))
	var hs httpwire.Handshake
	if err := json.Unmarshal(rec.Body.Bytes(), &hs); err != nil {
		b.Fatalf("handshake: %v %s", err, rec.Body)
	}
	link := <-links
	head, body := []byte("0123"), make([]byte, 90)

	b.Run("poll", func(b *testing.B) {
		b.ReportAllocs()
		req := httptest.NewRequest(http.MethodGet, "/rt/"+hs.SID, nil)
		queries := make([]string, 1024) // prebuilt, so the loop measures the handler
		var ack uint64
		for b.Loop() {
			if err := link.Send(ClassState, head, body); err != nil {
				b.Fatal(err)
			}
			q := &queries[ack%uint64(len(queries))]
			*q = "ack=" + strconv.FormatUint(ack, 10) + "&wait=0"
			ack++
			req.URL.RawQuery = *q
			w := discardWriter{h: http.Header{}}
			s.mux.ServeHTTP(&w, req)
			if w.status != http.StatusOK {
				b.Fatalf("poll: %d", w.status)
			}
		}
	})
	b.Run("post", func(b *testing.B) {
		b.ReportAllocs()
		frame := httpwire.AppendUplink(nil, make([]byte, 30))
		req := httptest.NewRequest(http.MethodPost, "/rt/"+hs.SID, nil)
		req.Header.Set("Content-Type", "application/octet-stream")
		body := bytes.NewReader(frame)
		var seq uint64
		for b.Loop() {
			seq++
			req.URL.RawQuery = "seq=" + strconv.FormatUint(seq, 10)
			body.Reset(frame)
			req.Body, req.ContentLength = io.NopCloser(body), int64(len(frame))
			w := discardWriter{h: http.Header{}}
			s.mux.ServeHTTP(&w, req)
			if w.status != http.StatusNoContent {
				b.Fatalf("post: %d", w.status)
			}
		}
	})
	_ = s.Close(context.Background())
}

// discardWriter is a ResponseWriter that keeps only the status.
type discardWriter struct {
	h      http.Header
	status int
}

func (w *discardWriter) Header() http.Header { return w.h }
func (w *discardWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
}
func (w *discardWriter) Write(p []byte) (int, error) {
	w.WriteHeader(http.StatusOK)
	return len(p), nil
}

// discardReceiver drops everything it is given.
type discardReceiver struct{}

func (discardReceiver) OnFrame([]byte) {}
func (discardReceiver) OnTooLarge(int) {}
func (discardReceiver) OnClose(error)  {}
