package loadtest

import (
	"fmt"
	"os"
	"strings"

	"github.com/BurntSushi/toml"
)

// LoadScenario reads a scenario file over base: keys it sets replace base's
// values, keys it leaves out keep them. Like server.toml, it is strict: an
// unknown key is an error that names it. The keys are the flag names with
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
func LoadScenario(path string, base Scenario) (Scenario, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return Scenario{}, fmt.Errorf("load scenario: %w", err)
	}
	return ParseScenario(data, path, base)
}

// ParseScenario is LoadScenario on the file's contents; name prefixes errors.
func ParseScenario(data []byte, name string, base Scenario) (Scenario, error) {
	s := base
	md, err := toml.Decode(string(data), &s)
	if err != nil {
		return Scenario{}, fmt.Errorf("%s: %w", name, err)
	}
	if md.IsDefined("mix") {
		// A file that gives a mix gives all of it: transports it leaves out get 0.
		for _, tr := range transportNames {
			if !md.IsDefined("mix", tr) {
				*s.Mix.share(tr) = 0
			}
		}
	}
	if un := md.Undecoded(); len(un) > 0 {
		keys := make([]string, len(un))
		for i, k := range un {
			keys[i] = k.String()
		}
		return Scenario{}, fmt.Errorf("%s: unknown keys: %s", name, strings.Join(keys, ", "))
	}
	return s, nil
}
