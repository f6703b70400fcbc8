package loadtest

import (
	"cmp"
	"context"
	"fmt"
	"io"
	"math"
	"net/http"
	"slices"
	"sync"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/tickroom/tickroom/internal/metricname"
)

// The server's /metrics, scraped every second: process CPU and memory,
// sessions by transport and the tick-duration histogram, read from the
// Prometheus text format under the names in internal/metricname, which the
// server exports them by.

const (
	scrapeTimeout     = 800 * time.Millisecond // once a second
	edgeScrapeTimeout = 3 * time.Second        // at the window's edges
)

// metricsSample is one scrape. Missing series are NaN or empty.
type metricsSample struct {
	at       time.Time
	cpu      float64 // seconds
	rss      float64 // bytes
	sessions map[string]float64
	buckets  []bucket // tick durations, cumulative, by ascending le
	// answers are the server's refusals, closes, rejected frames and error
	// frames so far, by answerFamilies' prefix and label ("refused
	// overloaded_join"); gauges the gaugeNames series.
	answers map[string]float64
	gauges  map[string]float64
}

// answerFamilies are the counters of what the server answered clients it
// would not serve, by the label that tells them apart, with the prefix
// the report gives them.
var answerFamilies = []struct{ name, label, prefix string }{
	{metricname.Refused, metricname.LabelReason, "refused"},
	{metricname.ConnectionsClosed, metricname.LabelReason, "closed"},
	{metricname.FramesRejected, metricname.LabelReason, "rejected"},
	{metricname.ErrorFrames, metricname.LabelCode, "error frames"},
}

// gaugeNames are the gauges whose peaks over the window the report gives,
// by their names there.
var gaugeNames = map[string]string{
	metricname.Overloaded: "overloaded",
	metricname.SendLevel:  "send_level",
	metricname.Unjoined:   "unjoined",
	metricname.Rooms:      "rooms",
}

// bucket is one cumulative histogram bucket.
type bucket struct {
	le    float64 // upper bound in seconds; +Inf for the last
	count float64
}

// scraper fetches /metrics. After a 404 (metrics off) it stops trying, so a
// server without metrics costs one request; a scrape that fails otherwise
// (an overloaded server may not answer in time) is skipped. The sampler and
// Run share it.
type scraper struct {
	mu   sync.Mutex // one scrape at a time
	url  string
	hc   *http.Client
	off  bool
	last *metricsSample // the latest successful scrape
}

func newScraper(url string) *scraper {
	return &scraper{url: url, hc: &http.Client{}}
}

func (s *scraper) scrape(ctx context.Context, timeout time.Duration) (metricsSample, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.off || s.url == "" {
		return metricsSample{}, false
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	ms, err := s.fetch(ctx)
	if err != nil {
		return metricsSample{}, false
	}
	s.last = &ms
	return ms, true
}

// latest returns the latest successful scrape if it is younger than maxAge.
func (s *scraper) latest(maxAge time.Duration) (metricsSample, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.last == nil || time.Since(s.last.at) > maxAge {
		return metricsSample{}, false
	}
	return *s.last, true
}

func (s *scraper) fetch(ctx context.Context) (metricsSample, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, s.url, nil)
	if err != nil {
		return metricsSample{}, err
	}
	req.Header.Set("Accept", "text/plain;version=0.0.4")
	resp, err := s.hc.Do(req)
	if err != nil {
		return metricsSample{}, err
	}
	defer resp.Body.Close()
	if resp.StatusCode == http.StatusNotFound {
		s.off = true
	}
	if resp.StatusCode != http.StatusOK {
		return metricsSample{}, fmt.Errorf("GET %s: %s", s.url, resp.Status)
	}
	ms, err := parseMetrics(resp.Body)
	ms.at = time.Now()
	return ms, err
}

func (s *scraper) close() { s.hc.CloseIdleConnections() }

