package actors

import (
	"slices"
	"testing"
	"time"

	"github.com/tickroom/tickroom/netcode"
	"github.com/tickroom/tickroom/world"
)

// eventually polls cond until it holds, failing the test after 10s; the
// clients acknowledge their newest states meanwhile, so no room drops them.
func eventually(t *testing.T, what string, cond func() bool, cs ...*testClient) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("after 10s: not %s", what)
		}
		for _, c := range cs {
			if c.welcome() != nil && !c.gone {
				c.send(&netcode.Ack{Tick: c.lastTick()})
			}
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func welcomed(cs ...*testClient) func() bool {
	return func() bool {
		for _, c := range cs {
			if c.welcome() == nil {
				return false
			}
		}
		return true
	}
}

// sees reports whether c's newest full picture of its room has entity e:
// it applies every state it was sent to a mirror.
func sees(c *testClient, e uint32) bool {
	w := c.welcome()
	if w == nil {
		return false
	}
	st := c.mirror(w.Schemas)
	_, ok := st.Find(world.EntityID(e))
	return ok
}

// Two joins of one room name on two nodes meet in one room, on whichever
// node the name's owner put it; the players see each other's entities,
// their inputs reach the game and come back acknowledged.
func TestClusterNameMeetsInOneRoom(t *testing.T) {
	tc := newTestCluster(t, 3)
	hubs := tc.startAll()
	a, b := connect(t, hubs[0]), connect(t, hubs[1])
	a.join("lobby-7")
	eventually(t, "a welcomed", welcomed(a), a)
	b.join("lobby-7")
	eventually(t, "b welcomed", welcomed(b), a, b)
	wa, wb := a.welcome(), b.welcome()
	if wa.RoomID != wb.RoomID || wa.Room != "lobby-7" {
		t.Fatalf("rooms %q (%s) and %q (%s), want one", wa.RoomID, wa.Room, wb.RoomID, wb.Room)
	}
	if node := nodeOf(wa.RoomID); node == "" {
		t.Fatalf("room id %q names no node", wa.RoomID)
	}
	eventually(t, "each sees the other", func() bool { return sees(a, wb.Entity) && sees(b, wa.Entity) }, a, b)
	for range 5 {
		a.input(world.MaxAxis)
		b.input(-world.MaxAxis)
	}
	eventually(t, "inputs acknowledged", func() bool {
		sa, sb := a.states(), b.states()
		return len(sa) > 0 && len(sb) > 0 && sa[len(sa)-1].InputAck >= 5 && sb[len(sb)-1].InputAck >= 5
	}, a, b)
	// A third node lists it, with its two players.
	c := connect(t, hubs[2])
	c.send(&netcode.List{Request: 1})
	eventually(t, "the room listed on the third node", func() bool {
		var last *netcode.Rooms
		for _, m := range c.link.messages(t) {
			if r, ok := m.(*netcode.Rooms); ok {
				last = r
			}
		}
		c.send(&netcode.List{Request: 1})
		if last != nil {
			t.Logf("listing: %+v", last.Rooms)
		}
		return last != nil && len(last.Rooms) == 1 && last.Rooms[0].ID == wa.RoomID && last.Rooms[0].Players == 2
	})
}

// A room on one node with several players on another: each state body is
// encoded once on the room's node, shipped once to the other node and
// shared by all its players there; each player has its own head (its own
// input ack).
func TestClusterStateBodiesShippedOncePerNode(t *testing.T) {
	tc := newTestCluster(t, 2)
	tc.opts = func(i int, o *Options) { o.Cluster.NoRooms = i == 0 } // n0 hosts no rooms
	hubs := tc.startAll()
	var cs []*testClient
	for range 4 {
		c := connect(t, hubs[0])
		c.join("shared")
		cs = append(cs, c)
	}
	eventually(t, "all welcomed", welcomed(cs...), cs...)
	if id := cs[0].welcome().RoomID; nodeOf(id) != "n1" {
		t.Fatalf("room %s, want it on n1 (n0 takes no rooms)", id)
	}
	for i, c := range cs {
		for range i + 1 {
			c.input(world.MaxAxis)
		}
	}
	eventually(t, "input acks", func() bool {
		for i, c := range cs {
			if s := c.states(); len(s) == 0 || s[len(s)-1].InputAck != uint32(i+1) {
				return false
			}
		}
		return true
	}, cs...)
	// The clients acknowledge together: their states then share bodies.
	shared := 0
	for _, p := range cs[0].link.bodyPtrs() {
		if slices.Contains(cs[1].link.bodyPtrs(), p) && slices.Contains(cs[3].link.bodyPtrs(), p) {
			shared++
		}
	}
	if shared == 0 {
		t.Errorf("no state body shared by the players of one node")
	}
	s0, s1 := hubs[0].ClusterStats(), hubs[1].ClusterStats()
	if s0.AwaySeats != 4 || s1.RemoteSeats != 4 {
		t.Errorf("away seats on n0 = %d, remote seats on n1 = %d, want 4 and 4", s0.AwaySeats, s1.RemoteSeats)
	}
	if encoded := hubs[1].Stats().BodiesEncoded; s1.Bodies > encoded || s1.Bodies >= s0.Delivered {
		t.Errorf("%d bodies shipped, %d encoded, %d frames delivered: want each body shipped once, shared", s1.Bodies, encoded, s0.Delivered)
	}
}

// Join by id and by join code work from any node; the listing of any node
// has the rooms of every node, and matchmaking fills a room on another node
// before it makes one.
func TestClusterJoinByIDCodeAndMatchmaking(t *testing.T) {
	tc := newTestCluster(t, 3)
	tc.opts = func(i int, o *Options) { o.Cluster.Placement = PlaceLocal }
	hubs := tc.startAll()
	owner := connect(t, hubs[0])
	owner.send(&netcode.Join{Version: netcode.ProtocolVersion, Name: "o", How: netcode.JoinCreatePrivate})
	eventually(t, "private room made", welcomed(owner), owner)
	w := owner.welcome()
	if nodeOf(w.RoomID) != "n0" || w.JoinCode == "" {
		t.Fatalf("private room %s code %q, want one on n0 (placement local) with a code", w.RoomID, w.JoinCode)
	}
	byID, byCode := connect(t, hubs[1]), connect(t, hubs[2])
	byID.send(&netcode.Join{Version: netcode.ProtocolVersion, Name: "i", How: netcode.JoinByID, Room: w.RoomID})
	time.Sleep(2 * gossipInterval) // the code reaches the other nodes' listings
	byCode.send(&netcode.Join{Version: netcode.ProtocolVersion, Name: "c", How: netcode.JoinByID, Room: w.JoinCode})
	eventually(t, "joined by id and by code", welcomed(byID, byCode), owner, byID, byCode)
	if byID.welcome().RoomID != w.RoomID || byCode.welcome().RoomID != w.RoomID {
		t.Fatalf("joined %s and %s, want %s", byID.welcome().RoomID, byCode.welcome().RoomID, w.RoomID)
	}

	// Matchmaking: the first player makes a room on its node, the next,
	// on another node, finds it.
	m1 := connect(t, hubs[1])
	m1.send(&netcode.Join{Version: netcode.ProtocolVersion, Name: "m1", How: netcode.JoinMatch})
	eventually(t, "m1 welcomed", welcomed(m1), m1)
	time.Sleep(2 * gossipInterval)
	m2 := connect(t, hubs[2])
	m2.send(&netcode.Join{Version: netcode.ProtocolVersion, Name: "m2", How: netcode.JoinMatch})
	eventually(t, "m2 welcomed", welcomed(m2), m1, m2)
	if m1.welcome().RoomID != m2.welcome().RoomID {
		t.Errorf("matchmade into %s and %s, want one room", m1.welcome().RoomID, m2.welcome().RoomID)
	}
	// Unknown ids and codes are room_not_found from any node.
	miss := connect(t, hubs[2])
	miss.send(&netcode.Join{Version: netcode.ProtocolVersion, Name: "x", How: netcode.JoinByID, Room: "n1-aaaaaaaaaaaa"})
	eventually(t, "room_not_found", func() bool { return slices.Contains(miss.errorCodes(), netcode.CodeRoomNotFound) })
}

// A node that is lost (here: cut off from its peers) takes its rooms with
// it: players of other nodes in them get room_closed and are back in the
// lobby, free to join again. Its own players in rooms elsewhere are
// dropped there, their seats held: one that comes back through a third
// node resumes its seat.
func TestClusterLostNodeEndsItsRoomsAndItsPlayersResume(t *testing.T) {
	tc := newTestCluster(t, 3)
	tc.opts = func(i int, o *Options) {
		o.Cluster.Placement = PlaceLocal
		o.Room.ResumeWindow = time.Minute
	}
	hubs := tc.startAll()
	n0, n1, n2 := hubs[0], hubs[1], hubs[2]

	// host is on n1, in its room there; guest is on n0, in that room too.
	host := connect(t, n1)
	host.join("on-n1")
	eventually(t, "host welcomed", welcomed(host), host)
	guest := connect(t, n0)
	guest.join("on-n1")
	eventually(t, "guest welcomed", welcomed(guest), host, guest)
	// visitor is on n1, in a room on n0.
	local := connect(t, n0)
	local.join("on-n0")
	eventually(t, "local welcomed", welcomed(local), local)
	visitor := connect(t, n1)
	visitor.join("on-n0")
	eventually(t, "visitor welcomed", welcomed(visitor), local, visitor)
	if nodeOf(host.welcome().RoomID) != "n1" || nodeOf(local.welcome().RoomID) != "n0" {
		t.Fatalf("rooms %s and %s, want on n1 and n0", host.welcome().RoomID, local.welcome().RoomID)
	}

	// n0 is lost to n1 and n2.
	partition(n0, n1, true)
	partition(n0, n2, true)
	eventually(t, "the visitor told room_closed", func() bool {
		return slices.Contains(visitor.errorCodes(), netcode.CodeRoomClosed)
	}, host, visitor)
	visitor.join("again")
	eventually(t, "the visitor joins again", func() bool { return len(visitor.welcomes()) == 2 }, host, visitor)

	// The guest's connection went with n0; it comes back through n2.
	back := connect(t, n2)
	back.resumeAs(guest)
	eventually(t, "resumed on n2", welcomed(back), host, back)
	if w, old := back.welcome(), guest.welcome(); w.Player != old.Player || w.Entity != old.Entity || w.RoomID != old.RoomID {
		t.Fatalf("resumed as player %d entity %d in %s, want %d %d in %s", w.Player, w.Entity, w.RoomID, old.Player, old.Entity, old.RoomID)
	}
	last := guest.lastTick()
	eventually(t, "states after the resume", func() bool { return back.lastTick() > last }, host, back)
}

// Events cross nodes as on one: every player gets every event once, in the
// order the room sent them, each after a state of its tick or an earlier
// one and before any state of a later tick; kicks reach the player's node.
func TestClusterEventsInOrderAcrossNodes(t *testing.T) {
	tc := newTestCluster(t, 3)
	log := new(callLog)
	tc.opts = func(i int, o *Options) {
		o.Modes, o.DefaultMode = probeModes(log), "probe"
		o.Cluster.NoRooms = i != 2 // the room is on n2; its players on n0 and n1
		o.Room.MessageBuffer = 128
		o.Session = SessionOptions{InputRate: 1000, InputBurst: 1000}
	}
	hubs := tc.startAll()
	a, b := connect(t, hubs[0]), connect(t, hubs[1])
	a.joinHow(netcode.JoinMatch, "chat", nil)
	eventually(t, "a welcomed", welcomed(a), a)
	b.joinHow(netcode.JoinMatch, "chat", nil)
	eventually(t, "b welcomed", welcomed(b), a, b)
	if nodeOf(a.welcome().RoomID) != "n2" {
		t.Fatalf("room %s, want it on n2", a.welcome().RoomID)
	}
	const n = 50
	for i := range n {
		a.message("echo", i)
		b.message("echo", 1000+i)
	}
	eventually(t, "every echo at both players", func() bool { return len(a.events()) >= 2*n && len(b.events()) >= 2*n }, a, b)
	for _, c := range []*testClient{a, b} {
		var lastTick, lastID uint32
		fromA, fromB := -1, 999
		for _, m := range c.link.messages(t) {
			switch m := m.(type) {
			case *netcode.State:
				lastTick = m.Delta.Tick
			case *netcode.Event:
				if m.ID <= lastID || lastTick == 0 || m.Tick < lastTick {
					t.Fatalf("event %d of tick %d after event %d and state %d: out of order", m.ID, m.Tick, lastID, lastTick)
				}
				lastID = m.ID
				if m.Type != "echo" {
					continue
				}
				var v int
				if err := m.Payload.Decode(&v); err != nil {
					t.Fatal(err)
				}
				switch {
				case v < 1000 && v == fromA+1:
					fromA = v
				case v >= 1000 && v == fromB+1:
					fromB = v
				default:
					t.Fatalf("echo %d after %d and %d: lost, repeated or reordered", v, fromA, fromB)
				}
			}
		}
		if fromA != n-1 || fromB != 1000+n-1 {
			t.Errorf("echoes up to %d and %d, want %d and %d", fromA, fromB, n-1, 1000+n-1)
		}
	}
	// The room kicks b: its node tells it, and it is back in the lobby.
	b.message("kick", b.welcome().Player)
	eventually(t, "b kicked", func() bool { return slices.Contains(b.errorCodes(), netcode.CodeKicked) }, a)
	b.joinHow(netcode.JoinMatch, "chat", nil)
	eventually(t, "b back", func() bool { return len(b.welcomes()) == 2 }, a, b)
}

// What a room sends a player of another node before it ends the player's
// seat reaches the player before the end: an event told, then a kick, in
// one step (the event waited in the room's outbox for that node while the
// seat's end went ahead through the relay, and was dropped on arrival).
func TestClusterEventBeforeAKickArrivesFirst(t *testing.T) {
	tc := newTestCluster(t, 2)
	log := new(callLog)
	tc.opts = func(i int, o *Options) {
		o.Modes, o.DefaultMode = probeModes(log), "probe"
		o.Cluster.NoRooms = i != 1 // the room is on n1; the kicked player on n0
	}
	hubs := tc.startAll()
	host, guest := connect(t, hubs[1]), connect(t, hubs[0])
	host.joinHow(netcode.JoinMatch, "k", nil)
	eventually(t, "host welcomed", welcomed(host), host)
	guest.joinHow(netcode.JoinMatch, "k", nil)
	eventually(t, "guest welcomed", welcomed(guest), host, guest)
	if nodeOf(guest.welcome().RoomID) != "n1" {
		t.Fatalf("room %s, want it on n1", guest.welcome().RoomID)
	}
	for round := range 5 {
		p := guest.welcome().Player
		host.message("tell", p) // both in the host's next step, in order
		host.message("kick-slowly", p)
		for end := time.Now().Add(10 * time.Second); !slices.Contains(guest.errorCodes(), netcode.CodeKicked); {
			if time.Now().After(end) {
				t.Fatalf("round %d: guest not kicked; host's errors %v, guest's %v and events %v", round, host.errorCodes(), guest.errorCodes(), guest.events())
			}
			host.send(&netcode.Ack{Tick: host.lastTick()})
			guest.send(&netcode.Ack{Tick: guest.lastTick()})
			time.Sleep(20 * time.Millisecond)
		}
		told, kicked := -1, -1
		for i, m := range guest.link.messages(t) {
			switch m := m.(type) {
			case *netcode.Event:
				if m.Type == "told" {
					told = i
				}
			case *netcode.Error:
				if m.Code == netcode.CodeKicked {
					kicked = i
				}
			}
		}
		if told < 0 || told > kicked {
			t.Fatalf("the event told before the kick: at %d, the kick at %d", told, kicked)
		}
		// Back for another round: a fresh connection, as a kicked client would.
		guest = connect(t, hubs[0])
		guest.joinHow(netcode.JoinMatch, "k", nil)
		eventually(t, "guest back", welcomed(guest), host, guest)
	}
}
