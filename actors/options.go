package actors

import (
	"log/slog"
	"time"
)

// RoomOptions tune every room. The zero value of a field means its default.
// They can change at run time (Hub.Reconfigure): rooms apply them at their
// next tick.
type RoomOptions struct {
	TickRate     int           // simulation ticks per second; default 20
	SendRate     int           // state sends per second, at most TickRate; default TickRate
	MaxPlayers   int           // seats per room; default 16
	MaxRooms     int           // live rooms; a join that would create one more is refused; default 10000
	EmptyTimeout time.Duration // an empty room disposes itself after this; default 30s (negative: at once)
	MaxCatchUp   int           // most steps one tick message may run when the room is late; default 5
	History      int           // ticks of changes kept for diffs; default 64
	InputBuffer  int           // inputs buffered per player between ticks, oldest dropped; default 8
	AckTimeout   time.Duration // a player that acknowledges no tick for this long is dropped as a slow consumer; default 10s
}

// SessionOptions tune every session's inbound traffic.
type SessionOptions struct {
	InputRate   float64 // frames per second a client may send; default 60
	InputBurst  int     // frames a client may send at once; default 30
	MaxRejected int     // frames dropped by the rate limit before the session is closed; default 100
}

// Options configure a Hub.
type Options struct {
	Room        RoomOptions
	Session     SessionOptions
	DefaultMode string // game mode for joins that name none; default "arena"
	Logger      *slog.Logger
	Observer    Observer // receives timings; default none
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

func (o RoomOptions) withDefaults() RoomOptions {
	if o.TickRate <= 0 {
		o.TickRate = 20
	}
	if o.SendRate <= 0 || o.SendRate > o.TickRate {
		o.SendRate = o.TickRate
	}
	if o.MaxPlayers <= 0 {
		o.MaxPlayers = 16
	}
	if o.MaxRooms <= 0 {
		o.MaxRooms = 10000
	}
	if o.EmptyTimeout == 0 {
		o.EmptyTimeout = 30 * time.Second
	}
	if o.MaxCatchUp <= 0 {
		o.MaxCatchUp = 5
	}
	if o.History <= 0 {
		o.History = 64
	}
	if o.InputBuffer <= 0 {
		o.InputBuffer = 8
	}
	if o.AckTimeout <= 0 {
		o.AckTimeout = 10 * time.Second
	}
	return o
}

func (o SessionOptions) withDefaults() SessionOptions {
	if o.InputRate <= 0 {
		o.InputRate = 60
	}
	if o.InputBurst <= 0 {
		o.InputBurst = 30
	}
	if o.MaxRejected <= 0 {
		o.MaxRejected = 100
	}
	return o
}

func (o Options) withDefaults() Options {
	o.Room = o.Room.withDefaults()
	o.Session = o.Session.withDefaults()
	if o.DefaultMode == "" {
		o.DefaultMode = "arena"
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.Observer == nil {
		o.Observer = noObserver{}
	}
	return o
}
