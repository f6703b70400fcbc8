package loadtest

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"
)

// AttackReport is one attack of a run: what its attackers did and what the
// server answered them. The honest players' figures, which show what the
// attack cost them, are the report's main ones.
type AttackReport struct {
	Name      string  `json:"name"`      // its flag: "ping-flood"
	Attackers int     `json:"attackers"` // connection slots
	From      string  `json:"from"`      // the local address they connected from; "" for the system's choice
	Seconds   float64 `json:"seconds"`   // how long it ran
	// Did counts what the attackers did: "connections" opened,
	// "refused" dials or upgrades, "pings written", "rooms created", "bytes
	// sent", … (doc.go lists each attack's), "cut by server" and "open at
	// the end" (connections the attack closed when it stopped).
	Did map[string]int64 `json:"did"`
	// Answers are what the server answered, by kind: "HTTP 503
	// server_full", "close 4024 server_busy", "error 4003 rate_limited",
	// "reset", "closed without a close frame (EOF)", …
	Answers Counts `json:"answers"`
	// Cut is the time from a connection's opening until the server
	// answered or ended it, over the connections it did.
	Cut      Quantiles `json:"cut_after"`
	PeakOpen int64     `json:"peak_open"` // attacker connections open at once
}

// attackReports turns the attacks' tallies into their reports.
func attackReports(all []*attackStats, s Scenario, end time.Time) []AttackReport {
	var out []AttackReport
	src := s.Attacks.sourceAddr(s.urls()[0])
	for _, st := range all {
		ar := AttackReport{
			Name:      st.kind.name,
			Attackers: st.kind.n(s.Attacks),
			Seconds:   end.Sub(st.started).Seconds(),
			Did:       map[string]int64{},
			PeakOpen:  st.peakOpen.Load(),
		}
		if src != nil {
			ar.From = src.String()
		}
		st.mu.Lock()
		for k, c := range st.did {
			ar.Did[k] = c.Load()
		}
		ar.Cut = quantilesOf(st.cut)
		st.mu.Unlock()
		ar.Answers.Total, ar.Answers.ByKind = st.answers.snapshot()
		out = append(out, ar)
	}
	return out
}

// attackRows are the summary's rows for the attacks: one per attack, what
// the attackers did, then one for what the server answered.
func attackRows(rep *Report) []row {
	var rows []row
	for _, a := range rep.Attacks {
		k := kindOf(a.Name)
		title := a.Name
		var order []string
		if k != nil {
			title, order = k.title, k.did
		}
		// The keys the attack declared, in order, then any other, sorted.
		for _, key := range slices.Sorted(maps.Keys(a.Did)) {
			if !slices.Contains(order, key) {
				order = append(order, key)
			}
		}
		var did []string
		for _, key := range order {
			if n, ok := a.Did[key]; ok && (n != 0 || key == didConnections) {
				did = append(did, fmt.Sprintf("%s %s", key, fmtCount(float64(n))))
			}
		}
		v := fmt.Sprintf("%d attackers for %.1fs", a.Attackers, a.Seconds)
		if a.From != "" {
			v += " from " + a.From
		}
		v += ": " + strings.Join(did, ", ") + fmt.Sprintf("; peak %d open", a.PeakOpen)
		if key := k.sentKey(); a.Did[key] > 0 && a.Seconds > 0 {
			v += fmt.Sprintf("; %s %s/s", fmtCount(float64(a.Did[key])/a.Seconds), key)
		}
		rows = append(rows, row{title, v})
		answered := countsText(a.Answers)
		if q := a.Cut; q.Count > 0 {
			answered += fmt.Sprintf("; answered or cut after p50 %s  p99 %s  max %s", fmtDuration(q.P50), fmtDuration(q.P99), fmtDuration(q.Max))
		}
		if a.Name == "huge-headers" && rep.ServerMetrics != nil {
			answered += "; server peak RSS " + fmtBytes(rep.ServerMetrics.PeakRSSBytes)
		}
		rows = append(rows, row{"  server answered", answered})
	}
	return rows
}

// sentKey is the Did key of what the attack sends most of, "" for none.
func (k *attackKind) sentKey() string {
	if k == nil {
		return ""
	}
	for _, d := range k.did {
		if (strings.HasSuffix(d, " sent") || strings.HasSuffix(d, " written")) && d != didBytes {
			return d
		}
	}
	return ""
}

// fmtCount formats a count a person reads at a glance: 950, 12.3k, 4.28M.
func fmtCount(n float64) string {
	switch {
	case n < 10000:
		return fmt.Sprintf("%.0f", n)
	case n < 1e6:
		return fmt.Sprintf("%.1fk", n/1e3)
	case n < 1e9:
		return fmt.Sprintf("%.2fM", n/1e6)
	}
	return fmt.Sprintf("%.2fG", n/1e9)
}

func kindOf(name string) *attackKind {
	for i := range attackKinds {
		if attackKinds[i].name == name {
			return &attackKinds[i]
		}
	}
	return nil
}

// fmtDuration formats milliseconds as a duration a person reads: "850ms",
// "12.3s".
func fmtDuration(ms float64) string {
	if ms < 1000 {
		return fmtMs(ms)
	}
	return fmt.Sprintf("%.1fs", ms/1000)
}
