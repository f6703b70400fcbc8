package client

import (
	"fmt"

	"github.com/tickroom/tickroom/world"
)

// mirror keeps the latest state and the recent states diffs may name as
// their baseline.
type mirror struct {
	schemas []world.Schema
	states  map[uint32]world.State // by tick
	ticks   []uint32               // ring order of states, oldest first
	limit   int
	current world.State
}

func newMirror(limit int) *mirror {
	return &mirror{states: make(map[uint32]world.State), limit: limit}
}

// errNoBaseline means a diff named a state the client no longer has.
type errNoBaseline struct{ base uint32 }

func (e errNoBaseline) Error() string { return fmt.Sprintf("baseline tick %d not kept", e.base) }

// apply applies a decoded snapshot or diff. Frames older than the current
// state are ignored: the newest state always wins.
func (m *mirror) apply(d *world.Delta) (applied bool, err error) {
	if m.schemas == nil {
		return false, fmt.Errorf("state before welcome")
	}
	if d.Tick <= m.current.Tick && m.current.Tick != 0 {
		return false, nil
	}
	var base world.State
	if !d.Full() {
		var ok bool
		if base, ok = m.states[d.Base]; !ok {
			return false, errNoBaseline{d.Base}
		}
	}
	next, err := world.Apply(m.schemas, base, d)
	if err != nil {
		return false, err
	}
	m.keep(next)
	m.current = next
	return true, nil
}

func (m *mirror) keep(s world.State) {
	m.states[s.Tick] = s
	m.ticks = append(m.ticks, s.Tick)
	for len(m.ticks) > m.limit {
		delete(m.states, m.ticks[0])
		m.ticks = m.ticks[1:]
	}
}

// reset forgets every state, after a room change.
func (m *mirror) reset(schemas []world.Schema) {
	m.schemas = schemas
	clear(m.states)
	m.ticks = m.ticks[:0]
	m.current = world.State{}
}
