package tickroom

import (
	"net/http"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/tickroom/tickroom/actors"
	"github.com/tickroom/tickroom/internal/metricname"
	"github.com/tickroom/tickroom/transports"
)

// metrics exposes the hub's and the transport's counters in Prometheus
// format. Counters are read at scrape time from the packages' own atomics,
// so the hot paths pay nothing for them; only tick durations go through a
// histogram, fed by the actors.Observer hook.
type metrics struct {
	reg   *prometheus.Registry
	to    prometheus.Registerer // reg, adding the node label on a node of a cluster
	ticks prometheus.Histogram
}

// newMetrics returns the server's metrics; on a node of a cluster (node is
// its id) every series carries the label node="<id>", so that series
// scraped from several nodes stay apart wherever they are collected.
func newMetrics(node string) *metrics {
	reg := prometheus.NewRegistry()
	m := &metrics{
		reg: reg,
		to:  reg,
		ticks: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: metricname.TickDuration,
			Help: "Wall time of one room tick: the simulation steps it ran and the send, including the socket writes of frames written directly to idle WebSocket links.",
			// 10µs to about 160ms: a healthy tick is tens of µs of simulation
			// plus about 10-15µs per frame written directly, and a tick
			// interval at 20 Hz is 50ms.
			Buckets: prometheus.ExponentialBuckets(10e-6, 2, 15),
		}),
	}
	if node != "" {
		m.to = prometheus.WrapRegistererWith(prometheus.Labels{metricname.LabelNode: node}, reg)
	}
	m.to.MustRegister(m.ticks,
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		collectors.NewGoCollector())
	return m
}

// TickDuration implements actors.Observer.
func (m *metrics) TickDuration(d time.Duration) { m.ticks.Observe(d.Seconds()) }

// watch registers the collectors that read h's and s's counters.
func (m *metrics) watch(h *actors.Hub, s *transports.Server) {
	m.to.MustRegister(&statsCollector{hub: h, srv: s})
	if h.Clustered() {
		m.to.MustRegister(&clusterCollector{hub: h})
	}
}

func (m *metrics) handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{Registry: m.reg})
}

