package actors

import (
	"sync/atomic"

	"github.com/tickroom/tickroom/netcode"
)

// Stats are the hub's counters since it started. Gauges say "now"; the rest
// only grow. Rooms add their input counts once per tick, so those lag the
// inputs by up to one tick.
type Stats struct {
	Sessions int64 // gauge: live session actors
	Rooms    int64 // gauge: live rooms
	Unjoined int64 // gauge: sessions in the lobby state (in no room), against LimitOptions.MaxUnjoined
	// RoomsIdle is a gauge: rooms with no players and no joins under way,
	// which do no simulation work (or tick at the game's IdleRate) until
	// a player comes or they are disposed.
	RoomsIdle int64

	// The load (see OverloadOptions).
	TickLatenessMilli int64 // gauge: the load signal (OverloadOptions), smoothed, in thousandths of a tick
	Overloaded        int64 // gauge: 1 while the hub refuses newcomers for load, else 0
	SendLevel         int64 // gauge: steps the send rates are lowered by for load; 0: as configured
	Overloads         int64 // times the hub became overloaded
	SendLowered       int64 // steps down of the send rates for load
	SendRaised        int64 // steps back up

	Ticks        int64 // simulation steps run, all rooms
	TicksLate    int64 // tick messages that had to run more than one step
	TickOverruns int64 // times a room dropped simulation time it could not catch up
	StateFrames  int64 // state frames handed to links: DiffFrames + FullFrames
	StateBytes   int64 // their bytes
	DiffFrames   int64 // of which diffs
	FullFrames   int64 // of which full snapshots

	InputsReceived int64 // inputs that reached a room
	InputsApplied  int64
	InputsDropped  int64 // buffer full (oldest dropped) or stale sequence
	FramesLimited  int64 // dropped by the per-session rate limit
	FramesCaughtUp int64 // let through from the catch-up bank: a seated player's backlog after a stall (SessionOptions.CatchUp)
	FloodClosed    int64 // connections closed for frames over the rate (session.max_rejected drops)
	BadFrames      int64 // frames that failed to decode
	UnknownKinds   int64 // frames of a kind this version does not know, or from the wrong side
	Resumes        int64 // seats resumed by a new connection
	ResumesRefused int64 // resumes whose token named no seat (resume_expired)
	ResumesLost    int64 // resumes whose missed events were gone (events_lost, then a snapshot)
	ResumesLimited int64 // resumes refused, and connections closed, for too many resumes that named no seat
	JoinMisses     int64 // joins by id or join code that found no room (room_not_found)
	// JoinGuessesLimited counts joins by id refused, and connections
	// closed, for too many such misses (the connection's or its
	// address's guessing budget).
	JoinGuessesLimited int64
	RoomCreatesLimited int64 // joins refused (rate_limited) because they would have made a room over the connection's or address's budget
	UnjoinedRefused    int64 // connections refused (server_busy) past LimitOptions.MaxUnjoined
	JoinTimeouts       int64 // connections closed (join_timeout) for staying in the lobby state past LimitOptions.JoinTimeout
	BusyConnections    int64 // connections refused (server_busy) while overloaded
	BusyJoins          int64 // joins refused (server_busy) while overloaded
	PacedRefusals      int64 // connections and fresh joins refused (server_busy) while newcomers are paced after an overload (admitRamp)
	VersionRefused     int64 // joins of another protocol version
	Authenticated      int64 // connections Options.Authenticate accepted
	AuthRefused        int64 // connections Options.Authenticate refused (unauthorized)
	UsersReplaced      int64 // sessions closed for a newer connection of their user (replaced)
	SlowKicked         int64 // players dropped for not acknowledging ticks
	RoomFullRefuse     int64
	Panics             int64 // recovered actor panics and game panics (each closes its room)

	BodiesEncoded   int64 // state bodies encoded: one per group of players sharing a baseline and view, per send
	EventsEncoded   int64 // events encoded: one per Send or Broadcast, whatever the players
	EventsSent      int64 // events handed to players
	Messages        int64 // game messages that reached a room
	MessagesRefused int64 // game messages refused because a player's message buffer was full

	// ErrorFrames counts the error frames sent to clients, by code name
	// (netcode.Code.String): every refusal the protocol names, whatever
	// sent it. Only codes sent at least once appear.
	ErrorFrames map[string]int64
}

