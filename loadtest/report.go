package loadtest

import (
	"fmt"
	"math"
	"runtime"
	"strings"
	"time"

	"github.com/HdrHistogram/hdrhistogram-go"
)

// ReportVersion numbers the layout of report.json. Version 2: dropped
// clients resume instead of joining again, and drops say how they came
// back; events. Version 3: attacks.
const ReportVersion = 3

// Report is what a run measured; it is report.json. Rates are over the
// measured window, per client unless named otherwise; "per client" means
// per client that joined.
type Report struct {
	Version     int        `json:"version"`
	Started     time.Time  `json:"started"`
	Target      string     `json:"target"`
	Embedded    bool       `json:"embedded_server"`
	ExemptAddrs []string   `json:"exempt_addrs,omitempty"` // from the embedded server's per-address limits
	Scenario    Scenario   `json:"scenario"`
	Server      ServerInfo `json:"server"`
	Interrupted bool       `json:"interrupted"` // stopped before the window's end (SIGINT, time bound)
	Window      Window     `json:"window"`

	Joins       Joins       `json:"joins"`
	Latency     Quantiles   `json:"latency"`      // input sent until a state acknowledged it
	UntimedAcks int64       `json:"untimed_acks"` // acks too late to time (more than 128 inputs in flight)
	Updates     Updates     `json:"updates"`
	Bytes       Bytes       `json:"bytes"`
	Gaps        Gaps        `json:"gaps"`
	Errors      Counts      `json:"errors"`
	Disconnects Counts      `json:"disconnects"` // ended by the server or network, by close code
	Drops       Drops       `json:"drops"`
	Events      Events      `json:"events"`
	Transports  []Transport `json:"transports"`
	// Attacks are the hostile clients' own figures (Scenario.Attacks),
	// apart from the honest players' above.
	Attacks []AttackReport `json:"attacks"`
	// SendRates are the send rates the server announced to the players.
	SendRates SendRates `json:"send_rates"`

	ServerMetrics *ServerMetrics `json:"server_metrics"` // null when the server has no /metrics
	Tester        Tester         `json:"tester"`

	Gates    []Gate   `json:"gates"`
	Passed   bool     `json:"passed"` // every gate passed
	Warnings []string `json:"warnings"`

	Series  []Sample       `json:"series"`
	Clients []ClientRecord `json:"clients"`
}

// ServerInfo is what the server announced in its welcome.
type ServerInfo struct {
	TickRate int    `json:"tick_rate"`
	SendRate int    `json:"send_rate"`
	Mode     string `json:"mode"`
}

// Window is the measured window: it starts when every client has joined and
// the warmup has passed.
type Window struct {
	Start   float64 `json:"start"`   // seconds since the run began
	Seconds float64 `json:"seconds"` // its length
	Clients int     `json:"clients"` // connected when it began
}

// Joins are the first joins of the ramp (reconnects are under Drops).
type Joins struct {
	Attempted int64     `json:"attempted"`
	Succeeded int64     `json:"succeeded"`
	Failed    int64     `json:"failed"`
	Time      Quantiles `json:"time"` // dial until welcome
}

// Updates are state frames (snapshots and diffs) received.
type Updates struct {
	Total     int64       `json:"total"`
	PerClient float64     `json:"per_client_per_sec"` // mean
	Slowest   *ClientRate `json:"slowest"`            // the joined client with the lowest rate
}

// ClientRate names one client and its rate.
type ClientRate struct {
	Client    int     `json:"client"`
	Transport string  `json:"transport"`
	Rate      float64 `json:"rate"`
}

// Bytes are frame payload bytes received, whatever the transport.
type Bytes struct {
	Total       int64   `json:"total"`
	PerClient   float64 `json:"per_client_per_sec"`
	TotalPerSec float64 `json:"total_per_sec"`
}

// Gaps are the times between consecutive states at a client, and the state
// sends it never saw (a tick jump of more than one send interval).
type Gaps struct {
	Arrival      Quantiles `json:"arrival"`
	SkippedSends int64     `json:"skipped_sends"`
}

// Counts are events by kind.
type Counts struct {
	Total  int64            `json:"total"`
	ByKind map[string]int64 `json:"by_kind"`
}

