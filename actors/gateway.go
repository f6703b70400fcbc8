package actors

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"errors"
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
	rt := new(atomic.Pointer[inputBox])
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
// limit, and either the push of a seated player's input or ack into its box
// or a copy of the bytes for the session.
type receiver struct {
	hub   *Hub
	pid   *actor.PID
	link  transports.Link
	route *atomic.Pointer[inputBox] // set by the session while it is seated
	in    netcode.Input             // decode scratch, reader goroutine only

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
	if box := r.route.Load(); box != nil && r.toBox(box, frame) {
		return
	}
	r.hub.engine.Send(r.pid, inbound{frame: bytes.Clone(frame)})
}

// toBox pushes an input or an ack of a seated player into its seat's box and
// reports whether the frame was one. Inputs and acks are most of the
// traffic: in the box they cost a lock, where a message to the room cost a
// hollywood send, often a goroutine for the room's idle inbox, and the
// dispatch. The room closes the box when it frees the seat, so a route that
// went stale a moment ago pushes into nothing. Anything else, including a
// bad frame, goes to the session, which answers it.
func (r *receiver) toBox(box *inputBox, frame []byte) bool {
	err := netcode.DecodeInput(frame, &r.in)
	if err == nil {
		box.push(r.in.Seq, r.in.Ack, r.in.Input)
		return true
	}
	if !errors.Is(err, netcode.ErrUnexpectedKind) { // a bad frame
		return false
	}
	// Seated, the rest is nearly all acks (from clients that send no
	// inputs): reading a rare ping's or leave's head twice is cheaper than
	// a copy and a message per ack.
	tick, err := netcode.DecodeAck(frame)
	if err != nil {
		return false // another kind, or a bad ack: the session answers it
	}
	box.acknowledge(tick)
	return true
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
