package loadtest

import (
	"fmt"
	"io"
	"math"
	"strings"
	"time"

	"github.com/HdrHistogram/hdrhistogram-go"
)

// plainEvery is how many samples apart plain progress lines are printed
// when the output is not a terminal.
const plainEvery = 5

// progress prints one status line per second on a terminal (rewritten in
// place with \r) or a plain line every few seconds otherwise.
type progress struct {
	w        io.Writer
	terminal bool
	n        int
	width    int // of the last terminal line, to blank it out
}

func (p *progress) print(r *run, smp Sample, sofar *hdrhistogram.Histogram) {
	if p.w == nil {
		return
	}
	p.n++
	if !p.terminal && p.n%plainEvery != 0 {
		return
	}
	phase := smp.Phase
	if phase == phaseMeasuring {
		r.mu.Lock()
		elapsed := time.Since(r.win.start).Round(time.Second)
		r.mu.Unlock()
		phase = fmt.Sprintf("measuring %v/%v", elapsed, r.s.Duration.Duration)
	}
	p99 := "-"
	if sofar.TotalCount() > 0 {
		p99 = fmtMs(float64(sofar.ValueAtQuantile(99)) / 1000)
	}
	line := fmt.Sprintf("[%s] clients %d/%d  updates/s %.0f  p99 %s  errors %d",
		phase, smp.Clients, len(r.players), smp.UpdateRate*float64(smp.Clients), p99, smp.Errors)
	if !p.terminal {
		fmt.Fprintf(p.w, "%6.1fs %s\n", smp.T, line)
		return
	}
	pad := max(p.width-len(line), 0)
	p.width = len(line)
	fmt.Fprintf(p.w, "\r%s%s", line, strings.Repeat(" ", pad))
}

// end finishes a terminal progress line.
func (p *progress) end() {
	if p.w != nil && p.terminal && p.width > 0 {
		fmt.Fprintln(p.w)
	}
}

// fmtMs formats milliseconds with sensible precision.
func fmtMs(ms float64) string {
	switch {
	case math.IsNaN(ms):
		return "-"
	case ms < 1:
		return fmt.Sprintf("%.0fµs", ms*1000)
	case ms < 10:
		return fmt.Sprintf("%.2fms", ms)
	case ms < 100:
		return fmt.Sprintf("%.1fms", ms)
	}
	return fmt.Sprintf("%.0fms", ms)
}
