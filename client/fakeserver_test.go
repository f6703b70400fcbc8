package client

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/tickroom/tickroom/netcode"
	"github.com/tickroom/tickroom/transports/httpwire"
)

// fakeServer is a small implementation of the HTTP transport spec (no
// WebSocket upgrade), for testing the client's HTTP transports in
// isolation. It answers ping frames with pongs and a join with another
// protocol version with an error frame and a close record, like the real
// server; everything else the client sends is recorded.
type fakeServer struct {
	t   *testing.T
	srv *httptest.Server

	pollTimeout time.Duration
	streamMax   time.Duration
	keepalive   time.Duration
	pingTimeout time.Duration
	// heldStreams makes streams send nothing at all until the client
	// hangs up, as behind a proxy that buffers whole responses.
	heldStreams bool

	mu       sync.Mutex
	sessions map[string]*fakeSession
	nextID   int
	// failPosts makes the next failPosts POSTs fail with 500 after their
	// batch has been accepted: a response lost on the way.
	failPosts int
	// cutPolls makes the next cutPolls downlink responses end in the middle
	// of a record.
	cutPolls int
	deletes  int
	// shuttingDown makes every session request fail with 503 shutting_down,
	// as the real server does once its drain is over.
	shuttingDown bool
	refused      int // session requests refused that way
	posts        []postLog
	acks         []uint64 // ack of every downlink request, in order
	streams      int      // stream requests
	// upgrades is what the handshake offers to move to; the WebSocket
	// endpoint refuses every request all the same.
	upgrades []string
	// holdPosts makes POSTs hang until the client gives up on them, so
	// that frames queue up behind them; each one held is told on held.
	holdPosts bool
	held      chan struct{}
	// posted is told of every POST whose frames were taken.
	posted chan struct{}
	// auth is the Authorization header of every request, in order, as
	// "<request> <header>": handshake, poll, stream, post, delete, ws.
	auth []string
}

type postLog struct {
	seq    uint64
	frames int
}

type fakeRecord struct {
	seq     uint64
	payload []byte
	close   bool
}

type fakeSession struct {
	id     string
	mu     sync.Mutex
	wake   chan struct{} // closed and replaced when a record is added
	seq    uint64
	recs   []fakeRecord
	lastK  uint64
	frames [][]byte
}

func newFakeServer(t *testing.T) *fakeServer {
	f := &fakeServer{t: t, sessions: make(map[string]*fakeSession), held: make(chan struct{}, 16), posted: make(chan struct{}, 1),
		pollTimeout: 2 * time.Second, streamMax: 200 * time.Millisecond, keepalive: 50 * time.Millisecond, pingTimeout: time.Second}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /rt", f.noting("handshake", f.handshake))
	mux.HandleFunc("GET /rt/{sid}", f.noting("poll", f.poll))
	mux.HandleFunc("GET /rt/{sid}/stream", f.noting("stream", f.stream))
	mux.HandleFunc("POST /rt/{sid}", f.noting("post", f.post))
	mux.HandleFunc("DELETE /rt/{sid}", f.noting("delete", f.delete))
	mux.HandleFunc("GET /ws", f.noting("ws", func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "no websocket here", http.StatusForbidden)
	}))
	f.srv = httptest.NewServer(mux)
	t.Cleanup(f.srv.Close)
	return f
}

// noting records the Authorization header of each request to h.
func (f *fakeServer) noting(name string, h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		f.mu.Lock()
		f.auth = append(f.auth, name+" "+r.Header.Get("Authorization"))
		f.mu.Unlock()
		h(w, r)
	}
}

func (f *fakeServer) session(w http.ResponseWriter, r *http.Request) *fakeSession {
	f.mu.Lock()
	s := f.sessions[r.PathValue("sid")]
	down := f.shuttingDown
	if down {
		f.refused++
	}
	f.mu.Unlock()
	if down {
		writeErr(w, http.StatusServiceUnavailable, "shutting_down")
		return nil
	}
	if s == nil {
		writeErr(w, http.StatusNotFound, "unknown_session")
	}
	return s
}

