package actors

// retired remembers the newest of the names a room or the lobby has
// retired: resume tokens that were replaced or whose seat ended, ids and
// join codes of rooms that were disposed. A client that shows one is late,
// not guessing (its seat expired, its room ended while it was away), so
// its refusal does not spend the guessing budget: that budget is for
// names that never existed, and players behind one address whose seats
// expire together must still be able to join again. Remembering a retired
// name gives nothing away: it opens nothing.
//
// It is bounded: past its capacity the oldest name is forgotten, and a
// client that shows a forgotten one merely pays for a miss.
type retired struct {
	names map[string]struct{}
	ring  []string // in retirement order, a circle once full
	next  int
}

func newRetired(capacity int) retired {
	return retired{names: make(map[string]struct{}, capacity), ring: make([]string, 0, capacity)}
}

// add remembers name, forgetting the oldest past the capacity.
func (r *retired) add(name string) {
	if name == "" || cap(r.ring) == 0 {
		return
	}
	if _, ok := r.names[name]; ok {
		return
	}
	if len(r.ring) < cap(r.ring) {
		r.ring = append(r.ring, name)
	} else {
		delete(r.names, r.ring[r.next])
		r.ring[r.next] = name
		r.next = (r.next + 1) % len(r.ring)
	}
	r.names[name] = struct{}{}
}

// has reports whether name was retired and is still remembered.
func (r *retired) has(name string) bool {
	_, ok := r.names[name]
	return ok
}
