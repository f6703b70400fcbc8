package client

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"maps"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tickroom/tickroom/transports"
	"github.com/tickroom/tickroom/transports/httpwire"
	"github.com/tickroom/tickroom/world"
)

// postRecorder is an uplink endpoint that takes every POST and tells the
// test its batch number and frames.
type postRecorder struct {
	srv   *httptest.Server
	posts chan string // "K:frame,frame"
}

func newPostRecorder(t *testing.T) *postRecorder {
	p := &postRecorder{posts: make(chan string, 64)}
	p.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		frames, _, err := httpwire.ParseUplink(body, 1<<20, nil)
		if err != nil {
			t.Errorf("POST body %x: %v", body, err)
		}
		var fs []string
		for _, f := range frames {
			fs = append(fs, string(f))
		}
		p.posts <- r.URL.Query().Get(httpwire.ParamSeq) + ":" + strings.Join(fs, ",")
		w.WriteHeader(http.StatusNoContent)
	}))
	t.Cleanup(p.srv.Close)
	return p
}

// next waits for the next POST.
func (p *postRecorder) next(t *testing.T) string {
	t.Helper()
	select {
	case s := <-p.posts:
		return s
	case <-time.After(10 * time.Second):
		t.Fatal("no POST")
		return ""
	}
}

// none checks that nothing has been posted.
func (p *postRecorder) none(t *testing.T, what string) {
	t.Helper()
	select {
	case s := <-p.posts:
		t.Errorf("%s: posted %s", what, s)
	default:
	}
}

// Frames queued in a room wait for a long-poll to carry them; a batch
// riding on an exchange is posted again, same number and body, only when
// frames wait behind it too long, when the exchange fails, or for a flush;
// an exchange's answer settles a batch a POST did not.
func TestUplinkHoldsFramesForThePoll(t *testing.T) {
	rec := newPostRecorder(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	s := &httpSession{hc: rec.srv.Client(), base: rec.srv.URL, sid: "s", maxBody: 1 << 16}
	var failed atomic.Value
	u := newUplink(ctx, s, Options{HandshakeTimeout: 5 * time.Second, SendQueue: 64}, func() uint64 { return 0 },
		func(err error) { failed.Store(err) })
	var hold atomic.Int64
	hold.Store(int64(time.Hour))
	u.hold = func() time.Duration { return time.Duration(hold.Load()) }
	u.start()
	defer u.stop()
	send := func(f string) {
		t.Helper()
		if err := u.send([]byte(f)); err != nil {
			t.Fatal(err)
		}
	}
	k := func(b *batch) string { return strconv.FormatUint(b.k, 10) }
	// settled waits until no batch is in flight: the server records a POST
	// before its answer reaches the uplink.
	settled := func() {
		t.Helper()
		for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(time.Millisecond) {
			u.mu.Lock()
			idle := u.cur == nil && !u.posting
			u.mu.Unlock()
			if idle {
				return
			}
			if time.Now().After(deadline) {
				t.Fatal("a batch stays in flight")
			}
		}
	}

	send("a")
	send("b")
	b1 := u.takeExchange()
	if b1 == nil || b1.k != 1 {
		t.Fatalf("takeExchange = %+v, want batch 1", b1)
	}
	send("c") // behind the held exchange
	if u.takeExchange() != nil {
		t.Error("a second batch rode on an exchange while the first was in flight")
	}
	u.exchangeDone(b1, nil) // delivered
	rec.none(t, "frames due at a poll")
	b2 := u.takeExchange()
	if b2 == nil || b2.k != 2 {
		t.Fatalf("takeExchange = %+v, want batch 2", b2)
	}
	u.exchangeDone(b2, errors.New("network down")) // its fate unknown
	if got := rec.next(t); got != "2:c" {
		t.Errorf("after a failed exchange posted %q, want batch 2 again", got)
	}

	// Held too long: the riding batch again, then the frames behind it.
	settled()
	send("d")
	b3 := u.takeExchange()
	send("e")
	hold.Store(0)
	u.kick()
	if got := []string{rec.next(t), rec.next(t)}; !slices.Equal(got, []string{k(b3) + ":d", "4:e"}) {
		t.Errorf("frames held too long behind an exchange: posted %q, want batch 3 again then 4", got)
	}
	u.exchangeDone(b3, nil) // settled already: nothing more

	// A flush does not wait for a held exchange.
	settled()
	hold.Store(int64(time.Hour))
	send("f")
	b5 := u.takeExchange()
	fctx, fcancel := context.WithTimeout(ctx, 10*time.Second)
	defer fcancel()
	if err := u.flush(fctx); err != nil {
		t.Fatalf("flush: %v", err)
	}
	if got := rec.next(t); got != k(b5)+":f" {
		t.Errorf("flush posted %q, want the riding batch", got)
	}
	rec.none(t, "after the flush")
	if err, _ := failed.Load().(error); err != nil {
		t.Errorf("the uplink failed: %v", err)
	}

	// Out of a room nothing rides on a poll, and frames go at once.
	settled()
	hold.Store(0)
	send("g")
	if got := rec.next(t); got != "6:g" {
		t.Errorf("out of a room posted %q, want batch 6 at once", got)
	}
	if b := u.takeExchange(); b != nil {
		t.Errorf("takeExchange out of a room = %+v", b)
	}
}

// requestCounter is a proxy in front of a server that counts the requests
// of HTTP sessions by kind.
type requestCounter struct {
	mu sync.Mutex
	n  map[string]int
}

func (rc *requestCounter) count() map[string]int {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return maps.Clone(rc.n)
}

func countingProxy(t *testing.T, target string) (string, *requestCounter) {
	u, err := url.Parse(target)
	if err != nil {
		t.Fatal(err)
	}
	tr := &http.Transport{}
	rp := &httputil.ReverseProxy{
		Rewrite:       func(r *httputil.ProxyRequest) { r.SetURL(u) },
		FlushInterval: -1,
		Transport:     tr,
		ErrorLog:      slog.NewLogLogger(slog.DiscardHandler, slog.LevelError),
	}
	rc := &requestCounter{n: map[string]int{}}
	proxy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		kind := r.Method
		switch {
		case strings.HasSuffix(r.URL.Path, "/"+httpwire.ExchangeSegment):
			kind = "exchange"
		case r.Method == http.MethodGet:
			kind = "poll"
		case r.Method == http.MethodPost && r.URL.Query().Has(httpwire.ParamSeq):
			kind = "post"
		}
		rc.mu.Lock()
		rc.n[kind]++
		rc.mu.Unlock()
		rp.ServeHTTP(w, r)
	}))
	t.Cleanup(func() { proxy.Close(); tr.CloseIdleConnections() })
	return proxy.URL, rc
}

