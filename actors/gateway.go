package actors

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"net/http"
	"sync/atomic"
	"time"

	"github.com/anthdm/hollywood/actor"
	"github.com/tickroom/tickroom/netcode"
	"github.com/tickroom/tickroom/transports"
	"golang.org/x/time/rate"
)

// sessionInbox is the initial inbox size of a session actor: hollywood
// allocates 24 bytes per slot up front, and sessions see little traffic.
const sessionInbox = 32

// Accept implements transports.Handler: it spawns a session actor for the
// link and returns the receiver that feeds it.
func (h *Hub) Accept(l transports.Link, r *http.Request) (transports.Receiver, error) {
	h.mu.Lock()
	if h.closing {
		h.mu.Unlock()
		return nil, &transports.CloseError{Code: uint16(netcode.CodeGoingAway), Reason: "server going away"}
	}
	h.sessions.Add(1)
	h.mu.Unlock()
	id := newSessionID()
	h.stats.sessions.Add(1)
	h.links.Store(id, l)
	rt := new(atomic.Pointer[route])
	pid := h.engine.Spawn(newSession(h, id, l, rt), "session", actor.WithID(id),
		actor.WithInboxSize(sessionInbox), actor.WithMiddleware(h.mw))
	so := h.opts.Load().Session
	return &receiver{
		hub:   h,
		pid:   pid,
		link:  l,
		route: rt,
		lim:   rate.NewLimiter(rate.Limit(so.InputRate), so.InputBurst),
		opts:  so,
	}, nil
}

// newSessionID returns 128 random bits in hex: unguessable, because later
// transports address sessions by id.
func newSessionID() string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // never fails on supported platforms
	return hex.EncodeToString(b[:])
}

// receiver runs on the link's reader goroutine. It does only what must
// happen before a frame costs the actors anything: the size check, the rate
// limit, and a copy of the bytes.
type receiver struct {
	hub   *Hub
	pid   *actor.PID
	link  transports.Link
	route *atomic.Pointer[route] // set by the session while it is seated
	in    netcode.Input          // decode scratch, reader goroutine only

	lim        *rate.Limiter
	opts       SessionOptions // the options lim was built from
	rejected   int            // drops in the current flood
	lastReject time.Time
	lastWarn   time.Time
}

var _ transports.Receiver = (*receiver)(nil)

func (r *receiver) OnFrame(frame []byte) {
	if so := r.hub.opts.Load().Session; so != r.opts { // reloaded
		r.opts = so
		r.lim.SetLimit(rate.Limit(so.InputRate))
		r.lim.SetBurst(so.InputBurst)
	}
	if !r.lim.Allow() {
		r.limited()
		return
	}
	// Inputs are most of the traffic: while seated they go straight to the
	// room, one actor hop and no copy instead of two hops through the
	// session. The room checks the seat, so a route that went stale a moment
	// ago costs nothing.
	if rt := r.route.Load(); rt != nil && netcode.DecodeInput(frame, &r.in) == nil {
		r.hub.engine.Send(rt.room, playerInput{session: rt.session, slot: rt.slot, seq: r.in.Seq, ack: r.in.Ack, input: r.in.Input})
		return
	}
	r.hub.engine.Send(r.pid, inbound{frame: bytes.Clone(frame)})
}

// limited drops a frame over the rate: the client hears about it at most once
// a second, and a client that keeps flooding is closed.
func (r *receiver) limited() {
	r.hub.stats.framesLimited.Add(1)
	now := time.Now()
	// A flood is drops without a clean second between them: a burst after a
	// network stall is forgiven, a client that keeps flooding is not.
	if now.Sub(r.lastReject) > time.Second {
		r.rejected = 0
	}
	r.lastReject = now
	r.rejected++
	if r.rejected >= r.opts.MaxRejected {
		sendError(r.link, netcode.CodeRateLimited, "too many frames over the rate limit", true)
		return
	}
	if now.Sub(r.lastWarn) >= time.Second {
		r.lastWarn = now
		sendError(r.link, netcode.CodeRateLimited, "frame dropped: over the rate limit", false)
	}
}

func (r *receiver) OnTooLarge(size int) {
	sendError(r.link, netcode.CodeTooLarge, "frame over the size limit", true)
}

func (r *receiver) OnClose(err error) {
	r.hub.engine.Send(r.pid, linkClosed{err: err})
}

// sendError writes an error frame and, when close is set, closes the link
// with the same code right after it.
func sendError(l transports.Link, code netcode.Code, msg string, close bool) {
	frame, err := netcode.AppendMessage(nil, &netcode.Error{Code: code, Message: msg})
	if err == nil {
		_ = l.Send(transports.ClassControl, nil, frame)
	}
	if close {
		l.Close(uint16(code), msg)
	}
}
