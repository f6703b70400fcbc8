package loadtest

import (
	"context"
	"maps"
	"math"
	"time"
)

// The measured window's edges: what the clients count is switched on and off
// by run.measuring, and the server's metrics and this process's CPU are read
// just outside those edges, so that the window they measure encloses the
// clients'.

// window is what was captured at the edges of the measured window.
type window struct {
	start, end       time.Time
	cpuStart, cpuEnd time.Duration // this process
	mStart, mEnd     *metricsSample
	peakRSS          float64
	peakSessions     map[string]float64
	scrapes          int // successful scrapes in the window, edges included
	clientsAtStart   int
	sendRateAtEnd    float64 // the mean send rate the connected players were told
	peakGauges       map[string]float64
}

// beginWindow starts measuring: server metrics and this process's CPU are
// read first, so the window's edges enclose everything counted in it.
func (r *run) beginWindow(ctx context.Context) {
	ms, ok := r.scrapeEdge(ctx)
	r.mu.Lock()
	r.win.cpuStart = processCPU()
	if ok {
		r.win.mStart = &ms
		r.win.scrapes = 1
		r.win.peakRSS = ms.rss
		r.win.peakSessions = clonePositive(ms.sessions)
	}
	r.win.clientsAtStart = r.connected()
	if ok {
		r.win.peakGauges = maps.Clone(ms.gauges)
	}
	r.win.start = time.Now()
	r.mu.Unlock()
	r.setPhase(phaseMeasuring)
	r.measuring.Store(true)
}

func (r *run) endWindow() {
	r.measuring.Store(false)
	r.mu.Lock()
	r.win.end = time.Now()
	r.win.cpuEnd = processCPU()
	r.win.sendRateAtEnd = r.meanSendRate()
	r.windowDone = true
	r.mu.Unlock()
	// The server's edge comes last, so that its window encloses the clients'.
	ms, ok := r.scrapeEdge(context.Background())
	r.mu.Lock()
	if ok {
		r.win.mEnd = &ms
		r.notePeaks(ms)
	}
	r.mu.Unlock()
}

// scrape reads the server's metrics; the scraper is shared with the sampler.
func (r *run) scrape(ctx context.Context) (metricsSample, bool) {
	ctx, cancel := context.WithTimeout(ctx, scrapeTimeout)
	defer cancel()
	return r.scraper.scrape(ctx, scrapeTimeout)
}

// scrapeEdge reads the server's metrics at an edge of the window, allowing a
// loaded server more time. If it does not answer, the latest scrape of the
// last few seconds stands in: CPU is computed over the scrapes' own times,
// so the figure stays right for the interval it covers.
func (r *run) scrapeEdge(ctx context.Context) (metricsSample, bool) {
	ctx, cancel := context.WithTimeout(ctx, edgeScrapeTimeout)
	defer cancel()
	if ms, ok := r.scraper.scrape(ctx, edgeScrapeTimeout); ok {
		return ms, true
	}
	return r.scraper.latest(edgeScrapeTimeout)
}

// notePeaks records a scrape's memory and sessions if it falls inside the
// window; r.mu is held.
func (r *run) notePeaks(ms metricsSample) {
	if r.win.mStart == nil || !ms.at.After(r.win.mStart.at) {
		return
	}
	r.win.scrapes++
	if ms.rss > r.win.peakRSS || math.IsNaN(r.win.peakRSS) {
		r.win.peakRSS = ms.rss
	}
	if r.win.peakSessions == nil {
		r.win.peakSessions = map[string]float64{}
	}
	for tr, n := range ms.sessions {
		if n > r.win.peakSessions[tr] {
			r.win.peakSessions[tr] = n
		}
	}
	if r.win.peakGauges == nil {
		r.win.peakGauges = map[string]float64{}
	}
	for k, v := range ms.gauges {
		if old, ok := r.win.peakGauges[k]; !ok || v > old {
			r.win.peakGauges[k] = v
		}
	}
}

func clonePositive(m map[string]float64) map[string]float64 {
	out := map[string]float64{}
	for k, v := range m {
		if v > 0 {
			out[k] = v
		}
	}
	return out
}
