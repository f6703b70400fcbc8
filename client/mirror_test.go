package client

import (
	"slices"
	"testing"

	"github.com/tickroom/tickroom/netcode"
	"github.com/tickroom/tickroom/world"
)

// acks returns the ticks of the ack frames among ms.
func acks(t *testing.T, ms []netcode.Frame) []uint32 {
	t.Helper()
	var out []uint32
	for _, m := range ms {
		a, ok := m.(*netcode.Ack)
		if !ok {
			t.Fatalf("client sent %T, want only acks", m)
		}
		out = append(out, a.Tick)
	}
	return out
}

func wantAcks(t *testing.T, f *fakeConn, want ...uint32) {
	t.Helper()
	got := acks(t, f.sentMessages(t))
	if len(got) != len(want) {
		t.Fatalf("acks sent = %v, want %v", got, want)
	}
	for i := range got {
		if got[i] != want[i] {
			t.Fatalf("acks sent = %v, want %v", got, want)
		}
	}
}

func welcome(t *testing.T, c *Client) {
	t.Helper()
	c.deliver(encode(t, &netcode.Welcome{Version: netcode.ProtocolVersion, Session: "s", Room: "r", Mode: "m",
		TickRate: 20, SendRate: 20, Schemas: counterSchemas}))
}

// A diff whose baseline the client no longer keeps is answered with ack 0;
// the snapshot the room sends then restores the mirror, and diffs against
// it apply again.
func TestMirrorLostBaselineAsksForSnapshot(t *testing.T) {
	c, f := newFakeClient(t, Options{History: 2})
	welcome(t, c)
	s1, s2, s3 := counterState(1, 10), counterState(2, 20), counterState(3, 30)

	c.deliver(stateFrame(t, world.State{}, s1))
	c.deliver(stateFrame(t, s1, s2))
	c.deliver(stateFrame(t, s2, s3)) // keeps 2 and 3; 1 is gone
	wantAcks(t, f, 1, 2, 3)

	s4 := counterState(4, 40)
	c.deliver(stateFrame(t, s1, s4)) // baseline 1 was dropped
	wantAcks(t, f, 0)
	if got := c.Stats().LostBaselines; got != 1 {
		t.Fatalf("LostBaselines = %d, want 1", got)
	}
	if got := c.State(); !world.Equal(got, s3) {
		t.Fatalf("state after a lost baseline = %+v, want tick 3 kept", got)
	}

	c.deliver(stateFrame(t, world.State{}, s4)) // the snapshot the ack 0 asked for
	s5 := counterState(5, 50)
	c.deliver(stateFrame(t, s4, s5))
	wantAcks(t, f, 4, 5)
	if got := c.State(); !world.Equal(got, s5) {
		t.Fatalf("state = %+v, want %+v", got, s5)
	}
	if st := c.Stats(); st.Snapshots != 2 || st.Diffs != 4 || st.BadFrames != 0 || st.Frames != 7 {
		t.Fatalf("stats = %+v", st)
	}
}

// A frame older than the newest state is ignored: not applied, not
// acknowledged, not counted as bad.
func TestMirrorIgnoresOlderFrames(t *testing.T) {
	c, f := newFakeClient(t, Options{})
	welcome(t, c)
	s1, s2, s3 := counterState(1, 1), counterState(2, 2), counterState(3, 3)
	c.deliver(stateFrame(t, world.State{}, s1))
	c.deliver(stateFrame(t, s1, s3))
	c.deliver(stateFrame(t, s1, s2)) // arrives late
	c.deliver(stateFrame(t, world.State{}, s2))
	wantAcks(t, f, 1, 3)
	if got := c.State(); !world.Equal(got, s3) {
		t.Fatalf("state = %+v, want tick 3", got)
	}
	if _, ok := c.StateAt(2); ok {
		t.Errorf("StateAt(2) found a state that was never applied")
	}
	if st := c.Stats(); st.BadFrames != 0 || st.LostBaselines != 0 {
		t.Fatalf("stats = %+v, want no bad frames or lost baselines", st)
	}
}

