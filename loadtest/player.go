package loadtest

import (
	"math"
	"sync"
	"sync/atomic"
	"time"

	"github.com/tickroom/tickroom/client"
	"github.com/tickroom/tickroom/netcode"
)

// ackRing is how many inputs in flight a session can time: the due time of
// input seq is kept at seq%ackRing. At 20 inputs a second that is 6.4 s of
// acknowledgement delay; inputs still unacknowledged after ackRing newer ones
// were sent are counted as untimed.
const ackRing = 128

// player is one simulated player: which transport and room it uses, and what
// it has seen over every connection it has had. It stays small (a few
// hundred bytes plus its session) because there may be 20,000 of them.
type player struct {
	id        int
	transport string
	room      string
	rooms     *roomInfo   // shared by the players of room
	slow      bool        // its reader sleeps after every frame
	chats     *chatLedger // its chat messages (-events-rate), nil without

	sess atomic.Pointer[session] // the joined connection, or nil

	// Counters written by the session's reader goroutine and read by the
	// sampler and the report.
	states     atomic.Int64 // states received, whole run
	bytes      atomic.Int64 // frame bytes received, whole run
	winStates  atomic.Int64 // states received in the measured window
	winBytes   atomic.Int64 // bytes received in the measured window
	winAcks    atomic.Int64 // inputs whose acknowledgement was timed in the window
	winSkipped atomic.Int64 // state sends the client never saw, in the window

	// Written by whoever connects the player (the joiner, then the dropper),
	// one at a time.
	joined      atomic.Bool  // the first join succeeded
	joinTime    atomic.Int64 // of the first join, in ns
	reconnects  atomic.Int32 // drops it came back from: resumed, or joined afresh
	disconnects atomic.Int32 // connections the server or network ended
	closeCode   atomic.Uint32
	sendRate    atomic.Int32 // the send rate the server last announced to it (welcome, rates)
	lostBases   atomic.Int64 // client.Stats.LostBaselines of its ended clients
	dupEvents   atomic.Int64 // client.Stats.DuplicateEvents of its ended clients

	nextDue int64 // scheduler only: earliest time the next delayed send may go
}

// session is one client of a player, from dial to close, across the drops
// it comes back from (the client resumes its seat, keeping its input
// numbering), so nothing here is reset while a reader or the scheduler may
// still use it; what the reader owns is reset only between two
// connections (onDropped).
type session struct {
	r *run
	p *player
	c atomic.Pointer[client.Client]

	joined  atomic.Bool // Join returned: error frames now count as errors
	retired atomic.Bool // closed on purpose: its end is not a disconnect
	sent    atomic.Uint32
	due     [ackRing]atomic.Int64 // when input seq was due (ns since the run began), at seq%ackRing

	// The way back from a drop (resume.go).
	away     atomic.Bool   // dropped and not back: the scheduler sends it no inputs
	byFault  atomic.Bool   // the drop fault cut it (not the server or network)
	counted  atomic.Bool   // its drop was counted as a disconnect
	gaveUp   atomic.Bool   // it stopped coming back
	backFrom atomic.Int64  // when its way back began: the drop plus -drop-away, in ns since the run began
	skipTo   atomic.Uint32 // inputs up to this seq are not timed: they were on their way at the drop
	round    atomic.Pointer[dropRound]

	// The chats it got (events.go): the last from each player of its
	// room, by index in the room; nil without -events-rate.
	evMu     sync.Mutex
	fromPeer []uint32

	// Owned by the connection's reader goroutine (onFrame).
	acked       uint32 // highest input seq whose ack was seen
	lastTick    uint32
	step        float64 // ticks between two sends: tick rate / send rate
	nextStep    float64 // step from tick stepFrom on, as a rates frame announced; 0 for none
	stepFrom    uint32
	lastArrival int64
	lastBytes   int64
	stateBytes  int64 // bytes of the newest state frame
}

func newSession(r *run, p *player) *session {
	s := &session{r: r, p: p, step: 1}
	if p.chats != nil {
		first := p.id - p.id%r.s.RoomSize
		s.fromPeer = make([]uint32, min(r.s.RoomSize, len(r.players)-first))
	}
	return s
}

