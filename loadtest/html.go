package loadtest

import (
	"cmp"
	"encoding/json"
	"fmt"
	"html/template"
	"io"
	"maps"
	"math"
	"slices"
	"strconv"
)

// WriteHTML writes the report as one self-contained page: the summary,
// inline SVG charts and tables, with no script and nothing fetched from the
// network. The report (without the per-client records) is embedded as JSON
// in <script type="application/json" id="tickroom-data">, for tests and for
// anyone who wants the numbers behind the charts. The page is well-formed
// XML as well as HTML.
func WriteHTML(w io.Writer, rep *Report) error {
	data := *rep
	data.Clients = nil
	js, err := json.Marshal(data) // escapes <, > and &, so it cannot end the script
	if err != nil {
		return err
	}
	v := htmlView{
		Report:   rep,
		Title:    fmt.Sprintf("Tickroom load test: %d clients, %s", rep.Scenario.Clients, rep.Started.Format("2006-01-02 15:04 UTC")),
		Rows:     summaryRows(rep),
		Data:     template.JS(js),
		Slowest:  slowest(rep.Clients, 10),
		Errors:   sortedCounts(rep.Errors.ByKind),
		Discs:    sortedCounts(rep.Disconnects.ByKind),
		Failed:   rep.FailedGates(),
		Quantile: []namedQuantiles{{"input-to-ack latency", rep.Latency}, {"join time", rep.Joins.Time}, {"state arrival gap", rep.Gaps.Arrival}},
	}
	if rep.Drops.ResumeTime.Count > 0 {
		v.Quantile = append(v.Quantile, namedQuantiles{"resume time (drop to first state)", rep.Drops.ResumeTime})
	}
	for _, c := range charts(rep) {
		v.Charts = append(v.Charts, c.svg())
	}
	return page.Execute(w, v)
}

type htmlView struct {
	*Report
	Title    string
	Rows     []row
	Charts   []template.HTML
	Data     template.JS
	Slowest  []ClientRecord
	Errors   []kv
	Discs    []kv
	Failed   []string
	Quantile []namedQuantiles
}

type namedQuantiles struct {
	Name string
	Q    Quantiles
}

type kv struct {
	Key   string
	Count int64
}

func sortedCounts(m map[string]int64) []kv {
	var out []kv
	for _, k := range slices.Sorted(maps.Keys(m)) {
		out = append(out, kv{k, m[k]})
	}
	return out
}

// slowest returns the n joined clients with the lowest update rates.
func slowest(cs []ClientRecord, n int) []ClientRecord {
	var joined []ClientRecord
	for _, c := range cs {
		if c.Joined {
			joined = append(joined, c)
		}
	}
	slices.SortStableFunc(joined, func(a, b ClientRecord) int { return cmp.Compare(a.UpdateRate, b.UpdateRate) })
	return joined[:min(n, len(joined))]
}

var page = template.Must(template.New("report").Funcs(template.FuncMap{
	"ms":    fmtMs,
	"bytes": fmtBytes,
	"f2":    func(v float64) string { return fmt.Sprintf("%.2f", v) },
	"leMs": func(le string) string {
		v, err := strconv.ParseFloat(le, 64)
		if err != nil || math.IsInf(v, 1) {
			return le
		}
		return fmtMs(v * 1000)
	},
}).Parse(pageTemplate))

