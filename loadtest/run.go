package loadtest

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"time"

	"github.com/HdrHistogram/hdrhistogram-go"
	"github.com/tickroom/tickroom/client"
	"github.com/tickroom/tickroom/netcode"
)

// Options connect a run to its surroundings.
type Options struct {
	// Progress receives the progress line; nil prints none.
	Progress io.Writer
	// Terminal makes the progress one line rewritten in place every second
	// instead of a plain line every few seconds.
	Terminal bool
	// Embedded says the target is a server in this process, so the process
	// CPU the report calls the tester's includes the server's.
	Embedded bool
	// ExemptAddrs are the addresses the server exempts from its
	// per-address limits, when the run knows them (an embedded server):
	// the report says so.
	ExemptAddrs []string

	// observe, when set, sees every frame every client receives, after the
	// run has counted it: tests count on their own with it.
	observe func(client int, c *client.Client, m netcode.Frame, measuring bool)
}

// Phases of a run, for the progress line and the time series.
const (
	phaseJoining   = "joining"
	phaseWarmup    = "warmup"
	phaseMeasuring = "measuring"
	phaseStopping  = "stopping"
)

// run is the state of one Run.
type run struct {
	s     Scenario
	o     Options
	url   string
	urls  []string // url split: the nodes the players take in turn
	start time.Time

	players       []*player
	inputInterval int64 // ns between a client's inputs
	history       int   // states each client keeps as baselines
	rec           *recorder
	measuring     atomic.Bool
	phase         atomic.Pointer[string]

	errs         keyedCounter // everything that counts against -max-errors
	disconnects  keyedCounter // by close code
	untimed      atomic.Int64 // acks of inputs whose due time was overwritten
	joinAttempts atomic.Int64
	dropped      atomic.Int64 // connections the drop fault cut
	rejoined     atomic.Int64 // drops clients came back from
	resumes      *resumeStats
	events       eventStats
	rates        rateStats

	joinMu   sync.Mutex
	joinHist *hdrhistogram.Histogram

	deadMu sync.Mutex
	dead   []*session // ended by the server or network, not yet closed

	infoMu sync.Mutex
	info   ServerInfo

	scraper *scraper

	attacksMu  sync.Mutex
	attacks    []*attackStats // the run's attacks, once started
	attacksEnd time.Time      // when they were told to stop

	// The measured window's edges and peaks: written by Run at the edges and
	// by the sampler in between, under mu.
	mu         sync.Mutex
	win        window
	windowDone bool

	series []Sample // the sampler's, read once it has stopped
}

// Run runs the scenario against s.URL (which must be set: the command
// starts an embedded server when the scenario has none) and returns what
// it measured. It stops by itself after the join ramp, the warmup and the
// measured window, or earlier when ctx ends, and reports either way;
// errors are only for runs that could not start.
func Run(ctx context.Context, s Scenario, o Options) (*Report, error) {
	if err := s.Validate(); err != nil {
		return nil, err
	}
	if s.URL == "" {
		return nil, errors.New("loadtest: no target URL")
	}
	r := newRun(s, o)

	// Hard bound on the whole run, whatever happens to the server.
	ramp := time.Duration(float64(s.Clients) / s.JoinRate * float64(time.Second))
	bound := ramp + dialTimeout + s.Warmup.Duration + s.Duration.Duration + time.Minute
	ctx, cancel := context.WithTimeout(ctx, bound)
	defer cancel()

	// The sampler and the schedulers run until the window closes, not until
	// ctx ends, so that an interrupted run still samples its last second.
	bg, stopBg := context.WithCancel(context.Background())
	var bgWG sync.WaitGroup
	bgWG.Go(func() { r.sampleLoop(bg) })
	if s.InputRate > 0 {
		for _, sc := range r.schedulers() {
			bgWG.Go(func() { sc.run(bg) })
		}
	}

	r.setPhase(phaseJoining)
	r.joinAll(ctx)
	if ctx.Err() == nil && s.Warmup.Duration > 0 {
		r.setPhase(phaseWarmup)
		sleep(ctx, s.Warmup.Duration)
	}

	r.beginWindow(ctx)
	dropCtx, stopDrops := context.WithCancel(ctx)
	var dropWG sync.WaitGroup
	if s.DropPercent > 0 && ctx.Err() == nil {
		dropWG.Go(func() { r.dropLoop(dropCtx, ctx) })
	}
	if s.EventsRate > 0 && ctx.Err() == nil {
		dropWG.Go(func() { r.chatLoop(dropCtx) })
	}
	stopAttacks := r.startAttacks(ctx)
	sleep(ctx, s.Duration.Duration)
	interrupted := ctx.Err() != nil
	r.endWindow()
	r.setPhase(phaseStopping)
	stopDrops()
	dropWG.Wait()
	stopAttacks()
	r.settleEvents(ctx, eventSettle)
	stopBg()
	bgWG.Wait()

	r.checkConnections()
	rep := r.report(interrupted)
	r.closeAll()
	r.scraper.close()
	return rep, nil
}

