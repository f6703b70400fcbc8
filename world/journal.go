package world

// Record kinds other than a field index.
const (
	recSpawn  int16 = -1
	recRemove int16 = -2
)

// record is one journal entry: a field's first change in a tick (with the
// value it had before), a spawn, or a removal.
type record struct {
	id      EntityID
	field   int16 // field index, recSpawn or recRemove
	created uint32
	old     Value
}

// journal keeps the records of the last len(slots) ticks in a ring. Slots keep
// their backing arrays, so a steady world journals without allocating.
type journal struct {
	slots  []slot
	oldest uint32 // oldest tick whose records are all present
}

type slot struct {
	tick uint32
	recs []record
}

func newJournal(history int, tick uint32) journal {
	return journal{slots: make([]slot, history), oldest: tick}
}

func (j *journal) slot(t uint32) *slot { return &j.slots[t%uint32(len(j.slots))] }

// begin starts tick t, reusing the slot of tick t-len(slots).
func (j *journal) begin(t uint32) {
	s := j.slot(t)
	s.tick, s.recs = t, s.recs[:0]
	if n := uint32(len(j.slots)); t >= n && t-n+1 > j.oldest {
		j.oldest = t - n + 1
	}
}

func (j *journal) add(t uint32, r record) {
	s := j.slot(t)
	s.recs = append(s.recs, r)
}

// covers reports whether the records of every tick after base up to tick are
// still held.
func (j *journal) covers(base, tick uint32) bool {
	return base >= 1 && base <= tick && base+1 >= j.oldest
}
