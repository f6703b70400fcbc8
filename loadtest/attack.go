package loadtest

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/HdrHistogram/hdrhistogram-go"
	"github.com/tickroom/tickroom/netcode"
)

// The attacks of a run (Scenario.Attacks): each is a set of attacker
// goroutines, one per connection slot, started when the measured window
// begins and stopped when it ends. An attacker owns its connection and
// whatever goroutine reads it, and waits for that goroutine before it
// returns; the run waits for every attacker. Attackers count what they did
// and what the server answered in their attack's attackStats, which the
// report turns into the attack's section.

// attackKind is one attack: its flag, how many attackers the scenario
// asks for, what its attackers count (in report order) and what one
// attacker does.
type attackKind struct {
	name  string // its flag: "ping-flood"
	title string // in the summary: "ping flood"
	n     func(a Attacks) int
	did   []string // the attack's Did keys, in the order the summary gives them
	run   func(ctx context.Context, e *attackEnv, st *attackStats, i int)
}

// Did keys shared by several attacks.
const (
	didConnections = "connections"     // opened (TCP connected, and for WebSockets upgraded)
	didRefused     = "refused"         // dials or upgrades the server refused
	didBytes       = "bytes written"   // into the socket: what the server's kernel took, read or not
	didRequests    = "requests"        // HTTP requests begun
	didAnswered    = "answered"        // HTTP requests the server answered with a status
	didCut         = "cut by server"   // connections the server ended
	didOpenAtEnd   = "open at the end" // connections still open when the attack stopped
)

// attackKinds lists the attacks in report order.
var attackKinds = []attackKind{
	{name: "ping-flood", title: "ping flood", n: func(a Attacks) int { return a.PingFlood },
		did: []string{didConnections, didRefused, "pings written", "pongs received", didCut, didOpenAtEnd}, run: pingFlood},
	{name: "frame-flood", title: "frame flood", n: func(a Attacks) int { return a.FrameFlood },
		did: []string{didConnections, didRefused, "frames written", "error frames received", didCut, didOpenAtEnd}, run: frameFlood},
	{name: "room-flood", title: "room flood", n: func(a Attacks) int { return a.RoomFlood },
		did: []string{didConnections, didRefused, "creates sent", "rooms created", "creates refused", "creates unanswered", didCut, didOpenAtEnd}, run: roomFlood},
	{name: "idle-conns", title: "idle connections", n: func(a Attacks) int { return a.IdleConns },
		did: []string{didConnections, didRefused, "pings answered", didCut, didOpenAtEnd}, run: idleConn},
	{name: "slow-headers", title: "slow headers", n: func(a Attacks) int { return a.SlowHeaders },
		did: []string{didConnections, didRequests, didBytes, didAnswered, didCut, didOpenAtEnd}, run: slowHeaders},
	{name: "slow-bodies", title: "slow bodies", n: func(a Attacks) int { return a.SlowBodies },
		did: []string{didConnections, didRequests, didBytes, didAnswered, didCut, didOpenAtEnd}, run: slowBody},
	{name: "huge-headers", title: "huge headers", n: func(a Attacks) int { return a.HugeHeaders },
		did: []string{didConnections, didRequests, didBytes, didAnswered, didCut, didOpenAtEnd}, run: hugeHeaders},
	{name: "blind-acks", title: "blind acks", n: func(a Attacks) int { return a.BlindAcks },
		did: []string{didConnections, didRefused, "joined", "acks sent", didCut, didOpenAtEnd}, run: blindAcks},
}

// attackEnv is what every attacker of a run shares.
type attackEnv struct {
	r        *run
	s        Attacks
	target   *url.URL
	src      net.IP // the attackers' local address; nil: the system's choice
	wsPath   string // the server's WebSocket endpoint
	httpPath string // the base path of its HTTP transports
	tag      string // names the attackers' rooms apart from other runs'
}

// attackStats is one attack's tally. Attackers add to it as they go.
type attackStats struct {
	kind    *attackKind
	started time.Time

	open     atomic.Int64 // connections open now
	peakOpen atomic.Int64

	mu      sync.Mutex
	did     map[string]*atomic.Int64 // by Did key
	answers keyedCounter             // what the server answered
	cut     *hdrhistogram.Histogram  // connection opened until the server ended it, in µs; guarded by mu
}

func newAttackStats(k *attackKind) *attackStats {
	st := &attackStats{kind: k, did: map[string]*atomic.Int64{}, cut: newHistogram()}
	for _, d := range k.did {
		st.did[d] = new(atomic.Int64)
	}
	return st
}

// count returns the counter of a Did key; an attacker takes it once and
// adds to it in its loop.
func (st *attackStats) count(what string) *atomic.Int64 {
	st.mu.Lock()
	defer st.mu.Unlock()
	c := st.did[what]
	if c == nil {
		c = new(atomic.Int64)
		st.did[what] = c
	}
	return c
}

func (st *attackStats) add(what string, n int64) { st.count(what).Add(n) }

// answer counts one answer of the server.
func (st *attackStats) answer(key string) { st.answers.add(key) }

// opened counts a connection that is now open.
func (st *attackStats) opened() {
	st.add(didConnections, 1)
	n := st.open.Add(1)
	for {
		p := st.peakOpen.Load()
		if n <= p || st.peakOpen.CompareAndSwap(p, n) {
			return
		}
	}
}

