package client

import "github.com/tickroom/tickroom/world"

// Change is what one applied state changed in the mirror, for
// Options.OnChange: the entities it added, changed and removed, compared
// with the state before it, each list in id order. The comparison is with
// the previous state the client applied, not with the diff's baseline,
// which may be older; the first state in a room adds every entity.
type Change struct {
	Prev    View // the mirror before the state (empty after a welcome)
	Next    View // the state just applied
	Added   []world.EntityID
	Changed []EntityChange
	Removed []world.EntityID // their last values are in Prev
}

// EntityChange is an entity whose values changed, and which fields did.
type EntityChange struct {
	ID     world.EntityID
	Fields uint64 // bit i is set when field i changed
}

// Has reports whether field f changed.
func (c EntityChange) Has(f int) bool { return f >= 0 && f < 64 && c.Fields&(1<<f) != 0 }

// changeOf compares two states whose entities are sorted by id. An entity
// whose type changed is removed and added (ids are never reused, so this
// never happens with a conforming server).
func changeOf(prev, next View) Change {
	ch := Change{Prev: prev, Next: next}
	a, b := prev.State.Entities, next.State.Entities
	i, j := 0, 0
	for i < len(a) || j < len(b) {
		switch {
		case j == len(b) || i < len(a) && a[i].ID < b[j].ID:
			ch.Removed = append(ch.Removed, a[i].ID)
			i++
		case i == len(a) || b[j].ID < a[i].ID:
			ch.Added = append(ch.Added, b[j].ID)
			j++
		default:
			x, y := a[i], b[j]
			i++
			j++
			if x.Type != y.Type || len(x.Values) != len(y.Values) {
				ch.Removed = append(ch.Removed, x.ID)
				ch.Added = append(ch.Added, y.ID)
				continue
			}
			var mask uint64
			for f := range y.Values {
				if x.Values[f] != y.Values[f] {
					mask |= 1 << f
				}
			}
			if mask != 0 {
				ch.Changed = append(ch.Changed, EntityChange{ID: y.ID, Fields: mask})
			}
		}
	}
	return ch
}
