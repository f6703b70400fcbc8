// Package world is Tickroom's engine: game state as plain data (entities
// with typed fields), per-field change tracking, fixed-step simulation
// through the Game interface a game implements, deltas between ticks, and
// the helpers nearly every game needs (Axis, Stick, Clamp, Countdown,
// Entity.AddFloat). Games live in their own packages (games/arena is the
// demo) and servers register them by name; world knows none of them.
//
// The package does no I/O and never reads the clock: a room passes the tick
// duration to Step and the world counts ticks itself. Given the same seed and
// the same inputs in the same order, a world reaches the same states, which is
// what makes replays and the property tests possible.
//
// # Change tracking
//
// Every field write that changes a value appends one record, holding the old
// value, to a journal slot for the current tick; later writes in the same tick
// are free. The journal keeps the last History ticks. DeltaSince(base) walks the
// slots after base, so its cost follows what changed, not the size of the
// world. A base older than the journal (or zero, "no baseline") yields a full
// snapshot instead.
//
// # Deltas
//
// A Delta carries added entities with all their values, removed entity ids,
// and for each changed entity a field mask plus one value per set bit: the
// difference from the baseline for numeric fields (ints, quantized floats,
// bools) and the new text for strings. Applying a delta therefore needs the
// exact baseline state, as in Quake 3's delta against the last acknowledged
// snapshot; numeric differences are small and encode in one or two bytes.
package world
