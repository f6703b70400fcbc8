package transports

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"sync/atomic"

	"github.com/lxzan/gws"
	"github.com/tickroom/tickroom/transports/httpwire"
)

// Server accepts client connections on one listener and owns every goroutine it
// starts: the HTTP server's, the reader and writer of each WebSocket link, and
// the requests and timers of each HTTP session.
type Server struct {
	// Immutable after NewServer.
	handler   Handler
	path      string
	httpPath  string
	readLimit int
	readBuf   int           // Options.ReadBufferSize
	sidPrefix string        // Options.SIDPrefix
	upgrader  *gws.Upgrader // for clients that offer no subprotocol of ours
	// protoUpgrader answers Sec-WebSocket-Protocol: tickroom, for clients
	// that offer it (see doc.go, "Tickets").
	protoUpgrader *gws.Upgrader
	mux           *http.ServeMux

	opts   atomic.Pointer[Options]
	stats  counters
	nextID atomic.Uint64
	// wg counts handlers past the closing check (held polls and streams
	// included), both goroutines of every WebSocket link, every HTTP session
	// until it has ended, and every pending or running session timer.
	wg sync.WaitGroup

	// Guarded by mu.
	mu        sync.Mutex
	ln        net.Listener
	hs        *http.Server
	serveDone chan struct{} // closed when hs.Serve has returned, for both listeners
	hb        *handback     // connections the fast path gives back to hs
	fast      map[*fastConn]struct{}
	fastShut  bool // Close has closed the idle fast connections: no more are adopted
	links     map[*wsLink]struct{}
	adm       admission
	sessions  map[string]*httpSession // HTTP sessions by sid, from handshake to end
	closing   bool
	draining  chan struct{} // while Close waits for HTTP clients' next requests; closed when the last session ends
	closed    chan struct{} // closed once Close has begun and s.wg has drained
}

// NewServer returns a Server that hands each connection to h. Nothing listens
// until Open. Path, HTTPPath and ReadLimit are fixed here; SetOptions changes
// the rest.
func NewServer(opts Options, h Handler) *Server {
	o := opts.withDefaults()
	s := &Server{
		handler:   h,
		path:      o.Path,
		httpPath:  o.HTTPPath,
		readLimit: o.ReadLimit,
		readBuf:   o.ReadBufferSize,
		sidPrefix: o.SIDPrefix,
		mux:       http.NewServeMux(),
		links:     make(map[*wsLink]struct{}),
		fast:      make(map[*fastConn]struct{}),
		adm:       admission{byAddr: make(map[string]int), rate: make(map[string]connBucket)},
		sessions:  make(map[string]*httpSession),
		closed:    make(chan struct{}),
	}
	s.opts.Store(&o)
	option := func(protocols ...string) *gws.ServerOption {
		return &gws.ServerOption{
			ParallelEnabled:    false, // frames of one link reach its Receiver in order
			ReadMaxPayloadSize: 4 * o.ReadLimit,
			PermessageDeflate:  gws.PermessageDeflate{Enabled: false},
			ReadBufferSize:     o.ReadBufferSize,
			NewSession:         func() gws.SessionStorage { return &linkSession{} },
			SubProtocols:       protocols,
		}
	}
	// gws refuses a handshake that offers none of its SubProtocols, so the
	// clients that offer ours (browsers) get an upgrader that names it, and
	// the rest one that names none.
	s.upgrader = gws.NewUpgrader(&events{srv: s}, option())
	s.protoUpgrader = gws.NewUpgrader(&events{srv: s}, option(httpwire.Subprotocol))
	s.mux.HandleFunc(o.Path, s.serveWebSocket)
	s.mux.HandleFunc(o.HTTPPath, s.serveHTTP)
	s.mux.HandleFunc(o.HTTPPath+"/", s.serveHTTP)
	return s
}

// Handle registers an extra route (health, metrics) on the server's mux. Call
// it before Open.
func (s *Server) Handle(pattern string, h http.Handler) { s.mux.Handle(pattern, h) }

// SetOptions replaces the options at run time. Path, HTTPPath, ReadLimit and
// ReadBufferSize keep their NewServer values, and what Open gave net/http
// (MaxHeaderBytes, ReadHeaderTimeout, IdleTimeout) its Open values. New links use all of o; existing links pick up
// WriteTimeout, PingInterval, PingTimeout, the close codes, the Logger and a
// smaller SendQueue at their next use. AllowedOrigins, the Disable switches,
// MaxBody and MaxSessions apply to new requests; PollTimeout,
// StreamMaxDuration and UpgradeTimeout to new polls, streams and probes;
// SessionTimeout from each session's next idle period.
func (s *Server) SetOptions(o Options) {
	n := o.withDefaults()
	n.Path, n.HTTPPath, n.ReadLimit, n.ReadBufferSize = s.path, s.httpPath, s.readLimit, s.readBuf
	s.opts.Store(&n)
}

