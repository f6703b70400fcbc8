package actors

import (
	"context"
	"net"
	"testing"
	"time"

	"github.com/anthdm/hollywood/actor"
	"github.com/anthdm/hollywood/cluster"
	"github.com/anthdm/hollywood/remote"
	"github.com/tickroom/tickroom/internal/clusterpb"
	"google.golang.org/protobuf/proto"
	"storj.io/drpc/drpcconn"
)

// sendRaw opens its own connection to a node's remote layer, as a peer
// (or anyone who reaches the cluster port) would, and sends env.
func sendRaw(t *testing.T, addr string, env *remote.Envelope) {
	t.Helper()
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	dc := drpcconn.New(conn)
	defer dc.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	stream, err := remote.NewDRPCRemoteClient(dc).Receive(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := stream.Send(env); err != nil {
		t.Fatal(err)
	}
	_ = stream.CloseSend()
}

// envelope wraps one message for target as hollywood's remote layer does.
func envelope(target *actor.PID, typeName string, data []byte) *remote.Envelope {
	return &remote.Envelope{TypeNames: []string{typeName}, Targets: []*actor.PID{target},
		Messages: []*remote.Message{{Data: data}}}
}

func marshal(t *testing.T, m proto.Message) []byte {
	t.Helper()
	b, err := proto.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// Messages from the cluster port that are of no type the node knows, that
// do not decode, or that decode into nonsense, cost the node nothing: the
// first two end the stream they came on (hollywood's remote layer does
// that), the last are refused and counted; the node and its peers carry on.
func TestClusterMalformedMessagesDoNotCrashANode(t *testing.T) {
	tc := newTestCluster(t, 2)
	hubs := tc.startAll()
	a := hubs[0]
	addr := tc.members[0].Addr
	provider := actor.NewPID(addr, "provider/n0")
	lobby := actor.NewPID(addr, "lobby/main")
	agent := actor.NewPID(addr, "cluster/n0")

	sendRaw(t, addr, envelope(provider, "tickroom.cluster.v1.NoSuchThing", []byte{1, 2, 3}))
	sendRaw(t, addr, envelope(provider, "tickroom.cluster.v1.Hello", []byte{0xff, 0xff, 0xff, 0xff}))
	before := a.ClusterStats().Refused
	nonsense := []struct {
		to  *actor.PID
		msg proto.Message
	}{
		{provider, &clusterpb.Hello{}},
		{provider, &clusterpb.Hello{From: &clusterpb.Node{Id: "stranger", Addr: "127.0.0.1:1"}}},
		{provider, &clusterpb.Hello{From: &clusterpb.Node{Id: "n1", Addr: "127.0.0.1:1"}}},
		{provider, &clusterpb.Heartbeat{From: "stranger"}},
		{provider, &clusterpb.Bye{From: "n9"}},
		{lobby, &clusterpb.Rooms{From: "stranger", Full: true}},
		{lobby, &clusterpb.Rooms{From: "n0", Full: true}},
		// hollywood's agent: bare, four of these crashed the process,
		// and the Deactivation poisoned the lobby.
		{agent, &cluster.Activation{}},
		{agent, &cluster.Activation{}},
		{agent, &cluster.Activation{}},
		{agent, &cluster.Activation{}},
		{agent, &cluster.Activation{}},
		{agent, &cluster.Deactivation{PID: actor.NewPID("elsewhere:1", "lobby/main")}},
		{agent, &cluster.ActorTopology{Actors: []*cluster.ActorInfo{{}}}},
		{agent, &cluster.Members{Members: []*cluster.Member{{ID: "evil", Host: "127.0.0.1:1"}}}},
		{agent, &cluster.Members{Members: []*cluster.Member{nil}}},
	}
	for _, n := range nonsense {
		sendRaw(t, addr, envelope(n.to, string(proto.MessageName(n.msg)), marshal(t, n.msg)))
	}
	waitUntil(t, 5*time.Second, "every nonsense message refused", func() bool {
		return a.ClusterStats().Refused-before >= int64(len(nonsense))
	})
	if a.engine.Registry.GetPID("lobby", "main") == nil {
		t.Error("the lobby is gone")
	}
	// Still a node of the cluster, as its peer sees it, and its peer of it.
	time.Sleep(2 * 400 * time.Millisecond) // two member timeouts: long enough for a loss to show
	for _, h := range hubs {
		if s := h.ClusterStats(); !allLive(s) || !s.Ready {
			t.Errorf("%s after the messages: peers %v, ready %v", s.Node, s.Peers, s.Ready)
		}
	}
}
