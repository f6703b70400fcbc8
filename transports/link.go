package transports

import (
	"sync"
	"sync/atomic"
	"time"

	"github.com/lxzan/gws"
)

// MaxHead is the longest head Link.Send accepts. Heads are copied into fixed
// slots so that Send does not allocate (but for the queue's growth, a few
// times in a link's life at most); 64 bytes holds a frame's kind, tick and
// sequence numbers, while the bulk rides in the shared body.
const MaxHead = 64

// Class says how a frame may be treated when the peer reads slowly.
type Class uint8

const (
	// ClassControl frames are never dropped and are written in the order sent.
	// At most Options.SendQueue may wait; one more closes the link with
	// Options.SlowCloseCode. Any value other than ClassState is ClassControl.
	ClassControl Class = iota

	// ClassState frames are superseded by newer ones: a ClassState frame removes
	// the one still queued (not yet taken by the writer), which counts in
	// Stats.StaleDropped, and is queued after every frame sent before it, so
	// that no control frame is ever written after a newer state.
	ClassState
)

// Link is the server's handle on one client connection. It is safe for
// concurrent use, and Send never blocks.
type Link interface {
	// ID is unique among the links of one Server.
	ID() uint64
	// RemoteAddr is the client's address: the socket peer's host:port, or,
	// from a trusted proxy (Options.TrustedProxies), the IP address it
	// names in X-Forwarded-For, without a port.
	RemoteAddr() string
	// Transport names the transport: "websocket".
	Transport() string

	// Send queues one message made of head followed by body. head is copied (at
	// most MaxHead bytes). body is retained until written and must not be
	// modified afterwards; it may be shared read-only with other links. Send
	// returns ErrHeadTooLarge, ErrClosed after Close, or ErrSlowConsumer when
	// this frame overflowed the control queue.
	Send(class Class, head, body []byte) error

	// Close writes the ClassControl frames already queued (ClassState frames are
	// dropped), then a close frame with code and reason, all within
	// Options.WriteTimeout, and then tears the connection down. It does not wait
	// and is idempotent: only the first call's code counts.
	Close(code uint16, reason string)
}

// wsLink is a Link over one gws WebSocket connection. Its reader goroutine
// (gws's ReadLoop) lives as long as the link; a writer goroutine runs only
// while something must be written that the sender cannot write itself (see
// writer.go), and the heartbeat is a timer (heartbeat.go), so an idle link
// costs one goroutine.
type wsLink struct {
	// Immutable after construction.
	id         uint64
	remote     string
	conn       *gws.Conn
	srv        *Server
	gate       *writeGate // every write to the socket goes through it
	admitted   bool       // counted by admit (not a probe), under admKey
	admKey     string
	wake       chan struct{} // capacity 1: news for a writer that lingers (writer.go)
	readerDone chan struct{} // closed when gws's ReadLoop has ended

	// Set by the upgrade handler before the reader starts; then read and
	// written only by the reader. upgrading is the HTTP session this link is
	// a probe for, until the upgrade (see http_upgrade.go).
	recv      Receiver
	upgrading *httpSession
	stray     int // frames read after the close decision (see dropped)
	probed    int // frames read on a probe (see countProbe)

	// lastSeen is when anything last arrived (UnixNano): written by the reader,
	// read by the heartbeat.
	lastSeen atomic.Int64
	// stopped is set once the server has decided to close the link (or the
	// link has ended): from then on the reader drops whatever it reads. It
	// mirrors closing for the reader, which checks it for every frame.
	stopped atomic.Bool

	// writers counts the running writer goroutine, if any, for the reader,
	// which waits for it before OnClose.
	writers sync.WaitGroup

	// Guarded by mu. Nothing blocks while holding it.
	mu            sync.Mutex
	q             sendQueue
	closing       bool // no more Sends; set by Close, slow or timeout closes, a write failing, or the reader ending
	sendClose     bool // the writer owes the client a close frame
	linger        bool // after the close frame, wait for the client's close frame
	closeCode     uint16
	closeReason   string
	closeDeadline time.Time
	cause         *CloseError // first known close code; nil while unknown
	readerGone    bool
	readErr       error  // what gws's ReadLoop ended with
	pong          []byte // payload of the pong owed, allocated at the first ping
	pongPending   bool
	pingPending   bool // the heartbeat's ping waits for the writer
	probeReply    bool // the writer owes a probe the text message "probe"
	writing       bool // a writer goroutine runs: nothing may be written directly
	ended         bool // the reader has ended: no writer may start
	direct        directWriter
	hb            ownedTimer // the heartbeat (heartbeat.go)
	hbDue         time.Time  // when hb fires
	nextPing      time.Time
	watch         deliveryWatch // is the client reading what it is sent (delivery.go)
}