func (s *Server) options() *Options { return s.opts.Load() }

// Open listens on addr (":0" and "127.0.0.1:0" pick a free port) and serves in
// a goroutine that Close stops. Listen errors are returned here.
func (s *Server) Open(addr string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closing {
		return errors.New("transports: open: server closed")
	}
	if s.ln != nil {
		return errors.New("transports: open: already open")
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("transports: open: %w", err)
	}
	o := s.options()
	logger := o.Logger
	hs := &http.Server{
		Handler:           http.HandlerFunc(s.serveBounded),
		MaxHeaderBytes:    o.MaxHeaderBytes,
		ReadHeaderTimeout: o.ReadHeaderTimeout,
		IdleTimeout:       o.IdleTimeout,
		ErrorLog:          slog.NewLogLogger(logger.Handler(), slog.LevelDebug),
	}
	done, hbDone := make(chan struct{}), make(chan struct{})
	ln = tunedListener{Listener: ln, srv: s}
	hb := newHandback(ln.Addr())
	s.ln, s.hs, s.serveDone, s.hb = ln, hs, done, hb
	go func() {
		defer close(hbDone)
		_ = hs.Serve(hb) // it ends with Shutdown or Close
	}()
	go func() {
		defer close(done)
		if err := hs.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
			logger.Warn("transports: serve stopped", "addr", ln.Addr().String(), "err", err)
		}
		<-hbDone
	}()
	return nil
}

// handback is the listener of connections the fast path gives back.
func (s *Server) handback() *handback {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.hb
}

// Addr is the listening address, or nil before Open.
func (s *Server) Addr() net.Addr {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.ln == nil {
		return nil
	}
	return s.ln.Addr()
}

// URL is the WebSocket endpoint, such as "ws://127.0.0.1:PORT/ws". A wildcard
// listening host is reported as loopback so the URL can be dialled.
func (s *Server) URL() string {
	if h := s.hostPort(); h != "" {
		return "ws://" + h + s.path
	}
	return ""
}

// HTTPURL is the server's base HTTP URL, such as "http://127.0.0.1:PORT".
func (s *Server) HTTPURL() string {
	if h := s.hostPort(); h != "" {
		return "http://" + h
	}
	return ""
}

func (s *Server) hostPort() string {
	a, ok := s.Addr().(*net.TCPAddr)
	if !ok {
		return ""
	}
	ip := a.IP
	if ip.IsUnspecified() {
		if ip.To4() != nil {
			ip = net.IPv4(127, 0, 0, 1)
		} else {
			ip = net.IPv6loopback
		}
	}
	return net.JoinHostPort(ip.String(), fmt.Sprint(a.Port))
}

// Stats returns the server's counters.
func (s *Server) Stats() Stats { return s.stats.snapshot() }

// enterSession admits a request to an existing HTTP session: like enter, and
// also while Close drains the sessions. The sessions still being drained hold
// s.wg above zero, so the Add cannot race Close's Wait.
func (s *Server) enterSession() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closing && s.draining == nil {
		return false
	}
	s.wg.Add(1)
	return true
}

// enter admits an upgrade request unless the server is closing. Admitted
// requests hold s.wg until their handler returns, so that Close, which sets
// closing before it waits, never races a wg.Add from zero.
func (s *Server) enter() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closing {
		return false
	}
	s.wg.Add(1)
	return true
}

// track registers a new link and accounts for its reader goroutine, whose
// count also covers the link's writers and heartbeat until it ends. A link
// that arrives while Close is already running is closed straight away.
func (s *Server) track(l *wsLink) {
	s.mu.Lock()
	s.links[l] = struct{}{}
	s.wg.Add(1)
	closing := s.closing
	s.mu.Unlock()
	s.stats.active.Add(1)
	if closing {
		l.Close(CloseGoingAway, "server going away")
	}
}

func (s *Server) forget(l *wsLink) {
	s.mu.Lock()
	delete(s.links, l)
	s.mu.Unlock()
	s.stats.active.Add(-1)
	if l.admitted {
		s.release(l.admKey)
	}
}

func (s *Server) liveLinks() []*wsLink {
	s.mu.Lock()
	defer s.mu.Unlock()
	links := make([]*wsLink, 0, len(s.links))
	for l := range s.links {
		links = append(links, l)
	}
	return links
}
