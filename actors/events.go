package actors

import (
	"fmt"
	"log/slog"

	"github.com/anthdm/hollywood/actor"
)

// eventLogger subscribes to the engine's event stream and logs what would
// otherwise vanish: restarts, duplicate ids and dead letters.
type eventLogger struct {
	log *slog.Logger
	// unreachable, on a node of a cluster, hears of every peer address
	// hollywood could not reach or lost (its provider's hostDown).
	unreachable func(addr string)
}

func (l *eventLogger) Receive(c *actor.Context) {
	switch e := c.Message().(type) {
	case actor.Started:
		c.Engine().Subscribe(c.PID())
	case actor.Stopped:
		c.Engine().Unsubscribe(c.PID()) // the same *PID, or the subscription leaks
	case actor.ActorRestartedEvent:
		l.log.Error("actor restarted", "pid", e.PID.String(), "reason", fmt.Sprint(e.Reason))
	case actor.ActorMaxRestartsExceededEvent:
		l.log.Error("actor exceeded max restarts", "pid", e.PID.String())
	case actor.ActorDuplicateIdEvent:
		l.log.Error("duplicate actor id", "pid", e.PID.String())
	case actor.RemoteUnreachableEvent:
		if l.unreachable != nil {
			l.unreachable(e.ListenAddr)
		}
	case actor.DeadLetterEvent:
		// Expected around disconnects: a room may still send to a session
		// that just stopped.
		l.log.Debug("dead letter", "target", e.Target.String(), "message", shortType(e.Message))
	}
}

func shortType(v any) string { return fmt.Sprintf("%T", v) }
