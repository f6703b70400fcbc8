package actors

import (
	"time"

	"github.com/anthdm/hollywood/actor"
)

// governor is the actor that watches the hub's load: every loadInterval it
// takes the rooms' tick lateness and the runtime's scheduling latency
// (sched_latency.go), lets loadControl decide, and publishes
// the decision in the hub's atomics, which Accept and the sessions read to
// refuse newcomers and the rooms read at each tick to set their send rates.
// It also writes the abuse log's lines that are due. One timer at a time,
// as the rooms do, stopped when it stops.
type governor struct {
	hub   *Hub
	ctl   loadControl
	sched *schedLatency
	timer *time.Timer
}

type governorTick struct{}

func newGovernor(h *Hub) actor.Producer {
	return func() actor.Receiver { return &governor{hub: h, sched: newSchedLatency()} }
}

func (g *governor) Receive(c *actor.Context) {
	switch c.Message().(type) {
	case governorTick:
		g.sample(time.Now())
		g.schedule(c)
	case actor.Started:
		g.schedule(c)
	case actor.Stopped:
		if g.timer != nil {
			g.timer.Stop()
		}
	}
}

func (g *governor) schedule(c *actor.Context) {
	e, pid := c.Engine(), c.PID()
	g.timer = time.AfterFunc(loadInterval, func() { e.Send(pid, governorTick{}) })
}

// awakeRooms counts the rooms that tick at their rate: those with players
// (seats held for a resume included) or joins under way. The idle ones
// are read first, so that a room starting between the two reads counts
// as awake rather than not at all.
func (h *Hub) awakeRooms() int64 {
	idle := h.stats.roomsIdle.Load()
	return h.stats.rooms.Load() - idle
}

// sample runs the control once and publishes what it decided.
func (g *governor) sample(now time.Time) {
	h := g.hub
	o := h.opts.Load()
	late, ticks := h.late.take()
	wait := g.sched.take(schedQuantile)
	if ticks > 0 {
		late = max(late, float64(wait)*float64(o.Room.TickRate)/float64(time.Second))
	}
	if f := h.loadSource.Load(); f != nil {
		late = (*f)()
	}
	idle := ticks == 0 && h.awakeRooms() <= 0
	wasOver, wasLevel := g.ctl.overloaded, g.ctl.level
	changed := g.ctl.update(late, idle, now, o.Overload, sendLevels(o))
	h.stats.lateMilli.Store(int64(g.ctl.smooth * 1000))
	h.abuse.flush()
	if idle || o.Overload.Disabled {
		h.stopRamp() // nobody to protect, or no response wanted
	}
	if !changed {
		return
	}
	if !g.ctl.overloaded && wasOver && !idle && !o.Overload.Disabled {
		// Before the flag clears, so that no newcomer finds the doors
		// open in between.
		h.startRamp(now, h.stats.sessions.Load(), o.Overload.RecoverAfter)
	}
	h.sendLevel.Store(int32(g.ctl.level))
	h.overloaded.Store(g.ctl.overloaded)
	switch {
	case g.ctl.level > wasLevel:
		h.stats.sendLowered.Add(int64(g.ctl.level - wasLevel))
	case g.ctl.level < wasLevel:
		h.stats.sendRaised.Add(int64(wasLevel - g.ctl.level))
	}
	if g.ctl.overloaded && !wasOver {
		h.stats.overloads.Add(1)
		h.stopRamp()
	}
	rate := scaledSendRate(o.Room.SendRate, g.ctl.level, o.Overload.MinSendRate)
	attrs := []any{"lateness_ticks", g.ctl.smooth, "send_level", g.ctl.level, "default_send_rate", rate}
	switch {
	case g.ctl.overloaded && !wasOver:
		h.log.Warn("overloaded: the server runs late; refusing new connections and joins, lowering send rates", attrs...)
	case !g.ctl.overloaded && wasOver && idle:
		h.log.Warn("load back to normal: no room is playing; taking new connections and joins again", attrs...)
	case !g.ctl.overloaded && wasOver && o.Overload.Disabled:
		h.log.Warn("overload response turned off: taking new connections and joins again", attrs...)
	case !g.ctl.overloaded && wasOver:
		h.log.Warn("load back to normal: taking new connections and joins again, at a pace", attrs...)
	default:
		h.log.Info("send rates changed for load", attrs...)
	}
}
