package loadtest

import (
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"text/tabwriter"
)

// row is one line of the summary: the stdout table and the HTML report show
// the same rows.
type row struct{ Label, Value string }

// WriteSummary prints the summary table.
func WriteSummary(w io.Writer, rep *Report) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "Tickroom load test, %s\n", rep.Started.Format("2006-01-02 15:04:05 UTC"))
	for _, r := range summaryRows(rep) {
		fmt.Fprintf(tw, "  %s\t%s\n", r.Label, r.Value)
	}
	for _, warn := range rep.Warnings {
		fmt.Fprintf(tw, "  warning\t%s\n", warn)
	}
	verdict := "PASS"
	if !rep.Passed {
		verdict = "FAIL: " + strings.Join(rep.FailedGates(), "; ")
	}
	fmt.Fprintf(tw, "  result\t%s\n", verdict)
	return tw.Flush()
}

func summaryRows(rep *Report) []row {
	s := rep.Scenario
	target := rep.Target
	if rep.Embedded {
		target += " (embedded server)"
		if len(rep.ExemptAddrs) > 0 {
			target += "; per-address limits exempt " + strings.Join(rep.ExemptAddrs, ", ")
		} else if s.Attacks.any() {
			target += "; per-address limits apply to everyone (attackers and players share an address)"
		}
	}
	honest := "" // with attackers about, the players' figures are the honest ones'
	if s.Attacks.any() {
		honest = "honest "
	}
	rows := []row{
		{"target", target},
		{"scenario", fmt.Sprintf("%d %sclients in rooms of %d, %g inputs/s each, %s; server ticks %d/s, sends %d/s",
			s.Clients, honest, s.RoomSize, s.InputRate, mixText(s.Mix), rep.Server.TickRate, rep.Server.SendRate)},
	}
	if f := faultsText(s); f != "" {
		rows = append(rows, row{"faults", f})
	}
	rows = append(rows,
		row{"window", fmt.Sprintf("%.1fs from t=%.1fs, %d clients connected at its start", rep.Window.Seconds, rep.Window.Start, rep.Window.Clients)},
		row{"joins", fmt.Sprintf("%d/%d ok; join time p50 %s  p99 %s  max %s",
			rep.Joins.Succeeded, rep.Joins.Attempted, fmtMs(rep.Joins.Time.P50), fmtMs(rep.Joins.Time.P99), fmtMs(rep.Joins.Time.Max))},
		row{"input→ack", latencyText(rep.Latency)},
		row{"updates", updatesText(rep)},
		row{"bytes", fmt.Sprintf("%s/s per client; %s/s in all", fmtBytes(rep.Bytes.PerClient), fmtBytes(rep.Bytes.TotalPerSec))},
		row{"state gaps", fmt.Sprintf("p50 %s  p99 %s  max %s; %d sends skipped",
			fmtMs(rep.Gaps.Arrival.P50), fmtMs(rep.Gaps.Arrival.P99), fmtMs(rep.Gaps.Arrival.Max), rep.Gaps.SkippedSends)},
		row{"errors", countsText(rep.Errors)},
		row{"disconnects", countsText(rep.Disconnects)},
	)
	if d := rep.Drops; s.DropPercent > 0 || d.Resumed+d.Refused+d.GaveUp > 0 {
		rows = append(rows, dropRows(d)...)
	}
	rows = append(rows, overloadRows(rep)...)
	rows = append(rows, attackRows(rep)...)
	if s.EventsRate > 0 {
		e := rep.Events
		rows = append(rows, row{"events", fmt.Sprintf("%d received in the window, %d lost, %d duplicated; %d chat messages sent, %d of them lost on the way up",
			e.Received, e.Lost, e.Duplicated, e.Sent, e.MessagesLost)})
	}
	for _, t := range rep.Transports {
		rows = append(rows, row{"  " + t.Name, fmt.Sprintf("%d/%d joined, %.2f updates/s, %s/s per client, %d disconnects",
			t.Joined, t.Clients, t.UpdateRate, fmtBytes(t.BytesPerSec), t.Disconnects)})
	}
	server := serverText(rep.ServerMetrics)
	if rep.Embedded && rep.ServerMetrics != nil {
		server += "; CPU and memory are the whole process, load tester included"
	}
	rows = append(rows, row{"server", server})
	if a := serverAnswersText(rep.ServerMetrics); a != "" {
		rows = append(rows, row{"  refusals", a})
	}
	tester := fmt.Sprintf("CPU %.0f%% of a core (%d input schedulers, GOMAXPROCS %d)", rep.Tester.CPUPercent, rep.Tester.Schedulers, rep.Tester.GOMAXPROCS)
	if rep.Tester.SharesProcess {
		tester += ", including the embedded server"
	}
	rows = append(rows, row{"load tester", tester}, row{"gates", gatesLine(rep)})
	return rows
}

