package loadtest

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync/atomic"
)

// What an overloaded server does to the honest players (issue 12, item 8):
// it refuses newcomers (server_busy, HTTP 503) and lowers every room's
// send rate, announcing each new rate to the room's players in a rates
// frame, before it drops anyone. The run counts the rates every player was
// told, and the summary puts together who was admitted, refused and
// dropped.

// rateStats are the send rates the server announced, over the run.
type rateStats struct {
	frames  atomic.Int64 // rates frames received
	lowest  atomic.Int32 // the lowest rate any player was told; 0 before any
	lowered atomic.Int64 // rates frames that lowered a player's rate
}

// noteRate records a send rate announced to p: in its welcome, or in a
// rates frame.
func (r *run) noteRate(p *player, rate int, announced bool) {
	old := p.sendRate.Swap(int32(rate))
	if announced {
		r.rates.frames.Add(1)
		if int32(rate) < old {
			r.rates.lowered.Add(1)
		}
	}
	for {
		low := r.rates.lowest.Load()
		if (low != 0 && low <= int32(rate)) || r.rates.lowest.CompareAndSwap(low, int32(rate)) {
			return
		}
	}
}

// meanSendRate is the mean send rate the connected players were last told,
// NaN-free: 0 when none is connected.
func (r *run) meanSendRate() float64 {
	sum, n := 0.0, 0
	for _, p := range r.players {
		if p.sess.Load() != nil {
			sum += float64(p.sendRate.Load())
			n++
		}
	}
	if n == 0 {
		return 0
	}
	return sum / float64(n)
}

// SendRates are the send rates the server announced to the players: in
// their welcomes, and in rates frames when it lowered (overload) or raised
// them.
type SendRates struct {
	Welcome  int     `json:"welcome"`         // the first welcome's
	Lowest   int     `json:"lowest"`          // the lowest any player was told
	AtEnd    float64 `json:"mean_at_end"`     // mean over the connected players when the window closed
	Frames   int64   `json:"rates_frames"`    // rates frames received
	Lowering int64   `json:"lowering_frames"` // of those, the ones that lowered a player's rate
}

func (r *run) sendRates(welcome int, atEnd float64) SendRates {
	return SendRates{
		Welcome:  welcome,
		Lowest:   int(r.rates.lowest.Load()),
		AtEnd:    atEnd,
		Frames:   r.rates.frames.Load(),
		Lowering: r.rates.lowered.Load(),
	}
}

// overloadRows say who the server admitted, refused and dropped, and the
// send rates it announced, when there is something to say: a join failed,
// a player was dropped, a rate changed or the server was overloaded.
func overloadRows(rep *Report) []row {
	var rows []row
	sm := rep.ServerMetrics
	overloaded := sm != nil && sm.PeakOverloaded > 0
	if rep.Joins.Failed > 0 || rep.Disconnects.Total > 0 || overloaded {
		refused := map[string]int64{}
		for k, n := range rep.Errors.ByKind {
			if strings.HasPrefix(k, "dial: ") || strings.HasPrefix(k, "join: ") {
				refused[k] = n
			}
		}
		v := fmt.Sprintf("%d admitted of %d; refused %s; dropped %s",
			rep.Joins.Succeeded, rep.Joins.Attempted, keyedText(refused), countsText(rep.Disconnects))
		rows = append(rows, row{"admission", v})
	}
	sr := rep.SendRates
	if sr.Frames > 0 || overloaded || (sr.Lowest > 0 && sr.Lowest < sr.Welcome) {
		v := fmt.Sprintf("%d/s at welcome; lowest announced %d/s; mean %.1f/s at the window's end; %d rates frames (%d lowering)",
			sr.Welcome, sr.Lowest, sr.AtEnd, sr.Frames, sr.Lowering)
		if sm != nil {
			v += fmt.Sprintf("; server overloaded: %s, send level peak %g", yesNo(overloaded), sm.PeakSendLevel)
		}
		rows = append(rows, row{"send rate", v})
	}
	return rows
}

// keyedText is countsText of a plain map.
func keyedText(m map[string]int64) string {
	total := int64(0)
	for _, n := range m {
		total += n
	}
	return countsText(Counts{Total: total, ByKind: m})
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

// serverAnswersText lists the server's refusals, closes, rejected frames
// and error frames over the window, from its /metrics.
func serverAnswersText(sm *ServerMetrics) string {
	if sm == nil || len(sm.Answers) == 0 {
		return ""
	}
	keys := slices.Sorted(maps.Keys(sm.Answers))
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf("%s ×%s", k, fmtCount(sm.Answers[k]))
	}
	return strings.Join(parts, ", ")
}
