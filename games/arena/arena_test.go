package arena_test

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/tickroom/tickroom/games/arena"
	"github.com/tickroom/tickroom/world"
)

const (
	dt      = 50 * time.Millisecond
	quantum = 0.1 // the arena's position resolution
	eps     = 1e-9
)

func newArena(seed uint64) (*world.World, *arena.Game) {
	a := arena.New()
	w := world.New(a.Schemas(), world.Options{Seed: seed})
	a.Init(w)
	return w, a
}

// join adds player p in a new tick and returns its entity.
func join(t *testing.T, w *world.World, a *arena.Game, p world.PlayerID) *world.Entity {
	t.Helper()
	w.Advance()
	id, err := a.Join(w, p, "p")
	if err != nil {
		t.Fatalf("Join(%d): %v", p, err)
	}
	return w.Entity(id)
}

func place(e *world.Entity, x, y float64) {
	e.SetFloat(arena.FieldX, x)
	e.SetFloat(arena.FieldY, y)
}

func pickups(w *world.World) []*world.Entity {
	var ps []*world.Entity
	for _, e := range w.Entities() {
		if e.Type() == arena.Pickup {
			ps = append(ps, e)
		}
	}
	return ps
}

func TestArenaMovement(t *testing.T) {
	t.Parallel()
	step := arena.DefaultSettings().Speed * dt.Seconds() // units per tick at full deflection
	diag := step / math.Sqrt2
	tests := []struct {
		name   string
		axes   [2]int16
		dx, dy float64
	}{
		{"right", [2]int16{world.MaxAxis, 0}, step, 0},
		{"left", [2]int16{-world.MaxAxis, 0}, -step, 0},
		{"down", [2]int16{0, world.MaxAxis}, 0, step},
		{"up", [2]int16{0, -world.MaxAxis}, 0, -step},
		{"half", [2]int16{world.MaxAxis / 2, 0}, step / 2, 0},
		{"still", [2]int16{0, 0}, 0, 0},
		{"diagonal", [2]int16{world.MaxAxis, world.MaxAxis}, diag, diag},
		{"diagonal back", [2]int16{-world.MaxAxis, world.MaxAxis}, -diag, diag},
		{"int16 max clamps", [2]int16{math.MaxInt16, 0}, step, 0},
		{"int16 min clamps", [2]int16{0, math.MinInt16}, 0, -step},
		{"int16 extremes are a unit diagonal", [2]int16{math.MinInt16, math.MaxInt16}, -diag, diag},
		{"beyond max on one axis", [2]int16{math.MaxInt16, world.MaxAxis / 2}, step * 2 / math.Sqrt(5), step / math.Sqrt(5)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			w, a := newArena(1)
			e := join(t, w, a, 1)
			place(e, 500, 500)
			// The distance covered so far is always within half a quantum
			// of the exact one: rounding never accumulates (AddFloat).
			for i := 1; i <= 40; i++ {
				w.Advance()
				a.Input(w, 1, world.Input{Axes: [4]int16{tt.axes[0], tt.axes[1]}})
				a.Step(w, dt)
				dx, dy := e.Float(arena.FieldX)-500, e.Float(arena.FieldY)-500
				wx, wy := float64(i)*tt.dx, float64(i)*tt.dy
				if math.Abs(dx-wx) > quantum/2+eps || math.Abs(dy-wy) > quantum/2+eps {
					t.Fatalf("after %d ticks: moved (%.4f, %.4f), want (%.4f, %.4f) within half a quantum", i, dx, dy, wx, wy)
				}
			}
		})
	}
}

// TestArenaDiagonalsNotFaster tries every pair of interesting axis values: a
// tick never moves a player further than ArenaSpeed*dt (plus rounding).
func TestArenaDiagonalsNotFaster(t *testing.T) {
	t.Parallel()
	vals := []int16{math.MinInt16, -world.MaxAxis - 1, -world.MaxAxis, -700, -1, 0, 1, 700, world.MaxAxis, world.MaxAxis + 1, math.MaxInt16}
	max := arena.DefaultSettings().Speed*dt.Seconds() + quantum/math.Sqrt2 + eps
	w, a := newArena(1)
	e := join(t, w, a, 1)
	for _, ax := range vals {
		for _, ay := range vals {
			w.Advance()
			place(e, 500, 500)
			a.Input(w, 1, world.Input{Axes: [4]int16{ax, ay, math.MinInt16, math.MaxInt16}})
			a.Step(w, dt)
			if d := math.Hypot(e.Float(arena.FieldX)-500, e.Float(arena.FieldY)-500); d > max {
				t.Errorf("axes (%d, %d): moved %.4f in a tick, want at most %.4f", ax, ay, d, max)
			}
		}
	}
}

