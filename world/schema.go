package world

import (
	"errors"
	"fmt"
)

// MaxFields is the most fields a schema may have: deltas name changed fields
// with a 64-bit mask.
const MaxFields = 64

// FieldType is the type of one entity field.
type FieldType uint8

// Field types. Every type but String is stored as an int64, so the tracker and
// the delta code treat them alike.
const (
	Int    FieldType = iota + 1 // signed integer
	Float                       // float quantized to multiples of Field.Quantum
	Bool                        // 0 or 1
	String                      // short text, at most Field.MaxLen bytes
)

func (t FieldType) String() string {
	switch t {
	case Int:
		return "int"
	case Float:
		return "float"
	case Bool:
		return "bool"
	case String:
		return "string"
	}
	return fmt.Sprintf("FieldType(%d)", uint8(t))
}

// DefaultMaxLen bounds String fields whose MaxLen is zero.
const DefaultMaxLen = 32

// Field describes one typed field of an entity type.
type Field struct {
	Name string
	Type FieldType
	// Quantum is the resolution of a Float field: values are stored as
	// round(v/Quantum), so both ends see the same number and the wire carries
	// small integers. It must be positive for Float fields.
	Quantum float64
	// MaxLen bounds a String field in bytes; longer values are cut. Zero means
	// DefaultMaxLen.
	MaxLen int
	// Private fields are sent only to the player who owns the entity
	// (World.SpawnOwned): its ammo, its hand of cards. Every other player
	// reads the field as zero.
	Private bool
}

// Schema describes one entity type: its name and ordered fields. Field order
// is the wire order, so changing it is a protocol change for that game.
type Schema struct {
	Name   string
	Fields []Field
}

// ErrInvalidSchema reports a schema that cannot be used.
var ErrInvalidSchema = errors.New("invalid schema")

// Validate reports the first problem with s.
func (s Schema) Validate() error {
	if s.Name == "" {
		return fmt.Errorf("%w: empty name", ErrInvalidSchema)
	}
	if len(s.Fields) == 0 || len(s.Fields) > MaxFields {
		return fmt.Errorf("%w: %s has %d fields, want 1..%d", ErrInvalidSchema, s.Name, len(s.Fields), MaxFields)
	}
	for i, f := range s.Fields {
		switch f.Type {
		case Int, Bool, String:
		case Float:
			if !(f.Quantum > 0) {
				return fmt.Errorf("%w: %s.%s: float needs a positive quantum", ErrInvalidSchema, s.Name, f.Name)
			}
		default:
			return fmt.Errorf("%w: %s field %d: unknown type %d", ErrInvalidSchema, s.Name, i, f.Type)
		}
	}
	return nil
}

// PrivateMask has bit i set for each private field i.
func (s Schema) PrivateMask() uint64 {
	var m uint64
	for i, f := range s.Fields {
		if f.Private {
			m |= 1 << i
		}
	}
	return m
}

// FieldIndex returns the index of the field called name, or -1: clients and
// tools that know a game only by its schemas find fields by name.
func (s Schema) FieldIndex(name string) int {
	for i, f := range s.Fields {
		if f.Name == name {
			return i
		}
	}
	return -1
}

// Float returns v, a value of Float field f, in the field's units: the
// quantized integer times the quantum. Other numeric fields read as their
// integer.
func (f Field) Float(v Value) float64 {
	if f.Type == Float {
		return float64(v.I) * f.Quantum
	}
	return float64(v.I)
}

func (f Field) maxLen() int {
	if f.MaxLen > 0 {
		return f.MaxLen
	}
	return DefaultMaxLen
}

// Value is one field value: I for numeric types, S for strings.
type Value struct {
	I int64
	S string
}
