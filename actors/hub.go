package actors

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/anthdm/hollywood/actor"
	"github.com/tickroom/tickroom/netcode"
	"github.com/tickroom/tickroom/transports"
)

// Hub owns the actor engine, the lobby and every session. It is the
// transports.Handler that turns accepted links into session actors.
type Hub struct {
	// Static after NewHub.
	engine   *actor.Engine
	lobby    *actor.PID
	events   *actor.PID
	governor *actor.PID
	start    time.Time // server time zero
	log      *slog.Logger
	mw       actor.MiddlewareFunc
	obs      Observer
	abuse    *abuseLog
	cl       *clusterNode // nil for a hub alone

	opts     atomic.Pointer[Options] // current options; sessions read them per frame
	mu       sync.Mutex              // orders Accept's sessions.Add before Shutdown's Wait
	closing  bool                    // guarded by mu: Shutdown began, Accept refuses
	sessions sync.WaitGroup          // one per live session actor
	links    sync.Map                // session id → transports.Link, while the session lives
	stats    counters
	guesses  addrBudget   // per address: resumes and joins by id that found nothing
	users    userSessions // authenticated sessions by user id

	// The load and the response to it: the rooms add to late at each
	// tick; the governor alone stores the rest, which sessions and rooms
	// read (see OverloadOptions).
	late       tickLateness
	overloaded atomic.Bool
	sendLevel  atomic.Int32                   // steps the send rates are lowered by; 0: as configured
	ramp       atomic.Pointer[admitRamp]      // paces newcomers after an overload; nil: none
	loadSource atomic.Pointer[func() float64] // replaces the measured lateness, in tests
}

var _ transports.Handler = (*Hub)(nil)

// NewHub starts an engine with the lobby and an event logger. It fails
// when o names no game modes or a default mode that is not one of them.
func NewHub(o Options) (*Hub, error) {
	o, err := o.withDefaults()
	if err != nil {
		return nil, err
	}
	h := &Hub{start: time.Now(), log: o.Logger, obs: o.Observer,
		abuse: newAbuseLog(o.Logger, o.Limits.LogInterval)}
	cfg := actor.NewEngineConfig()
	if o.Cluster != nil {
		if h.cl, err = newClusterNode(h, *o.Cluster); err != nil {
			return nil, err
		}
		cfg = cfg.WithRemote(lateRemote{h.cl.remote})
	}
	e, err := actor.NewEngine(cfg)
	if err != nil {
		return nil, fmt.Errorf("new actor engine: %w", err)
	}
	h.engine = e
	h.opts.Store(&o)
	h.guesses.set(o.Limits.AddrMissesPerMinute, o.Limits.AddrMissBurst)
	h.mw = recoverer(h.log, &h.stats.panics)
	events := &eventLogger{log: h.log}
	if h.cl != nil {
		provider := actor.NewPID(e.Address(), "provider/"+h.cl.self)
		events.unreachable = func(addr string) { e.Send(provider, hostDown{addr: addr}) }
		h.cl.relay = e.Spawn(newRelay(h), "relay", actor.WithID("main"), actor.WithMiddleware(h.mw))
	}
	h.events = e.Spawn(func() actor.Receiver { return events }, "events",
		actor.WithID("log"), actor.WithMiddleware(h.mw))
	h.lobby = e.Spawn(newLobby(h, o), "lobby",
		actor.WithID("main"), actor.WithMiddleware(h.mw))
	h.governor = e.Spawn(newGovernor(h), "governor",
		actor.WithID("main"), actor.WithMiddleware(h.mw))
	if h.cl != nil {
		if err := h.cl.remote.Start(e); err != nil {
			_ = h.Shutdown(context.Background())
			return nil, fmt.Errorf("actors: cluster: %w", err)
		}
		h.cl.router = routerOf(h.cl.remote)
	}
	return h, nil
}

