package metricname

// The tickroom_* series of the server's /metrics.
const (
	// TickDuration is the histogram of room tick wall times, in seconds.
	TickDuration = "tickroom_tick_duration_seconds"
	// Sessions is the gauge of connected sessions, by LabelTransport.
	Sessions          = "tickroom_sessions"
	Rooms             = "tickroom_rooms"
	Ticks             = "tickroom_ticks_total"
	TicksLate         = "tickroom_ticks_late_total"
	TickOverruns      = "tickroom_tick_overruns_total"
	StateFrames       = "tickroom_state_frames_total" // by LabelKind
	StateBytes        = "tickroom_state_bytes_total"
	FramesDropped     = "tickroom_frames_dropped_total"     // by LabelReason
	Inputs            = "tickroom_inputs_total"             // by LabelOutcome
	FramesRejected    = "tickroom_frames_rejected_total"    // by LabelReason
	ConnectionsClosed = "tickroom_connections_closed_total" // by LabelReason
	ActorPanics       = "tickroom_actor_panics_total"
	DirectWrites      = "tickroom_direct_writes_total"
	BodiesEncoded     = "tickroom_state_bodies_encoded_total"
	Events            = "tickroom_events_total"   // by LabelOutcome: encoded, sent
	Messages          = "tickroom_messages_total" // by LabelOutcome: delivered, refused
	// Auth counts connections by what became of their ticket, by
	// LabelOutcome: accepted, refused (unauthorized), bad_ticket and
	// ticket_too_large (refused by the transport before the upgrade).
	Auth = "tickroom_auth_total"

	// Refused counts connections, joins and resumes refused by a limit,
	// by LabelReason; ErrorFrames the error frames sent, by LabelCode.
	Refused        = "tickroom_refused_total"
	ErrorFrames    = "tickroom_error_frames_total"
	FramesCaughtUp = "tickroom_frames_caught_up_total"
	Connections    = "tickroom_connections"
	Exchanges      = "tickroom_exchanges_total"
	// FastPath counts the HTTP fast path's work, by LabelOutcome: served
	// (requests it answered), adopted (connections it took from net/http)
	// and handed_back (requests it left to net/http).
	FastPath   = "tickroom_http_fast_path_total"
	HTTPErrors = "tickroom_http_errors_total" // by LabelCode
	Unjoined   = "tickroom_sessions_unjoined"
	RoomsIdle  = "tickroom_rooms_idle"
	// The overload signal and response (see server.toml's [overload]).
	TickLateness  = "tickroom_tick_lateness_ticks"
	Overloaded    = "tickroom_overloaded"
	SendLevel     = "tickroom_send_level"
	Overloads     = "tickroom_overloads_total"
	SendRateSteps = "tickroom_send_rate_steps_total" // by LabelDirection

	// A node of a cluster (server.toml's [cluster]); every series of such
	// a node carries LabelNode.
	ClusterPeerUp     = "tickroom_cluster_peer_up"              // gauge, by LabelPeer: 1 live, 0 lost
	ClusterReady      = "tickroom_cluster_ready"                // gauge: 1 once the node has joined
	ClusterPeerUps    = "tickroom_cluster_peer_ups_total"       // peers that came (or came back)
	ClusterPeerLosses = "tickroom_cluster_peer_losses_total"    // by LabelReason: timeout, connection, left, restart, partition
	ClusterMessages   = "tickroom_cluster_messages_total"       // by LabelOutcome: sent, dropped (peer not live), refused (malformed)
	ClusterSeats      = "tickroom_cluster_seats"                // gauge, by LabelSide: remote (in rooms here, connected elsewhere), away
	ClusterFrames     = "tickroom_cluster_frames_total"         // frames from rooms elsewhere handed to links here
	ClusterDeliveries = "tickroom_cluster_deliveries_total"     // messages that carried them
	ClusterBodies     = "tickroom_cluster_bodies_shipped_total" // state bodies shipped to other nodes
	ClusterForwarded  = "tickroom_cluster_forwarded_total"      // HTTP requests of other nodes' sessions passed to them
)

// The labels of the tickroom_* series.
const (
	LabelTransport = "transport"
	LabelKind      = "kind"
	LabelReason    = "reason"
	LabelOutcome   = "outcome"
	LabelCode      = "code"
	LabelDirection = "direction"
	LabelNode      = "node" // every series of a node of a cluster
	LabelPeer      = "peer"
	LabelSide      = "side"
)

// The process_* series the load tester reads. client_golang's process
// collector, which the server registers, names them; they are here so the
// tester does not spell them itself.
const (
	ProcessCPUSeconds     = "process_cpu_seconds_total"
	ProcessResidentMemory = "process_resident_memory_bytes"
)
