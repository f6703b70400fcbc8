package httpwire

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestValidSID(t *testing.T) {
	for _, tc := range []struct {
		sid string
		ok  bool
	}{
		{"0123456789abcdef0123456789abcdef", true},
		{strings.Repeat("0", 32), true},
		{"", false},
		{"abc001", false}, // hex, but not a sid's length
		{strings.Repeat("a", 31), false},
		{strings.Repeat("a", 33), false},
		{strings.Repeat("a", 64), false},
		{"0123456789ABCDEF0123456789abcdef", false}, // upper case
		{"0123456789abcdef0123456789abcdeg", false},
		{"0123456789abcdef0123456789abcde/", false},
		{"0123456789abcdef0123456789abcd%2", false},
		{"0123456789abcdef0123456789abcdé", false}, // 32 bytes, not hex
	} {
		if got := ValidSID(tc.sid); got != tc.ok {
			t.Errorf("ValidSID(%q) = %v, want %v", tc.sid, got, tc.ok)
		}
	}
}

// The JSON names are the wire format; a renamed field would break every
// browser client silently.
func TestJSONNames(t *testing.T) {
	b, err := json.Marshal(Handshake{
		SID: "s", Transports: []string{"longpoll"}, Upgrades: []string{}, PingInterval: 1, PingTimeout: 2,
		PollTimeout: 3, StreamMaxDuration: 4, MaxPayload: 5, MaxBody: 6,
	})
	want := `{"sid":"s","transports":["longpoll"],"upgrades":[],"pingInterval":1,"pingTimeout":2,` +
		`"pollTimeout":3,"streamMaxDuration":4,"maxPayload":5,"maxBody":6}`
	if err != nil || string(b) != want {
		t.Errorf("Handshake = %s, %v; want %s", b, err, want)
	}
	b, err = json.Marshal(ErrorBody{Code: "bad_ack", Message: "m"})
	if want := `{"code":"bad_ack","message":"m"}`; err != nil || string(b) != want {
		t.Errorf("ErrorBody = %s, %v; want %s", b, err, want)
	}
}
