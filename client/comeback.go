package client

import (
	"time"

	"github.com/tickroom/tickroom/netcode"
)

// comeback is the client's way back after its connection dropped: what the
// reconnect goroutine is doing, and what the frames of the new connection
// tell it. The reconnect goroutine starts each attempt (begin); the reader
// goroutine moves it on as the answer arrives (onWelcome, onError) and
// completes a resume at its first state (onState). Guarded by Client.mu.
type comeback struct {
	active  bool      // a reconnect goroutine is at work
	dropAt  time.Time // when the connection dropped
	hold    time.Time // Drop's away: no attempt before then
	left    bool      // the program left its room while away
	expired bool      // the server answered resume_expired: later attempts join afresh

	// The attempt under way.
	phase    backPhase
	answered bool  // the server answered what the attempt asked
	failed   error // that answer was a refusal that fails the attempt
	connErr  error // the attempt's connection ended

	// From a resumed welcome until the first state after it.
	firstState bool
	eventsLost bool // the server said events were lost: a snapshot follows
}

// backPhase is what an attempt has asked the server.
type backPhase uint8

const (
	phaseNone   backPhase = iota
	phaseResume           // resume sent: awaiting the welcome, or resume_expired
	phaseRejoin           // a fresh join sent: awaiting its answer
)

// backStep is what the reader does after a frame that moved the way back
// on, once c.mu is released: send a frame first (the fresh join, or a
// leave), make the connection the client's for sending again (flush), and
// tell the program.
type backStep struct {
	reply     []byte
	flush     bool
	resumed   bool // OnResumed(snapshot)
	snapshot  bool
	rejoined  bool // OnRejoined(welcome, rejoinErr)
	welcome   *netcode.Welcome
	rejoinErr error
}

// start begins the way back after a drop.
func (b *comeback) start() {
	b.active, b.dropAt, b.left, b.expired = true, time.Now(), false, false
	b.phase, b.answered, b.failed, b.connErr = phaseNone, false, nil, nil
}

// resumes reports whether the next attempt asks for a seat back (its
// first frame is resume), and so may mark its dial as a resume, which a
// busy server still admits: a client in a room whose server gave it a
// token that has not been refused. c.mu is held.
func (b *comeback) resumes(c *Client) bool {
	return c.welcome != nil && c.welcome.ResumeToken != "" && !b.expired
}

// begin starts an attempt on a new connection and returns the frame to
// send first on it: resume, with the latest welcome's token, the last tick
// applied and the last event id delivered, for a client in a room; a fresh
// join of the same room for one whose server gave no token (it holds no
// seats: the drop was a leave) or refused it already; nothing for a client
// in the lobby state. c.mu is held.
func (b *comeback) begin(c *Client) []byte {
	b.answered, b.failed, b.connErr = false, nil, nil
	w := c.welcome
	if w == nil {
		b.phase = phaseNone
		return nil
	}
	if b.resumes(c) {
		frame, err := netcode.AppendFrame(nil, &netcode.Resume{Version: netcode.ProtocolVersion, Token: w.ResumeToken,
			LastTick: c.mirror.current.Tick, LastEvent: c.lastEvent})
		if err == nil {
			b.phase = phaseResume
			return frame
		}
		// A token the wire cannot carry resumes nothing.
	}
	b.phase = phaseRejoin
	return c.rejoinFrame()
}

// rejoinFrame is the join that takes a client whose seat is gone back to
// its room: by the room's id (a name may since mean another room; a private
// room has only its id), with the options of the join that seated it, so a
// game that checks them (a password) lets it in again. c.mu is held.
func (c *Client) rejoinFrame() []byte {
	w := c.welcome
	j := &netcode.Join{Version: netcode.ProtocolVersion, Mode: w.Mode, Name: c.opts.Name, How: netcode.JoinByID,
		Room: w.RoomID, Options: c.joinOptions}
	if w.RoomID == "" {
		j.How, j.Room = netcode.JoinMatch, w.Room
	}
	frame, err := netcode.AppendFrame(nil, j)
	if err != nil {
		// Options that went out once encode again; without them the
		// server answers, which ends the attempt.
		j.Options = nil
		frame, _ = netcode.AppendFrame(nil, j)
	}
	return frame
}

