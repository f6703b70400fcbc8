package loadtest

import (
	"errors"
	"fmt"
	"math"
	"strings"
	"time"
)

// Bounds every run stays within, whatever the flags or scenario file say:
// a load test is a bounded experiment that stops by itself.
const (
	MaxClients  = 20000
	MaxDuration = time.Hour
	maxWarmup   = 5 * time.Minute
	maxDelay    = 10 * time.Second // -latency, -jitter, -slow-delay
	maxInput    = 1000             // inputs per second per client
	maxRoomSize = 1024             // the server's own limit on room.max_players
	maxAway     = time.Minute      // -drop-away: past the server's resume window (20s by default) it is a fresh join anyway
	maxEvents   = 10               // -events-rate, chat messages per client per second: rooms of 16 get 160 events a second
)

// Scenario is one load-test run: who connects, how, for how long, which
// faults to inject and which gates the result must pass. Start from
// DefaultScenario; flags and scenario files (LoadScenario) change fields of
// it. The TOML keys are the flag names with underscores.
type Scenario struct {
	// URL is the server's base URL ("http://127.0.0.1:8080") or WebSocket
	// endpoint; empty starts an embedded server (Options.StartServer). It
	// may list several, comma-separated (the nodes of a cluster): the
	// rooms take them in turn (the players of a room all dial the same),
	// and the attacks and /metrics go to the first.
	URL string `toml:"url" json:"url"`
	// AllowRemote permits a target that is not a loopback address.
	AllowRemote bool `toml:"allow_remote" json:"allow_remote"`
	// Clients is how many simulated players connect, at most MaxClients.
	Clients int `toml:"clients" json:"clients"`
	// RoomSize is the number of players per room (K). Clients join named
	// rooms in order, K to a room, so rooms are full whatever the server's
	// matchmaking does; the server's room.max_players must be at least K.
	RoomSize int `toml:"room_size" json:"room_size"`
	// Mode is the game mode to join; empty is the server's default.
	Mode string `toml:"mode" json:"mode"`
	// JoinRate is how many clients start connecting per second.
	JoinRate float64 `toml:"join_rate" json:"join_rate"`
	// Warmup is how long to wait after the last join before measuring.
	Warmup Duration `toml:"warmup" json:"warmup"`
	// Duration is the measured window, at most MaxDuration.
	Duration Duration `toml:"duration" json:"duration"`
	// InputRate is inputs per client per second. Inputs carry the
	// acknowledgement of the newest state, so the clients send no separate
	// acks; 0 sends no inputs (and acks every state instead).
	InputRate float64 `toml:"input_rate" json:"input_rate"`
	// Mirror makes every client apply every state to a full mirror of the
	// room, as a game would. Off, clients only track ticks and input acks,
	// which keeps the tester much cheaper than the server it measures.
	Mirror bool `toml:"mirror" json:"mirror"`
	// Mix is the share of clients on each transport, in percent.
	Mix Mix `toml:"mix" json:"mix"`

	// Latency delays every input by this much before it is sent, plus a
	// uniformly random extra of up to Jitter. Input-to-ack latency counts
	// from when the input was due, so the delay shows in it.
	Latency Duration `toml:"latency" json:"latency"`
	Jitter  Duration `toml:"jitter" json:"jitter"`
	// Every DropEvery of the measured window, DropPercent of the clients
	// lose their connection without a goodbye (client.Client.Drop) and
	// come back by themselves (client.Options.Reconnect), after DropAway:
	// they resume their seat, or join their room afresh if the server no
	// longer holds it.
	DropPercent float64  `toml:"drop_percent" json:"drop_percent"`
	DropEvery   Duration `toml:"drop_every" json:"drop_every"`
	DropAway    Duration `toml:"drop_away" json:"drop_away"`
	// EventsRate makes every client send that many "chat" messages a
	// second (over the measured window), for a game that broadcasts each
	// as an event to its room (the tag game: -mode tag): the run then
	// counts the events every client receives, and any it loses or gets
	// twice, across drops and resumes. 0 sends none.
	EventsRate float64 `toml:"events_rate" json:"events_rate"`
	// SlowPercent of the clients read slowly: they sleep SlowDelay after
	// every frame, which backs up their connection.
	SlowPercent float64  `toml:"slow_percent" json:"slow_percent"`
	SlowDelay   Duration `toml:"slow_delay" json:"slow_delay"`

	// Attacks are hostile clients next to the honest ones (attack_scenario.go).
	Attacks

	// Gates: a run that misses one fails. MaxP99 of 0, MinUpdateRate of 0
	// and MaxErrors of -1 switch the gate off.
	MaxP99        Duration `toml:"max_p99" json:"max_p99"`
	MinUpdateRate float64  `toml:"min_update_rate" json:"min_update_rate"`
	MaxErrors     int      `toml:"max_errors" json:"max_errors"`

	// Out is the directory for report.json and report.html; empty writes
	// no files.
	Out string `toml:"out" json:"out"`
}

// DefaultScenario is the arena: 256 clients in rooms of 16, all on
// WebSocket, 20 inputs per second each, measured for 30 seconds after a 2
// second settle, with no faults and no gates.
func DefaultScenario() Scenario {
	return Scenario{
		Clients:   256,
		RoomSize:  16,
		JoinRate:  1000,
		Warmup:    Duration{2 * time.Second},
		Duration:  Duration{30 * time.Second},
		InputRate: 20,
		Mix:       Mix{WebSocket: 100},
		MaxErrors: -1,
		Attacks:   defaultAttacks(),
	}
}

