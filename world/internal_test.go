package world

import "testing"

// TestJournalFirstChangeOnly: a field's first change in a tick costs one
// record, later writes in the same tick none, and writes in the spawn tick
// none (they are part of the spawn).
func TestJournalFirstChangeOnly(t *testing.T) {
	t.Parallel()
	w := New(journalSchemas, Options{})
	w.Advance()
	e := w.Spawn(0)
	e.SetFloat(fx, 5)
	e.SetString(fname, "ann")
	if got := len(w.journal.slot(1).recs); got != 1 {
		t.Fatalf("spawn tick: %d records, want 1 (the spawn)", got)
	}
	w.Advance()
	for i := range 5 {
		e.SetInt(fx, int64(i+100))
	}
	e.SetInt(fscore, 0) // unchanged: no record
	if got := len(w.journal.slot(2).recs); got != 1 {
		t.Fatalf("5 writes of one field: %d records, want 1", got)
	}
	e.SetString(fname, "bob")
	e.SetString(fname, "ann")
	recs := w.journal.slot(2).recs
	if len(recs) != 2 || recs[0].old.I != 50 || recs[1].old.S != "ann" {
		t.Fatalf("records %+v, want the old x (50) and the old name", recs)
	}
}

// journalSchemas is one entity type with a float, an int and a string.
var journalSchemas = []Schema{{Name: "mover", Fields: []Field{
	{Name: "x", Type: Float, Quantum: 0.1},
	{Name: "score", Type: Int},
	{Name: "name", Type: String},
}}}

const (
	fx     = 0
	fscore = 1
	fname  = 2
)
