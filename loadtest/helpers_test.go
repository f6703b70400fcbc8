package loadtest

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"go.uber.org/goleak"

	"github.com/tickroom/tickroom/actors"
	"github.com/tickroom/tickroom/games/arena"
	"github.com/tickroom/tickroom/games/tag"
	"github.com/tickroom/tickroom/internal/metricname"
	"github.com/tickroom/tickroom/transports"
	"github.com/tickroom/tickroom/world"
)

// TestMain fails the package if a run leaves a goroutine behind: every
// client, scheduler, sampler and worker has an owner that waits for it.
func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// testServer is a real server (actors.Hub behind a transports.Server) on
// 127.0.0.1:0, with a /metrics endpoint serving the series the load tester
// reads, under the names the server exports (internal/metricname).
type testServer struct {
	hub *actors.Hub
	srv *transports.Server
	url string
}

func startServer(t *testing.T, roomSize int) *testServer {
	t.Helper()
	return startServerRoom(t, actors.RoomOptions{MaxPlayers: roomSize})
}

// startServerRoom starts a test server whose rooms have room's options,
// at 20 Hz, serving the arena (the default) and tag, whose chat messages
// come back to the room as events.
func startServerRoom(t *testing.T, room actors.RoomOptions) *testServer {
	t.Helper()
	return startServerWith(t, serverOptions{room: room})
}

// serverOptions change a test server from the defaults.
type serverOptions struct {
	room      actors.RoomOptions
	limits    actors.LimitOptions
	transport transports.Options
}

// startServerWith starts a test server as startServerRoom does, with o's
// options for its rooms, limits and transports.
func startServerWith(t *testing.T, o serverOptions) *testServer {
	t.Helper()
	room := o.room
	log := slog.New(slog.DiscardHandler)
	reg := prometheus.NewRegistry()
	ticks := prometheus.NewHistogram(prometheus.HistogramOpts{
		Name:    metricname.TickDuration,
		Help:    "Wall time of one room tick.",
		Buckets: prometheus.ExponentialBuckets(10e-6, 2, 15),
	})
	reg.MustRegister(ticks, collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	room.TickRate, room.SendRate = 20, 20
	hub, err := actors.NewHub(actors.Options{
		Modes: map[string]actors.Mode{
			"arena": {NewGame: func() world.Game { return arena.New() }},
			"tag":   {NewGame: func() world.Game { return tag.New() }},
		},
		DefaultMode: "arena",
		Logger:      log,
		Room:        room,
		Limits:      o.limits,
		Observer:    tickObserver{ticks},
	})
	if err != nil {
		t.Fatal(err)
	}
	reg.MustRegister(sessionsCollector{hub})
	to := o.transport
	to.Logger = log
	srv := transports.NewServer(to, hub)
	srv.Handle("/metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
	if err := srv.Open("127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	s := &testServer{hub: hub, srv: srv, url: srv.HTTPURL()}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = srv.Close(ctx)
		_ = hub.Shutdown(ctx)
	})
	return s
}

type tickObserver struct{ h prometheus.Histogram }

func (o tickObserver) TickDuration(d time.Duration) { o.h.Observe(d.Seconds()) }

var descSessions = prometheus.NewDesc(metricname.Sessions, "Connected sessions by transport.", []string{metricname.LabelTransport}, nil)

type sessionsCollector struct{ hub *actors.Hub }

func (sessionsCollector) Describe(ch chan<- *prometheus.Desc) { ch <- descSessions }

func (c sessionsCollector) Collect(ch chan<- prometheus.Metric) {
	for tr, n := range c.hub.SessionsByTransport() {
		ch <- prometheus.MustNewConstMetric(descSessions, prometheus.GaugeValue, float64(n), tr)
	}
}

// shortScenario is a small, quick run against url.
func shortScenario(url string, clients, roomSize int, d time.Duration) Scenario {
	s := DefaultScenario()
	s.URL = url
	s.Clients = clients
	s.RoomSize = roomSize
	s.Duration = Duration{d}
	s.Warmup = Duration{500 * time.Millisecond}
	return s
}

func runScenario(t *testing.T, s Scenario, o Options) *Report {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	rep, err := Run(ctx, s, o)
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

// near reports whether got is within tol (relative) of want.
func near(got, want, tol float64) bool {
	if want == 0 {
		return got == 0
	}
	d := (got - want) / want
	return d <= tol && d >= -tol
}
