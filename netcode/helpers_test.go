package netcode_test

import (
	"bytes"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tickroom/tickroom/games/arena"
	"github.com/tickroom/tickroom/netcode"
	"github.com/tickroom/tickroom/world"
	"github.com/vmihailenco/msgpack/v5"
)

// tickDur is one tick of a 20 Hz room.
const tickDur = 50 * time.Millisecond

// sample is one fixed message of a kind, used by the round-trip, golden and
// fuzz tests. Samples are pointers, as the decoders return them.
type sample struct {
	name string // the kind's name, or kind_variant; also the golden file name
	msg  netcode.Frame
}

// kind is the name of the sample's kind: its name up to any "_".
func (s sample) kind() string {
	k, _, _ := strings.Cut(s.name, "_")
	return k
}

// privSchemas is a game with private fields: a player's ammo and hand of
// cards, a crate's loot. Types 0 and 1.
var privSchemas = []world.Schema{
	{Name: "player", Fields: []world.Field{
		{Name: "x", Type: world.Float, Quantum: 0.1},
		{Name: "y", Type: world.Float, Quantum: 0.1},
		{Name: "name", Type: world.String, MaxLen: 16},
		{Name: "ammo", Type: world.Int, Private: true},
		{Name: "hand", Type: world.String, MaxLen: 8, Private: true},
	}},
	{Name: "crate", Fields: []world.Field{
		{Name: "x", Type: world.Float, Quantum: 0.1},
		{Name: "open", Type: world.Bool},
		{Name: "loot", Type: world.Int, Private: true},
	}},
}

// Types of privSchemas.
const (
	privPlayer = 0
	privCrate  = 1
)

// privMasks returns the private fields of each of schemas' types, as a room
// passes them to AppendStateBody.
func privMasks(schemas []world.Schema) []uint64 {
	masks := make([]uint64, len(schemas))
	for i, s := range schemas {
		masks[i] = s.PrivateMask()
	}
	return masks
}

// pl encodes v as a payload the way the tests' frames carry it: compact
// ints, map keys sorted, so the bytes are stable.
func pl(v any) netcode.Payload {
	var buf bytes.Buffer
	enc := msgpack.NewEncoder(&buf)
	enc.UseCompactInts(true)
	enc.SetSortMapKeys(true)
	if err := enc.Encode(v); err != nil {
		panic(err)
	}
	return buf.Bytes()
}

