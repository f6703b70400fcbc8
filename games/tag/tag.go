package tag

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"time"
	"unicode/utf8"

	"github.com/tickroom/tickroom/world"
)

// Field is the size of the square field, in units.
const Field = 500.0

// MaxChat bounds a chat message, in bytes.
const MaxChat = 200

// Entity types and their fields, in schema order.
const (
	TypePlayer = 0
	TypeRound  = 1

	FieldX      = 0 // player
	FieldY      = 1
	FieldScore  = 2
	FieldName   = 3
	FieldIt     = 4
	FieldReady  = 5
	FieldImmune = 6

	FieldState   = 0 // round: StateWaiting or StatePlaying
	FieldSeconds = 1 // round: seconds left
)

// Round states, in the round entity's state field.
const (
	StateWaiting = 0
	StatePlaying = 1
)

var schemas = []world.Schema{
	TypePlayer: {Name: "player", Fields: []world.Field{
		{Name: "x", Type: world.Float, Quantum: 0.1},
		{Name: "y", Type: world.Float, Quantum: 0.1},
		{Name: "score", Type: world.Int},
		{Name: "name", Type: world.String, MaxLen: 16},
		{Name: "it", Type: world.Bool},
		{Name: "ready", Type: world.Bool},
		{Name: "immune", Type: world.Bool},
	}},
	TypeRound: {Name: "round", Fields: []world.Field{
		{Name: "state", Type: world.Int},
		{Name: "seconds", Type: world.Int},
	}},
}

// Settings tune the game; a server reads them from [modes.tag.settings].
type Settings struct {
	Round    time.Duration `toml:"round"`    // length of a round
	Speed    float64       `toml:"speed"`    // units per second at full stick
	Reach    float64       `toml:"reach"`    // "it" tags a player this close
	Immunity time.Duration `toml:"immunity"` // a tagger cannot be tagged back for this long
}

// DefaultSettings are the game's settings when the server gives none.
func DefaultSettings() Settings {
	return Settings{Round: 60 * time.Second, Speed: 150, Reach: 20, Immunity: time.Second}
}

// Validate refuses settings the game cannot play with.
func (s Settings) Validate() error {
	if s.Round < time.Second || s.Speed <= 0 || s.Reach <= 0 || s.Immunity < 0 {
		return errors.New("round must be at least 1s, speed and reach positive, immunity not negative")
	}
	return nil
}

// Game is one room of tag.
type Game struct {
	settings Settings
	room     world.Room
	round    *world.Entity
	players  map[world.PlayerID]*player
	order    []world.PlayerID // join order: every loop over players is deterministic
	clock    world.TimerID    // the once-a-second round clock
}

type player struct {
	e      *world.Entity
	dx, dy float64
	immune world.Countdown
}

// New returns a game with the default settings.
func New() *Game { return NewWithSettings(DefaultSettings()) }

// NewWithSettings returns a game with settings s.
func NewWithSettings(s Settings) *Game {
	return &Game{settings: s, players: map[world.PlayerID]*player{}}
}

// ReloadSettings takes reloaded settings; a round under way keeps its
// length. Players hear the new rules.
func (g *Game) ReloadSettings(s Settings) {
	g.settings = s
	_ = g.room.Broadcast("rules", g.rules())
}

// Rules are what a client needs to move its player as the room will.
type Rules struct {
	Size  float64 `msgpack:"size"`  // the side of the field
	Speed float64 `msgpack:"speed"` // units per second at full stick
	Reach float64 `msgpack:"reach"` // "it" tags a player this close
}

func (g *Game) rules() Rules {
	return Rules{Size: Field, Speed: g.settings.Speed, Reach: g.settings.Reach}
}

// Attach implements world.RoomHook.
func (g *Game) Attach(r world.Room) { g.room = r }

// Schemas implements world.Game.
func (g *Game) Schemas() []world.Schema { return schemas }

// Init implements world.Game.
func (g *Game) Init(w *world.World) {
	g.round = w.Spawn(TypeRound)
	g.setState(StateWaiting)
}

// Join implements world.Game: the player appears at a random spot.
func (g *Game) Join(w *world.World, p world.PlayerID, name string) (world.EntityID, error) {
	if _, ok := g.players[p]; ok {
		return 0, fmt.Errorf("tag: player %d joined twice", p)
	}
	e := w.Spawn(TypePlayer)
	e.SetFloat(FieldX, w.Rand().Float64()*Field)
	e.SetFloat(FieldY, w.Rand().Float64()*Field)
	if name == "" {
		name = fmt.Sprintf("player %d", p)
	}
	e.SetString(FieldName, name)
	g.players[p] = &player{e: e}
	g.order = append(g.order, p)
	_ = g.room.Send(p, "rules", g.rules())
	return e.ID(), nil
}

// Leave implements world.Game. If "it" leaves mid-round, the next player
// in join order is "it"; a round left with one player ends. Between
// rounds, the player who leaves may have been the last one not ready.
func (g *Game) Leave(w *world.World, p world.PlayerID) {
	pl := g.players[p]
	if pl == nil {
		return
	}
	w.Remove(pl.e.ID())
	delete(g.players, p)
	g.order = slices.DeleteFunc(g.order, func(q world.PlayerID) bool { return q == p })
	if g.playing() {
		if len(g.order) < 2 {
			g.endRound()
			return
		}
		if pl.e.Bool(FieldIt) {
			g.makeIt(g.order[0])
		}
		return
	}
	g.maybeStart()
}