// onWelcome takes a welcome that answers an attempt, and reports false for
// any other. A resumed seat keeps the mirror (the next state is a diff from
// the tick the client named), the event ids and the input numbering; the
// welcome brings a new token and session id. A fresh join starts over, as
// any join does. If the program left its room meanwhile, the client leaves
// the seat it got back. c.mu is held.
func (b *comeback) onWelcome(c *Client, m *netcode.Welcome) (backStep, bool) {
	if b.phase == phaseNone {
		return backStep{}, false
	}
	resumed := b.phase == phaseResume
	b.phase, b.answered = phaseNone, true
	var step backStep
	step.flush = true
	switch {
	case b.left:
		step.reply, _ = netcode.AppendFrame(nil, &netcode.Leave{})
	case resumed:
		c.stats.Resumes++
		c.welcome = m
		c.rates.welcome(m)
		b.firstState, b.eventsLost = true, false
	default:
		c.stats.Rejoins++
		c.welcomed(m)
		step.rejoined, step.welcome = true, m
	}
	return step, true
}

// onError takes an error frame that answers an attempt, or says events
// were lost after a resume, and reports false for any other. resume_expired
// means the seat is gone: the client joins its room afresh, on this
// connection and, if it fails, on every later one. Another answer to a
// resume fails the attempt, and so does server_busy to the fresh join
// (the server takes no newcomers for now: a later attempt, after the
// backoff, may find it taking them); another refusal of the fresh join
// leaves the client connected in the lobby state. c.mu is held.
func (b *comeback) onError(c *Client, e *netcode.Error) (backStep, bool) {
	var step backStep
	switch {
	case b.phase == phaseResume && e.Code == netcode.CodeResumeExpired:
		c.stats.ResumesRefused++
		b.phase, b.expired = phaseRejoin, true
		step.reply = c.rejoinFrame()
	case b.phase == phaseResume, b.phase == phaseRejoin && e.Code == netcode.CodeServerBusy:
		b.phase, b.answered = phaseNone, true
		b.failed = &JoinError{Code: e.Code, Reason: e.Message}
	case b.phase == phaseRejoin && refusesJoin(e.Code):
		b.phase, b.answered = phaseNone, true
		c.leftRoom()
		step.flush, step.rejoined = true, true
		step.rejoinErr = &JoinError{Code: e.Code, Reason: e.Message}
	case b.firstState && e.Code == netcode.CodeEventsLost:
		c.stats.EventsLost++
		b.eventsLost = true
	default:
		return backStep{}, false
	}
	return step, true
}

// onState completes a resume at the first state applied after its welcome.
// c.mu is held.
func (b *comeback) onState(c *Client, full bool) backStep {
	if !b.firstState {
		return backStep{}
	}
	b.firstState = false
	if full {
		c.stats.ResumeSnapshots++
	}
	return backStep{resumed: true, snapshot: full}
}

// takeStep sends what a step sends, on connection cn, the one that
// delivered the frame. c.mu is not held.
func (c *Client) takeStep(cn conn, s *backStep) {
	if s.reply != nil {
		_ = cn.send(s.reply) // if it fails, cn is gone and the attempt with it
	}
	if s.flush {
		c.flushAway(cn)
	}
}

// tellBack calls the program's callbacks for a step, after the frame's
// own. c.mu is not held.
func (c *Client) tellBack(s *backStep) {
	if s.resumed && c.opts.OnResumed != nil {
		c.opts.OnResumed(s.snapshot)
	}
	if s.rejoined && c.opts.OnRejoined != nil {
		c.opts.OnRejoined(s.welcome, s.rejoinErr)
	}
}
