package loadtest

import (
	"fmt"
	"strings"
)

// Gate is one pass/fail check of a run against the scenario's limits.
type Gate struct {
	Name  string `json:"name"`  // the flag: "max-p99", "min-update-rate", "max-errors"
	Limit string `json:"limit"` // as given
	Value string `json:"value"` // what the run measured
	Pass  bool   `json:"pass"`
}

// evaluateGates checks rep against the gates s switches on.
func evaluateGates(s Scenario, rep *Report) []Gate {
	gates := []Gate{}
	if lim := s.MaxP99.Duration; lim > 0 {
		g := Gate{Name: "max-p99", Limit: lim.String(), Value: "no inputs acknowledged"}
		if rep.Latency.Count > 0 {
			g.Value = fmtMs(rep.Latency.P99)
			g.Pass = rep.Latency.P99 <= float64(lim)/1e6
		}
		gates = append(gates, g)
	}
	if lim := s.MinUpdateRate; lim > 0 {
		gates = append(gates, Gate{
			Name: "min-update-rate", Limit: fmt.Sprintf("%g/s", lim),
			Value: fmt.Sprintf("%.2f/s", rep.Updates.PerClient),
			Pass:  rep.Updates.PerClient >= lim,
		})
	}
	if lim := s.MaxErrors; lim >= 0 {
		gates = append(gates, Gate{
			Name: "max-errors", Limit: fmt.Sprint(lim),
			Value: fmt.Sprint(rep.Errors.Total),
			Pass:  rep.Errors.Total <= int64(lim),
		})
	}
	// Always on: a run in which no client joined measured nothing, and must
	// not read as a pass in a pipeline that set no gates.
	gates = append(gates, Gate{
		Name: "joined", Limit: "1",
		Value: fmt.Sprintf("%d of %d", rep.Joins.Succeeded, rep.Joins.Attempted),
		Pass:  rep.Joins.Succeeded > 0,
	})
	return gates
}

// FailedGates lists the gates the run missed, as "max-p99 (80ms): 95.2ms".
func (rep *Report) FailedGates() []string {
	var out []string
	for _, g := range rep.Gates {
		if !g.Pass {
			out = append(out, fmt.Sprintf("%s (%s): %s", g.Name, g.Limit, g.Value))
		}
	}
	return out
}

func gatesLine(rep *Report) string {
	if len(rep.Gates) == 0 {
		return "none"
	}
	parts := make([]string, len(rep.Gates))
	for i, g := range rep.Gates {
		verdict := "pass"
		if !g.Pass {
			verdict = "FAIL"
		}
		parts[i] = fmt.Sprintf("%s %s (%s %s)", g.Name, verdict, g.Value, limitWord(g.Name)+" "+g.Limit)
	}
	return strings.Join(parts, "; ")
}

func limitWord(name string) string {
	if strings.HasPrefix(name, "min-") || name == "joined" {
		return "≥"
	}
	return "≤"
}