func TestArenaStaysInField(t *testing.T) {
	t.Parallel()
	corners := []struct {
		name       string
		x, y       float64
		axes       [2]int16
		wantX, wan float64
	}{
		{"bottom right", 998, 999.5, [2]int16{math.MaxInt16, math.MaxInt16}, arena.Size, arena.Size},
		{"top left", 1, 0.3, [2]int16{math.MinInt16, math.MinInt16}, 0, 0},
		{"top right", 999, 2, [2]int16{world.MaxAxis, -world.MaxAxis}, arena.Size, 0},
	}
	for _, c := range corners {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			w, a := newArena(1)
			e := join(t, w, a, 1)
			place(e, c.x, c.y)
			for range 10 {
				w.Advance()
				a.Input(w, 1, world.Input{Axes: [4]int16{c.axes[0], c.axes[1]}})
				a.Step(w, dt)
			}
			if x, y := e.Float(arena.FieldX), e.Float(arena.FieldY); x != c.wantX || y != c.wan {
				t.Errorf("at (%v, %v), want (%v, %v)", x, y, c.wantX, c.wan)
			}
		})
	}

	// A long random run: every position, of players and pickups, stays in the
	// field.
	w, a := newArena(3)
	rng := rand.New(rand.NewPCG(3, 4))
	for p := range world.PlayerID(8) {
		join(t, w, a, p)
	}
	for range 4000 {
		w.Advance()
		for p := range world.PlayerID(8) {
			a.Input(w, p, world.Input{Axes: [4]int16{int16(rng.Uint32()), int16(rng.Uint32())}})
		}
		a.Step(w, dt)
		for _, e := range w.Entities() {
			if x, y := e.Int(arena.FieldX), e.Int(arena.FieldY); x < 0 || x > 10_000 || y < 0 || y > 10_000 {
				t.Fatalf("tick %d: entity %d at (%d, %d) quanta, outside the field", w.Tick(), e.ID(), x, y)
			}
		}
	}
}

// TestArenaPickupLifecycle runs an arena without players: a pickup appears
// every 500 ms up to ArenaMaxPickups and each lives 5 s.
func TestArenaPickupLifecycle(t *testing.T) {
	t.Parallel()
	for _, step := range []time.Duration{50 * time.Millisecond, 100 * time.Millisecond, 30 * time.Millisecond} {
		t.Run(step.String(), func(t *testing.T) {
			t.Parallel()
			w, a := newArena(5)
			born := map[world.EntityID]int{}
			life := int(math.Ceil(float64(5*time.Second) / float64(step)))
			removed := 0
			for s := 1; s <= 400; s++ {
				w.Advance()
				a.Step(w, step)
				ps := pickups(w)
				live := map[world.EntityID]bool{}
				for _, e := range ps {
					live[e.ID()] = true
					if _, ok := born[e.ID()]; !ok {
						born[e.ID()] = s
						// A spawn happens at the first step at or after each 500 ms.
						if elapsed := time.Duration(s) * step; elapsed%(500*time.Millisecond) >= step {
							t.Fatalf("step %d (%v): pickup spawned off the 500 ms beat", s, elapsed)
						}
						if v := e.Int(arena.FieldValue); v < 1 || v > 5 {
							t.Fatalf("pickup value %d, want 1..5", v)
						}
						if x, y := e.Float(arena.FieldX), e.Float(arena.FieldY); x < 0 || x > arena.Size || y < 0 || y > arena.Size {
							t.Fatalf("pickup at (%v, %v), outside the field", x, y)
						}
					}
				}
				for id, b := range born {
					if !live[id] && b > 0 {
						if got := s - b; got != life {
							t.Fatalf("pickup %d lived %d steps, want %d", id, got, life)
						}
						born[id] = -1
						removed++
					}
				}
				if len(ps) > arena.DefaultSettings().MaxPickups {
					t.Fatalf("step %d: %d pickups, want at most %d", s, len(ps), arena.DefaultSettings().MaxPickups)
				}
				if step != 30*time.Millisecond {
					elapsed := time.Duration(s) * step
					if want := min(int(elapsed/(500*time.Millisecond)), arena.DefaultSettings().MaxPickups); len(ps) != want {
						t.Fatalf("step %d (%v): %d pickups, want %d", s, elapsed, len(ps), want)
					}
				}
			}
			if removed == 0 {
				t.Fatal("no pickup ever expired")
			}
		})
	}
}