var _ Link = (*wsLink)(nil)

// newWSLink wraps conn. queueCap is the most ClassControl frames its queue
// can ever hold: Options.SendQueue for a new link, the session's buffer
// capacity for the upgrade of an HTTP session. remote is the client's
// address (see clientAddr).
func newWSLink(s *Server, conn *gws.Conn, gate *writeGate, queueCap int, remote string) *wsLink {
	l := &wsLink{
		id:         s.nextID.Add(1),
		remote:     remote,
		conn:       conn,
		srv:        s,
		wake:       make(chan struct{}, 1),
		readerDone: make(chan struct{}),
		q:          newSendQueue(queueCap),
		gate:       gate,
	}
	l.lastSeen.Store(time.Now().UnixNano())
	return l
}

func (l *wsLink) ID() uint64         { return l.id }
func (l *wsLink) RemoteAddr() string { return l.remote }
func (l *wsLink) Transport() string  { return "websocket" }

func (l *wsLink) Send(class Class, head, body []byte) error {
	if len(head) > MaxHead {
		return ErrHeadTooLarge
	}
	o := l.srv.options()
	l.mu.Lock()
	if l.closing {
		l.mu.Unlock()
		return ErrClosed
	}
	l.armWatchLocked(o)
	if l.canDirectLocked() && l.writeDirectLocked(gws.OpcodeBinary, head, body) {
		l.mu.Unlock()
		l.srv.stats.directWrites.Add(1)
		return nil
	}
	switch l.q.push(class, head, body, o.SendQueue) {
	case replaced:
		// The stale frame was still queued, so a writer runs and has not
		// yet run out of work.
		l.mu.Unlock()
		l.srv.stats.staleDropped.Add(1)
		return nil
	case overflow:
		l.beginCloseLocked(o.SlowCloseCode, "slow consumer", false, o)
		l.wakeWriterLocked()
		l.mu.Unlock()
		l.srv.stats.slowClosed.Add(1)
		o.Logger.Debug("transports: slow consumer", "link", l.id, "remote", l.remote, "queued", o.SendQueue)
		return ErrSlowConsumer
	}
	l.wakeWriterLocked()
	l.mu.Unlock()
	return nil
}

func (l *wsLink) Close(code uint16, reason string) {
	o := l.srv.options()
	l.mu.Lock()
	if l.beginCloseLocked(code, reason, true, o) {
		l.wakeWriterLocked()
	}
	l.mu.Unlock()
}

// beginCloseLocked starts closing the link with code, unless it is already
// closing; the caller then wakes the writer, which writes the close. graceful
// closes flush queued control frames and linger for the client's close
// frame; the others (slow consumer, heartbeat timeout) drop the queue and do
// not wait for a client that is evidently not keeping up. From here on the
// reader drops what it reads.
func (l *wsLink) beginCloseLocked(code uint16, reason string, graceful bool, o *Options) bool {
	if l.closing {
		return false
	}
	l.closing = true
	l.stopped.Store(true)
	l.sendClose = true
	l.linger = graceful
	l.closeCode = code
	l.closeReason = reason
	l.closeDeadline = time.Now().Add(o.WriteTimeout)
	if !graceful {
		l.q.clear()
	}
	if l.cause == nil {
		l.cause = &CloseError{Code: code, Reason: reason}
	}
	l.hb.stop(&l.srv.wg)
	return true
}

// setCause records why the link ended unless a reason is already known, and
// reports whether it did, so that each ending is counted once.
func (l *wsLink) setCause(code uint16, reason string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.cause != nil {
		return false
	}
	l.cause = &CloseError{Code: code, Reason: reason}
	return true
}

func (l *wsLink) touch() { l.lastSeen.Store(time.Now().UnixNano()) }

// closeErr is the error handed to Receiver.OnClose.
func (l *wsLink) closeErr() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.cause != nil {
		return l.cause
	}
	return &lostError{err: l.readErr}
}

// lostError is a link that ended without a close code: reset, EOF, a dead
// network.
type lostError struct{ err error }

func (e *lostError) Error() string {
	if e.err == nil || e.err.Error() == "" {
		return "transports: connection lost"
	}
	return "transports: connection lost: " + e.err.Error()
}
func (e *lostError) Unwrap() error { return e.err }
