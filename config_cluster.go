package tickroom

import (
	"net"
	"net/url"
	"strconv"
	"time"

	"github.com/tickroom/tickroom/actors"
)

// ClusterConfig is the [cluster] section: this server as one node of a
// cluster of servers that look like one to players (see README,
// "Clustering"). Off by default: one process serves alone. None of it is
// reloadable.
type ClusterConfig struct {
	Enabled bool   `toml:"enabled"`
	NodeID  string `toml:"node_id"` // this node's name, one of members
	// Addr is where this node's actors listen for its peers: host:port
	// that every peer can dial (not 0.0.0.0, not port 0).
	Addr string `toml:"addr"`
	// HTTPURL is where peers send the HTTP requests of this node's
	// sessions that a load balancer gave them; "" is http:// plus
	// cluster.addr's host and server.addr's port.
	HTTPURL           string                `toml:"http_url"`
	Members           []ClusterMemberConfig `toml:"members"` // every node, this one included, the same on all
	HeartbeatInterval time.Duration         `toml:"heartbeat_interval"`
	MemberTimeout     time.Duration         `toml:"member_timeout"` // silence after which a peer is lost
	Placement         string                `toml:"placement"`      // least_loaded or local
	Rooms             bool                  `toml:"rooms"`          // this node takes new rooms
}

// ClusterMemberConfig is one node in [cluster] members.
type ClusterMemberConfig struct {
	ID   string `toml:"id"`
	Addr string `toml:"addr"`
}

func defaultCluster() ClusterConfig {
	return ClusterConfig{
		Members:           []ClusterMemberConfig{}, // as "members = []" decodes
		HeartbeatInterval: actors.DefaultHeartbeatInterval,
		MemberTimeout:     actors.DefaultMemberTimeout,
		Placement:         actors.PlaceLeastLoaded,
		Rooms:             true,
	}
}

// clusterProblems checks [cluster]; its values matter only when it is
// enabled, but the durations always have their ranges.
func (c Config) clusterProblems(v *validator) {
	cl := c.Cluster
	v.within("cluster.heartbeat_interval", cl.HeartbeatInterval, 10*time.Millisecond, time.Minute)
	if cl.MemberTimeout <= 2*cl.HeartbeatInterval || cl.MemberTimeout > 10*time.Minute {
		v.add("cluster.member_timeout", cl.MemberTimeout, "must be more than twice cluster.heartbeat_interval (%s) and at most 10m", cl.HeartbeatInterval)
	}
	v.oneOf("cluster.placement", cl.Placement, []string{actors.PlaceLeastLoaded, actors.PlaceLocal})
	if cl.HTTPURL != "" {
		if u, err := url.Parse(cl.HTTPURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.Path != "" {
			v.add("cluster.http_url", cl.HTTPURL, `must be "" or a base URL like "http://10.0.0.5:8080"`)
		}
	}
	if !cl.Enabled {
		return
	}
	if !actors.ValidNodeID(cl.NodeID) {
		v.add("cluster.node_id", cl.NodeID, "must be 1 to 16 of a-z, 0-9 and '-'")
	}
	v.dialable("cluster.addr", cl.Addr)
	self := false
	ids, addrs := map[string]bool{}, map[string]bool{}
	for i, m := range cl.Members {
		key := "cluster.members[" + strconv.Itoa(i) + "]"
		switch {
		case !actors.ValidNodeID(m.ID):
			v.add(key+".id", m.ID, "must be 1 to 16 of a-z, 0-9 and '-'")
		case ids[m.ID]:
			v.add(key+".id", m.ID, "is listed twice")
		}
		if addrs[m.Addr] {
			v.add(key+".addr", m.Addr, "is listed twice")
		}
		v.dialable(key+".addr", m.Addr)
		ids[m.ID], addrs[m.Addr] = true, true
		if m.ID == cl.NodeID {
			self = true
			if m.Addr != cl.Addr {
				v.add(key+".addr", m.Addr, "must be this node's cluster.addr (%s)", cl.Addr)
			}
		}
	}
	if !self {
		v.add("cluster.members", len(cl.Members), "must list this node (cluster.node_id %q)", cl.NodeID)
	}
}

// dialable accepts host:port that peers can dial: a host, not the
// unspecified address, and a port that is not 0.
func (v *validator) dialable(key, addr string) {
	host, port, err := net.SplitHostPort(addr)
	n, perr := strconv.ParseUint(port, 10, 16)
	switch {
	case err != nil || host == "":
		v.add(key, addr, "must be host:port")
	case perr != nil || n == 0:
		v.add(key, addr, "port must be a number between 1 and 65535: peers dial it")
	case net.ParseIP(host) != nil && net.ParseIP(host).IsUnspecified():
		v.add(key, addr, "must be an address peers can dial, not an unspecified one")
	}
}

// actorCluster maps [cluster] onto the actors' options; nil when it is off.
func (c Config) actorCluster() *actors.ClusterOptions {
	cl := c.Cluster
	if !cl.Enabled {
		return nil
	}
	o := &actors.ClusterOptions{
		NodeID: cl.NodeID, Addr: cl.Addr,
		HeartbeatInterval: cl.HeartbeatInterval, MemberTimeout: cl.MemberTimeout,
		Placement: cl.Placement, NoRooms: !cl.Rooms,
	}
	for _, m := range cl.Members {
		o.Members = append(o.Members, actors.ClusterMember{ID: m.ID, Addr: m.Addr})
	}
	return o
}

// clusterURL is the URL peers forward this node's HTTP sessions to: the
// configured one, or the cluster host with the port the server listens on.
func (c Config) clusterURL(listening string) string {
	if c.Cluster.HTTPURL != "" {
		return c.Cluster.HTTPURL
	}
	host, _, _ := net.SplitHostPort(c.Cluster.Addr)
	_, port, _ := net.SplitHostPort(listening)
	return "http://" + net.JoinHostPort(host, port)
}