func writeErr(w http.ResponseWriter, status int, code string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(httpwire.ErrorBody{Code: code, Message: code})
}

func (f *fakeServer) handshake(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	f.nextID++
	id := fmt.Sprintf("%032x", 0xabc000+f.nextID)
	f.sessions[id] = &fakeSession{id: id, wake: make(chan struct{})}
	upgrades := append([]string{}, f.upgrades...)
	f.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(httpwire.Handshake{
		SID: id, Transports: []string{"longpoll", "stream", "poll"}, Upgrades: upgrades,
		PingInterval: f.keepalive.Milliseconds(), PingTimeout: f.pingTimeout.Milliseconds(), PollTimeout: f.pollTimeout.Milliseconds(),
		StreamMaxDuration: f.streamMax.Milliseconds(), MaxPayload: 4096, MaxBody: 256,
	})
}

// push adds a frame (or, with close, a close record) to s's buffer.
func (s *fakeSession) push(payload []byte, isClose bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	seq := uint64(0)
	if !isClose {
		s.seq++
		seq = s.seq
	}
	s.recs = append(s.recs, fakeRecord{seq: seq, payload: payload, close: isClose})
	close(s.wake)
	s.wake = make(chan struct{})
}

// take trims records up to ack and returns the rest and a channel closed
// when more arrive.
func (s *fakeSession) take(ack uint64) ([]fakeRecord, chan struct{}) {
	s.mu.Lock()
	defer s.mu.Unlock()
	i := 0
	for i < len(s.recs) && !s.recs[i].close && s.recs[i].seq <= ack {
		i++
	}
	s.recs = s.recs[i:]
	return append([]fakeRecord(nil), s.recs...), s.wake
}

func appendRecord(b []byte, r fakeRecord) []byte {
	return httpwire.AppendRecord(b, r.seq, r.payload, nil)
}

func (f *fakeServer) ack(w http.ResponseWriter, r *http.Request) (uint64, bool) {
	ack, err := strconv.ParseUint(r.URL.Query().Get(httpwire.ParamAck), 10, 64)
	if err != nil {
		writeErr(w, http.StatusBadRequest, "bad_request")
		return 0, false
	}
	f.mu.Lock()
	f.acks = append(f.acks, ack)
	f.mu.Unlock()
	return ack, true
}

// written notes that records went out; after a close record the session is gone.
func (f *fakeServer) written(s *fakeSession, recs []fakeRecord) {
	for _, r := range recs {
		if r.close {
			f.mu.Lock()
			delete(f.sessions, s.id)
			f.mu.Unlock()
		}
	}
}

func (f *fakeServer) poll(w http.ResponseWriter, r *http.Request) {
	s := f.session(w, r)
	if s == nil {
		return
	}
	ack, ok := f.ack(w, r)
	if !ok {
		return
	}
	recs, wake := s.take(ack)
	if len(recs) == 0 && r.URL.Query().Get(httpwire.ParamWait) != "0" {
		select {
		case <-wake:
		case <-time.After(f.pollTimeout):
		case <-r.Context().Done():
			return
		}
		recs, _ = s.take(ack)
	}
	var body []byte
	for _, rec := range recs {
		body = appendRecord(body, rec)
	}
	f.mu.Lock()
	cut := f.cutPolls > 0 && len(body) > 2
	if cut {
		f.cutPolls--
	}
	f.mu.Unlock()
	w.Header().Set("Content-Type", httpwire.ContentType)
	if cut {
		// Promise more than is sent: the client sees the body end early.
		w.Header().Set("Content-Length", strconv.Itoa(len(body)))
		_, _ = w.Write(body[:len(body)-1])
		return
	}
	_, _ = w.Write(body)
	f.written(s, recs)
}