// Drops are the connections that dropped and how their clients came back
// (client.Options.Reconnect): the -drop-percent fault's, and any the server
// or network ended (which also count as disconnects).
type Drops struct {
	Dropped  int64 `json:"dropped"`  // connections the fault cut
	Rejoined int64 `json:"rejoined"` // drops clients came back from: resumed, or joined afresh
	// Resumed counts seats the server gave back; Snapshots those whose
	// first state was a full snapshot (the room's history no longer
	// reached the client's tick, or events were lost); EventsLost those the
	// server told events_lost.
	Resumed    int64 `json:"resumed"`
	Snapshots  int64 `json:"snapshots"`
	EventsLost int64 `json:"events_lost"`
	// Refused counts resumes answered resume_expired (the seat was gone);
	// the client then joined its room afresh: FreshJoins that seated it,
	// FreshJoinsFailed that the server refused.
	Refused          int64 `json:"refused"`
	FreshJoins       int64 `json:"fresh_joins"`
	FreshJoinsFailed int64 `json:"fresh_joins_failed"`
	GaveUp           int64 `json:"gave_up"` // clients that stopped coming back
	// ResumeTime runs from the drop (plus -drop-away) until the first state
	// after the resume, which the client has applied.
	ResumeTime Quantiles `json:"resume_time"`
	// FirstState is the size of that state; Snapshot the size of the
	// latest full snapshot of the same room a client had received by then;
	// FirstStateRatio the median of first state / snapshot, resume by
	// resume (a diff is a small fraction of 1).
	FirstState      Sizes   `json:"first_state_bytes"`
	Snapshot        Sizes   `json:"snapshot_bytes"`
	FirstStateRatio float64 `json:"first_state_ratio_p50"`
}

// Sizes summarise a histogram of sizes, in bytes.
type Sizes struct {
	Count int64 `json:"count"`
	P50   int64 `json:"p50"`
	P99   int64 `json:"p99"`
	Max   int64 `json:"max"`
}

func sizesOf(h *hdrhistogram.Histogram) Sizes {
	if h.TotalCount() == 0 {
		return Sizes{}
	}
	return Sizes{Count: h.TotalCount(), P50: h.ValueAtQuantile(50), P99: h.ValueAtQuantile(99), Max: h.Max()}
}

// Events are the game events of -events-rate: chat messages a game
// broadcasts to the room (see events.go for what lost and duplicated rest
// on).
type Events struct {
	Sent       int64 `json:"messages_sent"` // chat messages sent
	Received   int64 `json:"received"`      // events received in the window
	Lost       int64 `json:"lost"`          // chats that reached the room but not a client seated in it, unannounced
	Duplicated int64 `json:"duplicated"`    // events that came twice: dropped by the clients, or not
	// MessagesLost counts chats that never came back as an event to
	// anyone: sent on a connection that dropped before they reached the
	// room (the protocol resumes events, not messages in flight), or
	// refused by it.
	MessagesLost int64 `json:"messages_lost"`
}

// Transport is the run as the clients of one transport saw it.
type Transport struct {
	Name        string  `json:"name"`
	Clients     int     `json:"clients"`
	Joined      int     `json:"joined"`
	States      int64   `json:"states"`
	Bytes       int64   `json:"bytes"`
	UpdateRate  float64 `json:"update_rate"`   // per joined client
	BytesPerSec float64 `json:"bytes_per_sec"` // per joined client
	Disconnects int     `json:"disconnects"`
	PeakServer  float64 `json:"peak_server_sessions"` // tickroom_sessions{transport}, when scraped
}

// ServerMetrics are read from the server's /metrics over the window.
type ServerMetrics struct {
	Scrapes      int                `json:"scrapes"`
	CPUSeconds   float64            `json:"cpu_seconds"`
	CPUPercent   float64            `json:"cpu_percent"` // of one core
	PeakRSSBytes float64            `json:"peak_rss_bytes"`
	PeakSessions map[string]float64 `json:"peak_sessions"` // by transport
	Tick         TickHistogram      `json:"tick"`
	// Answers are what the server refused, closed, rejected and answered
	// with an error frame over the window, by kind ("refused
	// overloaded_join", "closed slow_consumer", "rejected rate_limited",
	// "error frames server_busy"), from its tickroom_refused_total,
	// tickroom_connections_closed_total, tickroom_frames_rejected_total and
	// tickroom_error_frames_total; only kinds that happened.
	Answers map[string]float64 `json:"answers"`
	// Peaks of the overload state (1 while refusing newcomers for load),
	// the send-rate level (steps the rates are lowered by), connections in
	// no room and rooms, over the window.
	PeakOverloaded float64 `json:"peak_overloaded"`
	PeakSendLevel  float64 `json:"peak_send_level"`
	PeakUnjoined   float64 `json:"peak_unjoined"`
	PeakRooms      float64 `json:"peak_rooms"`
}