func samples() []sample {
	return []sample{
		{"join", &netcode.Join{
			Version: netcode.ProtocolVersion, Mode: "arena", Name: "ada", How: netcode.JoinByID, Room: "K7QP",
			Options: pl(map[string]any{"team": "red"}),
		}},
		{"welcome", &netcode.Welcome{
			Version: netcode.ProtocolVersion, Session: "s-4f2a9c", Player: 3, Entity: 17,
			Room: "lobby-7", Mode: "arena", TickRate: 20, SendRate: 20, ServerTime: 123456,
			Schemas: privSchemas, RoomID: "r-9f3k2m", JoinCode: "K7QP", ResumeToken: "t-0123456789abcdef",
		}},
		{"input", &netcode.Input{Seq: 300, Ack: 1200, Input: world.Input{Buttons: 5, Axes: [4]int16{1000, -707}}}},
		{"ack", &netcode.Ack{Tick: 1201}},
		{"snapshot", &netcode.State{ServerTime: 60000, InputAck: 42, Delta: world.Delta{
			Tick: 1200,
			Added: []world.EntityState{
				{ID: 1, Type: arena.Player, Values: []world.Value{{I: 5003}, {I: 250}, {I: 7}, {S: "ada"}}},
				{ID: 4, Type: arena.Player, Values: []world.Value{{I: 10000}, {I: 0}, {I: 0}, {}}},
				{ID: 9, Type: arena.Pickup, Values: []world.Value{{I: 120}, {I: 9000}, {I: 4}}},
			},
		}}},
		{"diff", &netcode.State{ServerTime: 60050, InputAck: 43, Delta: world.Delta{
			Tick: 1201, Base: 1198,
			Added: []world.EntityState{
				{ID: 12, Type: arena.Pickup, Values: []world.Value{{I: 3141}, {I: 5926}, {I: 5}}},
			},
			Changed: []world.Change{
				{ID: 1, Mask: 0b0011, Values: []world.Value{{I: 35}, {I: -35}}},
				{ID: 4, Mask: 0b1100, Values: []world.Value{{I: 4}, {S: "bob"}}},
				{ID: 300, Mask: 0b0001, Values: []world.Value{{I: -200}}},
				{ID: 70000, Mask: 1 << 63, Values: []world.Value{{I: 1 << 40}}},
			},
			Removed: []world.EntityID{9, 10, 100000},
		}}},
		// States of privSchemas as player 1 (who owns entities 1 and 12)
		// receives them: the shared body carries the private fields as 0,
		// the private section the real values.
		{"snapshot_private", &netcode.State{ServerTime: 60000, InputAck: 42, Delta: world.Delta{
			Tick: 1200,
			Added: []world.EntityState{
				{ID: 1, Type: privPlayer, Values: []world.Value{{I: 5003}, {I: 250}, {S: "ada"}, {}, {}}},
				{ID: 4, Type: privPlayer, Values: []world.Value{{I: 10000}, {I: 0}, {S: "bob"}, {}, {}}},
				{ID: 9, Type: privCrate, Values: []world.Value{{I: 120}, {I: 1}, {}}},
			},
			Private: []world.Change{
				{ID: 1, Mask: 0b11000, Values: []world.Value{{I: 30}, {S: "AKQ"}}},
			},
		}}},
		{"diff_private", &netcode.State{ServerTime: 60050, InputAck: 43, Delta: world.Delta{
			Tick: 1201, Base: 1198,
			Added: []world.EntityState{
				{ID: 12, Type: privCrate, Values: []world.Value{{I: 3141}, {I: 0}, {}}},
			},
			Changed: []world.Change{
				{ID: 1, Mask: 0b011, Values: []world.Value{{I: 35}, {I: -35}}},
				{ID: 4, Mask: 0b100, Values: []world.Value{{S: "bobby"}}},
			},
			Removed: []world.EntityID{9},
			Private: []world.Change{
				{ID: 1, Mask: 0b01000, Values: []world.Value{{I: -1}}},
				{ID: 12, Mask: 0b100, Values: []world.Value{{I: 250}}},
			},
		}}},
		{"ping", &netcode.Ping{ClientTime: 1700000000123}},
		{"pong", &netcode.Pong{ClientTime: 1700000000123, ServerTime: 123500}},
		{"error", &netcode.Error{Code: netcode.CodeRoomFull, Message: "room lobby-7 is full"}},
		{"leave", &netcode.Leave{}},
		{"message", &netcode.Message{Type: "chat", Payload: pl(map[string]any{"text": "gg"})}},
		{"list", &netcode.List{Request: 7, Mode: "arena", Offset: 20, Limit: 10, Filter: map[string]string{"ranked": "true", "map": "dust"}}},
		{"rooms", &netcode.Rooms{Request: 7, Total: 22, Rooms: []netcode.RoomInfo{
			{ID: "r-9f3k2m", Name: "lobby-7", Mode: "arena", Players: 3, MaxPlayers: 16, Metadata: pl(map[string]any{"map": "dust", "ranked": true})},
			{ID: "r-a1", Name: "duel", Mode: "arena", Players: 2, MaxPlayers: 2, Locked: true},
		}}},
		{"event", &netcode.Event{Tick: 1201, ID: 77, Type: "scored", Payload: pl(map[string]any{"by": 3, "pts": []int{10, 300}})}},
		{"resume", &netcode.Resume{Version: netcode.ProtocolVersion, Token: "k3x9q2abcdef.AbCdEfGhIjKlMnOpQrStUv", LastTick: 4410, LastEvent: 77}},
		{"rates", &netcode.Rates{Tick: 1300, TickRate: 30, SendRate: 15}},
	}
}