const pageTemplate = `<!DOCTYPE html>
<html lang="en" xmlns="http://www.w3.org/1999/xhtml">
<head>
<meta charset="utf-8"/>
<meta name="viewport" content="width=device-width, initial-scale=1"/>
<title>{{.Title}}</title>
<style>
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color: #1f2328; margin: 2em auto; max-width: 64em; padding: 0 1em; }
h1 { font-size: 1.5em; margin-bottom: 0.2em; }
h2 { font-size: 1.15em; margin-top: 2em; border-bottom: 1px solid #d0d7de; }
.sub { color: #59636e; margin-top: 0; }
.verdict { font-weight: 600; padding: 0.6em 1em; border-radius: 6px; }
.pass { background: #dafbe1; color: #116329; }
.fail { background: #ffebe9; color: #a40e26; }
.warn { background: #fff8c5; padding: 0.4em 1em; border-radius: 6px; }
table { border-collapse: collapse; margin: 0.5em 0; }
th, td { text-align: left; padding: 0.25em 0.9em 0.25em 0; vertical-align: top; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
tbody tr { border-top: 1px solid #eaeef2; }
.chart { display: block; margin: 0.8em 0; }
.chart .title { font-weight: 600; font-size: 13px; }
.chart .unit, .chart .tick, .chart .legend { font-size: 11px; fill: #59636e; }
.chart .grid { stroke: #eaeef2; }
.chart .axis { stroke: #8c959f; }
</style>
</head>
<body>
<h1>Tickroom load test</h1>
<p class="sub">{{.Target}}{{if .Embedded}} (embedded server){{end}}, started {{.Started.Format "2006-01-02 15:04:05 UTC"}}</p>
{{if .Passed}}<p class="verdict pass">PASS{{if not .Gates}} (no gates set){{end}}</p>{{else}}<p class="verdict fail">FAIL: {{range $i, $f := .Failed}}{{if $i}}; {{end}}{{$f}}{{end}}</p>{{end}}
{{range .Warnings}}<p class="warn">{{.}}</p>
{{end}}
<h2>Summary</h2>
<table id="summary"><tbody>
{{range .Rows}}<tr><th>{{.Label}}</th><td>{{.Value}}</td></tr>
{{end}}</tbody></table>

<h2>Over time</h2>
<p class="sub">One point per second; the shaded band is the measured window.</p>
{{range .Charts}}{{.}}
{{end}}
<h2>Distributions (measured window)</h2>
<table id="quantiles"><thead><tr><th></th><th class="num">count</th><th class="num">mean</th><th class="num">p50</th><th class="num">p90</th><th class="num">p99</th><th class="num">p99.9</th><th class="num">max</th></tr></thead><tbody>
{{range .Quantile}}<tr><th>{{.Name}}</th><td class="num">{{.Q.Count}}</td><td class="num">{{ms .Q.Mean}}</td><td class="num">{{ms .Q.P50}}</td><td class="num">{{ms .Q.P90}}</td><td class="num">{{ms .Q.P99}}</td><td class="num">{{ms .Q.P999}}</td><td class="num">{{ms .Q.Max}}</td></tr>
{{end}}</tbody></table>

<h2>Transports</h2>
<table id="transports"><thead><tr><th>transport</th><th class="num">clients</th><th class="num">joined</th><th class="num">updates/s per client</th><th class="num">bytes/s per client</th><th class="num">disconnects</th><th class="num">peak server sessions</th></tr></thead><tbody>
{{range .Transports}}<tr><th>{{.Name}}</th><td class="num">{{.Clients}}</td><td class="num">{{.Joined}}</td><td class="num">{{f2 .UpdateRate}}</td><td class="num">{{bytes .BytesPerSec}}</td><td class="num">{{.Disconnects}}</td><td class="num">{{.PeakServer}}</td></tr>
{{end}}</tbody></table>

<h2>Errors and disconnects</h2>
{{if or .Errors .Discs}}<table id="errors"><thead><tr><th>kind</th><th class="num">count</th></tr></thead><tbody>
{{range .Errors}}<tr><td>{{.Key}}</td><td class="num">{{.Count}}</td></tr>
{{end}}{{range .Discs}}<tr><td>disconnect by code: {{.Key}}</td><td class="num">{{.Count}}</td></tr>
{{end}}</tbody></table>{{else}}<p>None.</p>{{end}}

<h2>Server</h2>
{{with .ServerMetrics}}<p>CPU {{printf "%.1f" .CPUPercent}}% of one core ({{printf "%.2f" .CPUSeconds}} s), peak resident memory {{bytes .PeakRSSBytes}}. Tick time p50 ≈ {{ms .Tick.P50}}, p99 ≈ {{ms .Tick.P99}} over {{.Tick.Count}} ticks (interpolated within buckets).</p>
<table id="ticks"><thead><tr><th class="num">tick took at most</th><th class="num">ticks</th></tr></thead><tbody>
{{range .Tick.Buckets}}<tr><td class="num">{{leMs .Le}}</td><td class="num">{{.Count}}</td></tr>
{{end}}</tbody></table>{{else}}<p>The server exposes no /metrics.</p>{{end}}

<h2>Load tester</h2>
<p>CPU {{printf "%.1f" .Tester.CPUPercent}}% of one core ({{printf "%.2f" .Tester.CPUSeconds}} s) with {{.Tester.Schedulers}} input schedulers, GOMAXPROCS {{.Tester.GOMAXPROCS}}{{if .Tester.SharesProcess}}; this includes the embedded server, which runs in the same process{{end}}.</p>

<h2>Gates</h2>
{{if .Gates}}<table id="gates"><thead><tr><th>gate</th><th>limit</th><th>measured</th><th>result</th></tr></thead><tbody>
{{range .Gates}}<tr><th>{{.Name}}</th><td>{{.Limit}}</td><td>{{.Value}}</td><td>{{if .Pass}}pass{{else}}FAIL{{end}}</td></tr>
{{end}}</tbody></table>{{else}}<p>No gates set.</p>{{end}}

<h2>Slowest clients</h2>
<table id="slowest"><thead><tr><th class="num">client</th><th>transport</th><th>room</th><th class="num">updates/s</th><th class="num">bytes/s</th><th class="num">inputs acked</th><th class="num">sends skipped</th><th class="num">reconnects</th><th class="num">disconnects</th></tr></thead><tbody>
{{range .Slowest}}<tr><td class="num">{{.ID}}</td><td>{{.Transport}}</td><td>{{.Room}}</td><td class="num">{{f2 .UpdateRate}}</td><td class="num">{{bytes .BytesPerSec}}</td><td class="num">{{.Acks}}</td><td class="num">{{.Skipped}}</td><td class="num">{{.Reconnects}}</td><td class="num">{{.Disconnects}}</td></tr>
{{end}}</tbody></table>
<p class="sub">Every client is in report.json.</p>

<script type="application/json" id="tickroom-data">{{.Data}}</script>
</body>
</html>
`