// dropRows say how dropped clients came back.
func dropRows(d Drops) []row {
	rows := []row{{"drops", fmt.Sprintf("%d dropped, %d back: %d resumed (%d with a snapshot, %d with events lost), %d refused and %d joined afresh (%d refused), %d gave up",
		d.Dropped, d.Rejoined, d.Resumed, d.Snapshots, d.EventsLost, d.Refused, d.FreshJoins, d.FreshJoinsFailed, d.GaveUp)}}
	if q := d.ResumeTime; q.Count > 0 {
		rows = append(rows, row{"resume time", fmt.Sprintf("p50 %s  p99 %s  max %s  (%d resumes; drop to the first state after it)",
			fmtMs(q.P50), fmtMs(q.P99), fmtMs(q.Max), q.Count)})
	}
	if f := d.FirstState; f.Count > 0 {
		v := fmt.Sprintf("p50 %s  p99 %s", fmtBytes(float64(f.P50)), fmtBytes(float64(f.P99)))
		if d.Snapshot.Count > 0 {
			v += fmt.Sprintf("; a full snapshot of the room p50 %s; first state / snapshot p50 %.3f",
				fmtBytes(float64(d.Snapshot.P50)), d.FirstStateRatio)
		}
		rows = append(rows, row{"first state", v})
	}
	return rows
}

func mixText(m Mix) string {
	var parts []string
	for i, p := range m.shares() {
		if p > 0 {
			parts = append(parts, fmt.Sprintf("%s %g%%", transportNames[i], p))
		}
	}
	return strings.Join(parts, ", ")
}

func faultsText(s Scenario) string {
	var parts []string
	if s.Latency.Duration > 0 || s.Jitter.Duration > 0 {
		parts = append(parts, fmt.Sprintf("input delay %v + up to %v jitter", s.Latency.Duration, s.Jitter.Duration))
	}
	if s.DropPercent > 0 {
		p := fmt.Sprintf("drop %g%% every %v", s.DropPercent, s.DropEvery.Duration)
		if s.DropAway.Duration > 0 {
			p += fmt.Sprintf(", away %v", s.DropAway.Duration)
		}
		parts = append(parts, p)
	}
	if s.SlowPercent > 0 {
		parts = append(parts, fmt.Sprintf("%g%% slow readers (%v per frame)", s.SlowPercent, s.SlowDelay.Duration))
	}
	if s.Attacks.any() {
		parts = append(parts, "attacks: "+s.Attacks.text())
	}
	return strings.Join(parts, "; ")
}

func latencyText(q Quantiles) string {
	if q.Count == 0 {
		return "no inputs acknowledged"
	}
	return fmt.Sprintf("p50 %s  p90 %s  p99 %s  p99.9 %s  max %s  (%d inputs)",
		fmtMs(q.P50), fmtMs(q.P90), fmtMs(q.P99), fmtMs(q.P999), fmtMs(q.Max), q.Count)
}

func updatesText(rep *Report) string {
	s := fmt.Sprintf("%.2f/s per client", rep.Updates.PerClient)
	if sl := rep.Updates.Slowest; sl != nil {
		s += fmt.Sprintf("; slowest #%d (%s) %.2f/s", sl.Client, sl.Transport, sl.Rate)
	}
	return s + fmt.Sprintf("; %d states", rep.Updates.Total)
}

func countsText(c Counts) string {
	if c.Total == 0 {
		return "0"
	}
	keys := slices.Sorted(maps.Keys(c.ByKind))
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf("%s ×%d", k, c.ByKind[k])
	}
	return fmt.Sprintf("%d: %s", c.Total, strings.Join(parts, ", "))
}

func serverText(sm *ServerMetrics) string {
	if sm == nil {
		return "no /metrics"
	}
	return fmt.Sprintf("CPU %.1f%% of a core, peak RSS %s; tick p50 ≈%s  p99 ≈%s (%d ticks)",
		sm.CPUPercent, fmtBytes(sm.PeakRSSBytes), fmtMs(sm.Tick.P50), fmtMs(sm.Tick.P99), sm.Tick.Count)
}

// fmtBytes formats a byte count in binary units.
func fmtBytes(b float64) string {
	const unit = 1024
	if b < unit {
		return fmt.Sprintf("%.0f B", b)
	}
	for i, u := range []string{"KiB", "MiB", "GiB"} {
		v := b / float64(int64(1)<<(10*(i+1)))
		if v < unit || i == 2 {
			return fmt.Sprintf("%.1f %s", v, u)
		}
	}
	return ""
}
