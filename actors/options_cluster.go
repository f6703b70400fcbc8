package actors

import (
	"errors"
	"fmt"
	"net"
	"time"
)

// Cluster defaults, written once here (server.toml repeats them).
const (
	DefaultHeartbeatInterval = 500 * time.Millisecond
	DefaultMemberTimeout     = 3 * time.Second
	// DefaultClusterBuffer is the largest message batch a node reads from a
	// peer: hollywood's remote packs up to a thousand queued messages into
	// one frame and drops a connection whose frame is larger than the
	// reader's buffer (4 MB by default), losing what it carried.
	DefaultClusterBuffer = 64 << 20
)

// Placement rules for new rooms (ClusterOptions.Placement).
const (
	// PlaceLeastLoaded puts a new room on the live node with the fewest
	// players seated (counting the rooms it was just given), skipping
	// nodes that take no rooms and, while another is not, nodes that are
	// overloaded; ties go to the lower tick lateness, then the node id.
	PlaceLeastLoaded = "least_loaded"
	// PlaceLocal puts a new room on the node of the connection whose join
	// makes it, unless that node takes no rooms or is overloaded (then as
	// PlaceLeastLoaded). Players who play where they connect cost the
	// cluster nothing.
	PlaceLocal = "local"
)

// ClusterOptions make a hub one node of a cluster: its rooms are listed,
// matchmade and joined from every node, and its players may play in rooms
// on other nodes (see "Cluster" in the package documentation). They are
// fixed for the life of a hub.
type ClusterOptions struct {
	// NodeID names this node; one of Members. 1 to 16 of a-z, 0-9 and '-'.
	NodeID string
	// Addr is where this node's actors listen for its peers (host:port):
	// the address peers dial, so a routable one, never 0.0.0.0 or port 0.
	// It must be this node's address in Members.
	Addr string
	// Members are every node of the cluster, this one included, with the
	// same list on every node.
	Members []ClusterMember
	// HeartbeatInterval is how often a node tells each live peer it is
	// alive (with its load), and tries to reach those that are not.
	// Default DefaultHeartbeatInterval.
	HeartbeatInterval time.Duration
	// MemberTimeout is how long a peer may stay silent before it is taken
	// for dead (or cut off): its rooms' players are told room_closed, its
	// players' seats here are held for their resume elsewhere. A node is
	// not ready before it has heard from every peer or waited this long.
	// Default DefaultMemberTimeout; more than twice HeartbeatInterval.
	MemberTimeout time.Duration
	// Placement is the rule that picks a new room's node:
	// PlaceLeastLoaded (the default) or PlaceLocal.
	Placement string
	// NoRooms makes a node that hosts no new rooms: its players play in
	// rooms on the others.
	NoRooms bool
	// BufferSize bounds one batch of messages from a peer, bytes; default
	// DefaultClusterBuffer.
	BufferSize int
}

// ClusterMember is one node of a cluster.
type ClusterMember struct {
	ID   string // its NodeID
	Addr string // its ClusterOptions.Addr
}

func (o ClusterOptions) withDefaults() (ClusterOptions, error) {
	if o.HeartbeatInterval <= 0 {
		o.HeartbeatInterval = DefaultHeartbeatInterval
	}
	if o.MemberTimeout <= 0 {
		o.MemberTimeout = DefaultMemberTimeout
	}
	if o.Placement == "" {
		o.Placement = PlaceLeastLoaded
	}
	if o.BufferSize <= 0 {
		o.BufferSize = DefaultClusterBuffer
	}
	var errs []error
	bad := func(format string, args ...any) { errs = append(errs, fmt.Errorf("actors: cluster: "+format, args...)) }
	if !ValidNodeID(o.NodeID) {
		bad("node id %q: want 1 to %d of a-z, 0-9 and '-'", o.NodeID, maxNodeIDLen)
	}
	if err := routable(o.Addr); err != nil {
		bad("addr %q: %v", o.Addr, err)
	}
	if o.MemberTimeout <= 2*o.HeartbeatInterval {
		bad("member timeout %v must be more than twice the heartbeat interval %v", o.MemberTimeout, o.HeartbeatInterval)
	}
	if o.Placement != PlaceLeastLoaded && o.Placement != PlaceLocal {
		bad("placement %q: want %q or %q", o.Placement, PlaceLeastLoaded, PlaceLocal)
	}
	ids, addrs, prefixes, self := map[string]bool{}, map[string]bool{}, map[string]string{}, false
	for _, m := range o.Members {
		switch {
		case !ValidNodeID(m.ID):
			bad("member id %q: want 1 to %d of a-z, 0-9 and '-'", m.ID, maxNodeIDLen)
		case ids[m.ID]:
			bad("member id %q listed twice", m.ID)
		case addrs[m.Addr]:
			bad("member addr %q listed twice", m.Addr)
		}
		if err := routable(m.Addr); err != nil {
			bad("member %q addr %q: %v", m.ID, m.Addr, err)
		}
		if other, ok := prefixes[sidPrefix(m.ID)]; ok {
			bad("members %q and %q: their session id prefixes collide; rename one", other, m.ID)
		}
		ids[m.ID], addrs[m.Addr], prefixes[sidPrefix(m.ID)] = true, true, m.ID
		if m.ID == o.NodeID {
			self = true
			if m.Addr != o.Addr {
				bad("member %q addr %q must be this node's addr %q", m.ID, m.Addr, o.Addr)
			}
		}
	}
	if !self {
		bad("members do not list this node (%q)", o.NodeID)
	}
	return o, errors.Join(errs...)
}

// maxNodeIDLen keeps a room id (node id, '-', 12 letters) within
// netcode.MaxRoomIDLen.
const maxNodeIDLen = 16

// ValidNodeID reports whether id can name a node: 1 to 16 of a-z, 0-9 and
// '-'. Room ids carry it.
func ValidNodeID(id string) bool {
	if id == "" || len(id) > maxNodeIDLen {
		return false
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		if (c < 'a' || c > 'z') && (c < '0' || c > '9') && c != '-' {
			return false
		}
	}
	return true
}

// routable checks an address peers can dial: host:port with a host that is
// not the unspecified address and a port that is not 0 (hollywood names a
// node's actors by the address it listens on, which peers dial as given).
func routable(addr string) error {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return errors.New("want host:port")
	}
	if port == "0" || port == "" {
		return errors.New("want a fixed port: peers dial it")
	}
	if ip := net.ParseIP(host); host == "" || (ip != nil && ip.IsUnspecified()) {
		return errors.New("want an address peers can dial, not an unspecified one")
	}
	return nil
}
