package loadtest

import (
	"fmt"
	"html"
	"html/template"
	"math"
	"strings"
)

// Charts are inline SVG drawn here, so the HTML report needs no script and
// no asset from anywhere.

// chart is one time-series chart over the run.
type chart struct {
	ID, Title, Unit string
	T               []float64 // x: seconds since the run began
	Lines           []line
	Window          [2]float64 // the measured window, shaded
}

// line is one series of a chart; a nil value is a gap.
type line struct {
	Key, Name, Color string
	Values           []*float64
}

const (
	chartW, chartH           = 760, 240
	padL, padR, padT, padB   = 60, 16, 30, 34
	plotW, plotH             = chartW - padL - padR, chartH - padT - padB
	yTicks                   = 4
	colorA, colorB, colorWin = "#1f6feb", "#d1242f", "#eaeef2"
)

// charts are the report's charts, from its series.
func charts(rep *Report) []chart {
	n := len(rep.Series)
	t := make([]float64, n)
	vals := func(f func(Sample) *float64) []*float64 {
		out := make([]*float64, n)
		for i, s := range rep.Series {
			out[i] = f(s)
		}
		return out
	}
	for i, s := range rep.Series {
		t[i] = s.T
	}
	win := [2]float64{rep.Window.Start, rep.Window.Start + rep.Window.Seconds}
	mk := func(id, title, unit string, lines ...line) chart {
		return chart{ID: id, Title: title, Unit: unit, T: t, Lines: lines, Window: win}
	}
	cpu := []line{
		{"server_cpu_percent", "server", colorA, vals(func(s Sample) *float64 { return s.ServerCPU })},
		{"tester_cpu_percent", "load tester", colorB, vals(func(s Sample) *float64 { return ptr(s.TesterCPU) })},
	}
	if rep.Tester.SharesProcess {
		// One process: the server's figure and the tester's are the same.
		cpu = []line{{"tester_cpu_percent", "server + tester", colorA, cpu[1].Values}}
	}
	charts := []chart{
		mk("clients", "Connected clients", "clients",
			line{"clients", "clients", colorA, vals(func(s Sample) *float64 { return ptr(float64(s.Clients)) })}),
		mk("latency", "Input-to-ack latency", "ms",
			line{"p50_ms", "p50", colorA, vals(func(s Sample) *float64 { return s.P50 })},
			line{"p99_ms", "p99", colorB, vals(func(s Sample) *float64 { return s.P99 })}),
		mk("updates", "State updates per client", "per second",
			line{"update_rate", "updates/s", colorA, vals(func(s Sample) *float64 { return ptr(s.UpdateRate) })},
			line{"send_rate", "send rate told", colorB, vals(func(s Sample) *float64 { return ptr(s.SendRate) })}),
		mk("bytes", "Bytes received per client", "bytes per second",
			line{"bytes_per_sec", "bytes/s", colorA, vals(func(s Sample) *float64 { return ptr(s.BytesPerSec) })}),
		mk("cpu", "CPU", "% of one core", cpu...),
	}
	if len(rep.Attacks) > 0 {
		var lines []line
		for i, a := range rep.Attacks {
			lines = append(lines, line{"attack_conns." + a.Name, a.Name, palette[i%len(palette)],
				vals(func(s Sample) *float64 {
					if n, ok := s.AttackConns[a.Name]; ok {
						return ptr(float64(n))
					}
					return nil
				})})
		}
		charts = append(charts, mk("attacks", "Attacker connections open", "connections", lines...))
	}
	return charts
}

// palette colours the lines of a chart with more than two.
var palette = []string{colorA, colorB, "#1a7f37", "#8250df", "#bf8700", "#0a7b83", "#cf222e", "#57606a"}

