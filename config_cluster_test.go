package tickroom

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestClusterConfigProblems(t *testing.T) {
	t.Parallel()
	const members = `members = [{id = "n1", addr = "10.0.0.1:7001"}, {id = "n2", addr = "10.0.0.2:7001"}]`
	for _, tc := range []struct {
		cluster string
		key     string // "" when valid
	}{
		{"enabled = false", ""},
		{"enabled = true\nnode_id = \"n1\"\naddr = \"10.0.0.1:7001\"\n" + members, ""},
		{"enabled = true\nnode_id = \"N1\"\naddr = \"10.0.0.1:7001\"\n" + members, "cluster.node_id"},
		{"enabled = true\nnode_id = \"n1\"\naddr = \"0.0.0.0:7001\"\n" + members, "cluster.addr"},
		{"enabled = true\nnode_id = \"n1\"\naddr = \"10.0.0.1:0\"\n" + members, "cluster.addr"},
		{"enabled = true\nnode_id = \"n3\"\naddr = \"10.0.0.3:7001\"\n" + members, "cluster.members"},
		{"enabled = true\nnode_id = \"n1\"\naddr = \"10.0.0.9:7001\"\n" + members, "cluster.members[0].addr"},
		{"enabled = true\nnode_id = \"n1\"\naddr = \"10.0.0.1:7001\"\nmembers = [{id = \"n1\", addr = \"10.0.0.1:7001\"}, {id = \"n1\", addr = \"10.0.0.2:7001\"}]", "cluster.members[1].id"},
		{"heartbeat_interval = \"1s\"\nmember_timeout = \"2s\"", "cluster.member_timeout"},
		{"placement = \"random\"", "cluster.placement"},
		{"http_url = \"10.0.0.1:8080\"", "cluster.http_url"},
		{"[[cluster.members]]\nid = \"n1\"\naddr = \"10.0.0.1:7001\"\nport = 3", "cluster.members.port"},
	} {
		_, err := testParse([]byte("[cluster]\n"+tc.cluster+"\n"), "test.toml")
		var ce *ConfigError
		switch {
		case tc.key == "" && err != nil:
			t.Errorf("%q: %v, want no problem", tc.cluster, err)
		case tc.key != "" && (!errors.As(err, &ce) || !strings.Contains(err.Error(), tc.key+" ") && !strings.Contains(err.Error(), tc.key+":")):
			t.Errorf("%q: %v, want a problem with %s", tc.cluster, err, tc.key)
		}
	}
}

// clusterConfig is the [cluster] of node i of a cluster on addrs.
func clusterConfig(i int, addrs []string, extra string) string {
	var ms []string
	for j, a := range addrs {
		ms = append(ms, fmt.Sprintf("{id = \"n%d\", addr = %q}", j, a))
	}
	return fmt.Sprintf("[cluster]\nenabled = true\nnode_id = \"n%d\"\naddr = %q\nheartbeat_interval = \"50ms\"\nmember_timeout = \"%s\"\nmembers = [%s]\n%s",
		i, addrs[i], "2s", strings.Join(ms, ", "), extra)
}

func freeClusterAddrs(t *testing.T, n int) []string {
	t.Helper()
	var out []string
	for range n {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, ln.Addr().String())
		defer ln.Close()
	}
	return out
}

// A node is not ready until it has joined its cluster: with its peer down
// it waits for the member timeout; once ready, its /metrics carry its node
// label and say which peers are live.
func TestClusterNodeReadyOnceJoined(t *testing.T) {
	addrs := freeClusterAddrs(t, 2)
	a := startTestServer(t, clusterConfig(0, addrs, ""), defineArena)
	if code, _, body := httpGet(t, a.URL()+"/readyz"); code != http.StatusServiceUnavailable || !strings.Contains(body, "cluster") {
		t.Errorf("/readyz before joining = %d %q, want 503 saying why", code, body)
	}
	b := startTestServer(t, clusterConfig(1, addrs, ""), defineArena)
	for _, s := range []*testServer{a, b} {
		deadline := time.Now().Add(10 * time.Second)
		for code, _, _ := httpGet(t, s.URL()+"/readyz"); code != http.StatusOK; code, _, _ = httpGet(t, s.URL()+"/readyz") {
			if time.Now().After(deadline) {
				t.Fatalf("%s: /readyz = %d after 10s", s.URL(), code)
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
	_, _, body := httpGet(t, a.URL()+"/metrics")
	for _, want := range []string{
		`tickroom_cluster_peer_up{node="n0",peer="n1"} 1`,
		`tickroom_cluster_ready{node="n0"} 1`,
		`tickroom_rooms{node="n0"} 0`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("/metrics lacks %q", want)
		}
	}
}

// The three-node example of README's "Clustering" loads, and its nodes
// agree on the members.
func TestClusterExamplesLoad(t *testing.T) {
	t.Parallel()
	var members []ClusterMemberConfig
	for i := 1; i <= 3; i++ {
		path := fmt.Sprintf("examples/cluster/node%d.toml", i)
		c, err := testLoad(path)
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		if !c.Cluster.Enabled || c.Cluster.NodeID != fmt.Sprintf("n%d", i) {
			t.Errorf("%s: cluster %+v", path, c.Cluster)
		}
		if members != nil && !slices.Equal(members, c.Cluster.Members) {
			t.Errorf("%s: members %v, want %v as the others", path, c.Cluster.Members, members)
		}
		members = c.Cluster.Members
	}
}
