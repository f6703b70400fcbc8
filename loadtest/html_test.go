package loadtest

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

// The HTML report is well-formed (strict XML), self-contained, and its
// charts draw exactly the data of the JSON report, which is also embedded
// in the page.
func TestHTMLReport(t *testing.T) {
	srv := startServer(t, 4)
	rep := runScenario(t, shortScenario(srv.url, 4, 4, 2*time.Second), Options{})
	dir := t.TempDir()
	if err := WriteFiles(dir, rep); err != nil {
		t.Fatal(err)
	}
	page, err := os.ReadFile(filepath.Join(dir, "report.html"))
	if err != nil {
		t.Fatal(err)
	}
	js, err := os.ReadFile(filepath.Join(dir, "report.json"))
	if err != nil {
		t.Fatal(err)
	}
	var fromJSON struct{ Series []map[string]any }
	if err := json.Unmarshal(js, &fromJSON); err != nil {
		t.Fatal(err)
	}

	doc := parseXHTML(t, page)
	if len(doc.scripts) != 1 || doc.scripts[0].id != "tickroom-data" || doc.scripts[0].typ != "application/json" {
		t.Fatalf("scripts = %+v, want only the data block", doc.scripts)
	}
	for _, ref := range doc.refs {
		if strings.Contains(ref, "//") {
			t.Errorf("the page refers to %q: it must be self-contained", ref)
		}
	}
	var embedded struct {
		Series  []map[string]any
		Clients []any
		Passed  *bool
	}
	if err := json.Unmarshal([]byte(doc.scripts[0].text), &embedded); err != nil {
		t.Fatalf("embedded data: %v", err)
	}
	if !reflect.DeepEqual(embedded.Series, fromJSON.Series) || len(embedded.Series) == 0 {
		t.Errorf("embedded series differ from report.json's:\n%v\n%v", embedded.Series, fromJSON.Series)
	}
	if embedded.Passed == nil || embedded.Clients != nil {
		t.Errorf("embedded data: passed %v, clients %v; want the report without client records", embedded.Passed, embedded.Clients)
	}

	wantCharts := []string{"chart-clients", "chart-latency", "chart-updates", "chart-bytes", "chart-cpu"}
	if !reflect.DeepEqual(doc.svgs, wantCharts) {
		t.Errorf("charts = %v, want %v", doc.svgs, wantCharts)
	}
	// Every series is drawn with one point per sample that has a value.
	for _, key := range []string{"clients", "p50_ms", "p99_ms", "update_rate", "send_rate", "bytes_per_sec", "server_cpu_percent", "tester_cpu_percent"} {
		want := 0
		for _, s := range fromJSON.Series {
			if s[key] != nil {
				want++
			}
		}
		if got := doc.points[key]; got != want {
			t.Errorf("series %s: %d points drawn, %d values in report.json", key, got, want)
		}
		if want == 0 && key != "p50_ms" && key != "p99_ms" {
			t.Errorf("series %s has no values", key)
		}
	}
	// The y of each drawn clients point is the sample's value on the chart's scale.
	if doc.points["clients"] > 0 && doc.firstY["clients"] >= doc.firstY["baseline"] {
		t.Errorf("clients line drawn at the baseline although clients were connected")
	}
}

// xhtml is what the test reads from the page.
type xhtml struct {
	scripts []script
	svgs    []string       // ids, in order
	points  map[string]int // polyline points by data-series
	firstY  map[string]float64
	refs    []string // src and href attributes
}

type script struct{ id, typ, text string }

func parseXHTML(t *testing.T, page []byte) xhtml {
	t.Helper()
	doc := xhtml{points: map[string]int{}, firstY: map[string]float64{"baseline": padT + plotH}}
	d := xml.NewDecoder(bytes.NewReader(page))
	d.Strict = true
	var cur *script
	for {
		tok, err := d.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("report.html is not well-formed: %v", err)
		}
		switch el := tok.(type) {
		case xml.StartElement:
			attr := map[string]string{}
			for _, a := range el.Attr {
				attr[a.Name.Local] = a.Value
			}
			for _, k := range []string{"src", "href"} {
				if v, ok := attr[k]; ok {
					doc.refs = append(doc.refs, v)
				}
			}
			switch el.Name.Local {
			case "script":
				doc.scripts = append(doc.scripts, script{id: attr["id"], typ: attr["type"]})
				cur = &doc.scripts[len(doc.scripts)-1]
			case "svg":
				doc.svgs = append(doc.svgs, attr["id"])
			case "polyline":
				pts := strings.Fields(attr["points"])
				key := attr["data-series"]
				if _, ok := doc.firstY[key]; !ok && len(pts) > 0 {
					var x, y float64
					if _, err := fmtSscan(pts[0], &x, &y); err == nil {
						doc.firstY[key] = y
					}
				}
				doc.points[key] += len(pts)
			}
		case xml.CharData:
			if cur != nil {
				cur.text += string(el)
			}
		case xml.EndElement:
			if el.Name.Local == "script" {
				cur = nil
			}
		}
	}
	return doc
}

func fmtSscan(pt string, x, y *float64) (int, error) {
	return fmt.Sscanf(pt, "%f,%f", x, y)
}
