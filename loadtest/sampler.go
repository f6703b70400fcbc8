package loadtest

import (
	"context"
	"math"
	"time"

	"github.com/HdrHistogram/hdrhistogram-go"
)

// Sample is one second of the run, as the charts show it. Pointer fields are
// null when there was nothing to measure (no input acknowledged that second,
// no server metrics).
type Sample struct {
	T           float64  `json:"t"` // seconds since the run began
	Phase       string   `json:"phase"`
	Clients     int      `json:"clients"`       // connected
	P50         *float64 `json:"p50_ms"`        // input-to-ack latency of this second's acks
	P99         *float64 `json:"p99_ms"`        //
	UpdateRate  float64  `json:"update_rate"`   // states per connected client per second
	BytesPerSec float64  `json:"bytes_per_sec"` // per connected client
	ServerCPU   *float64 `json:"server_cpu_percent"`
	ServerRSS   *float64 `json:"server_rss_bytes"`
	TesterCPU   float64  `json:"tester_cpu_percent"` // this process, % of one core
	Errors      int64    `json:"errors"`             // so far
	// SendRate is the mean send rate the connected players were last told
	// (welcome, rates frames): an overloaded server lowers it.
	SendRate float64 `json:"send_rate"`
	// AttackConns are the attackers' open connections, by attack.
	AttackConns map[string]int64 `json:"attack_conns,omitempty"`
}

// samplerState is what the sampler carries from one second to the next.
type samplerState struct {
	recent, sofar *hdrhistogram.Histogram
	phase         string
	at            time.Time
	cpu           time.Duration
	states, bytes int64
	metrics       *metricsSample
	progress      progress
}

// sampleLoop takes a sample every second until ctx ends: it finds
// disconnected clients, turns counters into rates, reads the server's
// metrics and prints progress.
func (r *run) sampleLoop(ctx context.Context) {
	st := &samplerState{recent: newHistogram(), sofar: newHistogram(), at: time.Now(), cpu: processCPU()}
	st.states, st.bytes = r.totals()
	st.progress = progress{w: r.o.Progress, terminal: r.o.Terminal}
	t := time.NewTicker(time.Second)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			st.progress.end()
			return
		case <-t.C:
			r.sample(ctx, st)
		}
	}
}

func (r *run) sample(ctx context.Context, st *samplerState) {
	phase := r.currentPhase()
	connected := r.checkConnections()
	now, cpu := time.Now(), processCPU()
	dt := now.Sub(st.at).Seconds()
	states, bytes := r.totals()
	smp := Sample{
		T:           now.Sub(r.start).Seconds(),
		Phase:       phase,
		Clients:     connected,
		TesterCPU:   percentOfCore(cpu-st.cpu, now.Sub(st.at)),
		Errors:      r.errs.total.Load(),
		SendRate:    r.meanSendRate(),
		AttackConns: r.openAttackConns(),
	}
	if connected > 0 && dt > 0 {
		smp.UpdateRate = float64(states-st.states) / dt / float64(connected)
		smp.BytesPerSec = float64(bytes-st.bytes) / dt / float64(connected)
	}
	r.rec.takeRecent(st.recent)
	if st.recent.TotalCount() > 0 {
		smp.P50 = ptr(float64(st.recent.ValueAtQuantile(50)) / 1000)
		smp.P99 = ptr(float64(st.recent.ValueAtQuantile(99)) / 1000)
	}
	if phase != st.phase && phase == phaseMeasuring {
		st.sofar.Reset() // progress shows the window's p99 once it begins
	}
	st.sofar.Merge(st.recent)
	if ms, ok := r.scrape(ctx); ok {
		if last := st.metrics; last != nil && !math.IsNaN(ms.cpu) && !math.IsNaN(last.cpu) {
			smp.ServerCPU = ptr(percentOfCore(time.Duration((ms.cpu-last.cpu)*float64(time.Second)), ms.at.Sub(last.at)))
		}
		if !math.IsNaN(ms.rss) {
			smp.ServerRSS = ptr(ms.rss)
		}
		r.mu.Lock()
		if r.measuring.Load() && !r.windowDone {
			r.notePeaks(ms)
		}
		r.mu.Unlock()
		st.metrics = &ms
	}
	r.series = append(r.series, smp)
	st.phase, st.at, st.cpu, st.states, st.bytes = phase, now, cpu, states, bytes
	st.progress.print(r, smp, st.sofar)
}

// totals sums the states and bytes every client has received.
func (r *run) totals() (states, bytes int64) {
	for _, p := range r.players {
		states += p.states.Load()
		bytes += p.bytes.Load()
	}
	return states, bytes
}

func ptr(v float64) *float64 { return &v }