// fromClient reports whether a message travels from client to server.
func fromClient(m netcode.Frame) bool {
	switch m.Kind() {
	case netcode.KindJoin, netcode.KindInput, netcode.KindAck, netcode.KindPing, netcode.KindLeave,
		netcode.KindMessage, netcode.KindList, netcode.KindResume:
		return true
	}
	return false
}

// decode decodes a frame with the decoder for m's direction.
func decode(frame []byte, m netcode.Frame) (netcode.Frame, error) {
	if fromClient(m) {
		return netcode.DecodeClient(frame)
	}
	return netcode.DecodeServer(frame)
}

// decodeOther decodes a frame with the decoder for the other direction.
func decodeOther(frame []byte, m netcode.Frame) (netcode.Frame, error) {
	if fromClient(m) {
		return netcode.DecodeServer(frame)
	}
	return netcode.DecodeClient(frame)
}

func mustAppend(tb testing.TB, m netcode.Frame) []byte {
	tb.Helper()
	b, err := netcode.AppendFrame(nil, m)
	if err != nil {
		tb.Fatalf("AppendFrame(%#v): %v", m, err)
	}
	return b
}

// normDelta copies the exported content of d with empty lists as nil, so
// deltas from the world (reused, non-nil buffers) compare equal to decoded
// ones.
func normDelta(d *world.Delta) world.Delta {
	out := world.Delta{Tick: d.Tick, Base: d.Base}
	for _, a := range d.Added {
		out.Added = append(out.Added, world.EntityState{ID: a.ID, Type: a.Type, Values: slices.Clone(a.Values)})
	}
	for _, c := range d.Changed {
		out.Changed = append(out.Changed, world.Change{ID: c.ID, Mask: c.Mask, Values: slices.Clone(c.Values)})
	}
	out.Removed = slices.Clone(d.Removed)
	if len(out.Removed) == 0 {
		out.Removed = nil
	}
	for _, c := range d.Private {
		out.Private = append(out.Private, world.Change{ID: c.ID, Mask: c.Mask, Values: slices.Clone(c.Values)})
	}
	return out
}

// arenaRun is a world running the arena game with players who move all the
// time, in varied directions that change every couple of seconds.
type arenaRun struct {
	w       *world.World
	g       *arena.Game
	players []world.PlayerID
}

func newArena(tb testing.TB, players int) *arenaRun {
	tb.Helper()
	g := arena.New()
	w := world.New(g.Schemas(), world.Options{Seed: 7})
	g.Init(w)
	a := &arenaRun{w: w, g: g}
	w.Advance()
	for i := range players {
		a.join(tb, i)
	}
	return a
}

func (a *arenaRun) join(tb testing.TB, i int) {
	tb.Helper()
	p := world.PlayerID(i + 1)
	if _, err := a.g.Join(a.w, p, fmt.Sprintf("player-%d", p)); err != nil {
		tb.Fatal(err)
	}
	a.players = append(a.players, p)
}

func (a *arenaRun) leave(i int) {
	a.g.Leave(a.w, a.players[i])
	a.players = slices.Delete(a.players, i, i+1)
}

// directions holds four diagonal-ish vectors and their opposites, arranged so
// a player cycling through them moves all the time but does not drift.
var directions = [8][2]int16{
	{1000, 700}, {-600, 1000}, {-1000, -700}, {600, -1000},
	{1000, -300}, {300, 1000}, {-1000, 300}, {-300, -1000},
}

// steer is player i's input at tick t: each player walks its own phase of
// the direction cycle and turns every 40+i ticks.
func steer(i int, t uint32) world.Input {
	d := directions[(i*3+int(t)/(40+i))%len(directions)]
	return world.Input{Axes: [4]int16{d[0], d[1]}}
}

// tick runs one room tick: advance, inputs, step.
func (a *arenaRun) tick() {
	a.w.Advance()
	for i, p := range a.players {
		a.g.Input(a.w, p, steer(i, a.w.Tick()))
	}
	a.g.Step(a.w, tickDur)
}
