package loadtest

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"math"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// The server's /metrics, scraped every second: process CPU and memory,
// sessions by transport and the tick-duration histogram. Only the few
// series the report uses are parsed, from the Prometheus text format.

const (
	metricCPU         = "process_cpu_seconds_total"
	metricRSS         = "process_resident_memory_bytes"
	metricSessions    = "tickroom_sessions"
	metricTick        = "tickroom_tick_duration_seconds_bucket"
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
// exposition.
func parseMetrics(r io.Reader) (metricsSample, error) {
	ms := metricsSample{cpu: math.NaN(), rss: math.NaN(), sessions: map[string]float64{}}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || line[0] == '#' {
			continue
		}
		name, labels, value, ok := parseSample(line)
		if !ok {
			continue
		}
		switch name {
		case metricCPU:
			ms.cpu = value
		case metricRSS:
			ms.rss = value
		case metricSessions:
			ms.sessions[labels["transport"]] = value
		case metricTick:
			le, err := strconv.ParseFloat(labels["le"], 64)
			if err == nil {
				ms.buckets = append(ms.buckets, bucket{le, value})
			}
		}
	}
	slices.SortFunc(ms.buckets, func(a, b bucket) int { return cmpFloat(a.le, b.le) })
	return ms, sc.Err()
}

func cmpFloat(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// parseSample splits `name{a="x",b="y"} value [timestamp]`.
func parseSample(line string) (name string, labels map[string]string, value float64, ok bool) {
	rest := line
	if i := strings.IndexAny(line, "{ "); i < 0 {
		return "", nil, 0, false
	} else if line[i] == '{' {
		name = line[:i]
		end := strings.LastIndexByte(line, '}')
		if end < i {
			return "", nil, 0, false
		}
		labels = parseLabels(line[i+1 : end])
		rest = line[end+1:]
	} else {
		name, rest = line[:i], line[i:]
	}
	fields := strings.Fields(rest)
	if len(fields) == 0 {
		return "", nil, 0, false
	}
	v, err := strconv.ParseFloat(fields[0], 64)
	return name, labels, v, err == nil
}

// parseLabels reads `a="x",b="y"`, with \" \\ and \n escapes in values.
func parseLabels(s string) map[string]string {
	out := map[string]string{}
	for s != "" {
		eq := strings.IndexByte(s, '=')
		if eq < 0 || eq+1 >= len(s) || s[eq+1] != '"' {
			return out
		}
		key := strings.TrimSpace(s[:eq])
		var val strings.Builder
		i := eq + 2
		for ; i < len(s) && s[i] != '"'; i++ {
			if s[i] == '\\' && i+1 < len(s) {
				i++
				if s[i] == 'n' {
					val.WriteByte('\n')
					continue
				}
			}
			val.WriteByte(s[i])
		}
		out[key] = val.String()
		s = strings.TrimLeft(s[min(i+1, len(s)):], ", ")
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