func newRun(s Scenario, o Options) *run {
	r := &run{
		s: s, o: o, url: s.URL, urls: s.urls(), start: time.Now(),
		rec:      newRecorder(),
		joinHist: newHistogram(),
		resumes:  newResumeStats(),
		scraper:  newScraper(metricsURL(s.urls()[0])),
	}
	if s.InputRate > 0 {
		r.inputInterval = int64(float64(time.Second) / s.InputRate)
	}
	r.history = historyFor(s)
	mix := s.Mix.assign(s.Clients)
	slow := pick(s.Clients, s.SlowPercent)
	tag := fmt.Sprintf("lt%04x", rand.Uint32()&0xffff) // rooms of earlier runs may still linger
	r.players = make([]*player, s.Clients)
	var rooms *roomInfo
	for i := range r.players {
		if i%s.RoomSize == 0 {
			rooms = new(roomInfo)
		}
		r.players[i] = &player{
			id:        i,
			transport: mix[i],
			room:      fmt.Sprintf("%s-%d", tag, i/s.RoomSize),
			rooms:     rooms,
			slow:      slow[i],
		}
		if s.EventsRate > 0 {
			r.players[i].chats = newChatLedger(s)
		}
	}
	return r
}

// urlFor is the URL player p dials: the rooms take the scenario's URLs in
// turn (Scenario.URL), every player of a room the same, so that each node
// of a cluster gets its share and, placing rooms where their players
// connect (cluster.placement = "local"), plays them on its own.
func (r *run) urlFor(p *player) string { return r.urls[p.id/r.s.RoomSize%len(r.urls)] }

// eventSettle bounds the wait, after the window, for the chats still on
// their way to arrive before the run judges which were lost.
const eventSettle = 3 * time.Second

// historyFor is how many states each client keeps as possible baselines.
// A diff's baseline is the tick the client last acknowledged, a few sends
// back when inputs carry the acks; the input delay fault pushes it further
// (counted here at up to 60 sends a second). The client's default of 64 is
// far more than that and is most of a client's memory and GC work.
func historyFor(s Scenario) int {
	delay := (s.Latency.Duration + s.Jitter.Duration).Seconds()
	return min(minHistory+int(delay*60+0.5), 1024)
}

// minHistory is the states a client keeps with no input delay: 1.6 s at
// 20 Hz, enough for an overloaded server's late acks; half the client's
// default memory.
const minHistory = 32

// pick marks percent of n items, spread evenly.
func pick(n int, percent float64) []bool {
	out := make([]bool, n)
	want := int(float64(n)*percent/100 + 0.5)
	for k := range want {
		out[k*n/want] = true
	}
	return out
}

func (r *run) schedulers() []*scheduler {
	n := schedulerCount()
	scs := make([]*scheduler, n)
	for i := range scs {
		scs[i] = &scheduler{r: r, rng: rand.New(rand.NewPCG(uint64(i), uint64(time.Now().UnixNano())))}
	}
	for i, p := range r.players {
		sc := scs[i%n]
		sc.players = append(sc.players, p)
	}
	return scs
}

// now is the time since the run began, in ns, from the monotonic clock.
func (r *run) now() int64 { return int64(time.Since(r.start)) }

func (r *run) setPhase(p string) { r.phase.Store(&p) }

func (r *run) currentPhase() string {
	if p := r.phase.Load(); p != nil {
		return *p
	}
	return phaseJoining
}

// sleep waits for d or until ctx ends.
func sleep(ctx context.Context, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-t.C:
	}
}
