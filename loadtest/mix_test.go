package loadtest

import (
	"testing"
	"time"
)

// A run with all four transports completes with every transport used: each
// has its share of the clients joined and receiving states, as the clients
// and the server both see it.
func TestRunTransportMix(t *testing.T) {
	srv := startServer(t, 4)
	s := shortScenario(srv.url, 16, 4, 2*time.Second)
	s.Mix = Mix{WebSocket: 25, LongPoll: 25, Stream: 25, Poll: 25}
	rep := runScenario(t, s, Options{})

	if rep.Errors.Total != 0 || rep.Joins.Succeeded != 16 {
		t.Fatalf("joins %+v, errors %+v", rep.Joins, rep.Errors)
	}
	if len(rep.Transports) != 4 {
		t.Fatalf("transports = %+v, want 4", rep.Transports)
	}
	for i, tr := range rep.Transports {
		if tr.Name != transportNames[i] || tr.Clients != 4 || tr.Joined != 4 || tr.States == 0 || tr.UpdateRate < 5 {
			t.Errorf("transport %+v: want %s with 4 clients joined and receiving", tr, transportNames[i])
		}
		if got := rep.ServerMetrics.PeakSessions[tr.Name]; got != 4 {
			t.Errorf("server saw %g %s sessions, want 4 (no upgrades)", got, tr.Name)
		}
	}
	for _, cr := range rep.Clients {
		if cr.States == 0 {
			t.Errorf("client %d (%s) received no states", cr.ID, cr.Transport)
		}
	}
}

func TestMixAssign(t *testing.T) {
	for _, tc := range []struct {
		mix  Mix
		n    int
		want map[string]int
	}{
		{Mix{WebSocket: 100}, 5, map[string]int{"websocket": 5}},
		{Mix{WebSocket: 25, LongPoll: 25, Stream: 25, Poll: 25}, 8, map[string]int{"websocket": 2, "longpoll": 2, "stream": 2, "poll": 2}},
		{Mix{WebSocket: 70, LongPoll: 10, Stream: 10, Poll: 10}, 10, map[string]int{"websocket": 7, "longpoll": 1, "stream": 1, "poll": 1}},
		{Mix{WebSocket: 50, Poll: 50}, 3, map[string]int{"websocket": 2, "poll": 1}},
		{Mix{WebSocket: 33.4, LongPoll: 33.3, Stream: 33.3}, 1000, map[string]int{"websocket": 334, "longpoll": 333, "stream": 333}},
	} {
		got := map[string]int{}
		out := tc.mix.assign(tc.n)
		for _, tr := range out {
			got[tr]++
		}
		if len(got) != len(tc.want) {
			t.Errorf("%v of %d: %v, want %v", tc.mix, tc.n, got, tc.want)
		}
		for k, v := range tc.want {
			if got[k] != v {
				t.Errorf("%v of %d: %v, want %v", tc.mix, tc.n, got, tc.want)
			}
		}
	}
	// Interleaved: every room of 4 in an even mix gets one of each.
	out := Mix{WebSocket: 25, LongPoll: 25, Stream: 25, Poll: 25}.assign(16)
	for room := 0; room < 4; room++ {
		kinds := map[string]bool{}
		for _, tr := range out[room*4 : room*4+4] {
			kinds[tr] = true
		}
		if len(kinds) != 4 {
			t.Errorf("room %d: %v, want all four transports", room, out[room*4:room*4+4])
		}
	}
}

func TestMixFlag(t *testing.T) {
	var m Mix
	if err := m.Set("ws=70, lp=10,stream=10%,poll=10"); err != nil {
		t.Fatal(err)
	}
	if want := (Mix{70, 10, 10, 10}); m != want {
		t.Errorf("got %+v, want %+v", m, want)
	}
	if got, want := m.String(), "websocket=70,longpoll=10,stream=10,poll=10"; got != want {
		t.Errorf("String() = %q, want %q", got, want)
	}
	for _, bad := range []string{"websocket=50", "quic=100", "websocket", "websocket=x", "websocket=150,poll=-50"} {
		if err := m.Set(bad); err == nil {
			t.Errorf("Set(%q) accepted", bad)
		}
	}
}
