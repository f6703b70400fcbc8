// Package metricname holds the names of the Prometheus series the server
// exports at /metrics and the load tester reads back, so the two cannot
// drift apart: a renamed series breaks the build, not a report.
//
// It is a leaf: string constants only, importing nothing, so the server
// package and loadtest can both use it without loadtest depending on the
// server (or the server on loadtest).
package metricname
