package tag_test

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tickroom/tickroom/games/tag"
	"github.com/tickroom/tickroom/netcode"
	"github.com/tickroom/tickroom/world"
)

const dt = 50 * time.Millisecond

// match is a game of tag driven the way a room drives it: per tick,
// Advance, timers, then inputs and messages, then Step.
type match struct {
	t    *testing.T
	g    *tag.Game
	w    *world.World
	r    *fakeRoom
	ents map[world.PlayerID]world.EntityID
}

func newMatch(t *testing.T, s tag.Settings) *match {
	g := tag.NewWithSettings(s)
	w := world.New(g.Schemas(), world.Options{Seed: 7})
	r := &fakeRoom{w: w, step: dt}
	g.Attach(r)
	g.Init(w)
	return &match{t: t, g: g, w: w, r: r, ents: map[world.PlayerID]world.EntityID{}}
}

func (m *match) join(p world.PlayerID, name string) {
	m.t.Helper()
	id, err := m.g.Join(m.w, p, name)
	if err != nil {
		m.t.Fatal(err)
	}
	m.ents[p] = id
}

// tick runs one tick; in runs before Step.
func (m *match) tick(in func()) {
	m.w.Advance()
	m.r.fire()
	if in != nil {
		in()
	}
	m.g.Step(m.w, dt)
}

func (m *match) say(p world.PlayerID, typ string, payload any) {
	m.t.Helper()
	raw, err := netcode.EncodePayload(payload, netcode.MaxPayloadLen)
	if err != nil {
		m.t.Fatal(err)
	}
	m.g.Message(m.w, p, typ, raw)
}

func (m *match) at(p world.PlayerID) (float64, float64) {
	e := m.w.Entity(m.ents[p])
	return e.Float(tag.FieldX), e.Float(tag.FieldY)
}

func (m *match) is(p world.PlayerID, f int) bool { return m.w.Entity(m.ents[p]).Bool(f) }

// chase steers every "it" towards the nearest player it may tag and the
// others away, for one tick.
func (m *match) chase() {
	for p := range m.ents {
		if !m.is(p, tag.FieldIt) {
			continue
		}
		px, py := m.at(p)
		for q := range m.ents {
			if q == p || m.is(q, tag.FieldImmune) {
				continue
			}
			qx, qy := m.at(q)
			d := math.Hypot(qx-px, qy-py)
			if d == 0 {
				continue
			}
			m.g.Input(m.w, p, world.Input{Axes: [4]int16{int16((qx - px) / d * world.MaxAxis), int16((qy - py) / d * world.MaxAxis)}})
			m.g.Input(m.w, q, world.Input{})
		}
	}
}

// play runs a whole round of two players and returns its events.
func play(t *testing.T) ([]string, world.State) {
	m := newMatch(t, tag.Settings{Round: 10 * time.Second, Speed: 150, Reach: 20, Immunity: time.Second})
	m.w.Advance()
	m.join(1, "ada")
	m.join(2, "bob")
	m.tick(func() {
		m.say(1, "chat", map[string]string{"text": "hi bob"})
		m.say(2, "wave", nil)
		m.say(2, "chat", map[string]string{"text": strings.Repeat("x", 300)})
		m.say(1, "ready", nil)
	})
	if m.r.locked {
		t.Fatal("one ready player started a round")
	}
	m.tick(func() { m.say(2, "ready", nil) })
	if !m.r.locked || m.r.metadata["state"] != "playing" {
		t.Fatalf("round started: locked %v metadata %v, want locked and playing", m.r.locked, m.r.metadata)
	}
	for range 240 { // 12 s: the round is 10
		m.tick(m.chase)
	}
	if m.r.locked || m.r.metadata["state"] != "waiting" {
		t.Errorf("after the round: locked %v metadata %v, want unlocked and waiting", m.r.locked, m.r.metadata)
	}
	return m.r.events, m.w.Snapshot()
}

// A round of tag, without a server: chat (cut to its limit) and waves go to
// everyone, the round starts once both are ready, "it" tags and the tagger
// is immune for a while, the round ends on time with the winner.
func TestRound(t *testing.T) {
	events, _ := play(t)
	kinds := map[string]int{}
	for _, e := range events {
		kinds[strings.Fields(e)[1]]++
	}
	if kinds["rules"] != 2 || kinds["chat"] != 2 || kinds["wave"] != 1 || kinds["round_start"] != 1 || kinds["round_over"] != 1 {
		t.Errorf("events %v: want the rules for each player, 2 chats, a wave, one round start and one round over", kinds)
	}
	if kinds["tagged"] < 2 {
		t.Errorf("%d tags in a 10 s chase: want at least two", kinds["tagged"])
	}
	var long string
	for _, e := range events {
		if strings.Contains(e, " chat ") && strings.Contains(e, "xxx") {
			long = e
		}
	}
	if !strings.Contains(long, strings.Repeat("x", tag.MaxChat)) || strings.Contains(long, strings.Repeat("x", tag.MaxChat+1)) {
		t.Errorf("a long chat went out as %q: want it cut to %d bytes", long, tag.MaxChat)
	}
	// Tags alternate, and never within the immunity after the last one.
	var lastTag int
	for _, e := range events {
		f := strings.Fields(e)
		if f[1] != "tagged" {
			continue
		}
		var tick int
		if _, err := fmt.Sscan(f[0], &tick); err != nil {
			t.Fatal(err)
		}
		if lastTag != 0 && tick-lastTag < 20 { // 1 s at 20 Hz
			t.Errorf("tagged at tick %d, %d ticks after the last tag: the tagger was immune", tick, tick-lastTag)
		}
		lastTag = tick
	}
	over := events[len(events)-1]
	if !strings.Contains(over, "round_over") || !strings.Contains(over, "winner:") {
		t.Errorf("last event %q, want round_over with the winner", over)
	}
}

// The same inputs give the same game: events, timers and states.
func TestDeterministic(t *testing.T) {
	e1, s1 := play(t)
	e2, s2 := play(t)
	if !slices.Equal(e1, e2) || !world.Equal(s1, s2) {
		t.Errorf("two runs of the same round differ:\n%v\n%v", e1, e2)
	}
}

func TestSettings(t *testing.T) {
	if err := tag.DefaultSettings().Validate(); err != nil {
		t.Errorf("default settings: %v", err)
	}
	bad := tag.DefaultSettings()
	bad.Round = 0
	if bad.Validate() == nil {
		t.Error("a round of 0s passed Validate")
	}
}

// When the one player who was not ready leaves, everyone left is ready and
// a round starts: nobody should have to toggle "ready" twice.
func TestRoundStartsWhenTheLastUnreadyPlayerLeaves(t *testing.T) {
	m := newMatch(t, tag.Settings{Round: 10 * time.Second, Speed: 150, Reach: 20, Immunity: time.Second})
	m.w.Advance()
	m.join(1, "ada")
	m.join(2, "bob")
	m.join(3, "cyd")
	m.tick(func() {
		m.say(1, "ready", nil)
		m.say(2, "ready", nil)
	})
	if m.r.locked {
		t.Fatal("a round started with cyd not ready")
	}
	m.tick(func() { m.g.Leave(m.w, 3) })
	m.tick(nil)
	if !m.r.locked || m.r.metadata["state"] != "playing" {
		t.Errorf("ada and bob are ready and alone: locked %v metadata %v, want a round under way", m.r.locked, m.r.metadata)
	}
}