var (
	descSessions  = prometheus.NewDesc(metricname.Sessions, "Connected sessions by transport.", []string{metricname.LabelTransport}, nil)
	descRooms     = prometheus.NewDesc(metricname.Rooms, "Live rooms.", nil, nil)
	descTicks     = prometheus.NewDesc(metricname.Ticks, "Simulation steps run by all rooms.", nil, nil)
	descLate      = prometheus.NewDesc(metricname.TicksLate, "Tick messages that had to run more than one step.", nil, nil)
	descOverrun   = prometheus.NewDesc(metricname.TickOverruns, "Times a room dropped simulation time it could not catch up.", nil, nil)
	descFrames    = prometheus.NewDesc(metricname.StateFrames, "State frames sent, by kind.", []string{metricname.LabelKind}, nil)
	descBytes     = prometheus.NewDesc(metricname.StateBytes, "Bytes of state frames sent.", nil, nil)
	descDropped   = prometheus.NewDesc(metricname.FramesDropped, "Frames dropped, by reason.", []string{metricname.LabelReason}, nil)
	descInputs    = prometheus.NewDesc(metricname.Inputs, "Inputs that reached rooms, by outcome.", []string{metricname.LabelOutcome}, nil)
	descRejected  = prometheus.NewDesc(metricname.FramesRejected, "Client frames rejected before reaching a room, by reason.", []string{metricname.LabelReason}, nil)
	descClosed    = prometheus.NewDesc(metricname.ConnectionsClosed, "Connections closed by the server, by reason.", []string{metricname.LabelReason}, nil)
	descPanics    = prometheus.NewDesc(metricname.ActorPanics, "Actor panics recovered.", nil, nil)
	descDirect    = prometheus.NewDesc(metricname.DirectWrites, "WebSocket frames written by their sender (a room) on an idle link, without waking the link's writer goroutine (Linux only).", nil, nil)
	descBodies    = prometheus.NewDesc(metricname.BodiesEncoded, "State bodies encoded: one per group of players sharing a baseline and a view, per send.", nil, nil)
	descEvents    = prometheus.NewDesc(metricname.Events, "Game events: encoded (once per Send or Broadcast) and sent (once per player).", []string{metricname.LabelOutcome}, nil)
	descMessages  = prometheus.NewDesc(metricname.Messages, "Game messages from clients: delivered to a room, or refused because the player's buffer was full.", []string{metricname.LabelOutcome}, nil)
	descRefused   = prometheus.NewDesc(metricname.Refused, "Connections, joins and resumes refused by a limit, by reason: server_full, too_many_connections and server_busy (limits.max_connections, limits.max_connections_per_addr, overload or limits.max_unjoined; HTTP 503, 429 and 503 before the upgrade), overloaded_connection and overloaded_join (server_busy while overloaded), paced (server_busy to newcomers over the pace after an overload), unjoined_full (limits.max_unjoined), room_creates (limits.*rooms_per_minute), join_guesses and resume_guesses (the guessing budget).", []string{metricname.LabelReason}, nil)
	descConns     = prometheus.NewDesc(metricname.Connections, "Connections admitted and alive: WebSockets and HTTP sessions, against limits.max_connections.", nil, nil)
	descExchange  = prometheus.NewDesc(metricname.Exchanges, "Long-polls that carried the client's frames up (exchanges): one request per update instead of two.", nil, nil)
	descFastPath  = prometheus.NewDesc(metricname.FastPath, "The HTTP fast path for polling clients' kept-alive connections, by outcome: served (requests it answered), adopted (connections it took from net/http), handed_back (requests it left to net/http).", []string{metricname.LabelOutcome}, nil)
	descHTTPErrs  = prometheus.NewDesc(metricname.HTTPErrors, "HTTP error responses of the transports, by code.", []string{metricname.LabelCode}, nil)
	descErrors    = prometheus.NewDesc(metricname.ErrorFrames, "Error frames sent to clients, by code name.", []string{metricname.LabelCode}, nil)
	descCaughtUp  = prometheus.NewDesc(metricname.FramesCaughtUp, "Client frames let through from the catch-up bank after a stall (session.catch_up).", nil, nil)
	descUnjoined  = prometheus.NewDesc(metricname.Unjoined, "Connections in no room.", nil, nil)
	descIdle      = prometheus.NewDesc(metricname.RoomsIdle, "Rooms with no players, which do no simulation work.", nil, nil)
	descLateness  = prometheus.NewDesc(metricname.TickLateness, "How late the server runs, in ticks, smoothed: the larger of the rooms' tick lateness and the goroutines' scheduling latency p90; the overload signal.", nil, nil)
	descOverload  = prometheus.NewDesc(metricname.Overloaded, "1 while the server refuses newcomers for load.", nil, nil)
	descLevel     = prometheus.NewDesc(metricname.SendLevel, "Steps by which the send rates are lowered for load; 0: as configured.", nil, nil)
	descOverloads = prometheus.NewDesc(metricname.Overloads, "Times the server became overloaded.", nil, nil)
	descSteps     = prometheus.NewDesc(metricname.SendRateSteps, "Steps of every room's send rate for load, by direction: lowered, raised.", []string{metricname.LabelDirection}, nil)
	descAuth      = prometheus.NewDesc(metricname.Auth, "Connections by what became of their ticket: accepted, refused (unauthorized), or refused by the transport as unreadable (bad_ticket) or too large (ticket_too_large).", []string{metricname.LabelOutcome}, nil)
)

type statsCollector struct {
	hub *actors.Hub
	srv *transports.Server
}

func (c *statsCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{descSessions, descRooms, descTicks, descLate, descOverrun, descFrames,
		descBytes, descDropped, descInputs, descRejected, descClosed, descPanics, descDirect, descBodies, descEvents, descMessages, descAuth,
		descRefused, descConns, descExchange, descFastPath, descHTTPErrs, descErrors, descCaughtUp, descUnjoined, descIdle, descLateness, descOverload, descLevel, descOverloads, descSteps} {
		ch <- d
	}
}

