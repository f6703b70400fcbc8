package loadtest

import (
	"errors"
	"fmt"
	"os"

	"github.com/BurntSushi/toml"
)

// LoadScenario reads a scenario file over base: keys it sets replace base's
// values, keys it leaves out keep them. Like server.toml, it is strict,
// because a typo must not silently run the default: unknown keys and
// sections, durations that are not strings with a unit, and values of the
// wrong type are errors that name the key. The keys are the flag names with
// underscores, and the mix is a table:
//
//	clients = 2000
//	room_size = 16
//	duration = "5m"
//	max_p99 = "80ms"
//
//	[mix]
//	websocket = 90
//	longpoll = 10
//
// Values in bounds is Scenario.Validate's job, once flags have been applied
// too.
func LoadScenario(path string, base Scenario) (Scenario, error) {
	s, _, err := loadScenario(path, base)
	return s, err
}

// ParseScenario is LoadScenario on the file's contents; name prefixes errors.
func ParseScenario(data []byte, name string, base Scenario) (Scenario, error) {
	s, _, err := parseScenario(data, name, base)
	return s, err
}

// loadScenario is LoadScenario that also returns the keys the file set, so
// ParseArgs can name them in Validate's messages.
func loadScenario(path string, base Scenario) (Scenario, toml.MetaData, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return Scenario{}, toml.MetaData{}, fmt.Errorf("load scenario: %w", err)
	}
	return parseScenario(data, path, base)
}

func parseScenario(data []byte, name string, base Scenario) (Scenario, toml.MetaData, error) {
	s := base
	md, err := toml.Decode(string(data), &s)
	if err != nil {
		// Type errors, bare durations among them, stop the decoder at the
		// first one; toml's message names the key as `last key "duration"`.
		return Scenario{}, md, fmt.Errorf("%s: %w", name, err)
	}
	if md.IsDefined("mix") {
		// A file that gives a mix gives all of it: transports it leaves out get 0.
		for _, tr := range transportNames {
			if !md.IsDefined("mix", tr) {
				*s.Mix.share(tr) = 0
			}
		}
	}
	if err := unknownKeys(md); err != nil {
		return Scenario{}, md, fmt.Errorf("%s: %w", name, err)
	}
	return s, md, nil
}

// unknownKeys reports every key the decoder did not use, one per line. The
// keys inside an unknown table are not reported again: the table is the typo.
func unknownKeys(md toml.MetaData) error {
	var errs []error
	table := make(map[string]bool)
	for _, k := range md.Undecoded() {
		if table[k[:len(k)-1].String()] {
			table[k.String()] = true
			continue
		}
		what := "unknown key"
		if md.Type(k...) == "Hash" {
			what = "unknown section"
			table[k.String()] = true
		}
		errs = append(errs, fmt.Errorf("%s: %s", k, what))
	}
	return errors.Join(errs...)
}

// errBareDuration is the problem with a duration that is not a string.
var errBareDuration = errors.New(`must be a string with a unit, like "30s"`)

// UnmarshalTOML reads a duration from a scenario file. It must be a string:
// the toml package would hand a bare integer to UnmarshalText as digits,
// which time.ParseDuration refuses for "30" but accepts for "0", so
// `latency = 0` would pass while `latency = 5` failed.
func (d *Duration) UnmarshalTOML(v any) error {
	s, ok := v.(string)
	if !ok {
		return errBareDuration
	}
	return d.Set(s)
}