// onFrame is the client's OnFrame hook: it runs on the connection's reader
// goroutine for every frame, in order. It counts and times what arrived
// without allocating, and makes slow clients slow.
func (s *session) onFrame(m netcode.Frame) {
	r, p := s.r, s.p
	now := r.now()
	measuring := r.measuring.Load()
	c := s.c.Load()
	n := int64(0)
	if c != nil {
		// Stats().Bytes already counts this frame; the difference since the
		// last frame is its size (plus any frame that failed to decode).
		b := c.Stats().Bytes
		n = b - s.lastBytes
		s.lastBytes = b
		p.bytes.Add(n)
		if measuring {
			p.winBytes.Add(n)
		}
	}
	switch m := m.(type) {
	case *netcode.State:
		s.stateBytes = n
		if m.Delta.Base == 0 {
			p.rooms.snapshotBytes.Store(n)
		}
		s.onState(m, now, measuring)
	case *netcode.Event:
		s.onEvent(m, measuring)
	case *netcode.Welcome:
		s.step, s.nextStep = sendStep(m.TickRate, m.SendRate), 0
		r.noteRate(p, m.SendRate, false)
	case *netcode.Rates:
		// The room sends at the new rate from tick m.Tick on.
		s.nextStep, s.stepFrom = sendStep(m.TickRate, m.SendRate), m.Tick
		r.noteRate(p, m.SendRate, true)
	case *netcode.Error:
		switch {
		case m.Code == netcode.CodeResumeExpired:
			r.resumes.refused.Add(1) // the client joins afresh: see onRejoined
		case m.Code == netcode.CodeEventsLost:
			r.resumes.eventsLost.Add(1)
			s.startOver() // the server said so: not a loss to find
		case s.joined.Load():
			r.errs.add(errorFrameKey(m.Code))
		}
	}
	if r.o.observe != nil {
		r.o.observe(p.id, c, m, measuring)
	}
	if p.slow && !s.retired.Load() {
		// A retired session drains at full speed, so that closing it (for a
		// drop, or at the end) is not held up by its backlog.
		time.Sleep(r.s.SlowDelay.Duration)
	}
}

func (s *session) onState(m *netcode.State, now int64, measuring bool) {
	p := s.p
	p.states.Add(1)
	var skipped uint32
	tick := m.Delta.Tick
	if s.nextStep != 0 && tick >= s.stepFrom {
		s.step, s.nextStep = s.nextStep, 0
	}
	if s.lastTick != 0 && tick > s.lastTick {
		skipped = skippedSends(tick-s.lastTick, s.step)
	}
	if tick > s.lastTick {
		s.lastTick = tick
	}
	gap := now - s.lastArrival
	hadArrival := s.lastArrival != 0
	s.lastArrival = now

	// Inputs acknowledged for the first time: every seq up to InputAck
	// whose due time is still in the ring, but for those on their way when
	// the connection dropped.
	lo, hi := max(s.acked, s.skipTo.Load())+1, min(m.InputAck, s.sent.Load())
	if m.InputAck > s.acked {
		s.acked = m.InputAck
	}
	timed := int64(0)
	sh := s.r.rec.shard(p.id)
	sh.mu.Lock()
	for seq := lo; seq <= hi && seq >= lo; seq++ { // seq >= lo stops at wraparound
		due := s.due[seq%ackRing].Load()
		if s.sent.Load()-seq >= ackRing {
			// The slot was reused by seq+ackRing (sent is stored before a
			// due time, so this check after the read catches it).
			s.r.untimed.Add(1)
			continue
		}
		lat := now - due
		recordNS(sh.recent, lat)
		if measuring {
			recordNS(sh.lat, lat)
		}
		timed++
	}
	if measuring && hadArrival {
		recordNS(sh.gap, gap)
	}
	sh.mu.Unlock()

	if measuring {
		p.winStates.Add(1)
		p.winAcks.Add(timed)
		if skipped > 0 {
			p.winSkipped.Add(int64(skipped))
		}
	}
}

// sendStep is the ticks between two sends at these rates: 1, or more
// when the room sends less often than it ticks (not always a whole number:
// an overloaded server lowers 20 sends a second to 15, then 11, …).
func sendStep(tickRate, sendRate int) float64 {
	if sendRate > 0 && tickRate > sendRate {
		return float64(tickRate) / float64(sendRate)
	}
	return 1
}

// skippedSends is how many sends a gap of so many ticks between two states
// skipped, at step ticks a send. Sends fall step apart on average, a whole
// number of ticks each, so a gap up to step rounded up skipped none.
func skippedSends(gap uint32, step float64) uint32 {
	if float64(gap) <= math.Ceil(step) {
		return 0
	}
	return uint32(math.Round(float64(gap)/step)) - 1
}

// client returns the session's client once Dial has returned.
func (s *session) client() *client.Client { return s.c.Load() }

// retire marks a session the run no longer uses: its end is not a
// disconnect, its reader no longer sleeps, and its counts move to the player.
func (s *session) retire() {
	s.retired.Store(true)
	st := s.client().Stats()
	s.p.lostBases.Add(st.LostBaselines)
	s.p.dupEvents.Add(st.DuplicateEvents)
}

// clientStats sums what p's clients counted themselves, over every client
// p has had: diffs they could not apply because their baseline was no
// longer kept, and events they dropped as duplicates.
func (p *player) clientStats() (lostBaselines, dupEvents int64) {
	lostBaselines, dupEvents = p.lostBases.Load(), p.dupEvents.Load()
	if s := p.sess.Load(); s != nil {
		st := s.client().Stats()
		lostBaselines += st.LostBaselines
		dupEvents += st.DuplicateEvents
	}
	return lostBaselines, dupEvents
}