// parseMetrics reads the series the report needs from a Prometheus text
// exposition. A malformed exposition is an error, and the scraper skips it
// as it skips a timeout. Names are checked under UTF-8 validation, which
// accepts every legacy name too, so a series the report does not read cannot
// fail the scrape by its name alone.
func parseMetrics(r io.Reader) (metricsSample, error) {
	ms := metricsSample{cpu: math.NaN(), rss: math.NaN(), sessions: map[string]float64{},
		answers: map[string]float64{}, gauges: map[string]float64{}}
	p := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := p.TextToMetricFamilies(r)
	if err != nil {
		return ms, fmt.Errorf("parse metrics: %w", err)
	}
	ms.cpu = firstValue(fams[metricname.ProcessCPUSeconds])
	ms.rss = firstValue(fams[metricname.ProcessResidentMemory])
	for _, m := range fams[metricname.Sessions].GetMetric() {
		ms.sessions[labelValue(m, metricname.LabelTransport)] = sampleValue(m)
	}
	ms.buckets = histogramBuckets(fams[metricname.TickDuration])
	for _, f := range answerFamilies {
		for _, m := range fams[f.name].GetMetric() {
			if v := sampleValue(m); !math.IsNaN(v) {
				ms.answers[f.prefix+" "+labelValue(m, f.label)] += v
			}
		}
	}
	for name, as := range gaugeNames {
		if v := firstValue(fams[name]); !math.IsNaN(v) {
			ms.gauges[as] = v
		}
	}
	return ms, nil
}

// firstValue is the value of the family's first series, NaN if it has none.
func firstValue(mf *dto.MetricFamily) float64 {
	if len(mf.GetMetric()) == 0 {
		return math.NaN()
	}
	return sampleValue(mf.GetMetric()[0])
}

// sampleValue is a gauge's, counter's or untyped series' value (a series
// exported without a # TYPE line is untyped), NaN for other types.
func sampleValue(m *dto.Metric) float64 {
	switch {
	case m.GetGauge() != nil:
		return m.GetGauge().GetValue()
	case m.GetCounter() != nil:
		return m.GetCounter().GetValue()
	case m.GetUntyped() != nil:
		return m.GetUntyped().GetValue()
	}
	return math.NaN()
}

func labelValue(m *dto.Metric, name string) string {
	for _, l := range m.GetLabel() {
		if l.GetName() == name {
			return l.GetValue()
		}
	}
	return ""
}

// histogramBuckets returns the first series of a histogram family (one
// declared by its # TYPE line, as client_golang writes it) as cumulative
// buckets by ascending bound, ending with +Inf. The text format
// writes the +Inf bucket, but it is implied by the count, so one left out is
// added from it.
func histogramBuckets(mf *dto.MetricFamily) []bucket {
	if mf.GetType() != dto.MetricType_HISTOGRAM || len(mf.GetMetric()) == 0 {
		return nil
	}
	h := mf.GetMetric()[0].GetHistogram()
	var out []bucket
	for _, b := range h.GetBucket() {
		count := float64(b.GetCumulativeCount())
		if b.CumulativeCountFloat != nil { // a float histogram
			count = b.GetCumulativeCountFloat()
		}
		out = append(out, bucket{b.GetUpperBound(), count})
	}
	slices.SortFunc(out, func(a, b bucket) int { return cmp.Compare(a.le, b.le) })
	if len(out) == 0 || !math.IsInf(out[len(out)-1].le, 1) {
		count := float64(h.GetSampleCount())
		if h.SampleCountFloat != nil {
			count = h.GetSampleCountFloat()
		}
		out = append(out, bucket{math.Inf(1), count})
	}
	return out
}

// bucketQuantile estimates quantile q (0–1) of a cumulative histogram the
// way Prometheus' histogram_quantile does: find the bucket the rank falls in
// and interpolate linearly inside it. A rank in the +Inf bucket returns the
// largest finite bound. It returns NaN for an empty histogram.
func bucketQuantile(q float64, bs []bucket) float64 {
	if len(bs) == 0 || bs[len(bs)-1].count <= 0 {
		return math.NaN()
	}
	rank := q * bs[len(bs)-1].count
	lower, prev := 0.0, 0.0
	for i, b := range bs {
		if b.count >= rank && b.count > prev {
			if math.IsInf(b.le, 1) {
				if i == 0 {
					return math.NaN()
				}
				return bs[i-1].le
			}
			return lower + (b.le-lower)*(rank-prev)/(b.count-prev)
		}
		lower, prev = b.le, b.count
	}
	return lower
}

// bucketDelta is end minus start, bucket by bucket (the window's histogram);
// a start from another bucket layout counts as empty.
func bucketDelta(start, end []bucket) []bucket {
	out := slices.Clone(end)
	if len(start) != len(end) {
		return out
	}
	for i := range out {
		if start[i].le == out[i].le {
			out[i].count -= start[i].count
		}
	}
	return out
}
