package transports

import (
	"context"
	"net/http"
	"time"

	"github.com/tickroom/tickroom/transports/httpwire"
)

// serveStream answers GET {HTTPPath}/{sid}/stream?ack=N: one chunked response
// that carries each record as soon as it is buffered. It ends cleanly after
// StreamMaxDuration, when the client re-opens it with its latest ack: many
// proxies buffer or cut long responses, and a bounded one also bounds what a
// silently broken connection can swallow before the client notices.
//
// A stream does not trim the buffer as it goes (it cannot know what arrived);
// the ack of the next stream, or of an uplink POST, does. It keeps its own
// cursor so it writes each record once.
//
// Its first record is a keepalive, written with the headers: a client that
// does not get it at once is behind a proxy that buffers whole responses,
// and falls back to long-polling (doc.go, "Streams behind buffering
// proxies"). A GET of that client ends the stream (see openDownlink).
func (s *Server) serveStream(w http.ResponseWriter, r *http.Request, sid string, o *Options) {
	if o.DisableStream {
		s.fail(w, errTransportDisabled, "stream is disabled")
		return
	}
	ctx, stop := context.WithCancel(r.Context())
	defer stop()
	ss, ack, gen, ok := s.beginDownlink(w, r, sid, kindStream, stop)
	if !ok {
		return
	}
	defer ss.closeDownlink(gen)

	h := w.Header()
	downlinkHeaders(h)
	h.Set("X-Accel-Buffering", "no") // ask nginx-style proxies not to buffer
	rc := http.NewResponseController(w)
	writeDeadline(rc, o)
	w.WriteHeader(http.StatusOK)
	buf := httpwire.AppendKeepalive(nil)
	if _, err := w.Write(buf); err != nil || rc.Flush() != nil {
		return
	}

	end := time.NewTimer(o.StreamMaxDuration)
	defer end.Stop()
	keepalive := time.NewTimer(o.PingInterval)
	defer keepalive.Stop()
	cursor := ack
	var recs [16]record
	for {
		select {
		case <-end.C:
			return
		case <-ctx.Done():
			return
		default:
		}
		v := ss.take(cursor, recs[:0], gen)
		if v.upgraded || v.superseded {
			// The client ignores the stream once it has sent "upgrade", or
			// has left it for long-polling.
			return
		}
		if len(v.recs) > 0 || v.closeRec != nil {
			if n := len(v.recs); n > 0 {
				cursor = v.recs[n-1].seq
			}
			buf = v.encode(buf[:0])
			v.release()
			writeDeadline(rc, o)
			_, err := w.Write(buf)
			if err == nil {
				err = rc.Flush()
			}
			if v.closeRec != nil {
				if !v.finished {
					ss.delivered(err == nil)
				}
				return
			}
			if err != nil {
				return
			}
			keepalive.Reset(o.PingInterval)
			continue
		}
		select {
		case <-ss.wake:
		case <-keepalive.C:
			writeDeadline(rc, o)
			buf = httpwire.AppendKeepalive(buf[:0])
			if _, err := w.Write(buf); err != nil || rc.Flush() != nil {
				return
			}
			keepalive.Reset(o.PingInterval)
		case <-end.C:
			return
		case <-ctx.Done():
			return
		}
	}
}