// TickHistogram is tickroom_tick_duration_seconds over the window.
// Quantiles are interpolated inside buckets, so they are approximate.
type TickHistogram struct {
	Count   int64        `json:"count"`
	P50     float64      `json:"p50_ms"`
	P99     float64      `json:"p99_ms"`
	Buckets []TickBucket `json:"buckets"`
}

// TickBucket is one bucket: ticks that took at most Le seconds and more than
// the previous bucket's bound.
type TickBucket struct {
	Le    string `json:"le"` // as the server wrote it: "0.00064", "+Inf"
	Count int64  `json:"count"`
}

// Tester is the load tester's own cost over the window.
type Tester struct {
	CPUSeconds    float64 `json:"cpu_seconds"`
	CPUPercent    float64 `json:"cpu_percent"` // of one core
	GOMAXPROCS    int     `json:"gomaxprocs"`
	Schedulers    int     `json:"schedulers"`
	History       int     `json:"history"`        // states each client keeps as baselines
	LostBaselines int64   `json:"lost_baselines"` // diffs whose baseline a client no longer kept (each costs a snapshot)
	SharesProcess bool    `json:"shares_process"` // the embedded server runs in the same process: its CPU is included
}

// ClientRecord is one client over the window.
type ClientRecord struct {
	ID          int     `json:"id"`
	Transport   string  `json:"transport"`
	Room        string  `json:"room"`
	Slow        bool    `json:"slow,omitempty"`
	Joined      bool    `json:"joined"`
	JoinMs      float64 `json:"join_ms"`
	States      int64   `json:"states"`
	Bytes       int64   `json:"bytes"`
	Acks        int64   `json:"acks"` // inputs whose ack was timed
	Skipped     int64   `json:"skipped_sends"`
	UpdateRate  float64 `json:"update_rate"`
	BytesPerSec float64 `json:"bytes_per_sec"`
	Reconnects  int     `json:"reconnects,omitempty"`
	Disconnects int     `json:"disconnects,omitempty"`
	CloseCode   int     `json:"close_code,omitempty"` // of the last disconnect
}

