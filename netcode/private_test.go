package netcode_test

import (
	"bytes"
	"reflect"
	"slices"
	"testing"

	"github.com/tickroom/tickroom/netcode"
	"github.com/tickroom/tickroom/world"
	"pgregory.net/rapid"
)

// Fields of privSchemas.
const (
	fx     = 0 // player and crate
	fy     = 1 // player
	fname  = 2 // player
	fammo  = 3 // player, private
	fhand  = 4 // player, private
	fopen  = 1 // crate
	flootC = 2 // crate, private
)

// ownerView is s as player p sees it: its own entities whole, every other
// entity with its private fields zero. A p that owns nothing sees what a
// spectator sees.
func ownerView(s world.State, p world.PlayerID) world.State {
	out := world.State{Tick: s.Tick}
	for _, e := range s.Entities {
		vals := slices.Clone(e.Values)
		if e.Owner != p {
			for f, fd := range privSchemas[e.Type].Fields {
				if fd.Private {
					vals[f] = world.Value{}
				}
			}
		}
		out.Entities = append(out.Entities, world.EntityState{ID: e.ID, Type: e.Type, Values: vals})
	}
	return out
}

// stateFor encodes d for player p as a room does: the shared body with the
// private fields hidden, behind p's head carrying its private section.
func stateFor(d *world.Delta, p world.PlayerID) []byte {
	priv, _ := d.PrivateFor(privSchemas, p, nil, nil)
	head := netcode.AppendStateHead(nil, d, 1000, 7, netcode.AppendPrivate(nil, priv))
	return netcode.AppendStateBody(head, d, privMasks(privSchemas))
}

func decodeState(t *testing.T, frame []byte) *netcode.State {
	t.Helper()
	m, err := netcode.DecodeServer(frame)
	if err != nil {
		t.Fatalf("DecodeServer(%x): %v", frame, err)
	}
	return m.(*netcode.State)
}

// TestStateBodyHidesPrivate follows the private fields of a small world
// through a snapshot and a diff: the body carries them as zero and leaves
// out changes that touch only them; each owner's private section carries
// its own.
func TestStateBodyHidesPrivate(t *testing.T) {
	t.Parallel()
	w := world.New(privSchemas, world.Options{})
	w.Advance()
	a := w.SpawnOwned(privPlayer, 1) // id 1
	a.SetInt(fx, 50)
	a.SetString(fname, "ada")
	a.SetInt(fammo, 30)
	a.SetString(fhand, "AKQ")
	b := w.SpawnOwned(privPlayer, 2) // id 2: private fields zero
	b.SetString(fname, "bob")
	crate := w.Spawn(privCrate) // id 3, nobody's
	crate.SetInt(flootC, 99)
	base := w.Snapshot()

	var d world.Delta
	w.DeltaSince(0, &d)
	st := decodeState(t, stateFor(&d, 1))
	wantAdded := []world.EntityState{
		{ID: 1, Type: privPlayer, Values: []world.Value{{I: 50}, {}, {S: "ada"}, {}, {}}},
		{ID: 2, Type: privPlayer, Values: []world.Value{{}, {}, {S: "bob"}, {}, {}}},
		{ID: 3, Type: privCrate, Values: []world.Value{{}, {}, {}}},
	}
	if !reflect.DeepEqual(st.Delta.Added, wantAdded) {
		t.Errorf("snapshot added = %+v, want %+v", st.Delta.Added, wantAdded)
	}
	if want := []world.Change{{ID: 1, Mask: 1<<fammo | 1<<fhand, Values: []world.Value{{I: 30}, {S: "AKQ"}}}}; !reflect.DeepEqual(st.Delta.Private, want) {
		t.Errorf("player 1's private section = %+v, want %+v", st.Delta.Private, want)
	}
	// Player 2's private fields are zero: no section at all, and the frame
	// is the bare body behind a head without one.
	frame2 := stateFor(&d, 2)
	if st2 := decodeState(t, frame2); st2.Delta.Private != nil {
		t.Errorf("player 2's private section = %+v, want none", st2.Delta.Private)
	}
	if want := netcode.AppendStateBody(netcode.AppendStateHead(nil, &d, 1000, 7, nil), &d, privMasks(privSchemas)); !bytes.Equal(frame2, want) {
		t.Errorf("player 2's frame = %x, want %x", frame2, want)
	}

	w.Advance()
	a.SetInt(fx, 55)          // public
	a.SetInt(fammo, 29)       // and private: the body keeps x only
	b.SetInt(fammo, 5)        // private only: not in the body
	crate.SetInt(flootC, 100) // private, nobody's: in no state
	crate.SetBool(fopen, true)
	w.DeltaSince(base.Tick, &d)
	st = decodeState(t, stateFor(&d, 1))
	wantChanged := []world.Change{
		{ID: 1, Mask: 1 << fx, Values: []world.Value{{I: 5}}},
		{ID: 3, Mask: 1 << fopen, Values: []world.Value{{I: 1}}},
	}
	if !reflect.DeepEqual(st.Delta.Changed, wantChanged) {
		t.Errorf("diff changed = %+v, want %+v", st.Delta.Changed, wantChanged)
	}
	if want := []world.Change{{ID: 1, Mask: 1 << fammo, Values: []world.Value{{I: -1}}}}; !reflect.DeepEqual(st.Delta.Private, want) {
		t.Errorf("player 1's private section = %+v, want %+v", st.Delta.Private, want)
	}
	if st2 := decodeState(t, stateFor(&d, 2)); !reflect.DeepEqual(st2.Delta.Private, []world.Change{{ID: 2, Mask: 1 << fammo, Values: []world.Value{{I: 5}}}}) {
		t.Errorf("player 2's private section = %+v", st2.Delta.Private)
	}
	if st3 := decodeState(t, stateFor(&d, 3)); st3.Delta.Private != nil || !reflect.DeepEqual(st3.Delta.Changed, wantChanged) {
		t.Errorf("player 3's state = %+v, want the shared changes and no private section", st3.Delta)
	}
	// Each player's mirror is its own view.
	for p := world.PlayerID(1); p <= 3; p++ {
		got, err := world.Apply(privSchemas, ownerView(base, p), &decodeState(t, stateFor(&d, p)).Delta)
		if err != nil {
			t.Fatalf("player %d: Apply: %v", p, err)
		}
		if want := ownerView(w.Snapshot(), p); !world.Equal(got, want) {
			t.Errorf("player %d sees %+v, want %+v", p, got, want)
		}
	}
}