func (f *fakeServer) stream(w http.ResponseWriter, r *http.Request) {
	s := f.session(w, r)
	if s == nil {
		return
	}
	ack, ok := f.ack(w, r)
	if !ok {
		return
	}
	f.mu.Lock()
	f.streams++
	held := f.heldStreams
	f.mu.Unlock()
	if held {
		<-r.Context().Done()
		return
	}
	w.Header().Set("Content-Type", httpwire.ContentType)
	w.WriteHeader(http.StatusOK)
	fl := w.(http.Flusher)
	// A keepalive at once, as the spec asks: the client knows the stream
	// reaches it.
	if _, err := w.Write(httpwire.AppendKeepalive(nil)); err != nil {
		return
	}
	fl.Flush()
	end := time.After(f.streamMax)
	sent := ack
	for {
		recs, wake := s.take(ack) // the stream acknowledges nothing itself
		var body []byte
		var out []fakeRecord
		for _, rec := range recs {
			if rec.close || rec.seq > sent {
				body = appendRecord(body, rec)
				out = append(out, rec)
				if !rec.close {
					sent = rec.seq
				}
			}
		}
		if len(body) > 0 {
			if _, err := w.Write(body); err != nil {
				return
			}
			fl.Flush()
			f.written(s, out)
			for _, rec := range out {
				if rec.close {
					return
				}
			}
		}
		select {
		case <-wake:
		case <-time.After(f.keepalive):
			if _, err := w.Write(httpwire.AppendKeepalive(nil)); err != nil {
				return
			}
			fl.Flush()
		case <-end:
			return
		case <-r.Context().Done():
			return
		}
	}
}

func (f *fakeServer) post(w http.ResponseWriter, r *http.Request) {
	s := f.session(w, r)
	if s == nil {
		return
	}
	if r.Header.Get("Content-Type") != httpwire.ContentType {
		writeErr(w, http.StatusUnsupportedMediaType, "bad_content_type")
		return
	}
	k, err := strconv.ParseUint(r.URL.Query().Get(httpwire.ParamSeq), 10, 64)
	if err != nil || k == 0 {
		writeErr(w, http.StatusBadRequest, "bad_request")
		return
	}
	body, _ := io.ReadAll(r.Body) // before holding: the server sees the client hang up only once it has read the body
	f.mu.Lock()
	hold := f.holdPosts
	f.mu.Unlock()
	if hold {
		f.held <- struct{}{}
		<-r.Context().Done()
		return
	}
	frames, _, err := httpwire.ParseUplink(body, 4096, nil)
	if err != nil {
		writeErr(w, http.StatusBadRequest, "truncated_frame")
		return
	}
	s.mu.Lock()
	dup := k <= s.lastK
	if !dup {
		s.lastK = k
		s.frames = append(s.frames, frames...)
	}
	s.mu.Unlock()
	f.mu.Lock()
	f.posts = append(f.posts, postLog{seq: k, frames: len(frames)})
	fail := f.failPosts > 0 && !dup
	if fail {
		f.failPosts--
	}
	f.mu.Unlock()
	if !dup {
		for _, fr := range frames {
			f.onFrame(s, fr)
		}
		select {
		case f.posted <- struct{}{}:
		default:
		}
	}
	if fail {
		writeErr(w, http.StatusInternalServerError, "lost")
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (f *fakeServer) onFrame(s *fakeSession, frame []byte) {
	m, _ := netcode.DecodeClient(frame) // a join with another version comes with an error
	switch m := m.(type) {
	case *netcode.Ping:
		b, _ := netcode.AppendFrame(nil, &netcode.Pong{ClientTime: m.ClientTime})
		s.push(b, false)
	case *netcode.Join:
		if m.Version != netcode.ProtocolVersion {
			b, _ := netcode.AppendFrame(nil, &netcode.Error{Code: netcode.CodeVersionMismatch, Message: "version"})
			s.push(b, false)
			s.push(append(binary.BigEndian.AppendUint16(nil, uint16(netcode.CodeVersionMismatch)), "version"...), true)
		}
	}
}

func (f *fakeServer) delete(w http.ResponseWriter, r *http.Request) {
	s := f.session(w, r)
	if s == nil {
		return
	}
	f.mu.Lock()
	delete(f.sessions, s.id)
	f.deletes++
	f.mu.Unlock()
	w.WriteHeader(http.StatusNoContent)
}
