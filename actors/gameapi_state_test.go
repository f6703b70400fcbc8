package actors

import (
	"slices"
	"testing"
	"testing/synctest"
	"time"

	"github.com/tickroom/tickroom/netcode"
	"github.com/tickroom/tickroom/world"
)

// mirror applies every state c received, in order, to the state it names,
// as a client must, failing the test on any that does not apply; it
// returns the newest.
func (c *testClient) mirror(schemas []world.Schema) world.State {
	c.t.Helper()
	kept := map[uint32]world.State{}
	var cur world.State
	for _, s := range c.states() {
		base := kept[s.Delta.Base]
		if !s.Delta.Full() && base.Tick == 0 {
			c.t.Fatalf("diff from tick %d, which the client never had", s.Delta.Base)
		}
		next, err := world.Apply(schemas, base, &s.Delta)
		if err != nil {
			c.t.Fatalf("state of tick %d from %d: %v", s.Delta.Tick, s.Delta.Base, err)
		}
		kept[next.Tick], cur = next, next
	}
	return cur
}

// cards is a game with private state: each player owns a hand whose cards
// only it sees, and whose size everyone sees.
type cards struct {
	hands map[world.PlayerID]*world.Entity
	deal  int
}

var cardSchemas = []world.Schema{{Name: "hand", Fields: []world.Field{
	{Name: "size", Type: world.Int},
	{Name: "cards", Type: world.String, Private: true},
	{Name: "gold", Type: world.Int, Private: true},
}}}

func (g *cards) Schemas() []world.Schema { return cardSchemas }
func (g *cards) Init(*world.World)       { g.hands = map[world.PlayerID]*world.Entity{} }
func (g *cards) Join(w *world.World, p world.PlayerID, _ string) (world.EntityID, error) {
	e := w.SpawnOwned(0, p)
	e.SetString(1, "A"+string(rune('0'+p)))
	e.SetInt(0, 1)
	g.hands[p] = e
	return e.ID(), nil
}
func (g *cards) Leave(w *world.World, p world.PlayerID) {
	w.Remove(g.hands[p].ID())
	delete(g.hands, p)
}
func (g *cards) Input(*world.World, world.PlayerID, world.Input) {}
func (g *cards) Step(w *world.World, _ time.Duration) {
	g.deal++
	for p, e := range g.hands {
		if g.deal%4 == 0 { // a new card now and then: public size, private text
			e.SetInt(0, e.Int(0)+1)
			e.SetString(1, e.String(1)+"K")
		}
		e.SetInt(2, int64(g.deal)*int64(p)) // private gold changes every tick
	}
}

// Private fields reach their owner only, through diffs applied cleanly; the
// players still share one body per baseline.
func TestPrivateFields(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		modes := map[string]Mode{"cards": {NewGame: func() world.Game { return &cards{} }}}
		h := newTestHub(t, Options{Modes: modes, DefaultMode: "cards"})
		a, b := connect(t, h), connect(t, h)
		a.join("t")
		b.join("t")
		tickUntil(func() bool { return a.welcome() != nil && b.welcome() != nil }, nil)
		tickUntil(func() bool { return false }, ackAll(a, b))
		before := h.Stats()
		tickUntil(func() bool { return false }, ackAll(a, b))
		sa, sb := a.mirror(cardSchemas), b.mirror(cardSchemas)
		ea, eb := world.EntityID(a.welcome().Entity), world.EntityID(b.welcome().Entity)
		mine, _ := sa.Find(ea)
		theirs, _ := sa.Find(eb)
		if mine.Values[1].S == "" || mine.Values[2].I == 0 {
			t.Errorf("a's own hand %+v: want its cards and gold", mine.Values)
		}
		if theirs.Values[1].S != "" || theirs.Values[2].I != 0 || theirs.Values[0].I == 0 {
			t.Errorf("b's hand as a sees it %+v: want its size only, cards and gold zero", theirs.Values)
		}
		bMine, _ := sb.Find(eb)
		if bMine.Values[1].S == "" || bMine.Values[1].S == mine.Values[1].S {
			t.Errorf("b's own cards %q (a's %q): want b's own", bMine.Values[1].S, mine.Values[1].S)
		}
		// Two players on the same baseline share the body: one encode per
		// send, not two.
		st := h.Stats()
		frames := (st.DiffFrames + st.FullFrames) - (before.DiffFrames + before.FullFrames)
		if bodies := st.BodiesEncoded - before.BodiesEncoded; bodies*3/2 > frames {
			t.Errorf("%d bodies for %d frames: private fields must not cost a body per player", bodies, frames)
		}
		closeAll(a, b)
	})
}

// fog is a game with visibility: each player owns a scout on a line, coins
// lie every 100 units, and a player sees what is within 150 units of its
// scout. A message "go" moves the scout to x.
type fog struct {
	scouts map[world.PlayerID]*world.Entity
}

var fogSchemas = []world.Schema{
	{Name: "scout", Fields: []world.Field{{Name: "x", Type: world.Int}}},
	{Name: "coin", Fields: []world.Field{{Name: "x", Type: world.Int}, {Name: "shine", Type: world.Int}}},
}