func (c *statsCollector) Collect(ch chan<- prometheus.Metric) {
	h, t := c.hub.Stats(), c.srv.Stats()
	gauge := func(d *prometheus.Desc, v float64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v, labels...)
	}
	counter := func(d *prometheus.Desc, v float64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.CounterValue, v, labels...)
	}
	for tr, n := range c.hub.SessionsByTransport() {
		gauge(descSessions, float64(n), tr)
	}
	gauge(descRooms, float64(h.Rooms))
	counter(descTicks, float64(h.Ticks))
	counter(descLate, float64(h.TicksLate))
	counter(descOverrun, float64(h.TickOverruns))
	counter(descFrames, float64(h.DiffFrames), "diff")
	counter(descFrames, float64(h.FullFrames), "snapshot")
	counter(descBytes, float64(h.StateBytes))
	counter(descDropped, float64(t.StaleDropped), "stale_state")
	counter(descInputs, float64(h.InputsApplied), "applied")
	counter(descInputs, float64(h.InputsDropped), "dropped")
	counter(descRejected, float64(h.FramesLimited), "rate_limited")
	counter(descRejected, float64(h.BadFrames), "bad_frame")
	counter(descRejected, float64(h.UnknownKinds), "unknown_kind")
	counter(descRejected, float64(h.VersionRefused), "version_mismatch")
	counter(descRejected, float64(t.TooLarge), "too_large")
	counter(descRejected, float64(t.OriginRejected), "origin")
	counter(descClosed, float64(t.SlowClosed-t.NotReading), "slow_consumer") // not_reading is counted apart, below
	counter(descClosed, float64(t.TimeoutClosed), "heartbeat_timeout")
	counter(descClosed, float64(h.SlowKicked), "no_ack")
	counter(descClosed, float64(h.UsersReplaced), "replaced")
	counter(descClosed, float64(h.FloodClosed), "flood")
	counter(descClosed, float64(h.JoinTimeouts), "join_timeout")
	counter(descClosed, float64(t.NotReading), "not_reading")
	counter(descRefused, float64(t.HTTPErrors["server_full"]), "server_full")
	counter(descRefused, float64(t.HTTPErrors["too_many_connections"]), "too_many_connections")
	counter(descRefused, float64(t.HTTPErrors["server_busy"]), "server_busy")
	gauge(descConns, float64(t.Connections))
	counter(descExchange, float64(t.Exchanges))
	counter(descFastPath, float64(t.FastRequests), "served")
	counter(descFastPath, float64(t.FastAdopted), "adopted")
	counter(descFastPath, float64(t.FastHandbacks), "handed_back")
	for code, n := range t.HTTPErrors {
		counter(descHTTPErrs, float64(n), code)
	}
	counter(descRefused, float64(h.BusyConnections), "overloaded_connection")
	counter(descRefused, float64(h.BusyJoins), "overloaded_join")
	counter(descRefused, float64(h.PacedRefusals), "paced")
	counter(descRefused, float64(h.UnjoinedRefused), "unjoined_full")
	counter(descRefused, float64(h.RoomCreatesLimited), "room_creates")
	counter(descRefused, float64(h.JoinGuessesLimited), "join_guesses")
	counter(descRefused, float64(h.ResumesLimited), "resume_guesses")
	for code, n := range h.ErrorFrames {
		counter(descErrors, float64(n), code)
	}
	counter(descCaughtUp, float64(h.FramesCaughtUp))
	gauge(descUnjoined, float64(h.Unjoined))
	gauge(descIdle, float64(h.RoomsIdle))
	gauge(descLateness, float64(h.TickLatenessMilli)/1000)
	gauge(descOverload, float64(h.Overloaded))
	gauge(descLevel, float64(h.SendLevel))
	counter(descOverloads, float64(h.Overloads))
	counter(descSteps, float64(h.SendLowered), "lowered")
	counter(descSteps, float64(h.SendRaised), "raised")
	counter(descPanics, float64(h.Panics))
	counter(descDirect, float64(t.DirectWrites))
	counter(descBodies, float64(h.BodiesEncoded))
	counter(descEvents, float64(h.EventsEncoded), "encoded")
	counter(descEvents, float64(h.EventsSent), "sent")
	counter(descMessages, float64(h.Messages), "delivered")
	counter(descMessages, float64(h.MessagesRefused), "refused")
	counter(descAuth, float64(h.Authenticated), "accepted")
	counter(descAuth, float64(h.AuthRefused), "refused")
	counter(descAuth, float64(t.HTTPErrors["bad_ticket"]), "bad_ticket")
	counter(descAuth, float64(t.HTTPErrors["ticket_too_large"]), "ticket_too_large")
}

// health serves /healthz (the process answers) and /readyz (it accepts
// players: false before the listener is up, on a node of a cluster until
// it has joined, while the hub is overloaded, and once shutdown begins).
type health struct {
	ready atomic.Bool
	hub   atomic.Pointer[actors.Hub]
}

func (hl *health) healthz(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Cache-Control", "no-store")
	_, _ = w.Write([]byte("ok\n"))
}