// Input implements world.Game: the stick sets the direction.
func (g *Game) Input(w *world.World, p world.PlayerID, in world.Input) {
	if pl := g.players[p]; pl != nil {
		pl.dx, pl.dy = world.Stick(in, 0, 1)
	}
}

// Message implements world.MessageHook.
func (g *Game) Message(w *world.World, p world.PlayerID, typ string, payload world.Payload) {
	pl := g.players[p]
	if pl == nil {
		return
	}
	switch typ {
	case "ready":
		if !g.playing() {
			pl.e.SetBool(FieldReady, !pl.e.Bool(FieldReady))
			g.maybeStart()
		}
	case "chat":
		var m struct {
			Text string `msgpack:"text"`
		}
		if payload.Decode(&m) != nil || m.Text == "" {
			return
		}
		_ = g.room.Broadcast("chat", map[string]any{"from": p, "name": pl.e.String(FieldName), "text": cut(m.Text, MaxChat)})
	case "wave":
		_ = g.room.Broadcast("wave", map[string]any{"from": p, "name": pl.e.String(FieldName)})
	}
	// Unknown types are ignored: a newer client may know more.
}

// Step implements world.Game: players move, and "it" tags.
func (g *Game) Step(w *world.World, dt time.Duration) {
	move := g.settings.Speed * dt.Seconds()
	for _, p := range g.order {
		pl := g.players[p]
		pl.e.AddFloatClamped(FieldX, pl.dx*move, 0, Field)
		pl.e.AddFloatClamped(FieldY, pl.dy*move, 0, Field)
		if pl.immune.Advance(dt) {
			pl.e.SetBool(FieldImmune, false)
		}
	}
	if g.playing() {
		g.tag()
	}
}

// tag lets "it" tag the first player within reach, in join order.
func (g *Game) tag() {
	var itID world.PlayerID
	for _, p := range g.order {
		if g.players[p].e.Bool(FieldIt) {
			itID = p
		}
	}
	it := g.players[itID]
	if it == nil {
		return
	}
	for _, p := range g.order {
		pl := g.players[p]
		if p == itID || pl.immune.Running() {
			continue
		}
		dx, dy := pl.e.Float(FieldX)-it.e.Float(FieldX), pl.e.Float(FieldY)-it.e.Float(FieldY)
		if math.Hypot(dx, dy) > g.settings.Reach {
			continue
		}
		it.e.SetInt(FieldScore, it.e.Int(FieldScore)+1)
		it.immune.Start(g.settings.Immunity)
		it.e.SetBool(FieldImmune, true)
		g.makeIt(p)
		_ = g.room.Broadcast("tagged", map[string]any{"by": itID, "it": p})
		return
	}
}

// Score is one player's points in a round_over event.
type Score struct {
	Player world.PlayerID `msgpack:"player"`
	Points int64          `msgpack:"points"`
}

// maybeStart starts a round once two or more players are all ready.
func (g *Game) maybeStart() {
	if len(g.order) < 2 {
		return
	}
	for _, p := range g.order {
		if !g.players[p].e.Bool(FieldReady) {
			return
		}
	}
	seconds := int(g.settings.Round / time.Second)
	g.round.SetInt(FieldSeconds, int64(seconds))
	g.setState(StatePlaying)
	for _, p := range g.order {
		g.players[p].e.SetInt(FieldScore, 0)
	}
	it := g.order[g.room.Tick()%uint32(len(g.order))] // anyone could be first; the tick decides
	g.makeIt(it)
	g.clock = g.room.Every(time.Second, func(w *world.World) {
		left := g.round.Int(FieldSeconds) - 1
		g.round.SetInt(FieldSeconds, left)
		if left <= 0 {
			g.endRound()
		}
	})
	_ = g.room.Broadcast("round_start", map[string]any{"it": it, "seconds": seconds})
}

// endRound names the winner (most points; the earliest to join on a tie).
func (g *Game) endRound() {
	g.room.Cancel(g.clock)
	scores := make([]Score, 0, len(g.order))
	var winner world.PlayerID
	var best int64
	for _, p := range g.order {
		pl := g.players[p]
		points := pl.e.Int(FieldScore)
		scores = append(scores, Score{Player: p, Points: points})
		if winner == 0 || points > best {
			winner, best = p, points
		}
		pl.e.SetBool(FieldIt, false)
		pl.e.SetBool(FieldReady, false)
	}
	g.round.SetInt(FieldSeconds, 0)
	g.setState(StateWaiting)
	_ = g.room.Broadcast("round_over", map[string]any{"winner": winner, "scores": scores})
}

func (g *Game) makeIt(p world.PlayerID) {
	for _, q := range g.order {
		g.players[q].e.SetBool(FieldIt, q == p)
	}
}

// setState records the round's state and shows it where it matters: the
// room is locked while a round is under way, and listings say so.
func (g *Game) setState(s int64) {
	g.round.SetInt(FieldState, s)
	if s == StatePlaying {
		g.room.Lock()
		_ = g.room.SetMetadata(map[string]any{"state": "playing"})
	} else {
		g.room.Unlock()
		_ = g.room.SetMetadata(map[string]any{"state": "waiting"})
	}
}

func (g *Game) playing() bool { return g.round.Int(FieldState) == StatePlaying }

// cut returns s cut to at most n bytes at a character boundary.
func cut(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

var (
	_ world.Game        = (*Game)(nil)
	_ world.RoomHook    = (*Game)(nil)
	_ world.MessageHook = (*Game)(nil)
)
