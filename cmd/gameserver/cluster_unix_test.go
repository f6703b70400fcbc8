//go:build unix

package main

import (
	"syscall"
	"testing"
	"time"
)

// A node that hangs (SIGSTOP: its connections stay open, it answers
// nothing) is cut off as by a partition: its peers lose it within the
// member timeout, by timeout, and say so in logs and metrics; when it
// resumes it says it lost them, and all take each other back.
func TestClusterEndToEndPartition(t *testing.T) {
	tc := newTestCluster(t, 3, "")
	nodes := tc.startAll()
	hung := nodes[2]
	stopped := time.Now()
	hung.signal(syscall.SIGSTOP)
	for _, s := range nodes[:2] {
		s.logs.waitFor(t, 10*time.Second, func(l logLine) bool {
			return l.Msg == "cluster peer down" && l.Attrs["peer"] == "n2" && l.Attrs["reason"] == "timeout"
		})
	}
	if took := time.Since(stopped); took > 3*time.Second {
		t.Errorf("hang seen after %v, want about the member timeout (1s)", took)
	}
	for _, s := range nodes[:2] {
		if got := scrape(t, s)[`tickroom_cluster_peer_losses_total{node="`+nodeOf(s, tc)+`",reason="timeout"}`]; got != 1 {
			t.Errorf("%s: losses by timeout = %v, want 1", s.addr, got)
		}
	}
	hung.signal(syscall.SIGCONT)
	// The hung node sees the same: by its own clock (timeout), or from the
	// Hellos its peers sent while it hung, which say they lost it
	// (partition), whichever it reads first.
	hung.logs.waitFor(t, 10*time.Second, func(l logLine) bool {
		return l.Msg == "cluster peer down" && (l.Attrs["reason"] == "timeout" || l.Attrs["reason"] == "partition")
	})
	for _, s := range nodes {
		tc.waitLive(s, 2)
	}
}

// nodeOf returns s's node id.
func nodeOf(s *server, tc *testCluster) string {
	for i, n := range tc.nodes {
		if n == s {
			return "n" + string(rune('0'+i))
		}
	}
	return ""
}
