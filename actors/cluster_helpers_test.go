package actors

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"os"
	"testing"
	"time"
)

// Cluster tests run several hubs in one process, each a node with its own
// engine and remote layer on 127.0.0.1, in real time: hollywood's remote
// layer does real network I/O, which synctest's fake time cannot drive.

// freeAddrs returns n loopback addresses whose ports were free a moment ago.
func freeAddrs(t *testing.T, n int) []string {
	t.Helper()
	var out []string
	var lns []net.Listener
	for range n {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		lns = append(lns, ln)
		out = append(out, ln.Addr().String())
	}
	for _, ln := range lns {
		_ = ln.Close()
	}
	return out
}

// testCluster is a cluster's configuration, from which tests start nodes.
type testCluster struct {
	t       *testing.T
	members []ClusterMember
	opts    func(i int, o *Options) // tunes node i's options; may be nil
	hubs    []*Hub
}

// newTestCluster configures n nodes, "n0", "n1", …, starting none.
func newTestCluster(t *testing.T, n int) *testCluster {
	tc := &testCluster{t: t, hubs: make([]*Hub, n)}
	for i, addr := range freeAddrs(t, n) {
		tc.members = append(tc.members, ClusterMember{ID: fmt.Sprintf("n%d", i), Addr: addr})
	}
	return tc
}

// start starts node i.
func (tc *testCluster) start(i int) *Hub {
	t := tc.t
	t.Helper()
	o := Options{Cluster: &ClusterOptions{
		NodeID: tc.members[i].ID, Addr: tc.members[i].Addr, Members: tc.members,
		HeartbeatInterval: 50 * time.Millisecond, MemberTimeout: 400 * time.Millisecond,
	}}
	if tc.opts != nil {
		tc.opts(i, &o)
	}
	if o.Logger == nil {
		o.Logger = quietLogger()
		if testing.Verbose() {
			o.Logger = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
		}
	}
	if o.Modes == nil {
		o.Modes, o.DefaultMode = testModes(), "arena"
	}
	h, err := NewHub(o)
	if err != nil {
		t.Fatal(err)
	}
	if err := h.StartCluster("http://" + tc.members[i].ID + ".invalid"); err != nil {
		t.Fatal(err)
	}
	tc.hubs[i] = h
	t.Cleanup(func() { tc.shutdown(h) })
	return h
}

func (tc *testCluster) shutdown(h *Hub) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := h.Shutdown(ctx); err != nil {
		tc.t.Errorf("Shutdown: %v", err)
	}
}

// startAll starts every node and waits until each is ready.
func (tc *testCluster) startAll() []*Hub {
	tc.t.Helper()
	for i := range tc.members {
		tc.start(i)
	}
	for _, h := range tc.hubs {
		waitUntil(tc.t, 10*time.Second, "node ready with every peer live", func() bool {
			s := h.ClusterStats()
			for _, live := range s.Peers {
				if !live {
					return false
				}
			}
			return s.Ready
		})
	}
	return tc.hubs
}

// waitUntil polls cond until it holds, failing the test after d.
func waitUntil(t *testing.T, d time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("after %v: not %s", d, what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// partition cuts (or heals) the link between nodes a and b, both ways.
func partition(a, b *Hub, cut bool) {
	for _, p := range [][2]*Hub{{a, b}, {b, a}} {
		cn := p[0].cl
		cn.mu.Lock()
		if cn.cut == nil {
			cn.cut = map[string]bool{}
		}
		cn.cut[p[1].cl.self] = cut
		cn.mu.Unlock()
	}
}