type counters struct {
	sessions, rooms                             atomic.Int64
	ticks, ticksLate, tickOverruns              atomic.Int64
	diffFrames, fullFrames, stateBytes          atomic.Int64
	inputsReceived                              atomic.Int64
	inputsApplied, inputsDropped, framesLimited atomic.Int64
	badFrames, slowKicked, roomFull, panics     atomic.Int64
	bodiesEncoded, eventsEncoded, eventsSent    atomic.Int64
	messages, messagesRefused                   atomic.Int64
	unknownKinds, versionMismatches             atomic.Int64
	resumes, resumesRefused, resumesLostEvents  atomic.Int64
	resumesLimited                              atomic.Int64
	authenticated, authRefused, usersReplaced   atomic.Int64

	unjoined, roomsIdle                           atomic.Int64
	lateMilli, overloads, sendLowered, sendRaised atomic.Int64
	framesCaughtUp, floodClosed                   atomic.Int64
	joinMisses, joinGuessesLimited                atomic.Int64
	roomCreatesLimited, unjoinedRefused           atomic.Int64
	joinTimeouts, busyConnections, busyJoins      atomic.Int64
	pacedRefusals                                 atomic.Int64
	errorFrames                                   [errorCodeSlots]atomic.Int64 // by code - firstErrorCode
}

// Error codes from firstErrorCode on have a counter each; going_away, the
// one below, travels in closes only.
const (
	firstErrorCode = 4000
	errorCodeSlots = 64
)

// errorSent counts one error frame of code.
func (c *counters) errorSent(code netcode.Code) {
	if i := int(code) - firstErrorCode; i >= 0 && i < errorCodeSlots {
		c.errorFrames[i].Add(1)
	}
}

func (c *counters) snapshot() Stats {
	s := Stats{
		Sessions: c.sessions.Load(), Rooms: c.rooms.Load(),
		Ticks: c.ticks.Load(), TicksLate: c.ticksLate.Load(), TickOverruns: c.tickOverruns.Load(),
		// Each kind is a counter of its own, so that each only grows in a
		// snapshot; their sum does too.
		DiffFrames: c.diffFrames.Load(), FullFrames: c.fullFrames.Load(), StateBytes: c.stateBytes.Load(),
		InputsReceived: c.inputsReceived.Load(), InputsApplied: c.inputsApplied.Load(), InputsDropped: c.inputsDropped.Load(),
		FramesLimited: c.framesLimited.Load(), BadFrames: c.badFrames.Load(),
		SlowKicked: c.slowKicked.Load(), RoomFullRefuse: c.roomFull.Load(), Panics: c.panics.Load(),
		BodiesEncoded: c.bodiesEncoded.Load(), EventsEncoded: c.eventsEncoded.Load(), EventsSent: c.eventsSent.Load(),
		Messages: c.messages.Load(), MessagesRefused: c.messagesRefused.Load(),
		UnknownKinds: c.unknownKinds.Load(), VersionRefused: c.versionMismatches.Load(),
		Resumes: c.resumes.Load(), ResumesRefused: c.resumesRefused.Load(), ResumesLost: c.resumesLostEvents.Load(),
		ResumesLimited: c.resumesLimited.Load(),
		Authenticated:  c.authenticated.Load(), AuthRefused: c.authRefused.Load(), UsersReplaced: c.usersReplaced.Load(),
	}
	s.StateFrames = s.DiffFrames + s.FullFrames
	s.Unjoined, s.RoomsIdle = c.unjoined.Load(), c.roomsIdle.Load()
	s.TickLatenessMilli, s.Overloads = c.lateMilli.Load(), c.overloads.Load()
	s.SendLowered, s.SendRaised = c.sendLowered.Load(), c.sendRaised.Load()
	s.FramesCaughtUp, s.FloodClosed = c.framesCaughtUp.Load(), c.floodClosed.Load()
	s.JoinMisses, s.JoinGuessesLimited = c.joinMisses.Load(), c.joinGuessesLimited.Load()
	s.RoomCreatesLimited, s.UnjoinedRefused = c.roomCreatesLimited.Load(), c.unjoinedRefused.Load()
	s.JoinTimeouts, s.BusyConnections, s.BusyJoins = c.joinTimeouts.Load(), c.busyConnections.Load(), c.busyJoins.Load()
	s.PacedRefusals = c.pacedRefusals.Load()
	s.ErrorFrames = make(map[string]int64)
	for i := range c.errorFrames {
		if n := c.errorFrames[i].Load(); n != 0 {
			s.ErrorFrames[netcode.Code(firstErrorCode+i).String()] = n
		}
	}
	return s
}

// inputCounts are the input counters a room gathers from its seats' boxes;
// it adds them to the hub's shared counters once per tick rather than once
// per input, which kept every reader goroutine on the same cache lines.
type inputCounts struct{ received, dropped, applied int64 }

func (n *inputCounts) flush(s *counters) {
	if n.received != 0 {
		s.inputsReceived.Add(n.received)
	}
	if n.dropped != 0 {
		s.inputsDropped.Add(n.dropped)
	}
	if n.applied != 0 {
		s.inputsApplied.Add(n.applied)
	}
	*n = inputCounts{}
}
