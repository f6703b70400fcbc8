package netcode

import (
	"fmt"
	"math"

	"github.com/tickroom/tickroom/world"
)

// CheckSchemas reports whether a game's schemas fit the wire: at most
// MaxSchemas, each valid for world, names of at most MaxSchemaNameLen bytes,
// finite non-negative quanta and String lengths of at most MaxValueLen. A
// room should check its game once at creation; a welcome for schemas that
// fail cannot be encoded.
func CheckSchemas(schemas []world.Schema) error {
	if len(schemas) > MaxSchemas {
		return fmt.Errorf("%d schemas, limit %d", len(schemas), MaxSchemas)
	}
	for i, s := range schemas {
		if err := checkSchema(s); err != nil {
			return fmt.Errorf("schema %d: %w", i, err)
		}
	}
	return nil
}

func checkSchema(s world.Schema) error {
	if err := s.Validate(); err != nil {
		return err
	}
	if len(s.Name) > MaxSchemaNameLen {
		return fmt.Errorf("name: %d bytes, limit %d", len(s.Name), MaxSchemaNameLen)
	}
	for _, f := range s.Fields {
		if len(f.Name) > MaxSchemaNameLen {
			return fmt.Errorf("%s field name: %d bytes, limit %d", s.Name, len(f.Name), MaxSchemaNameLen)
		}
		if math.IsNaN(f.Quantum) || math.IsInf(f.Quantum, 0) || f.Quantum < 0 {
			return fmt.Errorf("%s.%s: quantum %v", s.Name, f.Name, f.Quantum)
		}
		if f.MaxLen < 0 || f.MaxLen > MaxValueLen {
			return fmt.Errorf("%s.%s: max length %d outside [0, %d]", s.Name, f.Name, f.MaxLen, MaxValueLen)
		}
	}
	return nil
}

// Field flags, the last element of a field in a welcome's schemas.
const fieldPrivate = 1 << 0 // Field.Private

// appendSchemas writes [[name, [[field, type, quantum, maxLen, flags], …]], …].
func appendSchemas(dst []byte, schemas []world.Schema) []byte {
	dst = appendArrayLen(dst, len(schemas))
	for _, s := range schemas {
		dst = append(dst, mpFixArray|2)
		dst = appendString(dst, s.Name)
		dst = appendArrayLen(dst, len(s.Fields))
		for _, f := range s.Fields {
			var flags uint64
			if f.Private {
				flags |= fieldPrivate
			}
			dst = append(dst, mpFixArray|5)
			dst = appendString(dst, f.Name)
			dst = appendUint(dst, uint64(f.Type))
			dst = appendFloat64(dst, f.Quantum)
			dst = appendUint(dst, uint64(f.MaxLen))
			dst = appendUint(dst, flags)
		}
	}
	return dst
}

func decodeSchemas(r *reader) ([]world.Schema, error) {
	n, err := r.arrayLen("schemas", 3) // [name, []] is at least 3 bytes
	if err != nil {
		return nil, err
	}
	if n > MaxSchemas {
		return nil, r.fail("%d schemas, limit %d", n, MaxSchemas)
	}
	if n == 0 {
		return nil, nil
	}
	schemas := make([]world.Schema, n)
	for i := range schemas {
		s := &schemas[i]
		if m, err := r.arrayLen("schema", 1); err != nil {
			return nil, err
		} else if m != 2 {
			return nil, r.fail("schema: %d elements, want 2", m)
		}
		if s.Name, err = r.str("schema name", MaxSchemaNameLen); err != nil {
			return nil, err
		}
		k, err := r.arrayLen("fields", 10) // [name, type, float32, maxLen, flags] is at least 10 bytes
		if err != nil {
			return nil, err
		}
		if k == 0 || k > MaxFields {
			return nil, r.fail("schema %s: %d fields, want 1..%d", s.Name, k, MaxFields)
		}
		s.Fields = make([]world.Field, k)
		for j := range s.Fields {
			if err := decodeField(r, &s.Fields[j]); err != nil {
				return nil, err
			}
		}
		if err := checkSchema(*s); err != nil {
			return nil, r.fail("schema %d: %v", i, err)
		}
	}
	return schemas, nil
}

func decodeField(r *reader, f *world.Field) error {
	if m, err := r.arrayLen("field", 1); err != nil {
		return err
	} else if m != 5 {
		return r.fail("field: %d elements, want 5", m)
	}
	var err error
	if f.Name, err = r.str("field name", MaxSchemaNameLen); err != nil {
		return err
	}
	typ, err := r.uint("field type", math.MaxUint8)
	if err != nil {
		return err
	}
	f.Type = world.FieldType(typ)
	if f.Quantum, err = r.float("field quantum"); err != nil {
		return err
	}
	maxLen, err := r.uint("field max length", MaxValueLen)
	if err != nil {
		return err
	}
	f.MaxLen = int(maxLen)
	flags, err := r.uint("field flags", fieldPrivate)
	f.Private = flags&fieldPrivate != 0
	return err
}