func (g *fog) Schemas() []world.Schema { return fogSchemas }
func (g *fog) Init(w *world.World) {
	g.scouts = map[world.PlayerID]*world.Entity{}
	for x := range 10 {
		w.Spawn(1).SetInt(0, int64(x*100))
	}
}
func (g *fog) Join(w *world.World, p world.PlayerID, _ string) (world.EntityID, error) {
	e := w.SpawnOwned(0, p)
	g.scouts[p] = e
	return e.ID(), nil
}
func (g *fog) Leave(w *world.World, p world.PlayerID) {
	w.Remove(g.scouts[p].ID())
	delete(g.scouts, p)
}
func (g *fog) Input(*world.World, world.PlayerID, world.Input) {}
func (g *fog) Step(w *world.World, _ time.Duration) {
	for _, e := range w.Entities() {
		if e.Type() == 1 {
			e.SetInt(1, int64(w.Tick())) // every coin changes every tick
		}
	}
}
func (g *fog) Message(w *world.World, p world.PlayerID, typ string, payload world.Payload) {
	var x int64
	if typ == "go" && payload.Decode(&x) == nil {
		g.scouts[p].SetInt(0, x)
	}
}
func (g *fog) Visible(w *world.World, viewer world.PlayerID, e *world.Entity) bool {
	d := e.Int(0) - g.scouts[viewer].Int(0)
	return d >= -150 && d <= 150
}

// A player sees only what the game lets it see: entities come into its view
// as added and leave it as removed, through diffs that apply cleanly.
func TestVisibility(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		modes := map[string]Mode{"fog": {NewGame: func() world.Game { return &fog{} }}}
		h := newTestHub(t, Options{Modes: modes, DefaultMode: "fog"})
		a, b := connect(t, h), connect(t, h)
		a.join("f")
		b.join("f")
		tickUntil(func() bool { return a.welcome() != nil && b.welcome() != nil }, nil)
		coinsSeen := func(st world.State) []int64 {
			var xs []int64
			for _, e := range st.Entities {
				if e.Type == 1 {
					xs = append(xs, e.Values[0].I)
				}
			}
			slices.Sort(xs)
			return xs
		}
		a.run(300*time.Millisecond, 50*time.Millisecond)
		if got := coinsSeen(a.mirror(fogSchemas)); !slices.Equal(got, []int64{0, 100}) {
			t.Errorf("at 0, a sees coins at %v, want 0 and 100", got)
		}
		a.message("go", 500)
		a.run(300*time.Millisecond, 50*time.Millisecond)
		st := a.mirror(fogSchemas)
		if got := coinsSeen(st); !slices.Equal(got, []int64{400, 500, 600}) {
			t.Errorf("at 500, a sees coins at %v, want 400, 500 and 600", got)
		}
		if _, ok := st.Find(world.EntityID(b.welcome().Entity)); ok {
			t.Error("a at 500 sees b's scout at 0")
		}
		for _, e := range st.Entities {
			if e.Type == 1 && e.Values[1].I < int64(st.Tick)-2 {
				t.Errorf("coin %d shines %d at tick %d: its changes stopped reaching a", e.ID, e.Values[1].I, st.Tick)
			}
		}
		b.send(&netcode.Ack{Tick: b.lastTick()})
		if got := coinsSeen(b.mirror(fogSchemas)); !slices.Equal(got, []int64{0, 100}) {
			t.Errorf("b at 0 sees coins at %v, want 0 and 100", got)
		}
		closeAll(a, b)
	})
}

// A change of rates reaches the players before the first state at the new
// rates.
func TestRatesFrame(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newTestHub(t, Options{})
		c := connect(t, h)
		c.join("r")
		c.run(300*time.Millisecond, 50*time.Millisecond)
		o := *h.opts.Load()
		o.Room.TickRate, o.Room.SendRate = 40, 20
		if err := h.Reconfigure(o); err != nil {
			t.Fatal(err)
		}
		c.run(300*time.Millisecond, 50*time.Millisecond)
		var rates *netcode.Rates
		for _, m := range c.link.messages(t) {
			switch m := m.(type) {
			case *netcode.Rates:
				rates = m
			case *netcode.State:
				if rates != nil && m.Delta.Tick < rates.Tick {
					t.Errorf("state of tick %d after the rates frame for tick %d", m.Delta.Tick, rates.Tick)
				}
			}
		}
		if rates == nil || rates.TickRate != 40 || rates.SendRate != 20 {
			t.Errorf("rates frame %+v, want 40 and 20", rates)
		}
		closeAll(c)
	})
}

// The recovery trap: a client that lost its states sends ack 0, and an
// input sent before it still carries the old baseline. The server must not
// take that ack: the next state is a snapshot, and diffs resume from it.
func TestAckZeroIsNotUndoneByAnOlderAck(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newTestHub(t, Options{})
		c := connect(t, h)
		c.join("r")
		c.run(500*time.Millisecond, 50*time.Millisecond)
		old := c.lastTick()
		c.send(&netcode.Ack{Tick: 0})
		c.seq++
		c.send(&netcode.Input{Seq: c.seq, Ack: old}) // on its way before the reset
		n := len(c.states())
		time.Sleep(50 * time.Millisecond)
		synctest.Wait()
		snap := c.states()[n]
		if !snap.Delta.Full() {
			t.Fatalf("after ack 0 and a stale ack of %d the server sent a diff from %d", old, snap.Delta.Base)
		}
		c.send(&netcode.Ack{Tick: old}) // later stale acks are ignored too
		c.send(&netcode.Ack{Tick: snap.Delta.Tick})
		time.Sleep(50 * time.Millisecond)
		synctest.Wait()
		if next := c.states()[len(c.states())-1]; next.Delta.Base != snap.Delta.Tick {
			t.Errorf("after acking the snapshot of %d the next state is from %d", snap.Delta.Tick, next.Delta.Base)
		}
		closeAll(c)
	})
}
