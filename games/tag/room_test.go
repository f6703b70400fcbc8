package tag_test

import (
	"fmt"
	"slices"
	"time"

	"github.com/tickroom/tickroom/world"
)

// fakeRoom is a world.Room without a server, for driving a game in a test:
// it records events, lock and metadata, and runs timers at the ticks the
// driver advances to, in the order a real room does.
type fakeRoom struct {
	w        *world.World
	step     time.Duration
	events   []string // "tick type payload", in order
	locked   bool
	metadata map[string]any
	players  []world.Player
	timers   []*fakeTimer
	nextID   world.TimerID
}

type fakeTimer struct {
	id    world.TimerID
	due   uint32
	every uint32
	f     func(*world.World)
}

var _ world.Room = (*fakeRoom)(nil)

func (r *fakeRoom) ID() string       { return "fake" }
func (r *fakeRoom) Name() string     { return "fake" }
func (r *fakeRoom) Mode() string     { return "tag" }
func (r *fakeRoom) JoinCode() string { return "" }
func (r *fakeRoom) Tick() uint32     { return r.w.Tick() }
func (r *fakeRoom) Players() []world.Player {
	return slices.Clone(r.players)
}
func (r *fakeRoom) Player(p world.PlayerID) (world.Player, bool) {
	for _, pl := range r.players {
		if pl.ID == p {
			return pl, true
		}
	}
	return world.Player{}, false
}
func (r *fakeRoom) Send(p world.PlayerID, typ string, payload any) error {
	r.events = append(r.events, fmt.Sprintf("%d %s to %d %v", r.w.Tick(), typ, p, payload))
	return nil
}
func (r *fakeRoom) Broadcast(typ string, payload any, except ...world.PlayerID) error {
	r.events = append(r.events, fmt.Sprintf("%d %s %v", r.w.Tick(), typ, payload))
	return nil
}
func (r *fakeRoom) Kick(world.PlayerID, string) {}
func (r *fakeRoom) Lock()                       { r.locked = true }
func (r *fakeRoom) Unlock()                     { r.locked = false }
func (r *fakeRoom) Locked() bool                { return r.locked }
func (r *fakeRoom) SetMetadata(m map[string]any) error {
	r.metadata = m
	return nil
}
func (r *fakeRoom) Close(string) {}
func (r *fakeRoom) After(d time.Duration, f func(*world.World)) world.TimerID {
	return r.add(d, false, f)
}
func (r *fakeRoom) Every(d time.Duration, f func(*world.World)) world.TimerID {
	return r.add(d, true, f)
}
func (r *fakeRoom) Cancel(id world.TimerID) {
	r.timers = slices.DeleteFunc(r.timers, func(t *fakeTimer) bool { return t.id == id })
}

func (r *fakeRoom) add(d time.Duration, repeat bool, f func(*world.World)) world.TimerID {
	n := uint32(max((d+r.step-1)/r.step, 1))
	r.nextID++
	t := &fakeTimer{id: r.nextID, due: r.w.Tick() + n, f: f}
	if repeat {
		t.every = n
	}
	r.timers = append(r.timers, t)
	return t.id
}

// fire runs the timers due now, earliest set first.
func (r *fakeRoom) fire() {
	for {
		i := slices.IndexFunc(r.timers, func(t *fakeTimer) bool { return t.due <= r.w.Tick() })
		if i < 0 {
			return
		}
		t := r.timers[i]
		if t.every > 0 {
			t.due += t.every
		} else {
			r.timers = slices.Delete(r.timers, i, i+1)
		}
		t.f(r.w)
	}
}
