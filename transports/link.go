package transports

import (
	"sync"
	"sync/atomic"
	"time"

	"github.com/lxzan/gws"
)

// MaxHead is the longest head Link.Send accepts. Heads are copied into fixed
// slots so that Send does not allocate; 64 bytes holds a frame's kind, tick and
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
	// RemoteAddr is the client's address as seen by the TCP listener.
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

// wsLink is a Link over one gws WebSocket connection.
type wsLink struct {
	// Immutable after construction.
	id         uint64
	remote     string
	conn       *gws.Conn
	srv        *Server
	wake       chan struct{} // capacity 1: the writer has something to do
	readerDone chan struct{} // closed when gws's ReadLoop has ended
	writerDone chan struct{} // closed when writeLoop has returned

	// Set by the upgrade handler before the reader starts; then read and
	// written only by the reader. upgrading is the HTTP session this link is
	// a probe for, until the upgrade (see http_upgrade.go).
	recv      Receiver
	upgrading *httpSession

	// lastSeen is when anything last arrived (UnixNano): written by the reader,
	// read by the writer's heartbeat.
	lastSeen atomic.Int64

	// Guarded by mu. Nothing blocks while holding it.
	mu            sync.Mutex
	q             sendQueue
	closing       bool // no more Sends; set by Close, slow or timeout closes, or the reader ending
	sendClose     bool // the writer owes the client a close frame
	linger        bool // after the close frame, wait for the client's close frame
	closeCode     uint16
	closeReason   string
	closeDeadline time.Time
	cause         *CloseError // first known close code; nil while unknown
	readerGone    bool
	readErr       error // what gws's ReadLoop ended with
	pong          [125]byte
	pongLen       int
	pongPending   bool
	probeReply    bool // the writer owes a probe the text message "probe"
	idle          bool // the writer is waiting for work: Send may write directly
	direct        directWriter
	gate          *writeGate // every write to the socket goes through it

	// Owned by the writer goroutine.
	w writerState
}

var _ Link = (*wsLink)(nil)

// newWSLink wraps conn. queueCap is the most ClassControl frames its queue
// can ever hold: Options.SendQueue for a new link, the session's buffer
// capacity for the upgrade of an HTTP session.
func newWSLink(s *Server, conn *gws.Conn, gate *writeGate, queueCap int) *wsLink {
	l := &wsLink{
		id:         s.nextID.Add(1),
		remote:     conn.RemoteAddr().String(),
		conn:       conn,
		srv:        s,
		wake:       make(chan struct{}, 1),
		readerDone: make(chan struct{}),
		writerDone: make(chan struct{}),
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
	if l.canDirectLocked() && l.writeDirectLocked(head, body) {
		wake := !l.idle // a tail was left for the writer
		l.mu.Unlock()
		l.srv.stats.directWrites.Add(1)
		if wake {
			l.signal()
		}
		return nil
	}
	switch l.q.push(class, head, body, o.SendQueue) {
	case replaced:
		// The stale frame was still queued, so the writer has been woken and
		// has not yet run out of work.
		l.mu.Unlock()
		l.srv.stats.staleDropped.Add(1)
		return nil
	case overflow:
		l.beginCloseLocked(o.SlowCloseCode, "slow consumer", false, o)
		l.mu.Unlock()
		l.srv.stats.slowClosed.Add(1)
		o.Logger.Debug("transports: slow consumer", "link", l.id, "remote", l.remote, "queued", o.SendQueue)
		l.signal()
		return ErrSlowConsumer
	}
	l.mu.Unlock()
	l.signal()
	return nil
}

func (l *wsLink) Close(code uint16, reason string) {
	o := l.srv.options()
	l.mu.Lock()
	started := l.beginCloseLocked(code, reason, true, o)
	l.mu.Unlock()
	if started {
		l.signal()
	}
}

// beginCloseLocked starts closing the link with code, unless it is already
// closing. graceful closes flush queued control frames and linger for the
// client's close frame; the others (slow consumer, heartbeat timeout) drop the
// queue and do not wait for a client that is evidently not keeping up.
func (l *wsLink) beginCloseLocked(code uint16, reason string, graceful bool, o *Options) bool {
	if l.closing {
		return false
	}
	l.closing = true
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

// signal wakes the writer without blocking.
func (l *wsLink) signal() {
	select {
	case l.wake <- struct{}{}:
	default:
	}
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
