package actors

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/tickroom/tickroom/world"
)

// Defaults of the options, the one place they are written in code; the
// server package's config and server.toml repeat them, with a test that
// they agree.
const (
	DefaultTickRate      = 20
	DefaultMaxPlayers    = 16
	DefaultMaxRooms      = 10000
	DefaultEmptyTimeout  = 30 * time.Second
	DefaultMaxCatchUp    = 5
	DefaultHistory       = world.DefaultHistory
	DefaultInputBuffer   = 8
	DefaultMessageBuffer = 16
	DefaultAckTimeout    = 10 * time.Second
	DefaultResumeWindow  = 20 * time.Second
	DefaultResumeEvents  = 128

	DefaultAuthTimeout = 5 * time.Second

	DefaultInputRate   = 60
	DefaultInputBurst  = 30
	DefaultMaxRejected = 100
	DefaultCatchUp     = 15 * time.Second

	DefaultMaxUnjoined           = 1024
	DefaultJoinTimeout           = time.Minute
	DefaultSessionRoomsPerMinute = 6
	DefaultSessionRoomBurst      = 3
	DefaultAddrRoomsPerMinute    = 60
	DefaultAddrRoomBurst         = 20
	DefaultAddrMissesPerMinute   = 10
	DefaultAddrMissBurst         = 10
	DefaultLogInterval           = 10 * time.Second

	DefaultLateHigh     = 0.3
	DefaultLateLow      = 0.1
	DefaultMinSendRate  = 5
	DefaultRecoverAfter = 5 * time.Second
)

// RoomOptions tune rooms. The zero value of a field means its default (or,
// in Mode.Room, Options.Room's value). They can change at run time
// (Hub.Reconfigure): rooms apply them at their next tick.
type RoomOptions struct {
	TickRate     int           // simulation ticks per second; default DefaultTickRate
	SendRate     int           // state sends per second, at most TickRate; default TickRate
	MaxPlayers   int           // seats per room; default DefaultMaxPlayers
	EmptyTimeout time.Duration // an empty room disposes itself after this; default DefaultEmptyTimeout (negative: at once)
	MaxCatchUp   int           // most steps one tick message may run when the room is late; default DefaultMaxCatchUp
	History      int           // ticks of changes kept for diffs; default DefaultHistory
	InputBuffer  int           // inputs buffered per player between ticks, oldest dropped; default DefaultInputBuffer
	// MessageBuffer bounds the game messages a player may have waiting for
	// the room's next tick; one more is refused (rate_limited), never
	// dropped silently. Default DefaultMessageBuffer.
	MessageBuffer int
	AckTimeout    time.Duration // a player that acknowledges no tick for this long is dropped as a slow consumer; default DefaultAckTimeout
	// ResumeWindow is how long a room holds the seat of a player whose
	// connection dropped, for a resume; default DefaultResumeWindow,
	// negative: seats are not held (a drop is a leave).
	ResumeWindow time.Duration
	// ResumeEvents bounds the events kept per player for a resume; a
	// client that missed more gets events_lost. Default DefaultResumeEvents.
	ResumeEvents int
}

// SessionOptions tune every session's inbound traffic.
type SessionOptions struct {
	InputRate   float64 // frames per second a client may send; default DefaultInputRate
	InputBurst  int     // frames a client may send at once; default DefaultInputBurst
	MaxRejected int     // frames dropped by the rate limit before the session is closed; default DefaultMaxRejected
	// CatchUp is the longest network stall whose backlog a seated
	// player may deliver at once: the frames a client had the right to
	// send (InputRate) and did not are banked, up to InputRate × CatchUp,
	// and its inputs, acks, messages and pings may spend them once its
	// burst is gone (see frameBudget). Joins, resumes and listings never
	// may. Default DefaultCatchUp; negative: no bank.
	CatchUp time.Duration
}

// Mode is a game mode a hub serves: how to make its game, and how its
// rooms run when that differs from the rest.
type Mode struct {
	// NewGame returns the game of a new room. The lobby calls it on its own
	// goroutine, so it must be quick.
	NewGame func() world.Game
	// Room tunes the mode's rooms; a zero field takes Options.Room's value.
	Room RoomOptions
	// Reload, when set, gives a running game the mode's reloaded settings:
	// Hub.Reconfigure hands it to every room of the mode, which calls it on
	// its own goroutine between two ticks.
	Reload func(world.Game)
}

// Options configure a Hub.
type Options struct {
	// Modes are the game modes served, by name; at least one.
	Modes map[string]Mode
	// DefaultMode is the mode of joins that name none. It must be one of
	// Modes; it may be empty when there is only one mode.
	DefaultMode string
	// Room tunes the rooms of every mode unless the mode says otherwise.
	Room RoomOptions
	// MaxRooms bounds the live rooms of all modes together; a join that
	// would create one more is refused. Default DefaultMaxRooms.
	MaxRooms int
	Session  SessionOptions
	// Limits bound what connections and client addresses may cost
	// outside a game.
	Limits LimitOptions
	// Overload tunes the response to a machine that cannot keep its rooms
	// on time.
	Overload OverloadOptions
	Logger   *slog.Logger
	Observer Observer // receives timings; default none

	// Authenticate, when set, judges every new connection before its
	// session starts: credential is the ticket of its handshake
	// (transports.Credential; "" for none), remoteAddr the client's
	// address. The identity it returns goes with the session to the game
	// (world.JoinAttempt.Identity, Room.Players); an error refuses the
	// connection with an error frame and close 4023 unauthorized, which
	// say nothing more, whatever the error. It runs on the transport's
	// goroutine, which reads nothing from that client meanwhile, under a
	// context that ends after AuthTimeout: an answer that comes later is
	// a refusal. It must be safe for concurrent use; a panic in it is a
	// refusal. Nil: every connection is anonymous (a zero Identity) and
	// tickets are ignored.
	Authenticate func(ctx context.Context, credential, remoteAddr string) (world.Identity, error)
	// AuthTimeout bounds one Authenticate call. Default DefaultAuthTimeout.
	AuthTimeout time.Duration
	// Cluster, when set, makes the hub a node of a cluster (see "Cluster"
	// in the package documentation); nil: a hub alone, as one process.
	Cluster *ClusterOptions
	// OneSessionPerUser keeps one live connection per user id: a newly
	// authenticated connection closes the older ones of its user with an
	// error frame and close 4022 replaced (the newest wins; a seat the
	// older one held is held for a resume as after any drop). Anonymous
	// connections (an empty UserID) are never matched. A change by
	// Reconfigure applies from the next connection on.
	OneSessionPerUser bool
}

