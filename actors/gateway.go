package actors

import (
	"crypto/rand"
	"encoding/hex"
	"net/http"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/anthdm/hollywood/actor"
	"github.com/tickroom/tickroom/netcode"
	"github.com/tickroom/tickroom/transports"
)

// sessionInbox is the initial inbox size of a session actor: hollywood
// allocates 24 bytes per slot up front, and sessions see little traffic.
const sessionInbox = 32

// errGoingAway refuses connections once Shutdown has begun.
var errGoingAway = &transports.CloseError{Code: uint16(netcode.CodeGoingAway), Reason: "server going away"}

// Accept implements transports.Handler: it authenticates the connection
// (Options.Authenticate), spawns a session actor for the link with the
// identity it proved, and returns the receiver that feeds it.
func (h *Hub) Accept(l transports.Link, r *http.Request) (transports.Receiver, error) {
	if h.isClosing() {
		return nil, errGoingAway
	}
	o := h.opts.Load()
	addr := clientAddr(l)
	// Admitted, the connection holds a place in the lobby state, which its
	// session gives back (see session_lobby.go); until then Accept does.
	resume := transports.Resuming(r)
	if err := h.admit(o, l, addr, resume); err != nil {
		return nil, err
	}
	identity, err := h.authenticate(o, l, r, addr)
	if err != nil {
		h.stats.unjoined.Add(-1)
		return nil, err
	}
	if !resume && !h.pace(addr) {
		h.stats.unjoined.Add(-1)
		h.sendError(l, netcode.CodeServerBusy, "the server is busy: try again later", false)
		return nil, errServerBusy
	}
	h.mu.Lock()
	if h.closing { // it may have begun while the ticket was checked
		h.mu.Unlock()
		h.stats.unjoined.Add(-1)
		return nil, errGoingAway
	}
	h.sessions.Add(1)
	h.mu.Unlock()
	id := newSessionID()
	h.stats.sessions.Add(1)
	h.links.Store(id, l)
	st, away := new(atomic.Pointer[seat]), new(atomic.Pointer[awaySeat])
	pid := h.engine.Spawn(newSession(h, id, l, addr, st, away, identity, resume), "session", actor.WithID(id),
		actor.WithInboxSize(sessionInbox), actor.WithMiddleware(h.mw))
	// Listed before Accept returns: the session cannot stop (and unlist
	// itself) before its receiver exists.
	h.replaceOlder(o, identity.UserID, id, pid)
	so := o.Session
	return &receiver{
		hub:    h,
		pid:    pid,
		link:   l,
		addr:   addr,
		seat:   st,
		away:   away,
		budget: newFrameBudget(so, time.Now()),
		opts:   so,
	}, nil
}

// isClosing reports whether Shutdown has begun.
func (h *Hub) isClosing() bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.closing
}

// newSessionID returns 128 random bits in hex: unguessable, because later
// transports address sessions by id.
func newSessionID() string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // never fails on supported platforms
	return hex.EncodeToString(b[:])
}

// receiver runs on the link's reader goroutine. It does only what must
// happen before a frame costs the actors anything: the rate limit, and one
// dispatch on the frame's kind. A seated player's inputs and acks go
// straight into its seat; pings are answered here; every other frame goes,
// decoded, to the session; a frame that cannot be decoded is answered here
// with its code. Once it has decided to close the link it reads nothing
// more.
type receiver struct {
	hub  *Hub
	pid  *actor.PID
	link transports.Link
	addr string                    // clientAddr of the link
	seat *atomic.Pointer[seat]     // the session's seat, stored by the session only
	away *atomic.Pointer[awaySeat] // its seat in another node's room, stored by the session only
	in   netcode.Input             // decode scratch, reader goroutine only
	done bool                      // the link is being closed: ignore what follows

	budget     *frameBudget
	opts       SessionOptions // the options budget was set from
	rejected   int            // drops in the current flood
	lastReject time.Time
	lastWarn   time.Time
	lastNote   time.Time // of a refusal that does not close, in the abuse log
}

