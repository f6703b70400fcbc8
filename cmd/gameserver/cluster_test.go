package main

import (
	"context"
	"net"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/anthdm/hollywood/actor"
	"github.com/anthdm/hollywood/remote"
	"github.com/tickroom/tickroom/client"
	"github.com/tickroom/tickroom/games/arena"
	"github.com/tickroom/tickroom/internal/clusterpb"
	"github.com/tickroom/tickroom/netcode"
	"github.com/tickroom/tickroom/world"
	"google.golang.org/protobuf/proto"
	"storj.io/drpc/drpcconn"
)

// dialURL dials base with o, closing the client at cleanup.
func dialURL(t *testing.T, ctx context.Context, base string, o client.Options) *client.Client {
	t.Helper()
	c, err := client.Dial(ctx, base, o)
	if err != nil {
		t.Fatalf("dial %s: %v", base, err)
	}
	t.Cleanup(func() { _ = c.Close() })
	return c
}

// seesMove waits until c sees entity e move along axis f from where it was.
func seesMove(t *testing.T, ctx context.Context, c *client.Client, e world.EntityID, f int) {
	t.Helper()
	start := field(t, waitFor(t, ctx, c, hasEntity(e)), e, f)
	waitFor(t, ctx, c, func(st world.State) bool {
		en, ok := st.Find(e)
		return ok && en.Values[f].I != start
	})
}

func hasError(c *client.Client, code netcode.Code) bool {
	return slices.ContainsFunc(c.Errors(), func(e netcode.Error) bool { return e.Code == code })
}

