// Command gencases writes the SDK's cross-check cases: random worlds run by
// package world, their states encoded by package netcode exactly as a room
// encodes them for one player (shared body, private section, snapshots and
// diffs against baselines the player holds), and the state that player must
// see after each. The SDK's mirror test applies the frames and compares.
//
//	go run ./web/sdk/internal/gencases > web/sdk/test/cases.json
package main

import (
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"strconv"

	"github.com/tickroom/tickroom/games/arena"
	"github.com/tickroom/tickroom/netcode"
	"github.com/tickroom/tickroom/world"
)

// me is the player whose states the cases hold: it owns some entities and
// sees their private fields.
const me world.PlayerID = 1

type step struct {
	Frame string  `json:"frame"` // hex
	Tick  uint32  `json:"tick"`
	Want  [][]any `json:"want"` // [id, type, v0, v1, …]; ints as decimal strings
	Ack   uint32  `json:"ack"`  // the baseline the frame was built from (0: snapshot)
}

type kase struct {
	Name    string `json:"name"`
	Welcome string `json:"welcome"` // hex
	Steps   []step `json:"steps"`
}

func main() {
	var cases []kase
	for seed := uint64(1); seed <= 16; seed++ {
		cases = append(cases, random(seed))
	}
	cases = append(cases, arenaCase())
	enc := json.NewEncoder(os.Stdout)
	if err := enc.Encode(cases); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

// randomSchemas makes 1 to 3 types of 1 to 40 fields of every type, some
// private, so that masks use both 32-bit halves.
func randomSchemas(r *rand.Rand) []world.Schema {
	schemas := make([]world.Schema, 1+r.IntN(3))
	for i := range schemas {
		n := 1 + r.IntN(40)
		if r.IntN(3) == 0 {
			n = 33 + r.IntN(32) // past 32 fields: the mask's high half
		}
		s := world.Schema{Name: "t" + strconv.Itoa(i)}
		for f := range n {
			fd := world.Field{Name: "f" + strconv.Itoa(f), Type: world.FieldType(1 + r.IntN(4)), Private: r.IntN(5) == 0}
			switch fd.Type {
			case world.Float:
				fd.Quantum = []float64{0.1, 0.01, 0.5, 1, 0.125}[r.IntN(5)]
			case world.String:
				// At least 4: world.Entity.SetString cuts a rune shorter
				// than the limit in the middle (invalid UTF-8, which no
				// JavaScript string holds).
				fd.MaxLen = []int{0, 4 + r.IntN(36)}[r.IntN(2)]
			}
			s.Fields = append(s.Fields, fd)
		}
		schemas[i] = s
	}
	return schemas
}

// randomInt is mostly small, sometimes huge (so that differences wrap in
// int64 and values pass 2^53).
func randomInt(r *rand.Rand) int64 {
	switch r.IntN(8) {
	case 0:
		return math.MaxInt64 - r.Int64N(1000)
	case 1:
		return math.MinInt64 + r.Int64N(1000)
	case 2:
		return r.Int64()
	case 3:
		return 1<<53 + r.Int64N(5) - 2
	}
	return r.Int64N(2000) - 1000
}

func randomString(r *rand.Rand) string {
	words := []string{"", "a", "ada", "bob", "héllo", "🎮 game", "a longer name that is cut by small limits", "x"}
	return words[r.IntN(len(words))]
}

func setRandom(r *rand.Rand, e *world.Entity, s world.Schema) {
	f := r.IntN(len(s.Fields))
	switch s.Fields[f].Type {
	case world.String:
		e.SetString(f, randomString(r))
	case world.Bool:
		e.SetBool(f, r.IntN(2) == 0)
	default:
		e.SetInt(f, randomInt(r))
	}
}

func random(seed uint64) kase {
	r := rand.New(rand.NewPCG(seed, 99))
	schemas := randomSchemas(r)
	w := world.New(schemas, world.Options{Seed: seed, History: 16})
	k := kase{Name: "random-" + strconv.FormatUint(seed, 10), Welcome: welcome(schemas)}
	c := newPlayer(schemas)
	for range 40 {
		w.Advance()
		for range r.IntN(3) {
			typ := r.IntN(len(schemas))
			e := w.SpawnOwned(typ, world.PlayerID(r.IntN(3)))
			for range r.IntN(6) {
				setRandom(r, e, schemas[typ])
			}
		}
		ents := w.Entities()
		for range r.IntN(12) {
			if len(ents) == 0 {
				break
			}
			e := ents[r.IntN(len(ents))]
			if r.IntN(6) == 0 {
				w.Remove(e.ID())
				ents = w.Entities()
				continue
			}
			setRandom(r, e, schemas[e.Type()])
		}
		if r.IntN(4) == 0 {
			continue // no send this tick
		}
		k.Steps = append(k.Steps, c.send(w, r))
	}
	return k
}

// arenaCase runs the arena with a few players moving.
func arenaCase() kase {
	g := arena.New()
	w := world.New(g.Schemas(), world.Options{Seed: 5})
	g.Init(w)
	w.Advance()
	r := rand.New(rand.NewPCG(5, 5))
	for p := range 4 {
		if _, err := g.Join(w, world.PlayerID(p+1), "p"+strconv.Itoa(p+1)); err != nil {
			panic(err)
		}
	}
	k := kase{Name: "arena", Welcome: welcome(g.Schemas())}
	c := newPlayer(g.Schemas())
	for t := range 40 {
		w.Advance()
		for p := range 4 {
			g.Input(w, world.PlayerID(p+1), world.Input{Axes: [4]int16{int16(r.IntN(2001) - 1000), int16(r.IntN(2001) - 1000)}})
		}
		g.Step(w, 50_000_000)
		if t%2 == 0 {
			k.Steps = append(k.Steps, c.send(w, r))
		}
	}
	return k
}

func welcome(schemas []world.Schema) string {
	b, err := netcode.AppendFrame(nil, &netcode.Welcome{
		Version: netcode.ProtocolVersion, Session: "s", Player: uint32(me), Entity: 1, Room: "r", Mode: "m",
		TickRate: 20, SendRate: 20, ServerTime: 1000, Schemas: schemas, RoomID: "id", ResumeToken: "t",
	})
	if err != nil {
		panic(err)
	}
	return hex.EncodeToString(b)
}

// player is the receiving client as the server sees it: the ticks it holds
// (it keeps the last few it applied).
type player struct {
	schemas []world.Schema
	private []uint64
	held    []uint32
	d       world.Delta
	priv    []world.Change
	vals    []world.Value
}

func newPlayer(schemas []world.Schema) *player {
	p := &player{schemas: schemas}
	for _, s := range schemas {
		p.private = append(p.private, s.PrivateMask())
	}
	return p
}

// send builds the player's state frame for the world's tick, from a
// baseline it holds (or none), as a room does, and what it must see.
func (p *player) send(w *world.World, r *rand.Rand) step {
	var base uint32
	if len(p.held) > 0 && r.IntN(6) != 0 {
		base = p.held[len(p.held)-1-r.IntN(min(len(p.held), 4))]
	}
	w.DeltaSince(base, &p.d)
	p.priv, p.vals = p.d.PrivateFor(p.schemas, me, p.priv, p.vals)
	head := netcode.AppendStateHead(nil, &p.d, 5000+w.Tick()*50, w.Tick()/2, netcode.AppendPrivate(nil, p.priv))
	frame := netcode.AppendStateBody(head, &p.d, p.private)
	p.held = append(p.held, w.Tick())
	if len(p.held) > 8 {
		p.held = p.held[1:]
	}
	return step{Frame: hex.EncodeToString(frame), Tick: w.Tick(), Want: p.view(w), Ack: p.d.Base}
}

// view is the world as the player sees it: others' private fields zero.
func (p *player) view(w *world.World) [][]any {
	var out [][]any
	for _, e := range w.Snapshot().Entities {
		row := []any{e.ID, e.Type}
		for f, v := range e.Values {
			fd := p.schemas[e.Type].Fields[f]
			hidden := fd.Private && e.Owner != me
			switch {
			case fd.Type == world.String && hidden:
				row = append(row, "")
			case fd.Type == world.String:
				row = append(row, v.S)
			case hidden:
				row = append(row, "0")
			default:
				row = append(row, strconv.FormatInt(v.I, 10))
			}
		}
		out = append(out, row)
	}
	return out
}