// report assembles the Report once the window has closed.
func (r *run) report(interrupted bool) *Report {
	r.mu.Lock()
	win := r.win
	r.mu.Unlock()
	secs := win.end.Sub(win.start).Seconds()
	rep := &Report{
		Version:     ReportVersion,
		Started:     r.start.UTC().Truncate(time.Second),
		Target:      r.url,
		Embedded:    r.o.Embedded,
		ExemptAddrs: r.o.ExemptAddrs,
		Scenario:    r.s,
		Interrupted: interrupted,
		Window:      Window{Start: win.start.Sub(r.start).Seconds(), Seconds: secs, Clients: win.clientsAtStart},
		UntimedAcks: r.untimed.Load(),
		Series:      r.series,
		Warnings:    []string{},
	}
	rep.Scenario.URL = r.url
	r.infoMu.Lock()
	rep.Server = r.info
	r.infoMu.Unlock()

	rate := func(n int64) float64 {
		if secs <= 0 {
			return 0
		}
		return float64(n) / secs
	}
	byTransport := map[string]*Transport{}
	for _, name := range transportNames {
		byTransport[name] = &Transport{Name: name}
	}
	joined := 0
	for _, p := range r.players {
		cr := ClientRecord{
			ID: p.id, Transport: p.transport, Room: p.room, Slow: p.slow, Joined: p.joined.Load(),
			JoinMs:  float64(p.joinTime.Load()) / 1e6,
			States:  p.winStates.Load(),
			Bytes:   p.winBytes.Load(),
			Acks:    p.winAcks.Load(),
			Skipped: p.winSkipped.Load(),
		}
		cr.UpdateRate, cr.BytesPerSec = rate(cr.States), rate(cr.Bytes)
		cr.Reconnects, cr.Disconnects = int(p.reconnects.Load()), int(p.disconnects.Load())
		cr.CloseCode = int(p.closeCode.Load())
		rep.Clients = append(rep.Clients, cr)

		t := byTransport[p.transport]
		t.Clients++
		t.Disconnects += cr.Disconnects
		rep.Updates.Total += cr.States
		rep.Bytes.Total += cr.Bytes
		rep.Gaps.SkippedSends += cr.Skipped
		if !cr.Joined {
			continue
		}
		joined++
		t.Joined++
		t.States += cr.States
		t.Bytes += cr.Bytes
		if s := rep.Updates.Slowest; s == nil || cr.UpdateRate < s.Rate {
			rep.Updates.Slowest = &ClientRate{Client: cr.ID, Transport: cr.Transport, Rate: cr.UpdateRate}
		}
	}
	if joined > 0 {
		rep.Updates.PerClient = rate(rep.Updates.Total) / float64(joined)
		rep.Bytes.PerClient = rate(rep.Bytes.Total) / float64(joined)
	}
	rep.Bytes.TotalPerSec = rate(rep.Bytes.Total)
	for _, name := range transportNames {
		t := byTransport[name]
		if t.Clients == 0 {
			continue
		}
		if t.Joined > 0 {
			t.UpdateRate = rate(t.States) / float64(t.Joined)
			t.BytesPerSec = rate(t.Bytes) / float64(t.Joined)
		}
		t.PeakServer = win.peakSessions[name]
		rep.Transports = append(rep.Transports, *t)
	}

	rep.Joins.Attempted = r.joinAttempts.Load()
	rep.Joins.Succeeded = int64(joined)
	rep.Joins.Failed = rep.Joins.Attempted - rep.Joins.Succeeded
	r.joinMu.Lock()
	rep.Joins.Time = quantilesOf(r.joinHist)
	r.joinMu.Unlock()
	lat, gap := r.rec.window()
	rep.Latency = quantilesOf(lat)
	rep.Gaps.Arrival = quantilesOf(gap)
	rep.Errors.Total, rep.Errors.ByKind = r.errs.snapshot()
	rep.Disconnects.Total, rep.Disconnects.ByKind = r.disconnects.snapshot()
	rep.Drops = Drops{Dropped: r.dropped.Load(), Rejoined: r.rejoined.Load()}
	r.resumeReport(&rep.Drops)
	rep.Events = r.eventReport()
	r.attacksMu.Lock()
	rep.Attacks = attackReports(r.attacks, r.s, r.attacksEnd)
	r.attacksMu.Unlock()
	rep.SendRates = r.sendRates(rep.Server.SendRate, win.sendRateAtEnd)

	rep.ServerMetrics = serverMetrics(win)
	cpu := win.cpuEnd - win.cpuStart
	rep.Tester = Tester{
		CPUSeconds:    cpu.Seconds(),
		CPUPercent:    percentOfCore(cpu, win.end.Sub(win.start)),
		GOMAXPROCS:    runtime.GOMAXPROCS(0),
		Schedulers:    schedulerCount(),
		History:       r.history,
		SharesProcess: r.o.Embedded,
	}
	for _, p := range r.players {
		lost, dup := p.clientStats()
		rep.Tester.LostBaselines += lost
		rep.Events.Duplicated += dup
	}
	if r.s.InputRate == 0 {
		rep.Tester.Schedulers = 0
	}
	rep.Gates = evaluateGates(r.s, rep)
	rep.Passed = true
	for _, g := range rep.Gates {
		rep.Passed = rep.Passed && g.Pass
	}
	rep.Warnings = warnings(rep)
	return rep
}

