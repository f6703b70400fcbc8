package actors

import (
	"sync"
	"time"

	"github.com/anthdm/hollywood/actor"
	"github.com/tickroom/tickroom/netcode"
	"github.com/tickroom/tickroom/transports"
	"github.com/tickroom/tickroom/world"
)

// seatState is where a seat is in its life. It moves forward, but for a
// resume, which takes a detached seat back to welcomed:
//
//	admitted ──► welcomed ◄──► detached ──► leaving ──► closed
//
// and from any state but closed straight to leaving (a leave, a kick, a
// lost link when seats are not held) or to closed (the room stops). The
// room creates a seat admitted, welcomes it as Game.Join returns, welcomes
// it again on a resume, and closes it when it frees the slot or stops. A
// lost link detaches a welcomed seat when the room holds seats
// (RoomOptions.ResumeWindow): the player stays in the game, its inputs and
// states stop, and the room frees the seat when the window passes. Anyone
// may make a seat leave; the first to do so wins.
type seatState uint8

const (
	seatAdmitted seatState = iota // the room took the player; Game.Join has not run, nothing goes out
	seatWelcomed                  // Game.Join ran and the welcome went out: inputs in, states out
	seatDetached                  // its link went; held for a resume: nothing in or out
	seatLeaving                   // left, dropped, kicked or timed out: nothing in or out; the room frees it at its next step
	seatClosed                    // the room freed it; final
)

var seatStateNames = [...]string{"admitted", "welcomed", "detached", "leaving", "closed"}

func (s seatState) String() string { return seatStateNames[s] }

// leaveReason says why a seat is leaving; the room hands it to the game's
// leave hook (see leaveReason.world).
type leaveReason uint8

const (
	leftByPlayer  leaveReason = iota + 1 // the client sent leave
	leftByDrop                           // the client's link closed, and seats are not held
	leftByKick                           // the room dropped the player (slow consumer, or the game)
	leftByTimeout                        // the link closed and no resume came in time
)

// seat is one player's place in one room, and the only record of it: the
// room creates it on admit, the session keeps it (once, in the atomic
// pointer its link's receiver reads) and the receiver pushes the client's
// inputs and acks into it; the room drains it at its steps and hands it the
// state frames to send. One lock guards its state, its input queue, its ack
// bookkeeping and the link it sends on, so a change of state stops both
// directions at once: no input of a player that left can reach the game, and
// no frame of a room can reach a client after its seat there stopped.
//
// The state machine is the single source of "is this player in this room":
// the session, the receiver and the room each ask the seat, and none keeps a
// copy. Lock order (actors/doc.go): seat, then the link's own locks.
type seat struct {
	// Static after the room creates it.
	player   world.PlayerID
	name     string
	identity world.Identity
	slot     int // index in the room's seats

	mu     sync.Mutex
	state  seatState
	reason leaveReason // why it left; set with seatLeaving
	// The connection the seat is on: changed by the room, under mu, when
	// a resume moves the seat to a new one.
	session *actor.PID
	link    transports.Link
	sid     string // the session id the client knows
	guest   uint64 // the relay's guest, for a player connected through another node; 0 for one here
	// holds is whether a lost link detaches the seat (the room holds it
	// for a resume) rather than ending it.
	holds bool

	// The input queue: the link's reader goroutine pushes, the room takes
	// at its steps, and the two swap buffers so that neither allocates once
	// both have their capacity. The lock is held only to queue one input or
	// to swap: inputs are most of a room's traffic and cost a lock here
	// instead of an actor message.
	limit int           // most inputs queued; a full queue drops its oldest
	queue []queuedInput // pushed since the last take, oldest first
	seq   uint32        // highest seq queued, to drop replays

	// Acks are cumulative, so the seat keeps only their outcome: whether
	// the client asked for a full snapshot (ack 0) and the highest tick it
	// acknowledged after that. Applied in order by the room, that moves the
	// baseline exactly as applying each ack would.
	ackReset bool
	ackTick  uint32

	// Counted here, under the lock a push takes anyway, and added to the
	// hub's shared counters by the room once per tick.
	received, dropped int64

	// Game messages from the client, oldest first: unlike inputs they are
	// never dropped to make room, so a full queue refuses the newest
	// (the receiver answers rate_limited).
	msgs     []queuedMessage
	msgLimit int

	// Events and control frames sent before the player's first state
	// (from Game.Join, say), which go out right behind it: an event comes
	// after a state of its tick or an earlier one, so none may come before
	// the first. started is set when that state has gone out.
	early   [][]byte
	started bool

	head []byte // the state header of the frame being sent; the link copies it

	// Owned by the room's goroutine.
	token   string         // resumes the seat; "" when the room holds no seats
	events  eventLog       // the events sent to the player, for a resume
	away    bool           // the room has seen the seat detached (and told the game)
	awayAt  time.Time      // when it saw that
	resumed bool           // a resume came: the game's resume hook runs at the next step
	joined  bool           // Game.Join ran: Game.Leave must run too
	kicked  bool           // the room made it leave: take nothing more of it
	entity  world.EntityID // the player's entity, once joined
	spare   []queuedInput  // the queue's other buffer
	spareM  []queuedMessage
	lastSeq uint32     // highest seq applied: the client's input ack
	base    uint32     // last tick the client acknowledged: its baseline
	ackAt   time.Time  // when the baseline last moved
	since   uint32     // tick of the first state sent (0: none yet): the oldest the client can have
	views   []sentView // views of the states sent, by tick, when the game filters what players see
}

