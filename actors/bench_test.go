package actors

import (
	"log/slog"
	"testing"
	"time"

	"github.com/tickroom/tickroom/games/arena"
	"github.com/tickroom/tickroom/transports"
	"github.com/tickroom/tickroom/world"
)

// countLink is a Link that only counts what is sent to it.
type countLink struct{ frames, bytes int64 }

func (l *countLink) ID() uint64           { return 0 }
func (l *countLink) RemoteAddr() string   { return "bench" }
func (l *countLink) Transport() string    { return "bench" }
func (l *countLink) Close(uint16, string) {}
func (l *countLink) Send(_ transports.Class, head, body []byte) error {
	l.frames++
	l.bytes += int64(len(head) + len(body))
	return nil
}

// benchRoom builds a room of game g with n welcomed players, outside the
// actor engine: the benchmark drives its steps and sends directly.
func benchRoom(b *testing.B, g world.Game, n int) (*room, []*countLink) {
	h := &Hub{start: time.Now(), log: slog.New(slog.DiscardHandler), obs: noObserver{}}
	ho, err := Options{Modes: map[string]Mode{"bench": {NewGame: func() world.Game { return g }}}}.withDefaults()
	if err != nil {
		b.Fatal(err)
	}
	h.opts.Store(&ho) // the room reads the overload floor from its hub
	o := RoomOptions{AckTimeout: time.Hour}.withDefaults()
	r := &room{hub: h, info: roomInfo{id: "bench", name: "bench", mode: "bench"}, game: g, hook: hooksOf(g), opts: o, log: h.log}
	r.start()
	links := make([]*countLink, n)
	r.w.Advance()
	for i := range n {
		links[i] = &countLink{}
		s := newSeat(joinRequest{link: links[i], name: "p"}, world.PlayerID(i+1), i, o, time.Now())
		r.seats = append(r.seats, s)
		r.order = append(r.order, s)
		r.count++
		ent, err := g.Join(r.w, s.player, "p")
		if err != nil {
			b.Fatal(err)
		}
		s.joined, s.entity = true, ent
		s.welcome(nil)
	}
	return r, links
}

// benchSends runs sends of room r, every player moving and acknowledging
// the previous tick (so all share one baseline), and reports the bytes each
// client receives per second at 20 sends a second and the bodies encoded
// per send.
func benchSends(b *testing.B, r *room, links []*countLink) {
	steer := func() {
		for i, s := range r.order {
			dir := int16(world.MaxAxis)
			if (int(r.w.Tick())/40+i)%2 == 0 {
				dir = -dir
			}
			r.game.Input(r.w, s.player, world.Input{Axes: [4]int16{dir, dir / 2}})
		}
	}
	tick := func() {
		r.w.Advance()
		steer()
		r.game.Step(r.w, 50*time.Millisecond)
		for _, s := range r.order {
			r.acknowledge(s, r.w.Tick()-1)
		}
		r.broadcast(time.Now(), false)
	}
	for range 100 {
		tick()
	}
	var bytes0 int64
	for _, l := range links {
		bytes0 += l.bytes
	}
	bodies0 := r.hub.stats.bodiesEncoded.Load()
	b.ResetTimer()
	for range b.N {
		tick()
	}
	b.StopTimer()
	var bytes int64
	for _, l := range links {
		bytes += l.bytes
	}
	perSend := float64(bytes-bytes0) / float64(b.N) / float64(len(links))
	b.ReportMetric(perSend*20, "B/client/s")
	b.ReportMetric(float64(r.hub.stats.bodiesEncoded.Load()-bodies0)/float64(b.N), "bodies/send")
}

// BenchmarkRoomSend measures a 16-player room's tick and send: the arena,
// and a game whose players each own an entity with private fields (cards),
// which must still share one body per baseline.
func BenchmarkRoomSend(b *testing.B) {
	b.Run("arena", func(b *testing.B) {
		r, links := benchRoom(b, arena.New(), 16)
		benchSends(b, r, links)
	})
	b.Run("private", func(b *testing.B) {
		r, links := benchRoom(b, &cards{}, 16)
		benchSends(b, r, links)
	})
}