// Reconfigure applies new options: session limits at once, room options
// and the modes' reloaded settings at each room's next tick. The modes
// themselves are fixed: o must name the same ones, and their NewGame makes
// the games of rooms created from now on.
func (h *Hub) Reconfigure(o Options) error {
	o, err := o.withDefaults()
	if err != nil {
		return err
	}
	old := h.opts.Load()
	if len(o.Modes) != len(old.Modes) {
		return errors.New("actors: reconfigure: the game modes cannot change")
	}
	for name := range old.Modes {
		if _, ok := o.Modes[name]; !ok {
			return fmt.Errorf("actors: reconfigure: mode %q is gone; the game modes cannot change", name)
		}
	}
	h.opts.Store(&o)
	h.guesses.set(o.Limits.AddrMissesPerMinute, o.Limits.AddrMissBurst)
	h.abuse.setInterval(o.Limits.LogInterval)
	h.engine.Send(h.lobby, reconfigure{opts: o})
	return nil
}

// SessionsByTransport counts live sessions by the transport their link uses
// now (a session that upgraded counts under its new transport).
func (h *Hub) SessionsByTransport() map[string]int {
	n := make(map[string]int)
	h.links.Range(func(_, v any) bool {
		n[v.(transports.Link).Transport()]++
		return true
	})
	return n
}

// Stats returns the hub's counters.
func (h *Hub) Stats() Stats {
	s := h.stats.snapshot()
	if h.overloaded.Load() {
		s.Overloaded = 1
	}
	s.SendLevel = int64(h.sendLevel.Load())
	return s
}

// Overloaded reports whether the hub refuses newcomers (new connections
// and joins get server_busy) because it runs late (see
// OverloadOptions); connections that come back to resume a seat are still
// taken. The transport refuses new connections before their upgrade when
// its Options.Busy is Hub.Busy; a server should also report not ready.
func (h *Hub) Overloaded() bool { return h.overloaded.Load() }

// RetryAfter is how long a client refused for load should wait before it
// tries again: the least time the hub takes to recover
// (OverloadOptions.RecoverAfter).
func (h *Hub) RetryAfter() time.Duration { return h.opts.Load().Overload.RecoverAfter }

// ServerTime is milliseconds since the hub started: the clock diffs and
// pongs carry, so a client can map ticks to time.
func (h *Hub) ServerTime() uint32 { return uint32(time.Since(h.start).Milliseconds()) }

// Shutdown waits for the sessions to end (their links must be closed first,
// see transports.Server.Close), then stops the lobby and its rooms and waits
// for them, all bounded by ctx.
func (h *Hub) Shutdown(ctx context.Context) error {
	h.mu.Lock()
	h.closing = true
	h.mu.Unlock()
	done := make(chan struct{})
	go func() { h.sessions.Wait(); close(done) }()
	var errs []error
	select {
	case <-done:
	case <-ctx.Done():
		errs = append(errs, fmt.Errorf("waiting for sessions: %w", ctx.Err()))
	}
	stop := func(pids ...*actor.PID) {
		for _, pid := range pids {
			select {
			case <-h.engine.PoisonCtx(ctx, pid).Done():
			case <-ctx.Done():
				errs = append(errs, fmt.Errorf("stopping %s: %w", pid, ctx.Err()))
			}
		}
	}
	stop(h.lobby)
	if h.cl != nil {
		// The relay outlives the rooms, which tell other nodes' players
		// through it that their seats ended; the cluster stops once those
		// messages have arrived.
		if err := h.cl.stop(ctx); err != nil {
			errs = append(errs, err)
		}
		stop(h.cl.relay)
	}
	stop(h.governor, h.events)
	return errors.Join(errs...)
}

// Rooms returns a page of the public rooms (see netcode.List for the
// query), for listings outside a connection such as the server's HTTP one.
// It asks the lobby and waits at most until ctx ends, or a second.
func (h *Hub) Rooms(ctx context.Context, q netcode.List) (*netcode.Rooms, error) {
	timeout := time.Second
	if d, ok := ctx.Deadline(); ok {
		timeout = min(timeout, time.Until(d))
	}
	res, err := h.engine.Request(h.lobby, listRequest{list: q}, timeout).Result()
	if err != nil {
		return nil, fmt.Errorf("list rooms: %w", err)
	}
	rooms, ok := res.(*netcode.Rooms)
	if !ok {
		return nil, fmt.Errorf("list rooms: unexpected answer %T", res)
	}
	return rooms, nil
}