// Validate reports every field outside its bounds at once, each named by
// its flag.
func (s Scenario) Validate() error {
	var errs []error
	bad := func(flag, format string, args ...any) {
		errs = append(errs, &fieldError{flag: flag, err: fmt.Errorf(format, args...)})
	}
	if s.Clients < 1 || s.Clients > MaxClients {
		bad("clients", "%d is not between 1 and %d", s.Clients, MaxClients)
	}
	if s.RoomSize < 1 || s.RoomSize > maxRoomSize {
		bad("room-size", "%d is not between 1 and %d", s.RoomSize, maxRoomSize)
	}
	if !(s.JoinRate > 0) || s.JoinRate > 100000 {
		bad("join-rate", "%g is not above 0 and at most 100000 clients per second", s.JoinRate)
	}
	if s.Duration.Duration <= 0 || s.Duration.Duration > MaxDuration {
		bad("duration", "%v is not above 0 and at most %v", s.Duration, MaxDuration)
	}
	if s.Warmup.Duration < 0 || s.Warmup.Duration > maxWarmup {
		bad("warmup", "%v is not between 0 and %v", s.Warmup, maxWarmup)
	}
	if !(s.InputRate >= 0) || s.InputRate > maxInput {
		bad("input-rate", "%g is not between 0 and %d per second", s.InputRate, maxInput)
	}
	if err := s.Mix.validate(); err != nil {
		errs = append(errs, &fieldError{flag: "mix", err: err})
	}
	for _, d := range []struct {
		flag string
		d    Duration
	}{{"latency", s.Latency}, {"jitter", s.Jitter}, {"slow-delay", s.SlowDelay}} {
		if d.d.Duration < 0 || d.d.Duration > maxDelay {
			bad(d.flag, "%v is not between 0 and %v", d.d, maxDelay)
		}
	}
	percent := func(flag string, p float64) {
		if !(p >= 0 && p <= 100) {
			bad(flag, "%g is not between 0 and 100", p)
		}
	}
	percent("drop-percent", s.DropPercent)
	if s.DropAway.Duration < 0 || s.DropAway.Duration > maxAway {
		bad("drop-away", "%v is not between 0 and %v", s.DropAway, maxAway)
	}
	if !(s.EventsRate >= 0) || s.EventsRate > maxEvents {
		bad("events-rate", "%g is not between 0 and %d per second", s.EventsRate, maxEvents)
	}
	percent("slow-percent", s.SlowPercent)
	if s.DropPercent > 0 && s.DropEvery.Duration < 100*time.Millisecond {
		bad("drop-every", "%v must be at least 100ms when drop-percent is set", s.DropEvery)
	}
	if s.SlowPercent > 0 && s.SlowDelay.Duration <= 0 {
		bad("slow-delay", "must be above 0 when slow-percent is set")
	}
	s.Attacks.validate(bad)
	s.Attacks.validateTarget(s.urls()[0], bad)
	if s.MaxP99.Duration < 0 {
		bad("max-p99", "%v is negative", s.MaxP99)
	}
	if !(s.MinUpdateRate >= 0) || math.IsInf(s.MinUpdateRate, 0) {
		bad("min-update-rate", "%g is not a rate", s.MinUpdateRate)
	}
	if s.MaxErrors < -1 {
		bad("max-errors", "%d is below -1 (off)", s.MaxErrors)
	}
	if s.URL != "" {
		for _, u := range s.urls() {
			if err := checkTarget(u, s.AllowRemote); err != nil {
				errs = append(errs, err)
			}
		}
	}
	return errors.Join(errs...)
}

// urls splits URL into the URLs it lists.
func (s Scenario) urls() []string {
	var out []string
	for _, u := range strings.Split(s.URL, ",") {
		if u = strings.TrimSpace(u); u != "" {
			out = append(out, u)
		}
	}
	if len(out) == 0 {
		return []string{s.URL}
	}
	return out
}

// fieldError is one field of a Scenario out of bounds. It names the field by
// its flag; ParseArgs names it by its key instead when a scenario file set
// it.
type fieldError struct {
	flag string
	err  error
	file string // the scenario file that set the field, if one did
}

func (e *fieldError) Error() string {
	if e.file != "" {
		return fmt.Sprintf("%s: %s: %v", e.file, e.key(), e.err)
	}
	return fmt.Sprintf("%s: %v", e.flag, e.err)
}

// key is the field's key in a scenario file: its flag with underscores.
func (e *fieldError) key() string { return strings.ReplaceAll(e.flag, "-", "_") }

func (e *fieldError) Unwrap() error { return e.err }

// Duration is a time.Duration written as a string ("80ms") in TOML, JSON
// and flags.
type Duration struct{ time.Duration }

// Set implements flag.Value.
func (d *Duration) Set(s string) error {
	v, err := time.ParseDuration(s)
	if err != nil {
		return err
	}
	d.Duration = v
	return nil
}

// MarshalText writes the duration as "1m30s".
func (d Duration) MarshalText() ([]byte, error) { return []byte(d.String()), nil }

// UnmarshalText reads a duration string.
func (d *Duration) UnmarshalText(b []byte) error { return d.Set(string(b)) }
