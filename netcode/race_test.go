//go:build race

package netcode

// raceEnabled: the race detector's sync.Pool drops items at random, so
// code that formats an error allocates a varying number of times.
const raceEnabled = true
