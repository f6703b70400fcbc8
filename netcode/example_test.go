package netcode_test

import (
	"fmt"

	"github.com/tickroom/tickroom/games/arena"
	"github.com/tickroom/tickroom/netcode"
	"github.com/tickroom/tickroom/world"
)

// Example follows one state from a room to a client: the room encodes the
// body of a diff once and a head per client; the client decodes the frame
// and applies it to the state it kept for the diff's baseline.
func Example() {
	g := arena.New()
	w := world.New(g.Schemas(), world.Options{Seed: 1})
	g.Init(w)
	w.Advance()
	g.Join(w, 1, "ada")
	g.Join(w, 2, "bob")
	baseline := w.Snapshot() // the client has acknowledged tick 1

	w.Advance()
	g.Input(w, 1, world.Input{Axes: [4]int16{1000, 0}})
	g.Step(w, tickDur)

	// Room: one body for every client on baseline 1, one head per client.
	var d world.Delta
	w.DeltaSince(baseline.Tick, &d)
	body := netcode.AppendStateBody(nil, &d, nil)
	frame := netcode.AppendStateHead(nil, &d, 2050, 7, nil) // server time, this client's input ack
	frame = append(frame, body...)

	// Client.
	m, err := netcode.DecodeServer(frame)
	if err != nil {
		panic(err)
	}
	st := m.(*netcode.State)
	mirror, err := world.Apply(w.Schemas(), baseline, &st.Delta)
	if err != nil {
		panic(err)
	}
	fmt.Println(st.Kind(), "tick", st.Delta.Tick, "from", st.Delta.Base, "input ack", st.InputAck)
	fmt.Println("mirror matches the room:", world.Equal(mirror, w.Snapshot()))
	// Output:
	// diff tick 2 from 1 input ack 7
	// mirror matches the room: true
}