// serverMetrics turns the scrapes at the window's edges into CPU, memory and
// tick-time figures, or nil without them.
func serverMetrics(win window) *ServerMetrics {
	if win.mStart == nil || win.mEnd == nil {
		return nil
	}
	a, b := win.mStart, win.mEnd
	sm := &ServerMetrics{Scrapes: win.scrapes, PeakSessions: win.peakSessions}
	if !math.IsNaN(a.cpu) && !math.IsNaN(b.cpu) {
		sm.CPUSeconds = b.cpu - a.cpu
		sm.CPUPercent = percentOfCore(time.Duration(sm.CPUSeconds*float64(time.Second)), b.at.Sub(a.at))
	}
	if !math.IsNaN(win.peakRSS) {
		sm.PeakRSSBytes = win.peakRSS
	}
	if sm.PeakSessions == nil {
		sm.PeakSessions = map[string]float64{}
	}
	sm.Answers = map[string]float64{}
	for k, v := range b.answers {
		if d := v - a.answers[k]; d > 0 {
			sm.Answers[k] = d
		}
	}
	g := win.peakGauges
	sm.PeakOverloaded, sm.PeakSendLevel, sm.PeakUnjoined, sm.PeakRooms = g["overloaded"], g["send_level"], g["unjoined"], g["rooms"]
	ticks := bucketDelta(a.buckets, b.buckets)
	if n := len(ticks); n > 0 {
		sm.Tick.Count = int64(ticks[n-1].count)
		if p := bucketQuantile(0.5, ticks); !math.IsNaN(p) {
			sm.Tick.P50 = p * 1000
		}
		if p := bucketQuantile(0.99, ticks); !math.IsNaN(p) {
			sm.Tick.P99 = p * 1000
		}
		prev := 0.0
		for _, b := range ticks {
			sm.Tick.Buckets = append(sm.Tick.Buckets, TickBucket{Le: formatLe(b.le), Count: int64(b.count - prev)})
			prev = b.count
		}
	}
	return sm
}

func formatLe(le float64) string {
	if math.IsInf(le, 1) {
		return "+Inf"
	}
	return fmt.Sprintf("%g", le)
}

// testerWarnAt is the share of a core above which the load tester may be
// what limits the run.
const testerWarnAt = 80

func warnings(rep *Report) []string {
	var w []string
	if rep.Interrupted {
		w = append(w, fmt.Sprintf("the run stopped early: the window is %.1fs, not %v", rep.Window.Seconds, rep.Scenario.Duration))
	}
	if rep.Tester.CPUPercent > testerWarnAt {
		if rep.Tester.SharesProcess {
			w = append(w, fmt.Sprintf("the load tester and the embedded server together used %.0f%% of a core: run the server separately (gameserver serve, -url) on other cores to tell them apart", rep.Tester.CPUPercent))
		} else {
			w = append(w, fmt.Sprintf("the load tester used %.0f%% of a core: it may be the bottleneck; give it its own cores (taskset) or fewer clients", rep.Tester.CPUPercent))
		}
	}
	if rep.Joins.Failed > 0 {
		w = append(w, fmt.Sprintf("%d of %d clients failed to join", rep.Joins.Failed, rep.Joins.Attempted))
	}
	if rep.UntimedAcks > 0 {
		w = append(w, fmt.Sprintf("%d acknowledgements came too late to time (over %d inputs in flight); latency is understated", rep.UntimedAcks, ackRing))
	}
	if n := rep.Tester.LostBaselines; n > 0 {
		w = append(w, fmt.Sprintf("%d diffs named a baseline their client no longer kept (it keeps %d states) and cost a snapshot", n, rep.Tester.History))
	}
	if rep.ServerMetrics == nil {
		w = append(w, "the server exposes no /metrics: no server CPU, memory or tick times")
	}
	if rep.Scenario.InputRate == 0 {
		w = append(w, "input-rate is 0: no inputs, so no latency")
	}
	if e := rep.Events; e.Lost > 0 || e.Duplicated > 0 {
		w = append(w, fmt.Sprintf("%d events lost and %d duplicated: every event should reach every client once, across drops too", e.Lost, e.Duplicated))
	}
	if rep.Scenario.EventsRate > 0 && rep.Events.Received == 0 {
		w = append(w, "events-rate is set but no event arrived: the mode's game must broadcast chat messages (-mode tag)")
	}
	if d := rep.Drops; d.GaveUp > 0 || d.FreshJoinsFailed > 0 {
		w = append(w, fmt.Sprintf("%d clients gave up coming back and %d fresh joins were refused", d.GaveUp, d.FreshJoinsFailed))
	}
	for _, a := range rep.Attacks {
		n := int64(0)
		for k, c := range a.Answers.ByKind {
			if strings.Contains(k, testerOutOfFiles) || strings.Contains(k, testerOutOfPorts) {
				n += c
			}
		}
		if n > 0 {
			w = append(w, fmt.Sprintf("%s: %d connections failed in the tester itself (out of file descriptors or local ports): raise ulimit -n, or use fewer attackers", a.Name, n))
		}
	}
	if w == nil {
		w = []string{}
	}
	return w
}