// svg draws the chart. Every polyline carries data-series (the JSON key it
// plots), so tests can match the drawing to the data.
func (c chart) svg() template.HTML {
	var b strings.Builder
	xMax := 1.0
	if n := len(c.T); n > 0 {
		xMax = max(c.T[n-1], c.Window[1], 1)
	}
	yMax := 0.0
	for _, l := range c.Lines {
		for _, v := range l.Values {
			if v != nil && *v > yMax {
				yMax = *v
			}
		}
	}
	yMax = niceCeil(yMax)
	x := func(t float64) float64 { return padL + t/xMax*plotW }
	y := func(v float64) float64 { return padT + plotH - v/yMax*plotH }

	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" id="chart-%s" class="chart" width="%d" height="%d" viewBox="0 0 %d %d" role="img" aria-label="%s">`,
		esc(c.ID), chartW, chartH, chartW, chartH, esc(c.Title))
	fmt.Fprintf(&b, `<text x="%d" y="18" class="title">%s <tspan class="unit">(%s)</tspan></text>`, padL, esc(c.Title), esc(c.Unit))
	if c.Window[1] > c.Window[0] {
		fmt.Fprintf(&b, `<rect class="window" x="%.1f" y="%d" width="%.1f" height="%d" fill="%s"><title>measured window</title></rect>`,
			x(c.Window[0]), padT, x(c.Window[1])-x(c.Window[0]), plotH, colorWin)
	}
	for i := 0; i <= yTicks; i++ {
		v := yMax * float64(i) / yTicks
		fmt.Fprintf(&b, `<line class="grid" x1="%d" x2="%d" y1="%.1f" y2="%.1f"/>`, padL, padL+plotW, y(v), y(v))
		fmt.Fprintf(&b, `<text class="tick" x="%d" y="%.1f" text-anchor="end">%s</text>`, padL-6, y(v)+4, esc(tickLabel(v)))
	}
	step := niceCeil(xMax / 8)
	for t := 0.0; t <= xMax+1e-9; t += step {
		fmt.Fprintf(&b, `<text class="tick" x="%.1f" y="%d" text-anchor="middle">%ss</text>`, x(t), padT+plotH+18, esc(tickLabel(t)))
	}
	fmt.Fprintf(&b, `<line class="axis" x1="%d" x2="%d" y1="%d" y2="%d"/>`, padL, padL+plotW, padT+plotH, padT+plotH)
	for li, l := range c.Lines {
		for _, seg := range segments(l.Values) {
			var pts strings.Builder
			for k, i := range seg {
				if k > 0 {
					pts.WriteByte(' ')
				}
				fmt.Fprintf(&pts, "%.1f,%.1f", x(c.T[i]), y(*l.Values[i]))
			}
			fmt.Fprintf(&b, `<polyline data-series="%s" fill="none" stroke="%s" stroke-width="1.8" points="%s"/>`, esc(l.Key), l.Color, pts.String())
			if len(seg) == 1 {
				i := seg[0]
				fmt.Fprintf(&b, `<circle cx="%.1f" cy="%.1f" r="2" fill="%s"/>`, x(c.T[i]), y(*l.Values[i]), l.Color)
			}
		}
		lx := padL + plotW - min(120, plotW/len(c.Lines))*(len(c.Lines)-li)
		fmt.Fprintf(&b, `<rect x="%d" y="9" width="12" height="3" fill="%s"/><text class="legend" x="%d" y="14">%s</text>`, lx, l.Color, lx+16, esc(l.Name))
	}
	b.WriteString(`</svg>`)
	return template.HTML(b.String())
}

// segments splits the indexes of the non-nil values into runs.
func segments(vals []*float64) [][]int {
	var out [][]int
	var cur []int
	for i, v := range vals {
		if v == nil {
			if len(cur) > 0 {
				out = append(out, cur)
			}
			cur = nil
			continue
		}
		cur = append(cur, i)
	}
	if len(cur) > 0 {
		out = append(out, cur)
	}
	return out
}

// niceCeil rounds v up to 1, 2 or 5 times a power of ten (1 for v ≤ 0).
func niceCeil(v float64) float64 {
	if !(v > 0) {
		return 1
	}
	p := math.Pow(10, math.Floor(math.Log10(v)))
	for _, m := range []float64{1, 2, 5, 10} {
		if v <= m*p*(1+1e-9) {
			return m * p
		}
	}
	return 10 * p
}

func tickLabel(v float64) string {
	switch {
	case v >= 1e6:
		return fmt.Sprintf("%gM", math.Round(v/1e5)/10)
	case v >= 1e4:
		return fmt.Sprintf("%gk", math.Round(v/100)/10)
	}
	return fmt.Sprintf("%g", math.Round(v*100)/100)
}

func esc(s string) string { return html.EscapeString(s) }