type queuedInput struct {
	seq uint32
	in  world.Input
}

type queuedMessage struct {
	typ     string
	payload netcode.Payload
}

// maxEarly bounds the frames a seat holds before its first state; a game
// that sends more to a player that has not had one yet has a bug, and the
// seat leaves as a slow consumer rather than hold them all.
const maxEarly = 256

// newSeat returns an admitted seat for the session's link.
func newSeat(j joinRequest, player world.PlayerID, slot int, o RoomOptions, now time.Time) *seat {
	return &seat{
		holds:    o.ResumeWindow > 0,
		events:   eventLog{limit: o.ResumeEvents},
		session:  j.session,
		guest:    j.guest,
		link:     j.link,
		sid:      j.sid,
		player:   player,
		name:     j.name,
		identity: j.identity,
		slot:     slot,
		limit:    o.InputBuffer,
		msgLimit: o.MessageBuffer,
		queue:    make([]queuedInput, 0, o.InputBuffer),
		spare:    make([]queuedInput, 0, o.InputBuffer),
		head:     make([]byte, 0, netcode.MaxStateHeadLen),
		ackAt:    now,
	}
}

// welcome moves an admitted seat to welcomed and sends the welcome frame,
// under the lock, so that the first state cannot overtake it. It reports
// false, sending nothing, when the seat is no longer admitted (the player
// left while Game.Join ran).
func (s *seat) welcome(frame []byte) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.state != seatAdmitted {
		return false
	}
	s.state = seatWelcomed
	if frame != nil && s.link.Send(transports.ClassControl, nil, frame) != nil {
		s.linkGoneLocked()
	}
	return true
}

// startLocked notes that the first state went out and sends what waited
// for it. s.mu is held.
func (s *seat) startLocked() {
	s.started = true
	for _, f := range s.early {
		if s.state == seatWelcomed && s.link.Send(transports.ClassControl, nil, f) != nil {
			s.linkGoneLocked()
		}
	}
	s.early = nil
}

// sendControl hands the client a frame that is never dropped (an event, an
// error, a rate change): at once once the player has had its first state,
// right behind that state before, not at all once the seat left. frame may
// be shared with other seats and must not change. It reports whether the
// frame was taken.
func (s *seat) sendControl(frame []byte) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case s.state == seatWelcomed && s.started:
		if s.link.Send(transports.ClassControl, nil, frame) != nil {
			s.linkGoneLocked()
			return false
		}
		return true
	case s.state <= seatWelcomed:
		if len(s.early) >= maxEarly {
			s.state, s.reason = seatLeaving, leftByKick
			s.queue, s.msgs, s.early = s.queue[:0], s.msgs[:0], nil
			s.link.Close(uint16(netcode.CodeSlowConsumer), "too many events before the first state")
			return false
		}
		s.early = append(s.early, frame)
		return true
	}
	return false
}

// linkGoneLocked makes a seat whose link refused a frame leave: the link is
// closed or closing, so nothing will ever reach the client again, and the
// seat should not wait for its session (which may be gone too) or for the
// ack timeout to learn it. s.mu is held.
func (s *seat) linkGoneLocked() {
	switch {
	case s.state == seatWelcomed && s.holds:
		s.state = seatDetached
	case s.state <= seatWelcomed:
		s.state, s.reason = seatLeaving, leftByDrop
	default:
		return
	}
	s.queue, s.msgs = s.queue[:0], s.msgs[:0]
}

// drop is the session's word that the seat's link is gone: the seat is
// detached if the room holds seats, else it leaves. A seat already on
// another connection (a resume moved it) is not this link's to drop.
func (s *seat) drop(link transports.Link) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.link == link {
		s.linkGoneLocked()
	}
}

// leave stops the seat in both directions for reason and reports whether
// this call did it: a seat leaves once, and whoever comes second (a kick
// racing the player's own leave, say) learns that it has nothing to do.
func (s *seat) leave(reason leaveReason) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.state > seatDetached {
		return false
	}
	s.state, s.reason = seatLeaving, reason
	s.queue, s.msgs = s.queue[:0], s.msgs[:0]
	return true
}

// close ends the seat for good and returns the state it was in, with the
// input counts not yet taken, so that inputs that reached it stay counted.
func (s *seat) close() (prev seatState, received, dropped int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	prev = s.state
	s.state = seatClosed
	s.queue, s.spare, s.msgs, s.spareM, s.early = nil, nil, nil, nil, nil
	s.ackReset, s.ackTick = false, 0
	received, dropped = s.received, s.dropped
	s.received, s.dropped = 0, 0
	return prev, received, dropped
}

// addr returns the client address of the seat's link (clientAddr), for
// the abuse log.
func (s *seat) addr() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return clientAddr(s.link)
}

// current returns the seat's state.
func (s *seat) current() (seatState, leaveReason) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.state, s.reason
}

// open reports, with s.mu held, whether the client's inputs still count:
// from admission (a client may send inputs right behind its join) until the
// seat leaves.
func (s *seat) open() bool { return s.state <= seatWelcomed }