// A diff that does not fit its baseline, and bytes that do not decode, are
// counted as bad frames and change nothing.
func TestMirrorCountsBadFrames(t *testing.T) {
	c, f := newFakeClient(t, Options{})
	welcome(t, c)
	s1 := counterState(1, 1)
	c.deliver(stateFrame(t, world.State{}, s1))
	wantAcks(t, f, 1)

	bad := world.Delta{Tick: 2, Base: 1, Changed: []world.Change{{ID: 7, Mask: 1, Values: []world.Value{{I: 1}}}}}
	c.deliver(encode(t, &netcode.State{Delta: bad}))
	c.deliver([]byte{0xc1}) // never valid msgpack
	wantAcks(t, f)
	if got := c.Stats().BadFrames; got != 2 {
		t.Fatalf("BadFrames = %d, want 2", got)
	}
	if got := c.State(); !world.Equal(got, s1) {
		t.Fatalf("state = %+v, want tick 1 unchanged", got)
	}
}

// A state before any welcome has no schemas to apply it with.
func TestMirrorStateBeforeWelcomeIsBad(t *testing.T) {
	c, f := newFakeClient(t, Options{})
	c.deliver(stateFrame(t, world.State{}, counterState(1, 1)))
	wantAcks(t, f)
	if got := c.Stats().BadFrames; got != 1 {
		t.Fatalf("BadFrames = %d, want 1", got)
	}
}

// ManualAck leaves acknowledging to the program, except for the ack 0 that
// recovers a lost baseline.
func TestMirrorManualAck(t *testing.T) {
	c, f := newFakeClient(t, Options{ManualAck: true, History: 1})
	welcome(t, c)
	s1, s2 := counterState(1, 1), counterState(2, 2)
	c.deliver(stateFrame(t, world.State{}, s1))
	c.deliver(stateFrame(t, s1, s2))
	wantAcks(t, f)
	c.deliver(stateFrame(t, s1, counterState(3, 3))) // History 1: tick 1 is gone
	wantAcks(t, f, 0)
}

// TrackOnly follows ticks and input acks without applying states, so even a
// diff whose baseline was never received moves it forward.
func TestTrackOnly(t *testing.T) {
	var seen [][2]uint32 // tick, base of each state OnFrame got
	c, f := newFakeClient(t, Options{TrackOnly: true, OnFrame: func(m netcode.Frame) {
		if s, ok := m.(*netcode.State); ok {
			seen = append(seen, [2]uint32{s.Delta.Tick, s.Delta.Base})
		}
	}})
	welcome(t, c)
	s1, s2, s3 := counterState(1, 1), counterState(2, 2), counterState(3, 3)
	c.deliver(stateFrame(t, world.State{}, s1))
	c.deliver(stateFrame(t, s2, s3)) // baseline 2 was never received
	c.deliver(stateFrame(t, s1, s2)) // older than the newest: ignored
	wantAcks(t, f, 1, 3)
	if want := [][2]uint32{{1, 0}, {3, 2}, {2, 1}}; !slices.Equal(seen, want) {
		t.Errorf("OnFrame saw states (tick, base) %v, want %v", seen, want)
	}
	if st := c.Stats(); st.Snapshots != 1 || st.Diffs != 2 || st.Frames != 4 {
		t.Errorf("stats %+v, want 1 snapshot, 2 diffs, 4 frames (with the welcome)", st)
	}
	if st := c.State(); st.Tick != 3 || len(st.Entities) != 0 {
		t.Errorf("State() = %+v, want tick 3 and no entities", st)
	}
	if st := c.Stats(); st.LostBaselines != 0 || st.BadFrames != 0 {
		t.Errorf("stats %+v, want no lost baselines or bad frames", st)
	}
}
