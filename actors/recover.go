package actors

import (
	"log/slog"
	"runtime/debug"
	"sync/atomic"

	"github.com/anthdm/hollywood/actor"
)

// recoverer returns middleware that turns a panic into a log line and a
// counter. hollywood would otherwise restart the actor without its state, and
// its fourth lifetime panic would crash the whole process.
func recoverer(log *slog.Logger, panics *atomic.Int64) actor.MiddlewareFunc {
	return func(next actor.ReceiveFunc) actor.ReceiveFunc {
		return func(c *actor.Context) {
			defer func() {
				if r := recover(); r != nil {
					panics.Add(1)
					log.Error("actor panic recovered", "pid", c.PID().String(),
						"message", shortType(c.Message()), "panic", r, "stack", string(debug.Stack()))
				}
			}()
			next(c)
		}
	}
}