// closed counts the end of a connection opened at since: byServer says
// the server ended it (its time is recorded), or the attack stopped.
func (st *attackStats) closed(since time.Time, byServer bool) {
	st.open.Add(-1)
	if !byServer {
		st.add(didOpenAtEnd, 1)
		return
	}
	st.add(didCut, 1)
	st.mu.Lock()
	recordNS(st.cut, int64(time.Since(since)))
	st.mu.Unlock()
}

// startAttacks starts every attack the scenario asks for; the returned
// function stops them and waits until every attacker has returned, and
// returns their tallies.
func (r *run) startAttacks(ctx context.Context) (stop func() []*attackStats) {
	if !r.s.Attacks.any() {
		return func() []*attackStats { return nil }
	}
	target, _ := url.Parse(r.urls[0])
	e := &attackEnv{
		r: r, s: r.s.Attacks, target: target,
		src: r.s.Attacks.sourceAddr(r.urls[0]),
		tag: fmt.Sprintf("atk%04x", rand.Uint32()&0xffff),
	}
	e.wsPath, e.httpPath = serverPaths(target)
	ctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	var all []*attackStats
	for i := range attackKinds {
		k := &attackKinds[i]
		n := k.n(r.s.Attacks)
		if n == 0 {
			continue
		}
		st := newAttackStats(k)
		st.started = time.Now()
		all = append(all, st)
		for j := range n {
			wg.Go(func() { k.run(ctx, e, st, j) })
		}
	}
	r.attacksMu.Lock()
	r.attacks = all
	r.attacksMu.Unlock()
	return func() []*attackStats {
		r.attacksMu.Lock()
		r.attacksEnd = time.Now()
		r.attacksMu.Unlock()
		cancel()
		wg.Wait()
		return all
	}
}

// serverPaths are the server's WebSocket endpoint and the base path of its
// HTTP transports, from the run's URL, as the client package finds them: an
// http:// URL is the server's base (perhaps under a prefix), a ws:// URL
// names the endpoint. The server's default paths are assumed.
func serverPaths(u *url.URL) (ws, http string) {
	p := strings.TrimSuffix(u.Path, "/")
	switch u.Scheme {
	case "ws", "wss":
		ws = u.Path
		if ws == "" {
			ws = defaultWSPath
		}
		return ws, strings.TrimSuffix(p, defaultWSPath) + defaultHTTPPath
	}
	return p + defaultWSPath, p + defaultHTTPPath
}

// The server's default paths (websocket.path, http.path).
const (
	defaultWSPath   = "/ws"
	defaultHTTPPath = "/rt"
)

// openAttackConns is how many attacker connections are open now, by
// attack, for the per-second samples; nil without attacks.
func (r *run) openAttackConns() map[string]int64 {
	r.attacksMu.Lock()
	defer r.attacksMu.Unlock()
	if len(r.attacks) == 0 {
		return nil
	}
	out := make(map[string]int64, len(r.attacks))
	for _, st := range r.attacks {
		out[st.kind.name] = st.open.Load()
	}
	return out
}

// pause waits d or until ctx ends, and reports whether the attack goes on.
func pause(ctx context.Context, d time.Duration) bool {
	sleep(ctx, d)
	return ctx.Err() == nil
}

// retryPause is how long an attacker waits after the server refused or
// ended its connection before it connects again: attacks press on the
// server, they do not spin on a refusal.
const retryPause = 100 * time.Millisecond

// redialWS runs one WebSocket attacker's connections one after the other
// until the attack stops: it dials and upgrades, and holds each connection
// open for conn, which reports whether the server ended it. A refused dial
// or upgrade is counted and tried again after refusedPause; the next
// connection follows one that ended after endedPause (0: at once).
func redialWS(ctx context.Context, e *attackEnv, st *attackStats, refusedPause, endedPause time.Duration, conn func(ws *rawWS) bool) {
	for ctx.Err() == nil {
		ws, err := dialRaw(ctx, e, 0)
		if err != nil {
			if !refused(ctx, st, err) {
				return
			}
			pause(ctx, refusedPause)
			continue
		}
		hold(ctx, st, ws.nc, ws.opened, func() bool { return conn(ws) })
		if endedPause > 0 {
			pause(ctx, endedPause)
		}
	}
}

// refused counts a dial or upgrade that failed, unless the attack stopped
// it, and reports whether the attack goes on.
func refused(ctx context.Context, st *attackStats, err error) bool {
	if ctx.Err() != nil {
		return false
	}
	st.answer(dialKey(err))
	st.add(didRefused, 1)
	return true
}

// hold is the life of one attacker connection, nc, opened at opened: it is
// counted open while conn runs on it, closed when conn returns or the
// attack stops (which ends conn's blocked reads and writes), and counted
// closed by whoever ended it: conn reports whether the server did.
func hold(ctx context.Context, st *attackStats, nc net.Conn, opened time.Time, conn func() bool) {
	st.opened()
	byServer := func() bool {
		stop := context.AfterFunc(ctx, func() { _ = nc.Close() })
		defer stop()
		defer nc.Close()
		return conn()
	}()
	st.closed(opened, byServer)
}

// codeName names a close code: a netcode.Code, or one of RFC 6455's.
func codeName(code uint16) string {
	switch code {
	case 1000:
		return "normal"
	case 1005:
		return "no_status"
	case 1006:
		return "abnormal"
	case 1008:
		return "policy"
	case 1009:
		return "too_big"
	case 1011:
		return "server_error"
	}
	return netcode.Code(code).String()
}