func TestArenaCollect(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		dx, dy  float64
		collect bool
	}{
		{"on top", 0, 0, true},
		{"near", 12, 15, true},
		{"just inside reach", 19.9, 0, true},
		{"just inside reach vertically", 0, 19.9, true},
		{"just outside reach", 20.1, 0, false},
		{"outside reach diagonally", 14.5, 14.5, false},
		{"far", 300, 300, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			w, a := newArena(9)
			e := join(t, w, a, 1)
			place(e, 0, 0)
			for len(pickups(w)) == 0 {
				w.Advance()
				a.Step(w, dt)
			}
			pk := pickups(w)[0]
			value := pk.Int(arena.FieldValue)
			// Offsets point towards the middle so the player stays in the field.
			sx, sy := 1.0, 1.0
			if pk.Float(arena.FieldX) > arena.Size/2 {
				sx = -1
			}
			if pk.Float(arena.FieldY) > arena.Size/2 {
				sy = -1
			}
			w.Advance()
			place(e, pk.Float(arena.FieldX)+sx*tt.dx, pk.Float(arena.FieldY)+sy*tt.dy)
			a.Step(w, dt) // the only pickup is pk: collection happens before the next spawn
			score := e.Int(arena.FieldScore)
			gone := w.Entity(pk.ID()) == nil
			if tt.collect {
				if score != value || !gone {
					t.Fatalf("score %d, pickup removed %v; want score %d and the pickup removed", score, gone, value)
				}
			} else if score != 0 || gone {
				t.Fatalf("score %d, pickup removed %v; want 0 and the pickup kept", score, gone)
			}
		})
	}
}

// TestArenaCollectLowestPlayer: with two players in reach, the one with the
// lower player id (not entity id) scores.
func TestArenaCollectLowestPlayer(t *testing.T) {
	t.Parallel()
	w, a := newArena(9)
	late := join(t, w, a, 7)  // lower entity id
	early := join(t, w, a, 3) // lower player id
	place(late, 0, 0)
	place(early, 0, 0)
	for len(pickups(w)) == 0 {
		w.Advance()
		a.Step(w, dt)
	}
	pk := pickups(w)[0]
	w.Advance()
	place(late, pk.Float(arena.FieldX), pk.Float(arena.FieldY))
	place(early, pk.Float(arena.FieldX), pk.Float(arena.FieldY))
	a.Step(w, dt)
	if got, want := early.Int(arena.FieldScore), pk.Int(arena.FieldValue); got != want {
		t.Errorf("player 3 score = %d, want %d", got, want)
	}
	if got := late.Int(arena.FieldScore); got != 0 {
		t.Errorf("player 7 score = %d, want 0", got)
	}
}

func TestArenaJoinLeaveInput(t *testing.T) {
	t.Parallel()
	w, a := newArena(1)
	e := join(t, w, a, 1)
	place(e, 100, 100)

	w.Advance()
	before := w.Snapshot()
	if _, err := a.Join(w, 1, "again"); err == nil {
		t.Error("second Join of player 1: no error")
	}
	a.Leave(w, 99)                                                            // unknown: no-op
	a.Input(w, 99, world.Input{Axes: [4]int16{world.MaxAxis, world.MaxAxis}}) // unknown: no-op
	if after := w.Snapshot(); !world.Equal(before, after) {
		t.Errorf("duplicate Join or unknown Leave/Input changed the world:\n%v\nwant\n%v", after, before)
	}
	a.Step(w, dt)
	if x, y := e.Float(arena.FieldX), e.Float(arena.FieldY); x != 100 || y != 100 {
		t.Errorf("player 1 moved to (%v, %v) by another player's input", x, y)
	}

	w.Advance()
	a.Leave(w, 1)
	if w.Entity(e.ID()) != nil || w.Len() != 0 {
		t.Fatalf("after Leave: entity %d still present, %d entities", e.ID(), w.Len())
	}
	a.Leave(w, 1)                                                            // twice: no-op
	a.Input(w, 1, world.Input{Axes: [4]int16{world.MaxAxis, world.MaxAxis}}) // after leaving: no-op
	a.Step(w, dt)
	if _, err := a.Join(w, 1, "back"); err != nil {
		t.Errorf("Join after Leave: %v", err)
	}
}

func TestArenaNames(t *testing.T) {
	t.Parallel()
	tests := []struct{ name, want string }{
		{"", ""},
		{"ann", "ann"},
		{"sixteen-bytes-ok", "sixteen-bytes-ok"},
		{"seventeen-bytes-x", "seventeen-bytes-"},
		{strings.Repeat("z", 300), strings.Repeat("z", 16)},
		{strings.Repeat("é", 9), strings.Repeat("é", 8)}, // 18 bytes, cut on a rune boundary
		{"a" + strings.Repeat("é", 8), "a" + strings.Repeat("é", 7)},
		{"abcdefghijklmno世界", "abcdefghijklmno"},
	}
	w, a := newArena(1)
	w.Advance()
	for i, tt := range tests {
		id, err := a.Join(w, world.PlayerID(i), tt.name)
		if err != nil {
			t.Fatalf("Join(%q): %v", tt.name, err)
		}
		got := w.Entity(id).String(arena.FieldName)
		if got != tt.want {
			t.Errorf("Join(%q): name %q, want %q", tt.name, got, tt.want)
		}
		if len(got) > 16 || !utf8.ValidString(got) {
			t.Errorf("Join(%q): name %q is longer than 16 bytes or not valid UTF-8", tt.name, got)
		}
	}
}