func (hl *health) readyz(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Cache-Control", "no-store")
	if !hl.ready.Load() {
		http.Error(w, "not ready", http.StatusServiceUnavailable)
		return
	}
	if h := hl.hub.Load(); h != nil && !h.ClusterReady() {
		http.Error(w, "not ready: not joined to its cluster yet", http.StatusServiceUnavailable)
		return
	}
	if h := hl.hub.Load(); h != nil && h.Overloaded() {
		w.Header().Set("Retry-After", strconv.Itoa(int(max(h.RetryAfter()/time.Second, 1))))
		http.Error(w, "overloaded", http.StatusServiceUnavailable)
		return
	}
	_, _ = w.Write([]byte("ready\n"))
}

var _ actors.Observer = (*metrics)(nil)

var (
	descPeerUp     = prometheus.NewDesc(metricname.ClusterPeerUp, "Each configured peer: 1 while live, 0 while lost.", []string{metricname.LabelPeer}, nil)
	descReady      = prometheus.NewDesc(metricname.ClusterReady, "1 once the node has joined its cluster (it has heard from every peer or waited cluster.member_timeout, and has the live peers' rooms).", nil, nil)
	descPeerUps    = prometheus.NewDesc(metricname.ClusterPeerUps, "Peers that came, or came back.", nil, nil)
	descPeerLosses = prometheus.NewDesc(metricname.ClusterPeerLosses, "Peers lost, by reason: timeout (silent for cluster.member_timeout: hung or cut off), connection (the connection broke: it died), left (it stopped), restart (it came back as a new process), partition (it had taken this node for lost).", []string{metricname.LabelReason}, nil)
	descClMessages = prometheus.NewDesc(metricname.ClusterMessages, "Messages to and from other nodes, by outcome: sent; dropped (to a node that was not live); refused (from another node, malformed or about nothing this node has).", []string{metricname.LabelOutcome}, nil)
	descClSeats    = prometheus.NewDesc(metricname.ClusterSeats, "Players playing across nodes, by side: remote (in this node's rooms, connected through another), away (connected here, in another node's room).", []string{metricname.LabelSide}, nil)
	descClFrames   = prometheus.NewDesc(metricname.ClusterFrames, "Frames from other nodes' rooms handed to links here.", nil, nil)
	descClDeliver  = prometheus.NewDesc(metricname.ClusterDeliveries, "Messages that carried them: one per room per node per send.", nil, nil)
	descClFwd      = prometheus.NewDesc(metricname.ClusterForwarded, "HTTP requests (polls, posts, streams, upgrade probes) of another node's sessions that reached this node, passed to that node.", nil, nil)
	descClBodies   = prometheus.NewDesc(metricname.ClusterBodies, "State bodies shipped to other nodes: each once per node per send, however many players there share it.", nil, nil)
)

// clusterCollector reads a node's cluster counters.
type clusterCollector struct{ hub *actors.Hub }

func (c *clusterCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{descPeerUp, descReady, descPeerUps, descPeerLosses, descClMessages, descClSeats, descClFrames, descClDeliver, descClBodies, descClFwd} {
		ch <- d
	}
}

func (c *clusterCollector) Collect(ch chan<- prometheus.Metric) {
	s := c.hub.ClusterStats()
	gauge := func(d *prometheus.Desc, v float64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v, labels...)
	}
	counter := func(d *prometheus.Desc, v float64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.CounterValue, v, labels...)
	}
	b := func(v bool) float64 {
		if v {
			return 1
		}
		return 0
	}
	for peer, live := range s.Peers {
		gauge(descPeerUp, b(live), peer)
	}
	gauge(descReady, b(s.Ready))
	counter(descPeerUps, float64(s.PeerUps))
	for reason, n := range s.PeerDowns {
		counter(descPeerLosses, float64(n), reason)
	}
	counter(descClMessages, float64(s.Sent), "sent")
	counter(descClMessages, float64(s.Dropped), "dropped")
	counter(descClMessages, float64(s.Refused), "refused")
	gauge(descClSeats, float64(s.RemoteSeats), "remote")
	gauge(descClSeats, float64(s.AwaySeats), "away")
	counter(descClFrames, float64(s.Delivered))
	counter(descClDeliver, float64(s.Deliveries))
	counter(descClBodies, float64(s.Bodies))
	counter(descClFwd, float64(s.Forwarded))
}
