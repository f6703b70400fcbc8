package actors

import (
	"testing"
	"time"

	"github.com/tickroom/tickroom/netcode"
)

func (c *testClient) joinWith(how netcode.JoinHow, room string) {
	c.send(&netcode.Join{Version: netcode.ProtocolVersion, Mode: "arena", Name: "p", How: how, Room: room})
}

func answered(c *testClient) func() bool {
	return func() bool { return c.welcome() != nil || len(c.errorCodes()) > 0 }
}

// JoinCreate with no name ("a name of the server's") makes a new room each
// time, on a cluster as on a hub alone (the owner of the key "arena/" once
// recorded it as a name and refused every later one with room_exists).
func TestClusterUnnamedCreatesAcrossNodes(t *testing.T) {
	tc := newTestCluster(t, 2)
	hubs := tc.startAll()
	a, b := connect(t, hubs[0]), connect(t, hubs[1])
	a.joinWith(netcode.JoinCreate, "")
	eventually(t, "a answered", answered(a), a)
	b.joinWith(netcode.JoinCreate, "")
	eventually(t, "b answered", answered(b), a, b)
	if a.welcome() == nil || b.welcome() == nil {
		t.Fatalf("a: welcome %v errors %v; b: welcome %v errors %v", a.welcome() != nil, a.errorCodes(), b.welcome() != nil, b.errorCodes())
	}
}

// Server-chosen names carry their node (arena-n0-1): two nodes counting
// their own never name two rooms alike.
func TestClusterAutoNamesAreUnique(t *testing.T) {
	tc := newTestCluster(t, 2)
	tc.opts = func(i int, o *Options) {
		o.Room.MaxPlayers = 1
		if i == 0 {
			o.Cluster.NoRooms = false
		}
	}
	hubs := tc.startAll()
	a := connect(t, hubs[0])
	a.joinWith(netcode.JoinMatch, "")
	eventually(t, "a welcomed", welcomed(a), a)
	time.Sleep(300 * time.Millisecond) // heartbeats and gossip carry a's room and load
	b := connect(t, hubs[0])
	b.joinWith(netcode.JoinMatch, "")
	eventually(t, "b welcomed", welcomed(b), a, b)
	wa, wb := a.welcome(), b.welcome()
	if wa.RoomID != wb.RoomID && wa.Room == wb.Room {
		t.Errorf("two rooms named %q: %s and %s", wa.Room, wa.RoomID, wb.RoomID)
	}
}

func TestClusterUnnamedCreatesOnTheKeysOwner(t *testing.T) {
	tc := newTestCluster(t, 2)
	hubs := tc.startAll()
	key := roomKey("arena", "")
	owner := hubs[0].cl.view.Load().owner(key).id
	h := hubs[0]
	if owner == "n1" {
		h = hubs[1]
	}
	a, b := connect(t, h), connect(t, h)
	a.joinWith(netcode.JoinCreate, "")
	eventually(t, "a answered", answered(a), a)
	b.joinWith(netcode.JoinCreate, "")
	eventually(t, "b answered", answered(b), a, b)
	if a.welcome() == nil || b.welcome() == nil {
		t.Fatalf("on the owner %s: a: welcome %v errors %v; b: welcome %v errors %v", owner, a.welcome() != nil, a.errorCodes(), b.welcome() != nil, b.errorCodes())
	}
}

// The name's owner records where it placed a room before the room exists;
// when the room's node refuses to make it, it gives the name back, so the
// name is free again (and the owner's table keeps no record of it).
func TestClusterRefusedCreateFreesItsName(t *testing.T) {
	tc := newTestCluster(t, 2)
	tc.opts = func(i int, o *Options) {
		o.MaxRooms = 1
		o.Room.EmptyTimeout = -1
	}
	hubs := tc.startAll()
	a := connect(t, hubs[0])
	a.joinWith(netcode.JoinCreate, "one")
	eventually(t, "a welcomed", welcomed(a), a)
	time.Sleep(300 * time.Millisecond)
	b := connect(t, hubs[1])
	b.joinWith(netcode.JoinCreate, "two")
	eventually(t, "b welcomed", welcomed(b), a, b)
	time.Sleep(300 * time.Millisecond)
	c := connect(t, hubs[0])
	c.joinWith(netcode.JoinCreate, "three")
	eventually(t, "c answered", answered(c), a, b, c)
	a.send(&netcode.Leave{})
	b.send(&netcode.Leave{})
	time.Sleep(500 * time.Millisecond) // rooms disposed, gossip and loads settle
	d := connect(t, hubs[1])
	d.joinWith(netcode.JoinCreate, "three")
	eventually(t, "d answered", answered(d), d)
	if d.welcome() == nil {
		t.Errorf("JoinCreate of a name no room has: %v", d.errorCodes())
	}
}

// least_loaded places by the loads the heartbeats bring, not by those of
// the last membership change (the lobby's copy of the view).
func TestClusterPlacementSeesHeartbeatLoads(t *testing.T) {
	tc := newTestCluster(t, 2)
	tc.opts = func(i int, o *Options) {
		if i == 1 {
			o.Cluster.Placement = PlaceLocal
		}
	}
	hubs := tc.startAll()
	first := connect(t, hubs[0])
	first.joinWith(netcode.JoinCreatePrivate, "")
	eventually(t, "first welcomed", welcomed(first), first)
	var cs []*testClient
	for range 5 {
		c := connect(t, hubs[1])
		c.joinWith(netcode.JoinCreatePrivate, "")
		cs = append(cs, c)
	}
	eventually(t, "n1's players welcomed", welcomed(cs...), cs...)
	for _, c := range cs {
		if nodeOf(c.welcome().RoomID) != "n1" {
			t.Fatalf("room %s, want n1 (local)", c.welcome().RoomID)
		}
	}
	eventually(t, "n0 hears n1's load", func() bool {
		m := hubs[0].cl.view.Load().get("n1")
		return m != nil && m.load.players == 5
	}, append(cs, first)...)
	time.Sleep(200 * time.Millisecond)
	last := connect(t, hubs[0])
	last.joinWith(netcode.JoinCreatePrivate, "")
	eventually(t, "last welcomed", welcomed(last), append(cs, first, last)...)
	if id := last.welcome().RoomID; nodeOf(id) != "n0" {
		t.Errorf("new room %s placed on n1 (5 players) rather than n0 (1 player)", id)
	}
}
