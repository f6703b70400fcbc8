package tickroom

import "slices"

// Reloadable returns next as it can be applied to a server running with c:
// keys that are fixed once the server is up keep their value from c, and
// their names (like "server.addr") are returned when next changes them, so
// the reload can say that those changes wait for a restart. Every other key,
// tick rate and limits included, takes effect from next.
func (c Config) Reloadable(next Config) (Config, []string) {
	var restart []string
	// The listener is bound once at startup.
	keep(&restart, "server.addr", &next.Server.Addr, c.Server.Addr)
	// The HTTP mux is built once at startup.
	// So are its routes.
	keep(&restart, "server.metrics", &next.Server.Metrics, c.Server.Metrics)
	keep(&restart, "server.metrics_addr", &next.Server.MetricsAddr, c.Server.MetricsAddr)
	keep(&restart, "server.rooms_path", &next.Server.RoomsPath, c.Server.RoomsPath)
	keep(&restart, "websocket.path", &next.WebSocket.Path, c.WebSocket.Path)
	// Applied to each connection as it is upgraded; changing it on a reload
	// would give connections different limits depending on their age.
	keep(&restart, "websocket.read_limit", &next.WebSocket.ReadLimit, c.WebSocket.ReadLimit)
	keep(&restart, "websocket.read_buffer", &next.WebSocket.ReadBuffer, c.WebSocket.ReadBuffer)
	keep(&restart, "http.path", &next.HTTP.Path, c.HTTP.Path)
	// The http.Server's own limits are set when it is made.
	keep(&restart, "http.max_header_bytes", &next.HTTP.MaxHeaderBytes, c.HTTP.MaxHeaderBytes)
	keep(&restart, "http.read_header_timeout", &next.HTTP.ReadHeaderTimeout, c.HTTP.ReadHeaderTimeout)
	keep(&restart, "http.idle_timeout", &next.HTTP.IdleTimeout, c.HTTP.IdleTimeout)
	// A server's clients either all carry tickets or none do; keys,
	// claims and limits change on a reload, the mode with a restart.
	keep(&restart, "auth.mode", &next.Auth.Mode, c.Auth.Mode)
	// Routes again.
	keep(&restart, "web.sdk_path", &next.Web.SDKPath, c.Web.SDKPath)
	keep(&restart, "web.demo_path", &next.Web.DemoPath, c.Web.DemoPath)
	// The log handler is made once; the level is a LevelVar and changes.
	keep(&restart, "log.format", &next.Log.Format, c.Log.Format)
	// A node's place in its cluster is fixed for the life of the process.
	keep(&restart, "cluster.enabled", &next.Cluster.Enabled, c.Cluster.Enabled)
	keep(&restart, "cluster.node_id", &next.Cluster.NodeID, c.Cluster.NodeID)
	keep(&restart, "cluster.addr", &next.Cluster.Addr, c.Cluster.Addr)
	keep(&restart, "cluster.http_url", &next.Cluster.HTTPURL, c.Cluster.HTTPURL)
	if !slices.Equal(next.Cluster.Members, c.Cluster.Members) {
		restart = append(restart, "cluster.members")
		next.Cluster.Members = c.Cluster.Members
	}
	keep(&restart, "cluster.heartbeat_interval", &next.Cluster.HeartbeatInterval, c.Cluster.HeartbeatInterval)
	keep(&restart, "cluster.member_timeout", &next.Cluster.MemberTimeout, c.Cluster.MemberTimeout)
	keep(&restart, "cluster.placement", &next.Cluster.Placement, c.Cluster.Placement)
	keep(&restart, "cluster.rooms", &next.Cluster.Rooms, c.Cluster.Rooms)
	return next, restart
}

// keep sets *next back to cur and records key when they differ.
func keep[T comparable](restart *[]string, key string, next *T, cur T) {
	if *next != cur {
		*restart = append(*restart, key)
		*next = cur
	}
}