// TestAppendPrivateEmpty: no changes is no section, so the natural
// AppendStateHead(…, AppendPrivate(buf, changes)) never writes the empty
// section decoders refuse.
func TestAppendPrivateEmpty(t *testing.T) {
	t.Parallel()
	dst := []byte("keep")
	if got := netcode.AppendPrivate(dst, nil); string(got) != "keep" {
		t.Errorf("AppendPrivate(dst, nil) = %q, want dst unchanged", got)
	}
	if got := netcode.AppendPrivate(dst[:0], []world.Change{}); len(got) != 0 {
		t.Errorf("AppendPrivate(empty) = %x, want nothing", got)
	}
	d := world.Delta{Tick: 3, Base: 2}
	frame := netcode.AppendStateBody(netcode.AppendStateHead(nil, &d, 1, 1, netcode.AppendPrivate(nil, nil)), &d, nil)
	if st := decodeState(t, frame); st.Delta.Private != nil {
		t.Errorf("private = %+v, want none", st.Delta.Private)
	}
	// A section is the changed layout, byte for byte.
	cs := []world.Change{{ID: 4, Mask: 5, Values: []world.Value{{I: -1}, {S: "x"}}}, {ID: 300, Mask: 1 << 63, Values: []world.Value{{I: 1 << 40}}}}
	if got, want := netcode.AppendPrivate([]byte{0xee}, cs), append([]byte{0xee}, pl([]any{4, 5, -1, "x", 296, uint64(1) << 63, 1 << 40})...); !bytes.Equal(got, want) {
		t.Errorf("AppendPrivate = %x, want %x", got, want)
	}
}

// TestStateHeadWithPrivate: the head stays within MaxStateHeadLen before
// its private section, which it copies as is.
func TestStateHeadWithPrivate(t *testing.T) {
	t.Parallel()
	priv := netcode.AppendPrivate(nil, []world.Change{{ID: 1, Mask: 1, Values: []world.Value{{I: 1}}}})
	for _, d := range []world.Delta{{Tick: 1 << 31}, {Tick: 1 << 31, Base: 1 << 30}} {
		bare := netcode.AppendStateHead(nil, &d, 1<<31, 1<<31, nil)
		with := netcode.AppendStateHead(nil, &d, 1<<31, 1<<31, priv)
		if len(bare) > netcode.MaxStateHeadLen || len(with) != len(bare)+len(priv) || !bytes.Equal(with[len(bare):], priv) {
			t.Errorf("base %d: head %x, with private %x", d.Base, bare, with)
		}
		if with[0] != bare[0]+1 || !bytes.Equal(with[1:len(bare)], bare[1:]) {
			t.Errorf("base %d: a private section should add one element and nothing else: %x, %x", d.Base, bare, with)
		}
	}
}