var _ transports.Receiver = (*receiver)(nil)

// OnControl implements transports.ControlCounter: a WebSocket ping or pong
// from the client costs a frame of its budget like any other frame, so a
// control-frame flood ends in a close rather than in server CPU. It never
// draws on the catch-up bank: a stalled honest client has no pings to
// catch up on.
func (r *receiver) OnControl() {
	if r.done {
		return
	}
	if so := r.hub.opts.Load().Session; so != r.opts { // reloaded
		r.opts = so
		r.budget.set(so)
	}
	if ok, _ := r.budget.allow(time.Now(), false); !ok {
		r.limited()
	}
}

func (r *receiver) OnFrame(frame []byte) {
	if r.done {
		return
	}
	if so := r.hub.opts.Load().Session; so != r.opts { // reloaded
		r.opts = so
		r.budget.set(so)
	}
	kind, err := netcode.PeekKind(frame)
	ok, banked := r.budget.allow(time.Now(), err == nil && r.mayCatchUp(kind))
	if !ok {
		r.limited()
		return
	}
	if banked {
		r.hub.stats.framesCaughtUp.Add(1)
	}
	if err != nil {
		r.refuse(err)
		return
	}
	switch kind {
	case netcode.KindInput:
		if err := netcode.DecodeInput(frame, &r.in); err != nil {
			r.refuse(err)
		} else if st := r.seat.Load(); st != nil {
			st.push(r.in.Seq, r.in.Ack, r.in.Input)
		} else if aw := r.away.Load(); aw != nil {
			aw.input(r.in.Seq, r.in.Ack, r.in.Input)
		} else {
			in := r.in
			r.hub.engine.Send(r.pid, &in)
		}
	case netcode.KindAck:
		if tick, err := netcode.DecodeAck(frame); err != nil {
			r.refuse(err)
		} else if st := r.seat.Load(); st != nil {
			st.acknowledge(tick)
		} else if aw := r.away.Load(); aw != nil {
			aw.ack(tick)
		} else {
			r.hub.engine.Send(r.pid, &netcode.Ack{Tick: tick})
		}
	default:
		m, err := netcode.DecodeClient(frame)
		if err != nil {
			r.refuse(err)
			return
		}
		switch m := m.(type) {
		case *netcode.Ping:
			r.pong(m.ClientTime)
		case *netcode.Leave:
			// Here, in order with the inputs read before and after it, so
			// that nothing the client sends after its leave reaches the
			// game; the session then finds the seat leaving.
			if st := r.seat.Load(); st != nil {
				st.leave(leftByPlayer)
			} else if aw := r.away.Load(); aw != nil {
				aw.leave()
			}
			r.hub.engine.Send(r.pid, m)
		case *netcode.Message:
			if st := r.seat.Load(); st == nil {
				if aw := r.away.Load(); aw != nil {
					aw.message(m.Type, m.Payload)
				} else {
					r.hub.engine.Send(r.pid, m)
				}
			} else if !st.pushMessage(m.Type, m.Payload) {
				r.hub.messageRefused(r.link, r.addr, r.mayNote())
			}
		default:
			r.hub.engine.Send(r.pid, m)
		}
	}
}

// pong answers a ping at once: it needs nothing but the server clock.
func (r *receiver) pong(clientTime uint64) {
	var buf [32]byte
	frame, err := netcode.AppendFrame(buf[:0], &netcode.Pong{ClientTime: clientTime, ServerTime: r.hub.ServerTime()})
	if err == nil {
		_ = r.link.Send(transports.ClassControl, frame, nil) // the head is copied
	}
}

// mayCatchUp reports whether a frame of kind may draw on the catch-up
// bank (see frameBudget): the frames a seated player keeps sending while
// its network stalls. Frames that cost the lobby (joins, resumes,
// listings) never may: a stall piles none of them up.
func (r *receiver) mayCatchUp(kind netcode.Kind) bool {
	switch kind {
	case netcode.KindInput, netcode.KindAck, netcode.KindMessage, netcode.KindPing, netcode.KindLeave:
		return r.seat.Load() != nil || r.away.Load() != nil
	}
	return false
}

