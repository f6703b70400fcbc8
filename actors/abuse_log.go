package actors

import (
	"cmp"
	"log/slog"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// abuseLog writes refusals and limit hits at warn level, summed up: at most
// one line per reason per interval (LimitOptions.LogInterval), with the
// count since the previous line and the addresses behind most of it. The
// counters in Stats say how many; these lines say who, without letting a
// flood write a line per frame. The first hit of a quiet reason is written
// at once; the rest wait for the interval (the governor flushes what is due
// twice a second, so a burst that stops is still reported). Safe for
// concurrent use.
type abuseLog struct {
	log *slog.Logger

	mu      sync.Mutex
	every   time.Duration
	reasons map[string]*abuseTally
}

// abuseTally is one reason's hits since its last line.
type abuseTally struct {
	count int64
	addrs map[string]int64 // at most maxAbuseAddrs; the rest are counted in other
	other int64
	last  time.Time // when its last line was written
}

const (
	maxAbuseAddrs = 256 // addresses remembered per reason between two lines
	topAbuseAddrs = 5   // addresses named in a line
)

// Reasons, as they appear in the log lines.
const (
	abuseRateLimited  = "rate_limited"      // frames over the session rate (noted once a second per connection)
	abuseFloodClosed  = "flood_closed"      // closed after session.max_rejected drops
	abuseBadFrame     = "bad_frame"         // undecodable frame, closed
	abuseTooLarge     = "too_large"         // frame over the read limit, closed
	abuseUnknownKind  = "unknown_kind"      // unknown or wrong-direction kind (noted once a second per connection)
	abuseVersion      = "version_mismatch"  // another protocol version, closed
	abuseUnauthorized = "unauthorized"      // ticket refused
	abuseMiss         = "guess_missed"      // a resume or a join by id that found nothing
	abuseGuessLimited = "guess_limited"     // closed or refused for guessing
	abuseRoomLimited  = "room_create_limit" // a join that would have made a room over budget
	abuseUnjoinedCap  = "unjoined_cap"      // connection refused: too many in the lobby state
	abuseJoinTimeout  = "join_timeout"      // closed: in the lobby state too long
	abuseBusy         = "server_busy"       // connection or join refused while overloaded
	abusePaced        = "paced"             // connection or fresh join refused while newcomers are paced
	abuseSlowConsumer = "slow_consumer"     // a player dropped for not acknowledging ticks
	abuseMsgRefused   = "message_refused"   // a game message over the player's buffer (noted once a second per connection)
)

func newAbuseLog(log *slog.Logger, every time.Duration) *abuseLog {
	return &abuseLog{log: log, every: every, reasons: make(map[string]*abuseTally)}
}

// setInterval applies a reloaded LogInterval.
func (a *abuseLog) setInterval(every time.Duration) {
	a.mu.Lock()
	a.every = every
	a.mu.Unlock()
}

// note counts one hit of reason by addr, and writes the reason's line if
// it is due.
func (a *abuseLog) note(reason, addr string) {
	now := time.Now()
	a.mu.Lock()
	t := a.reasons[reason]
	if t == nil {
		t = &abuseTally{addrs: make(map[string]int64)}
		a.reasons[reason] = t
	}
	t.count++
	if n, ok := t.addrs[addr]; ok || len(t.addrs) < maxAbuseAddrs {
		t.addrs[addr] = n + 1
	} else {
		t.other++
	}
	var line []any
	if now.Sub(t.last) >= a.every {
		line = t.take(reason, now)
	}
	a.mu.Unlock()
	a.write(line)
}

// flush writes the lines that are due.
func (a *abuseLog) flush() {
	now := time.Now()
	var lines [][]any
	a.mu.Lock()
	for reason, t := range a.reasons {
		if t.count > 0 && now.Sub(t.last) >= a.every {
			lines = append(lines, t.take(reason, now))
		}
	}
	a.mu.Unlock()
	for _, l := range lines {
		a.write(l)
	}
}

// take returns the attributes of t's line and starts a new tally.
func (t *abuseTally) take(reason string, now time.Time) []any {
	type hit struct {
		addr string
		n    int64
	}
	hits := make([]hit, 0, len(t.addrs))
	for addr, n := range t.addrs {
		hits = append(hits, hit{addr, n})
	}
	slices.SortFunc(hits, func(x, y hit) int {
		return cmp.Or(cmp.Compare(y.n, x.n), strings.Compare(x.addr, y.addr))
	})
	var top strings.Builder
	for i, h := range hits[:min(len(hits), topAbuseAddrs)] {
		if i > 0 {
			top.WriteByte(' ')
		}
		top.WriteString(h.addr + "=" + strconv.FormatInt(h.n, 10))
	}
	line := []any{"reason", reason, "count", t.count, "addresses", len(hits), "top", top.String()}
	if t.other > 0 {
		line = append(line, "more", t.other) // hits from addresses past maxAbuseAddrs
	}
	if !t.last.IsZero() {
		line = append(line, "since", now.Sub(t.last).Round(time.Millisecond))
	}
	t.count, t.other, t.last = 0, 0, now
	clear(t.addrs)
	return line
}

func (a *abuseLog) write(line []any) {
	if line != nil {
		a.log.Warn("refused or limited", line...)
	}
}
