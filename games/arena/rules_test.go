package arena_test

import (
	"testing"

	"github.com/tickroom/tickroom/games/arena"
	"github.com/tickroom/tickroom/world"
)

// eventRoom records the events a game sends; the rest of world.Room is
// not used by the arena.
type eventRoom struct {
	world.Room
	sent []sentEvent
}

type sentEvent struct {
	to      world.PlayerID // 0: everyone
	typ     string
	payload any
}

func (r *eventRoom) Send(p world.PlayerID, typ string, payload any) error {
	r.sent = append(r.sent, sentEvent{p, typ, payload})
	return nil
}

func (r *eventRoom) Broadcast(typ string, payload any, except ...world.PlayerID) error {
	r.sent = append(r.sent, sentEvent{0, typ, payload})
	return nil
}

// A joining player hears the rules it needs to predict its movement, and
// everyone hears them again when a reload changes them.
func TestRulesEvent(t *testing.T) {
	t.Parallel()
	a, r := arena.New(), &eventRoom{}
	a.Attach(r)
	w := world.New(a.Schemas(), world.Options{Seed: 1})
	a.Init(w)
	w.Advance()
	if _, err := a.Join(w, 7, "ada"); err != nil {
		t.Fatal(err)
	}
	want := arena.Rules{Size: arena.Size, Speed: arena.DefaultSettings().Speed, Reach: 20}
	if len(r.sent) != 1 || r.sent[0] != (sentEvent{7, "rules", want}) {
		t.Fatalf("after a join the arena sent %+v, want the rules %+v to player 7", r.sent, want)
	}
	s := arena.DefaultSettings()
	s.Speed = 250
	a.ReloadSettings(s)
	want.Speed = 250
	if len(r.sent) != 2 || r.sent[1] != (sentEvent{0, "rules", want}) {
		t.Errorf("after a reload the arena sent %+v, want the new rules %+v to everyone", r.sent[1:], want)
	}
}
