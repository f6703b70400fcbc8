package loadtest

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/tickroom/tickroom/client"
)

// Mix is the share of clients on each transport, in percent; the shares add
// up to 100. HTTP clients stay on their transport (no upgrade to WebSocket),
// so the mix holds for the whole run.
type Mix struct {
	WebSocket float64 `toml:"websocket" json:"websocket"`
	LongPoll  float64 `toml:"longpoll" json:"longpoll"`
	Stream    float64 `toml:"stream" json:"stream"`
	Poll      float64 `toml:"poll" json:"poll"`
}

// transportNames lists the transports in report order.
var transportNames = []string{client.TransportWebSocket, client.TransportLongPoll, client.TransportStream, client.TransportPoll}

func (m *Mix) share(transport string) *float64 {
	switch transport {
	case client.TransportWebSocket, "ws":
		return &m.WebSocket
	case client.TransportLongPoll, "lp":
		return &m.LongPoll
	case client.TransportStream:
		return &m.Stream
	case client.TransportPoll:
		return &m.Poll
	}
	return nil
}

func (m Mix) shares() []float64 { return []float64{m.WebSocket, m.LongPoll, m.Stream, m.Poll} }

func (m Mix) validate() error {
	sum := 0.0
	for i, p := range m.shares() {
		if !(p >= 0 && p <= 100) {
			return fmt.Errorf("%s share %g is not between 0 and 100", transportNames[i], p)
		}
		sum += p
	}
	if math.Abs(sum-100) > 0.01 {
		return fmt.Errorf("shares add up to %g, not 100", sum)
	}
	return nil
}

// String writes the mix as the -mix flag reads it: "websocket=70,poll=30".
func (m Mix) String() string {
	var b strings.Builder
	for i, p := range m.shares() {
		if p == 0 {
			continue
		}
		if b.Len() > 0 {
			b.WriteByte(',')
		}
		b.WriteString(transportNames[i] + "=" + strconv.FormatFloat(p, 'g', -1, 64))
	}
	return b.String()
}

// Set implements flag.Value: a comma-separated list of transport=percent
// ("ws" and "lp" are short for websocket and longpoll). Transports left out
// get 0.
func (m *Mix) Set(s string) error {
	var next Mix
	for _, part := range strings.Split(s, ",") {
		name, val, ok := strings.Cut(strings.TrimSpace(part), "=")
		if !ok {
			return fmt.Errorf("%q is not transport=percent", part)
		}
		p := next.share(strings.ToLower(strings.TrimSpace(name)))
		if p == nil {
			return fmt.Errorf("unknown transport %q (websocket, longpoll, stream, poll)", name)
		}
		v, err := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(val), "%"), 64)
		if err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		*p = v
	}
	if err := next.validate(); err != nil {
		return err
	}
	*m = next
	return nil
}

// assign gives each of n clients a transport: each transport's count is its
// share of n (largest remainder), and the transports are interleaved (smooth
// weighted round-robin) so that every room gets its part of the mix.
func (m Mix) assign(n int) []string {
	shares := m.shares()
	counts := make([]int, len(shares))
	rest := n
	type frac struct {
		i int
		f float64
	}
	var fracs []frac
	for i, p := range shares {
		exact := p / 100 * float64(n)
		counts[i] = int(math.Floor(exact))
		rest -= counts[i]
		fracs = append(fracs, frac{i, exact - math.Floor(exact)})
	}
	for rest > 0 {
		best := 0
		for j := range fracs {
			if fracs[j].f > fracs[best].f {
				best = j
			}
		}
		counts[fracs[best].i]++
		fracs[best].f = -1
		rest--
	}
	out := make([]string, n)
	cur := make([]int, len(counts))
	for k := range out {
		best := -1
		for i, c := range counts {
			cur[i] += c
			if c > 0 && (best < 0 || cur[i] > cur[best]) {
				best = i
			}
		}
		cur[best] -= n
		out[k] = transportNames[best]
	}
	return out
}
