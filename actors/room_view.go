package actors

import (
	"slices"

	"github.com/tickroom/tickroom/world"
)

// Visibility (world.VisibilityHook): a player sees only some entities, so
// its state is cut to its view, and a diff must also add what it started to
// see and remove what it stopped seeing since its baseline. As in Quake 3,
// the room remembers the view of each state it sent a player, and builds the
// next diff from the view at the player's baseline. Players with the same
// baseline, the same view now and the same view then share one body.

// viewKey is a view now and at a baseline, with a hash to tell keys apart
// quickly.
type viewKey struct {
	now, then []world.EntityID // sorted; then is nil for a snapshot
	hash      uint64
}

func (k *viewKey) same(o *viewKey) bool {
	if k == nil || o == nil {
		return k == o
	}
	return k.hash == o.hash && slices.Equal(k.now, o.now) && slices.Equal(k.then, o.then)
}

// sentView is the view of one state a seat was sent.
type sentView struct {
	tick uint32
	ok   bool
	ids  []world.EntityID
}

// viewScratch is the room's reusable memory for views, filtered deltas and
// private sections.
type viewScratch struct {
	keys     []viewKey // one per seat of the send being built
	filtered world.Delta
	priv     []world.Change
	privVals []world.Value
	section  []byte
}

// viewOf computes what s sees now and finds its view at base, returning
// the key and the baseline to use: 0 when the view at base is not known.
func (r *room) viewOf(s *seat, base uint32) (*viewKey, uint32) {
	i := len(r.views.keys)
	if i < cap(r.views.keys) {
		r.views.keys = r.views.keys[:i+1]
	} else {
		r.views.keys = append(r.views.keys, viewKey{})
	}
	k := &r.views.keys[i]
	k.now = k.now[:0]
	for _, e := range r.w.Entities() {
		if e.Owner() == s.player || r.hook.visibility.Visible(r.w, s.player, e) {
			k.now = append(k.now, e.ID())
		}
	}
	k.then = nil
	if base != 0 {
		var ok bool
		if k.then, ok = s.viewAt(base); !ok {
			base = 0
		}
	}
	k.hash = hashIDs(hashIDs(14695981039346656037, k.now), k.then)
	return k, base
}

func hashIDs(h uint64, ids []world.EntityID) uint64 {
	for _, id := range ids {
		h = (h ^ uint64(id)) * 1099511628211 // FNV-1a, an id at a time
	}
	return (h ^ 0xff) * 1099511628211 // a separator, so [1][2] and [1 2][] differ
}

// filter cuts d, the world's delta from k's baseline, to k's view: entities
// seen now and not then are added whole, entities seen then and not now
// are removed, and changes are kept for entities seen both times.
func (v *viewScratch) filter(w *world.World, d *world.Delta, k *viewKey) *world.Delta {
	out := &v.filtered
	out.Reset()
	out.Tick, out.Base = d.Tick, d.Base
	then := k.then
	for _, id := range k.now {
		if _, seen := slices.BinarySearch(then, id); !seen {
			e := w.Entity(id)
			out.Added = append(out.Added, world.EntityState{ID: id, Type: uint8(e.Type()), Values: e.Values(), Owner: e.Owner()})
		}
	}
	if d.Base == 0 {
		return out
	}
	for _, c := range d.Changed {
		_, inNow := slices.BinarySearch(k.now, c.ID)
		_, inThen := slices.BinarySearch(then, c.ID)
		if inNow && inThen {
			out.Changed = append(out.Changed, c)
		}
	}
	for _, id := range then {
		if _, seen := slices.BinarySearch(k.now, id); !seen {
			out.Removed = append(out.Removed, id)
		}
	}
	return out
}

// rememberView records the view of the state of tick just sent to s. A
// seat remembers the views of the room's history ticks, indexed by tick
// (sends need not be evenly spaced), so any baseline the world can diff
// from has its view; the slots of ticks without a send stay empty. Room
// goroutine only.
func (s *seat) rememberView(tick uint32, ids []world.EntityID, history int) {
	if len(s.views) != history {
		s.views = make([]sentView, history) // a reload changed the history: start over
	}
	slot := &s.views[int(tick%uint32(history))]
	slot.tick, slot.ok = tick, true
	slot.ids = append(slot.ids[:0], ids...)
}

// viewAt returns the view of the state of tick sent to s, nil when it is
// not remembered (never sent, or too old).
func (s *seat) viewAt(tick uint32) ([]world.EntityID, bool) {
	if len(s.views) == 0 {
		return nil, false
	}
	if slot := &s.views[int(tick%uint32(len(s.views)))]; slot.ok && slot.tick == tick {
		return slot.ids, true
	}
	return nil, false
}