// A long-polling player in a room pays about one request per update: its
// acks and inputs ride on its long-polls as exchanges, whether it answers
// each state or steers on a timer of its own.
func TestLongPollOneRequestPerUpdate(t *testing.T) {
	s := startServer(t, transports.Options{})
	for _, how := range []string{"on each state", "on a timer"} {
		t.Run(strings.ReplaceAll(how, " ", "_"), func(t *testing.T) {
			ctx := testCtx(t, 30*time.Second)
			base, counter := countingProxy(t, s.srv.HTTPURL())
			var c *Client
			var onState atomic.Bool
			o := Options{Transport: TransportLongPoll, NoUpgrade: true, Name: "lp"}
			o.OnChange = func(Change) {
				if onState.Load() {
					_, _ = c.SendInput(world.Input{Axes: [4]int16{world.MaxAxis, 0}})
				}
			}
			c = dialT(t, base, o)
			join(t, ctx, c, "exchange-"+how)
			if how == "on each state" {
				onState.Store(true)
			} else {
				steer(t, c, world.Input{Axes: [4]int16{0, world.MaxAxis}}, 50*time.Millisecond)
			}
			time.Sleep(500 * time.Millisecond) // into the steady state
			st0, n0, ack0 := c.Stats(), counter.count(), c.InputAck()
			time.Sleep(2 * time.Second)
			st1, n1 := c.Stats(), counter.count()
			states := st1.Snapshots + st1.Diffs - st0.Snapshots - st0.Diffs
			reqs := 0
			for k, v := range n1 {
				reqs += v - n0[k]
			}
			t.Logf("%s: %d states, requests %v then %v", how, states, n0, n1)
			if states < 20 {
				t.Fatalf("%d states in 2s", states)
			}
			if n1["exchange"]-n0["exchange"] < int(states)/2 {
				t.Errorf("%d exchanges for %d states: the frames did not ride on the polls", n1["exchange"]-n0["exchange"], states)
			}
			if float64(reqs) > 1.3*float64(states) {
				t.Errorf("%d requests for %d states (%v then %v), want about one per state", reqs, states, n0, n1)
			}
			// One may be on its way at either end of the window.
			if got, sent := st1.Exchanges-st0.Exchanges, int64(n1["exchange"]-n0["exchange"]); got < sent-1 || got > sent+1 {
				t.Errorf("Stats().Exchanges counted %d, the server got %d", got, sent)
			}
			if c.InputAck() <= ack0 {
				t.Errorf("input ack %d, was %d: inputs are not applied", c.InputAck(), ack0)
			}
		})
	}
}
