package client

import (
	"iter"

	"github.com/tickroom/tickroom/world"
)

// View is one state of the client's mirror with the schemas of its room,
// so that a program that knows a game only by its type and field names can
// read it: look the indexes up once (TypeByName, FieldByName), then read
// entities by index. A View is never modified; it may be kept.
type View struct {
	State   world.State
	Schemas []world.Schema // the welcome's; nil when the client is in no room
}

// View returns the newest state as a View.
func (c *Client) View() View {
	c.mu.Lock()
	defer c.mu.Unlock()
	return View{State: c.mirror.current, Schemas: c.mirror.schemas}
}

// Tick is the tick of the state.
func (v View) Tick() uint32 { return v.State.Tick }

// TypeByName returns the index of the entity type called name.
func (v View) TypeByName(name string) (int, bool) {
	for i, s := range v.Schemas {
		if s.Name == name {
			return i, true
		}
	}
	return 0, false
}

// FieldByName returns the index of field name of entity type typ.
func (v View) FieldByName(typ int, name string) (int, bool) {
	if typ < 0 || typ >= len(v.Schemas) {
		return 0, false
	}
	i := v.Schemas[typ].FieldIndex(name)
	return i, i >= 0
}

// Entity returns the entity with id id.
func (v View) Entity(id world.EntityID) (Entity, bool) {
	e, ok := v.State.Find(id)
	if !ok || int(e.Type) >= len(v.Schemas) {
		return Entity{}, false
	}
	return v.entity(e), true
}

// Entities yields the entities of type typ in id order; a negative typ
// yields every entity.
func (v View) Entities(typ int) iter.Seq[Entity] {
	return func(yield func(Entity) bool) {
		for _, e := range v.State.Entities {
			if (typ < 0 || int(e.Type) == typ) && int(e.Type) < len(v.Schemas) && !yield(v.entity(e)) {
				return
			}
		}
	}
}

func (v View) entity(e world.EntityState) Entity {
	return Entity{ID: e.ID, Type: int(e.Type), Values: e.Values, Schema: &v.Schemas[e.Type]}
}

// Entity is one entity of a View. Its getters take a field index (from
// View.FieldByName) and read the field as the schema says; an index out of
// range panics, as a slice index does. A private field of an entity the
// client does not own reads as zero.
type Entity struct {
	ID     world.EntityID
	Type   int
	Values []world.Value // one per field, shared with the state: do not modify
	Schema *world.Schema // the entity's type
}

// TypeName is the name of the entity's type.
func (e Entity) TypeName() string { return e.Schema.Name }

// Int returns numeric field f as the integer on the wire (for a Float
// field, in quanta).
func (e Entity) Int(f int) int64 { return e.Values[f].I }

// Float returns field f in units: a Float field's integer times its
// quantum (world.Field.Float); other numeric fields as their integer.
func (e Entity) Float(f int) float64 { return e.Schema.Fields[f].Float(e.Values[f]) }

// Bool returns Bool field f.
func (e Entity) Bool(f int) bool { return e.Values[f].I != 0 }

// String returns String field f.
func (e Entity) String(f int) string { return e.Values[f].S }
