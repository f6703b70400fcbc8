package loadtest

import (
	"errors"
	"flag"
	"fmt"
	"io"

	"github.com/BurntSushi/toml"
)

// defineFlags binds the command-line flags to the fields of s.
func defineFlags(fs *flag.FlagSet, s *Scenario, scenarioFile *string) {
	fs.StringVar(scenarioFile, "scenario", "", "scenario TOML `file`; flags given as well override its keys")
	fs.StringVar(&s.URL, "url", s.URL, "server base `URL` (http://127.0.0.1:8080), or several, comma-separated (a cluster's nodes: the rooms' players take them in turn); empty starts an embedded server")
	fs.BoolVar(&s.AllowRemote, "allow-remote", s.AllowRemote, "allow a target that is not a loopback address")
	fs.IntVar(&s.Clients, "clients", s.Clients, fmt.Sprintf("simulated players (at most %d)", MaxClients))
	fs.IntVar(&s.RoomSize, "room-size", s.RoomSize, "players per room (K); the embedded server uses it as max_players")
	fs.StringVar(&s.Mode, "mode", s.Mode, "game mode to join (default: the server's)")
	fs.Float64Var(&s.JoinRate, "join-rate", s.JoinRate, "join ramp: clients that start connecting per second")
	fs.Var(&s.Warmup, "warmup", "settle `duration` between the last join and the measured window")
	fs.Var(&s.Duration, "duration", fmt.Sprintf("measured window `duration` (at most %v)", MaxDuration))
	fs.Float64Var(&s.InputRate, "input-rate", s.InputRate, "inputs per client per second (0: none)")
	fs.BoolVar(&s.Mirror, "mirror", s.Mirror, "clients apply every state to a full mirror (costs the tester about as much CPU as the server); default: track ticks and input acks only")
	fs.Var(&s.Mix, "mix", "transport `mix` in percent, e.g. websocket=70,longpoll=10,stream=10,poll=10")
	fs.Var(&s.Latency, "latency", "fault: delay every input by this `duration` before sending it")
	fs.Var(&s.Jitter, "jitter", "fault: add a random extra delay of up to this `duration` to every input")
	fs.Float64Var(&s.DropPercent, "drop-percent", s.DropPercent, "fault: percent of clients whose connection drops (no goodbye) every -drop-every; they resume")
	fs.Var(&s.DropEvery, "drop-every", "fault: `interval` between drops")
	fs.Var(&s.DropAway, "drop-away", "fault: how long (`duration`) a dropped client stays away before it reconnects")
	fs.Float64Var(&s.EventsRate, "events-rate", s.EventsRate, "chat messages per client per second, for a game that broadcasts them as events (-mode tag); counts lost and duplicated events")
	fs.Float64Var(&s.SlowPercent, "slow-percent", s.SlowPercent, "fault: percent of clients that read slowly")
	fs.Var(&s.SlowDelay, "slow-delay", "fault: how long (`duration`) a slow client sleeps after each frame")
	fs.IntVar(&s.PingFlood, "ping-flood", s.PingFlood, "attack: connections flooding WebSocket pings")
	fs.IntVar(&s.FrameFlood, "frame-flood", s.FrameFlood, "attack: connections flooding tiny binary frames")
	fs.StringVar(&s.FramePayload, "frame-flood-payload", s.FramePayload, "attack: the flooded frames: empty, garbage (not msgpack) or unknown (a kind the protocol lacks)")
	fs.IntVar(&s.RoomFlood, "room-flood", s.RoomFlood, "attack: connections creating rooms (create, leave, again) as fast as the server answers")
	fs.IntVar(&s.IdleConns, "idle-conns", s.IdleConns, fmt.Sprintf("attack: WebSockets opened and held without joining (at most %d)", maxIdle))
	fs.IntVar(&s.SlowHeaders, "slow-headers", s.SlowHeaders, "attack: connections trickling an HTTP request's headers")
	fs.IntVar(&s.SlowBodies, "slow-bodies", s.SlowBodies, "attack: connections trickling an HTTP handshake's body")
	fs.Var(&s.TrickleEvery, "trickle-every", "attack: the `interval` between two trickled bytes")
	fs.IntVar(&s.HugeHeaders, "huge-headers", s.HugeHeaders, "attack: connections sending requests with huge headers")
	fs.IntVar(&s.HugeHeaderBytes, "huge-header-bytes", s.HugeHeaderBytes, "attack: header `bytes` of each huge-headers request")
	fs.IntVar(&s.BlindAcks, "blind-acks", s.BlindAcks, "attack: clients that acknowledge every tick without reading their socket")
	fs.StringVar(&s.AttackFrom, "attack-from", s.AttackFrom, "attack: local `address` the attackers connect from (auto: 127.0.0.2 on Linux against 127.x; empty: the system's)")
	fs.Var(&s.MaxP99, "max-p99", "gate: fail if input-to-ack p99 latency is above this `duration` (0: off)")
	fs.Float64Var(&s.MinUpdateRate, "min-update-rate", s.MinUpdateRate, "gate: fail if the mean states per client per second is below this (0: off)")
	fs.IntVar(&s.MaxErrors, "max-errors", s.MaxErrors, "gate: fail if there are more errors than this (-1: off)")
	fs.StringVar(&s.Out, "out", s.Out, "`dir`ectory for report.json and report.html")
}

// ParseArgs reads the loadtest command line: DefaultScenario, then the
// -scenario file if one is named, then every flag given explicitly. The
// result is validated.
func ParseArgs(args []string, stderr io.Writer) (Scenario, error) {
	given := DefaultScenario()
	var file string
	fs := flag.NewFlagSet("gameserver loadtest", flag.ContinueOnError)
	fs.SetOutput(stderr)
	defineFlags(fs, &given, &file)
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "usage: gameserver loadtest [flags]")
		fmt.Fprintln(fs.Output(), "\nDrives simulated players against a server (or an embedded one) and reports what they saw.")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return Scenario{}, err
	}
	if fs.NArg() > 0 {
		fs.Usage()
		return Scenario{}, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	s := DefaultScenario()
	var fileKeys toml.MetaData
	if file != "" {
		var err error
		if s, fileKeys, err = loadScenario(file, s); err != nil {
			return Scenario{}, err
		}
	}
	// Apply the flags given on the command line over the file, by name.
	over := flag.NewFlagSet("", flag.ContinueOnError)
	var ignored string
	defineFlags(over, &s, &ignored)
	var err error
	fs.Visit(func(f *flag.Flag) {
		if f.Name != "scenario" && err == nil {
			err = over.Set(f.Name, f.Value.String())
		}
	})
	if err != nil {
		return Scenario{}, err
	}
	if err := s.Validate(); err != nil {
		return Scenario{}, nameFileKeys(err, file, fileKeys, fs)
	}
	return s, nil
}

// nameFileKeys names each field in Validate's errors as the scenario file
// wrote it, with the file's name, when the file set it and no flag
// overrode it, so a value out of bounds is found where it was written. It
// marks Validate's errors in place: they are fresh, no one else holds them.
func nameFileKeys(err error, file string, md toml.MetaData, given *flag.FlagSet) error {
	joined, ok := err.(interface{ Unwrap() []error })
	if file == "" || !ok {
		return err
	}
	flagged := make(map[string]bool)
	given.Visit(func(f *flag.Flag) { flagged[f.Name] = true })
	for _, e := range joined.Unwrap() {
		var fe *fieldError
		if errors.As(e, &fe) && !flagged[fe.flag] && md.IsDefined(fe.key()) {
			fe.file = file
		}
	}
	return err
}