// TestPrivateViews is the property the private sections exist for: in
// random worlds with private fields and owners, each client that applies
// the shared body plus its own private section mirrors exactly its owner's
// view, whatever baseline it acknowledged; a spectator that gets no private
// section mirrors the public view.
func TestPrivateViews(t *testing.T) {
	t.Parallel()
	masks := privMasks(privSchemas)
	const players = 3
	spectator := world.PlayerID(players + 1) // owns nothing and gets no private section
	rapid.Check(t, func(t *rapid.T) {
		w := world.New(privSchemas, world.Options{History: rapid.SampledFrom([]int{1, 3, 8, 64}).Draw(t, "history"), Seed: 1})
		type client struct {
			kept  map[uint32]world.State // the states it applied, by tick
			acked uint32
		}
		clients := make([]client, spectator+1)
		for p := range clients {
			clients[p].kept = map[uint32]world.State{}
		}
		var d world.Delta
		var priv []world.Change
		var vals []world.Value
		for range rapid.IntRange(1, 30).Draw(t, "ticks") {
			w.Advance()
			for range rapid.IntRange(0, 8).Draw(t, "ops") {
				privOp(t, w, players)
			}
			now := w.Snapshot()
			bodies := map[uint32][]byte{} // by baseline: one body per baseline, shared
			for p := world.PlayerID(1); p <= spectator; p++ {
				c := &clients[p]
				if !rapid.Bool().Draw(t, "send") {
					continue
				}
				w.DeltaSince(c.acked, &d)
				body, ok := bodies[d.Base]
				if !ok {
					body = netcode.AppendStateBody(nil, &d, masks)
					bodies[d.Base] = body
				}
				var section []byte
				if p != spectator {
					priv, vals = d.PrivateFor(privSchemas, p, priv, vals)
					section = netcode.AppendPrivate(nil, priv)
				}
				frame := append(netcode.AppendStateHead(nil, &d, 0, 0, section), body...)
				m, err := netcode.DecodeServer(frame)
				if err != nil {
					t.Fatalf("tick %d, player %d: DecodeServer(%x): %v", w.Tick(), p, frame, err)
				}
				st := m.(*netcode.State)
				got, err := world.Apply(privSchemas, c.kept[st.Delta.Base], &st.Delta)
				if err != nil {
					t.Fatalf("tick %d, player %d: Apply on %d: %v", w.Tick(), p, st.Delta.Base, err)
				}
				if want := ownerView(now, p); !world.Equal(got, want) {
					t.Fatalf("tick %d, player %d, from %d: mirror\n%+v\nwant\n%+v\nstate %+v", w.Tick(), p, st.Delta.Base, got, want, st.Delta)
				}
				c.kept[got.Tick] = got
				switch rapid.IntRange(0, 5).Draw(t, "ack") {
				case 0: // the ack is lost or late: the baseline stays
				case 1: // the client lost its state
					c.acked = 0
				default:
					c.acked = got.Tick
				}
			}
		}
	})
}

// privOp makes one random change to a world of privSchemas within the
// current tick.
func privOp(t *rapid.T, w *world.World, players int) {
	pick := func() *world.Entity {
		es := w.Entities()
		if len(es) == 0 {
			return nil
		}
		return es[rapid.IntRange(0, len(es)-1).Draw(t, "entity")]
	}
	switch rapid.SampledFrom([]string{"spawn", "remove", "set", "set", "set", "zero"}).Draw(t, "op") {
	case "spawn":
		owner := world.PlayerID(rapid.IntRange(0, players).Draw(t, "owner"))
		e := w.SpawnOwned(rapid.IntRange(0, len(privSchemas)-1).Draw(t, "type"), owner)
		for range rapid.IntRange(0, 4).Draw(t, "sets") {
			privSet(t, e, rapid.IntRange(0, len(e.Values())-1).Draw(t, "field"))
		}
	case "remove":
		if e := pick(); e != nil {
			w.Remove(e.ID())
		}
	case "set":
		if e := pick(); e != nil {
			privSet(t, e, rapid.IntRange(0, len(e.Values())-1).Draw(t, "field"))
		}
	case "zero": // a private field back to zero
		if e := pick(); e != nil {
			for f, fd := range privSchemas[e.Type()].Fields {
				if fd.Private {
					if fd.Type == world.String {
						e.SetString(f, "")
					} else {
						e.SetInt(f, 0)
					}
				}
			}
		}
	}
}

func privSet(t *rapid.T, e *world.Entity, f int) {
	switch privSchemas[e.Type()].Fields[f].Type {
	case world.String:
		e.SetString(f, rapid.SampledFrom([]string{"", "a", "AKQ", "ünïcødé-hand-too-long"}).Draw(t, "string"))
	case world.Bool:
		e.SetBool(f, rapid.Bool().Draw(t, "bool"))
	default:
		e.SetInt(f, rapid.OneOf(rapid.Int64Range(-3, 3), rapid.Int64()).Draw(t, "int"))
	}
}