// waitUntil polls cond until it holds, failing after d.
func waitUntil(t *testing.T, d time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("after %v: not %s", d, what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// Three nodes: clients connected to different nodes, on WebSocket and on
// long-polling, meet in one room by its name and see each other move; so
// does a long-polling client behind a load balancer that sends each of its
// requests to the next node in turn (a node passes another's session on).
func TestClusterEndToEndPlayAcrossNodes(t *testing.T) {
	tc := newTestCluster(t, 3, "")
	nodes := tc.startAll()
	lb := newBalancer(t, nodes...)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()

	ws := dialURL(t, ctx, "http://"+nodes[0].addr, client.Options{Name: "ws", Transport: client.TransportWebSocket})
	lp := dialURL(t, ctx, "http://"+nodes[1].addr, client.Options{Name: "lp", Transport: client.TransportLongPoll, NoUpgrade: true})
	anywhere := dialURL(t, ctx, lb.url(), client.Options{Name: "lb", Transport: client.TransportLongPoll, NoUpgrade: true})
	var welcomes []*netcode.Welcome
	for _, c := range []*client.Client{ws, lp, anywhere} {
		w, err := c.Join(ctx, "meet", "")
		if err != nil {
			t.Fatal(err)
		}
		welcomes = append(welcomes, w)
	}
	for _, w := range welcomes[1:] {
		if w.RoomID != welcomes[0].RoomID {
			t.Fatalf("rooms %s and %s, want one", welcomes[0].RoomID, w.RoomID)
		}
	}
	steerCtx, stop := context.WithCancel(ctx)
	waits := []func(){
		swing(steerCtx, ws, world.Input{Axes: [4]int16{world.MaxAxis, 0}}, 50*time.Millisecond),
		swing(steerCtx, lp, world.Input{Axes: [4]int16{0, world.MaxAxis}}, 50*time.Millisecond),
		swing(steerCtx, anywhere, world.Input{Axes: [4]int16{-world.MaxAxis, 0}}, 50*time.Millisecond),
	}
	defer func() {
		stop()
		for _, w := range waits {
			w()
		}
	}()
	ea, eb, ec := world.EntityID(welcomes[0].Entity), world.EntityID(welcomes[1].Entity), world.EntityID(welcomes[2].Entity)
	seesMove(t, ctx, ws, eb, arena.FieldY)
	seesMove(t, ctx, lp, ea, arena.FieldX)
	seesMove(t, ctx, anywhere, ea, arena.FieldX)
	seesMove(t, ctx, ws, ec, arena.FieldX)
	for _, c := range []*client.Client{ws, lp, anywhere} {
		if err := c.Err(); err != nil {
			t.Errorf("client ended: %v", err)
		}
	}
	if code, body := get(t, "http://"+nodes[2].addr+"/rooms"); code != 200 || !strings.Contains(body, welcomes[0].RoomID) {
		t.Errorf("/rooms of a third node = %d %s, want the room", code, body)
	}
}

// The README's three-node cluster behind its nginx (examples/cluster): a
// plain round-robin load balancer, no sticky sessions. Players on
// WebSocket, long-polling and streaming meet in one room by its name and
// see each other move; the HTTP ones' requests reach all three nodes.
func TestClusterEndToEndBehindNginx(t *testing.T) {
	tc := newTestCluster(t, 3, "")
	nodes := tc.startAll()
	lb := "http://" + startExampleNginx(t, nodes...)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	var cs []*client.Client
	var ws []*netcode.Welcome
	for _, tr := range []string{client.TransportWebSocket, client.TransportLongPoll, client.TransportStream} {
		c := dialURL(t, ctx, lb, client.Options{Name: tr, Transport: tr, NoUpgrade: true})
		w, err := c.Join(ctx, "behind-nginx", "")
		if err != nil {
			t.Fatalf("%s: %v", tr, err)
		}
		cs, ws = append(cs, c), append(ws, w)
	}
	steerCtx, stop := context.WithCancel(ctx)
	var waits []func()
	for _, c := range cs {
		waits = append(waits, swing(steerCtx, c, world.Input{Axes: [4]int16{world.MaxAxis, world.MaxAxis}}, 50*time.Millisecond))
	}
	defer func() {
		stop()
		for _, w := range waits {
			w()
		}
	}()
	for i, c := range cs {
		if ws[i].RoomID != ws[0].RoomID {
			t.Fatalf("rooms %s and %s, want one", ws[0].RoomID, ws[i].RoomID)
		}
		other := ws[(i+1)%len(ws)]
		seesMove(t, ctx, c, world.EntityID(other.Entity), arena.FieldX)
	}
	forwarded := 0.0
	for i, s := range nodes {
		forwarded += scrape(t, s)[`tickroom_cluster_forwarded_total{node="n`+string(rune('0'+i))+`"}`]
	}
	if forwarded == 0 {
		t.Errorf("no node passed another's session requests on: the balancer kept each on one node")
	}
}

// A node killed with SIGKILL: players of other nodes in its rooms get
// room_closed and are back in the lobby; its players in rooms elsewhere
// come back through the load balancer to a live node and resume their
// seats. Its peers log the loss. Restarted, it rejoins and takes new rooms.
func TestClusterEndToEndKilledNodeAndRestart(t *testing.T) {
	tc := newTestCluster(t, 3, `placement = "local"`)
	nodes := tc.startAll()
	lb := newBalancer(t, nodes...)
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()

	// host and visitor play in a room on n1; anchor and traveller in one on
	// n0, traveller connected through n1 (via the balancer).
	host := dialURL(t, ctx, "http://"+nodes[1].addr, client.Options{Name: "host"})
	if w, err := host.Join(ctx, "on-n1", ""); err != nil || !strings.HasPrefix(w.RoomID, "n1-") {
		t.Fatalf("host: %v %+v, want a room on n1", err, w)
	}
	visitor := dialURL(t, ctx, "http://"+nodes[0].addr, client.Options{Name: "visitor"})
	if _, err := visitor.Join(ctx, "on-n1", ""); err != nil {
		t.Fatal(err)
	}
	anchor := dialURL(t, ctx, "http://"+nodes[0].addr, client.Options{Name: "anchor"})
	wa, err := anchor.Join(ctx, "on-n0", "")
	if err != nil || !strings.HasPrefix(wa.RoomID, "n0-") {
		t.Fatalf("anchor: %v %+v, want a room on n0", err, wa)
	}
	resumed := make(chan bool, 1)
	traveller := dialURL(t, ctx, lb.url(), client.Options{Name: "traveller", Transport: client.TransportWebSocket,
		Header:    http.Header{"X-Test-Node": {"1"}},
		Reconnect: client.Reconnect{Attempts: 50, MaxTime: 30 * time.Second, BaseDelay: 50 * time.Millisecond, MaxDelay: 200 * time.Millisecond},
		OnResumed: func(snapshot bool) { resumed <- snapshot }})
	wt, err := traveller.Join(ctx, "on-n0", "")
	if err != nil || wt.RoomID != wa.RoomID {
		t.Fatalf("traveller: %v %+v, want room %s", err, wt, wa.RoomID)
	}
	waitFor(t, ctx, traveller, hasEntity(world.EntityID(wa.Entity)))
	waitFor(t, ctx, visitor, hasEntity(world.EntityID(host.Welcome().Entity)))

	tc.nodes[1].kill()
	lb.set(1, nil)
	for _, s := range []*server{nodes[0], nodes[2]} {
		s.logs.waitFor(t, 10*time.Second, func(l logLine) bool {
			return l.Msg == "cluster peer down" && l.Attrs["peer"] == "n1"
		})
	}
	waitUntil(t, 10*time.Second, "the visitor told room_closed", func() bool { return hasError(visitor, netcode.CodeRoomClosed) })
	if w, err := visitor.Join(ctx, "after", ""); err != nil || w == nil {
		t.Fatalf("visitor joins again: %v", err)
	}
	select {
	case <-resumed:
	case <-ctx.Done():
		t.Fatalf("traveller did not resume: %v", traveller.Err())
	}
	if w := traveller.Welcome(); w.Player != wt.Player || w.Entity != wt.Entity || w.RoomID != wt.RoomID {
		t.Fatalf("traveller resumed as %+v, want player %d entity %d in %s", w, wt.Player, wt.Entity, wt.RoomID)
	}
	steerCtx, stop := context.WithCancel(ctx)
	wait := swing(steerCtx, traveller, world.Input{Axes: [4]int16{world.MaxAxis, 0}}, 50*time.Millisecond)
	seesMove(t, ctx, anchor, world.EntityID(wt.Entity), arena.FieldX)
	stop()
	wait()

	// n1 comes back: its peers take it back, and it takes new rooms.
	back := tc.start(1)
	lb.set(1, back)
	for _, s := range []*server{nodes[0], nodes[2], back} {
		tc.waitLive(s, 2)
	}
	fresh := dialURL(t, ctx, "http://"+back.addr, client.Options{Name: "fresh"})
	wf, err := fresh.Join(ctx, "after-restart", "")
	if err != nil || !strings.HasPrefix(wf.RoomID, "n1-") {
		t.Fatalf("a join on the restarted node: %v %+v, want a room on n1", err, wf)
	}
	other := dialURL(t, ctx, "http://"+nodes[2].addr, client.Options{Name: "other"})
	if w, err := other.Join(ctx, "after-restart", ""); err != nil || w.RoomID != wf.RoomID {
		t.Fatalf("the same name from n2: %v %+v, want room %s", err, w, wf.RoomID)
	}
}

// A node stopped gracefully (SIGTERM): its own players are closed with
// going_away and come back through the balancer, resuming their seats in
// rooms on other nodes; players elsewhere in its rooms get room_closed.
func TestClusterEndToEndGracefulStop(t *testing.T) {
	tc := newTestCluster(t, 3, `placement = "local"`)
	nodes := tc.startAll()
	lb := newBalancer(t, nodes...)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()

	anchor := dialURL(t, ctx, "http://"+nodes[0].addr, client.Options{Name: "anchor"})
	wa, err := anchor.Join(ctx, "stays", "")
	if err != nil {
		t.Fatal(err)
	}
	resumed := make(chan bool, 1)
	leaver := dialURL(t, ctx, lb.url(), client.Options{Name: "leaver", Transport: client.TransportWebSocket,
		Header:    http.Header{"X-Test-Node": {"2"}},
		Reconnect: client.Reconnect{Attempts: 50, MaxTime: 30 * time.Second, BaseDelay: 50 * time.Millisecond, MaxDelay: 200 * time.Millisecond},
		OnResumed: func(bool) { resumed <- true }})
	wl, err := leaver.Join(ctx, "stays", "")
	if err != nil || wl.RoomID != wa.RoomID {
		t.Fatalf("leaver: %v %+v", err, wl)
	}
	host := dialURL(t, ctx, "http://"+nodes[2].addr, client.Options{Name: "host"})
	if w, err := host.Join(ctx, "goes", ""); err != nil || !strings.HasPrefix(w.RoomID, "n2-") {
		t.Fatalf("host: %v %+v, want a room on n2", err, w)
	}
	guest := dialURL(t, ctx, "http://"+nodes[1].addr, client.Options{Name: "guest"})
	if _, err := guest.Join(ctx, "goes", ""); err != nil {
		t.Fatal(err)
	}
	waitFor(t, ctx, guest, hasEntity(world.EntityID(host.Welcome().Entity)))

	lb.set(2, nil)
	tc.nodes[2].stop()
	waitUntil(t, 10*time.Second, "the guest told room_closed", func() bool { return hasError(guest, netcode.CodeRoomClosed) })
	select {
	case <-host.Done():
		if got := host.CloseCode(); got != uint16(netcode.CodeGoingAway) {
			t.Errorf("host closed with %d, want going_away", got)
		}
	case <-ctx.Done():
		t.Fatal("the stopped node's own client was not closed")
	}
	select {
	case <-resumed:
	case <-ctx.Done():
		t.Fatalf("the leaver did not resume: %v", leaver.Err())
	}
	if w := leaver.Welcome(); w.Player != wl.Player || w.RoomID != wl.RoomID {
		t.Fatalf("leaver resumed as %+v, want player %d in %s", w, wl.Player, wl.RoomID)
	}
	for _, s := range []*server{nodes[0], nodes[1]} {
		s.logs.waitFor(t, 10*time.Second, func(l logLine) bool {
			return l.Msg == "cluster peer down" && l.Attrs["peer"] == "n2" && l.Attrs["reason"] == "left"
		})
	}
}

// Whoever reaches a node's cluster port and sends it a message of no type
// it knows, one that does not decode, or one that decodes into nonsense,
// does not crash it: the first two end the stream they came on, the last
// are refused and counted; its players play on.
func TestClusterEndToEndMalformedRemoteMessages(t *testing.T) {
	tc := newTestCluster(t, 2, "")
	nodes := tc.startAll()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	c := dialURL(t, ctx, "http://"+nodes[0].addr, client.Options{Name: "c"})
	if _, err := c.Join(ctx, "survives", ""); err != nil {
		t.Fatal(err)
	}
	addr := tc.addrs[0]
	relay, lobby, provider := actor.NewPID(addr, "relay/main"), actor.NewPID(addr, "lobby/main"), actor.NewPID(addr, "provider/n0")
	send := func(target *actor.PID, typ string, data []byte) {
		conn, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		dc := drpcconn.New(conn)
		defer dc.Close()
		stream, err := remote.NewDRPCRemoteClient(dc).Receive(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if err := stream.Send(&remote.Envelope{TypeNames: []string{typ}, Targets: []*actor.PID{target},
			Messages: []*remote.Message{{Data: data}}}); err != nil {
			t.Fatal(err)
		}
		_ = stream.CloseSend()
	}
	msg := func(target *actor.PID, m proto.Message) {
		b, err := proto.Marshal(m)
		if err != nil {
			t.Fatal(err)
		}
		send(target, string(proto.MessageName(m)), b)
	}
	send(relay, "tickroom.cluster.v1.Nonsense", []byte{1, 2, 3})
	send(relay, "tickroom.cluster.v1.Deliver", []byte{0xff, 0xff, 0xff})
	msg(provider, &clusterpb.Hello{From: &clusterpb.Node{Id: "intruder", Addr: "127.0.0.1:1"}})
	msg(lobby, &clusterpb.Rooms{From: "intruder", Full: true})
	msg(relay, &clusterpb.Uplink{Seats: []uint64{12345}, Ops: []uint32{0}, A: []uint32{1}, B: []uint32{1}, Buttons: []uint32{1}, AxesCount: []uint32{9}})
	msg(relay, &clusterpb.Deliver{Refs: []uint64{1, 2}, Ops: []uint32{9}})
	msg(relay, &clusterpb.Join{Origin: "n1", Ref: 1, Mode: strings.Repeat("m", 1000)})
	waitUntil(t, 10*time.Second, "the nonsense refused and counted", func() bool {
		return scrape(t, nodes[0])[`tickroom_cluster_messages_total{node="n0",outcome="refused"}`] >= 5
	})
	steerCtx, stop := context.WithCancel(ctx)
	wait := swing(steerCtx, c, world.Input{Axes: [4]int16{world.MaxAxis, 0}}, 50*time.Millisecond)
	seesMove(t, ctx, c, world.EntityID(c.Welcome().Entity), arena.FieldX)
	stop()
	wait()
	for _, s := range nodes {
		tc.waitLive(s, 1)
	}
	select {
	case err := <-nodes[0].exited:
		t.Fatalf("node exited: %v", err)
	default:
	}
}
