package netcode

// StateHead is where a state frame stands: its tick, its baseline and the
// client's input ack. A client that only follows progress (a load tester's
// bot) needs nothing else, and decoding the entities costs most of what a
// state frame costs such a client.
type StateHead struct {
	Tick       uint32
	Base       uint32 // 0 for a snapshot
	ServerTime uint32
	InputAck   uint32
}

// DecodeStateHead decodes the head of a snapshot or diff into h without
// allocating. It reads the fields before the entities and neither reads nor
// validates the rest, so a frame it accepts may still be one DecodeServer
// rejects. For any other known kind it returns ErrUnexpectedKind itself,
// unwrapped and without allocating, so a caller can fall back to
// DecodeServer. On error *h is left unchanged.
func DecodeStateHead(frame []byte, h *StateHead) error {
	r := reader{b: frame}
	n, err := r.head()
	if err != nil {
		return err
	}
	want := 5
	switch r.kind {
	case KindSnapshot:
	case KindDiff:
		want = 8
	default:
		return ErrUnexpectedKind
	}
	if n != want && n != want+1 { // a private section may follow the input ack
		return r.fail("%d elements, want %d or %d", n, want, want+1)
	}
	var out StateHead
	if out.Tick, err = r.u32("tick"); err != nil {
		return err
	}
	if r.kind == KindDiff {
		if out.Base, err = r.u32("baseline"); err != nil {
			return err
		}
		if out.Base == 0 || out.Base > out.Tick {
			return r.fail("baseline %d for tick %d", out.Base, out.Tick)
		}
	}
	if out.ServerTime, err = r.u32("server time"); err != nil {
		return err
	}
	if out.InputAck, err = r.u32("input ack"); err != nil {
		return err
	}
	*h = out
	return nil
}
