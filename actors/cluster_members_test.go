package actors

import (
	"testing"
	"time"
)

// Nodes find each other whatever order they start in: the last one's peers
// are not up when it starts, and it becomes ready alone after the member
// timeout, then sees each peer as it comes.
func TestClusterNodesFindEachOtherInAnyOrder(t *testing.T) {
	tc := newTestCluster(t, 3)
	last := tc.start(2)
	waitUntil(t, 5*time.Second, "ready alone after the member timeout", func() bool { return last.ClusterReady() })
	if s := last.ClusterStats(); s.Peers["n0"] || s.Peers["n1"] {
		t.Fatalf("peers live before they started: %v", s.Peers)
	}
	tc.start(0)
	tc.start(1)
	for _, h := range tc.hubs {
		waitUntil(t, 5*time.Second, "every peer live", func() bool {
			s := h.ClusterStats()
			return s.Ready && len(s.Peers) == 2 && allLive(s)
		})
	}
}

func allLive(s ClusterStats) bool {
	for _, live := range s.Peers {
		if !live {
			return false
		}
	}
	return true
}

// A partition between two nodes is seen on both sides within the member
// timeout, as a loss by timeout; when it heals both take the other back.
func TestClusterPartitionIsDetectedOnBothSides(t *testing.T) {
	tc := newTestCluster(t, 3)
	hubs := tc.startAll()
	a, b, c := hubs[0], hubs[1], hubs[2]
	cut := time.Now()
	partition(a, b, true)
	waitUntil(t, 2*time.Second, "a and b each take the other for lost", func() bool {
		return !a.ClusterStats().Peers["n1"] && !b.ClusterStats().Peers["n0"]
	})
	if took, limit := time.Since(cut), 400*time.Millisecond+2*50*time.Millisecond+200*time.Millisecond; took > limit {
		t.Errorf("partition seen after %v, want within the member timeout and a heartbeat (%v)", took, limit)
	}
	for _, h := range []*Hub{a, b} {
		if got := h.ClusterStats().PeerDowns[lostTimeout]; got != 1 {
			t.Errorf("%s: peer losses by timeout = %d, want 1", h.cl.self, got)
		}
	}
	if s := c.ClusterStats(); !allLive(s) {
		t.Errorf("c lost a peer it could reach: %v", s.Peers)
	}
	partition(a, b, false)
	waitUntil(t, 2*time.Second, "a and b live again", func() bool { return allLive(a.ClusterStats()) && allLive(b.ClusterStats()) })
}

// The remote layer's stream router is where routerOf looks for it.
func TestRouterOf(t *testing.T) {
	tc := newTestCluster(t, 1)
	h := tc.start(0)
	if h.cl.router == nil || h.cl.hub.engine.Registry.GetPID("router", h.cl.router.ID[len("router/"):]) == nil {
		t.Fatalf("routerOf = %v, want the running router", h.cl.router)
	}
}