// Observer receives the measurements that counters cannot carry, such as a
// histogram of tick durations. Rooms call it from their own goroutines, so it
// must be safe for concurrent use and cheap.
type Observer interface {
	// TickDuration is the wall time one tick message took: the simulation
	// steps it ran plus the send, if any. The send includes the socket
	// writes of frames that transports write directly to idle WebSocket
	// links (one non-blocking writev each), so it grows with the players.
	TickDuration(d time.Duration)
}

type noObserver struct{}

func (noObserver) TickDuration(time.Duration) {}

// inherit fills o's zero fields from base.
func (o RoomOptions) inherit(base RoomOptions) RoomOptions {
	pick := func(v *int, b int) {
		if *v == 0 {
			*v = b
		}
	}
	pick(&o.TickRate, base.TickRate)
	pick(&o.SendRate, base.SendRate) // withDefaults caps it at the tick rate
	pick(&o.MaxPlayers, base.MaxPlayers)
	pick(&o.MaxCatchUp, base.MaxCatchUp)
	pick(&o.History, base.History)
	pick(&o.InputBuffer, base.InputBuffer)
	pick(&o.MessageBuffer, base.MessageBuffer)
	pick(&o.ResumeEvents, base.ResumeEvents)
	if o.EmptyTimeout == 0 {
		o.EmptyTimeout = base.EmptyTimeout
	}
	if o.AckTimeout == 0 {
		o.AckTimeout = base.AckTimeout
	}
	if o.ResumeWindow == 0 {
		o.ResumeWindow = base.ResumeWindow
	}
	return o
}

func (o RoomOptions) withDefaults() RoomOptions {
	if o.TickRate <= 0 {
		o.TickRate = DefaultTickRate
	}
	if o.SendRate <= 0 || o.SendRate > o.TickRate {
		o.SendRate = o.TickRate
	}
	if o.MaxPlayers <= 0 {
		o.MaxPlayers = DefaultMaxPlayers
	}
	if o.EmptyTimeout == 0 {
		o.EmptyTimeout = DefaultEmptyTimeout
	}
	if o.MaxCatchUp <= 0 {
		o.MaxCatchUp = DefaultMaxCatchUp
	}
	if o.History <= 0 {
		o.History = DefaultHistory
	}
	if o.InputBuffer <= 0 {
		o.InputBuffer = DefaultInputBuffer
	}
	if o.MessageBuffer <= 0 {
		o.MessageBuffer = DefaultMessageBuffer
	}
	if o.AckTimeout <= 0 {
		o.AckTimeout = DefaultAckTimeout
	}
	if o.ResumeWindow == 0 {
		o.ResumeWindow = DefaultResumeWindow
	}
	if o.ResumeEvents <= 0 {
		o.ResumeEvents = DefaultResumeEvents
	}
	return o
}

func (o SessionOptions) withDefaults() SessionOptions {
	if o.InputRate <= 0 {
		o.InputRate = DefaultInputRate
	}
	if o.InputBurst <= 0 {
		o.InputBurst = DefaultInputBurst
	}
	if o.MaxRejected <= 0 {
		o.MaxRejected = DefaultMaxRejected
	}
	if o.CatchUp == 0 {
		o.CatchUp = DefaultCatchUp
	}
	return o
}

// roomOptions returns the options of mode's rooms. o must have been through
// withDefaults.
func (o *Options) roomOptions(mode string) RoomOptions {
	return o.Modes[mode].Room.inherit(o.Room).withDefaults()
}

// withDefaults fills the defaults in and checks what has none.
func (o Options) withDefaults() (Options, error) {
	o.Room = o.Room.withDefaults()
	o.Session = o.Session.withDefaults()
	o.Limits = o.Limits.withDefaults()
	var err error
	if o.Overload, err = o.Overload.withDefaults(); err != nil {
		return o, err
	}
	if o.MaxRooms <= 0 {
		o.MaxRooms = DefaultMaxRooms
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.Observer == nil {
		o.Observer = noObserver{}
	}
	if o.AuthTimeout <= 0 {
		o.AuthTimeout = DefaultAuthTimeout
	}
	if len(o.Modes) == 0 {
		return o, errors.New("actors: no game modes")
	}
	for name, m := range o.Modes {
		if name == "" || m.NewGame == nil {
			return o, fmt.Errorf("actors: mode %q: empty name or no NewGame", name)
		}
	}
	if o.DefaultMode == "" && len(o.Modes) == 1 {
		for name := range o.Modes {
			o.DefaultMode = name
		}
	}
	if _, ok := o.Modes[o.DefaultMode]; !ok {
		return o, fmt.Errorf("actors: default mode %q is not one of the modes", o.DefaultMode)
	}
	return o, nil
}