// refuse answers a frame that cannot be taken with its code: malformed
// frames and wrong versions close the link, unknown kinds are ignored.
func (r *receiver) refuse(err error) {
	code := netcode.CodeOf(err)
	switch code {
	case netcode.CodeBadFrame:
		r.hub.stats.badFrames.Add(1)
		r.hub.abuse.note(abuseBadFrame, r.addr)
	case netcode.CodeUnknownKind:
		r.hub.stats.unknownKinds.Add(1)
		if r.mayNote() {
			r.hub.abuse.note(abuseUnknownKind, r.addr)
		}
	case netcode.CodeVersionMismatch:
		r.hub.stats.versionMismatches.Add(1)
		r.hub.abuse.note(abuseVersion, r.addr)
	}
	r.done = code.Closes()
	r.hub.sendError(r.link, code, err.Error(), r.done)
}

// limited drops a frame over the rate: the client hears about it at most once
// a second, and a client that keeps flooding is closed.
func (r *receiver) limited() {
	r.hub.stats.framesLimited.Add(1)
	now := time.Now()
	// A flood is drops without a clean second between them: a client
	// whose bank ran dry on a stall longer than CatchUp loses a few
	// frames and is forgiven, a client that keeps flooding is not.
	if now.Sub(r.lastReject) > time.Second {
		r.rejected = 0
	}
	r.lastReject = now
	r.rejected++
	if r.rejected >= r.opts.MaxRejected {
		r.done = true
		r.hub.stats.floodClosed.Add(1)
		r.hub.abuse.note(abuseFloodClosed, r.addr)
		r.hub.sendError(r.link, netcode.CodeRateLimited, "too many frames over the rate limit", true)
		return
	}
	if now.Sub(r.lastWarn) >= time.Second {
		r.lastWarn = now
		r.hub.abuse.note(abuseRateLimited, r.addr) // once a second per connection, not per frame
		r.hub.sendError(r.link, netcode.CodeRateLimited, "frame dropped: over the rate limit", false)
	}
}

// mayNote reports whether a refusal that leaves the link open, and that a
// client may repeat at its frame rate, goes in the abuse log: once a
// second per connection, so that every reader goroutine of a flood does
// not queue on the log's lock. The counters count every one.
func (r *receiver) mayNote() bool {
	now := time.Now()
	if now.Sub(r.lastNote) < time.Second {
		return false
	}
	r.lastNote = now
	return true
}

func (r *receiver) OnTooLarge(size int) {
	if !r.done {
		r.done = true
		r.hub.abuse.note(abuseTooLarge, r.addr)
		r.hub.sendError(r.link, netcode.CodeTooLarge, "frame over the size limit", true)
	}
}

func (r *receiver) OnClose(err error) {
	r.hub.engine.Send(r.pid, linkClosed{err: err})
}

// sendError writes an error frame, counted by code, and, when close is
// set, closes the link with the same code right after it. A message over
// the protocol's limit is cut, so that the frame always goes out.
func (h *Hub) sendError(l transports.Link, code netcode.Code, msg string, close bool) {
	h.stats.errorSent(code)
	frame, err := netcode.AppendFrame(nil, &netcode.Error{Code: code, Message: cutUTF8(msg, netcode.MaxErrorLen)})
	if err == nil {
		_ = l.Send(transports.ClassControl, nil, frame)
	}
	if close {
		l.Close(uint16(code), msg)
	}
}

// messageRefused answers a game message that the player's full message
// buffer refused.
func (h *Hub) messageRefused(l transports.Link, addr string, note bool) {
	h.stats.messagesRefused.Add(1)
	if note {
		h.abuse.note(abuseMsgRefused, addr)
	}
	h.sendError(l, netcode.CodeRateLimited, "message dropped: too many waiting for the room", false)
}

// cutUTF8 returns s cut to at most n bytes at a character boundary.
func cutUTF8(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

var _ transports.ControlCounter = (*receiver)(nil)
