package actors

import "sync/atomic"

// Stats are the hub's counters since it started. Gauges say "now"; the rest
// only grow. Rooms add their input counts once per tick, so those lag the
// inputs by up to one tick.
type Stats struct {
	Sessions int64 // gauge: live session actors
	Rooms    int64 // gauge: live rooms

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
	BadFrames      int64 // frames that failed to decode
	UnknownKinds   int64 // frames of a kind this version does not know, or from the wrong side
	Resumes        int64 // seats resumed by a new connection
	ResumesRefused int64 // resumes whose token named no seat (resume_expired)
	ResumesLost    int64 // resumes whose missed events were gone (events_lost, then a snapshot)
	ResumesLimited int64 // connections closed for too many refused resumes
	VersionRefused int64 // joins of another protocol version
	Authenticated  int64 // connections Options.Authenticate accepted
	AuthRefused    int64 // connections Options.Authenticate refused (unauthorized)
	UsersReplaced  int64 // sessions closed for a newer connection of their user (replaced)
	SlowKicked     int64 // players dropped for not acknowledging ticks
	RoomFullRefuse int64
	Panics         int64 // recovered actor panics and game panics (each closes its room)

	BodiesEncoded   int64 // state bodies encoded: one per group of players sharing a baseline and view, per send
	EventsEncoded   int64 // events encoded: one per Send or Broadcast, whatever the players
	EventsSent      int64 // events handed to players
	Messages        int64 // game messages that reached a room
	MessagesRefused int64 // game messages refused because a player's message buffer was full
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
