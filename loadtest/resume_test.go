package loadtest

import (
	"bytes"
	"encoding/json"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/tickroom/tickroom/actors"
	"github.com/tickroom/tickroom/netcode"
)

// Dropped clients resume their seats: every drop comes back as a resume,
// timed from the drop to the first state after it, whose bytes (a diff
// from the tick the client had) are a fraction of a full snapshot of the
// room; none of it is an error or a disconnect.
func TestRunDropsResume(t *testing.T) {
	srv := startServer(t, 4)
	s := shortScenario(srv.url, 8, 4, 3*time.Second)
	s.DropPercent, s.DropEvery = 50, Duration{time.Second}
	s.Mix = Mix{WebSocket: 50, LongPoll: 25, Poll: 25}
	rep := runScenario(t, s, Options{})

	d := rep.Drops
	if d.Dropped < 4 || d.Resumed != d.Dropped || d.Rejoined != d.Dropped {
		t.Errorf("drops %+v: want every drop resumed", d)
	}
	if d.Refused != 0 || d.FreshJoins != 0 || d.GaveUp != 0 || d.Snapshots != 0 || d.EventsLost != 0 {
		t.Errorf("drops %+v: want quick resumes, each a diff", d)
	}
	if q := d.ResumeTime; q.Count != d.Resumed || !(0 < q.P50 && q.P50 <= q.P99 && q.P99 <= q.Max) || q.Max > 5000 {
		t.Errorf("resume time %+v for %d resumes", q, d.Resumed)
	}
	if d.FirstState.Count != d.Resumed || d.Snapshot.Count != d.Resumed || d.FirstState.P50 <= 0 {
		t.Errorf("first state %+v, snapshot %+v for %d resumes", d.FirstState, d.Snapshot, d.Resumed)
	}
	if d.FirstState.P50 >= d.Snapshot.P50 || !(0 < d.FirstStateRatio && d.FirstStateRatio < 1) {
		t.Errorf("first state p50 %d B, snapshot p50 %d B, ratio %g: want a diff smaller than the snapshot",
			d.FirstState.P50, d.Snapshot.P50, d.FirstStateRatio)
	}
	if rep.Errors.Total != 0 || rep.Disconnects.Total != 0 {
		t.Errorf("errors %+v, disconnects %+v; want none", rep.Errors, rep.Disconnects)
	}
	reconnects := 0
	for _, cr := range rep.Clients {
		reconnects += cr.Reconnects
	}
	if int64(reconnects) != d.Rejoined {
		t.Errorf("client records show %d reconnects, drops %+v", reconnects, d)
	}
	// Inputs on their way at a drop are not timed: nothing waits a drop long.
	if rep.Latency.Count == 0 || rep.Latency.Max > 1000 {
		t.Errorf("latency %+v", rep.Latency)
	}
}

// Clients away for longer than the room's history resume with a snapshot;
// away past the resume window, they find their seat gone and join their
// room afresh.
func TestRunDropAway(t *testing.T) {
	t.Run("past the history", func(t *testing.T) {
		srv := startServerRoom(t, actors.RoomOptions{MaxPlayers: 4, History: 4})
		s := shortScenario(srv.url, 8, 4, 1500*time.Millisecond)
		s.DropPercent, s.DropEvery, s.DropAway = 50, Duration{time.Second}, Duration{500 * time.Millisecond}
		d := runScenario(t, s, Options{}).Drops
		if d.Dropped != 4 || d.Resumed != 4 || d.Snapshots != 4 {
			t.Errorf("drops %+v: want 4 resumed, each with a snapshot", d)
		}
		if d.ResumeTime.Count != 4 || d.ResumeTime.Max > 5000 {
			t.Errorf("resume time %+v: want it counted from the end of the absence", d.ResumeTime)
		}
		if d.FirstStateRatio < 0.5 {
			t.Errorf("first state / snapshot %g, want a snapshot's size", d.FirstStateRatio)
		}
	})
	t.Run("past the window", func(t *testing.T) {
		srv := startServerRoom(t, actors.RoomOptions{MaxPlayers: 4, ResumeWindow: 300 * time.Millisecond})
		s := shortScenario(srv.url, 8, 4, 1500*time.Millisecond)
		s.DropPercent, s.DropEvery, s.DropAway = 50, Duration{time.Second}, Duration{time.Second}
		rep := runScenario(t, s, Options{})
		d := rep.Drops
		if d.Dropped != 4 || d.Refused != 4 || d.FreshJoins != 4 || d.Resumed != 0 || d.Rejoined != 4 {
			t.Errorf("drops %+v: want 4 refused resumes, each followed by a fresh join", d)
		}
		if rep.Errors.Total != 0 {
			t.Errorf("errors %+v", rep.Errors)
		}
	})
}

// With -events-rate in the tag game, clients chat and every chat comes
// back to the room as an event: each reaches every client once, across the
// drops and resumes too.
func TestRunEventsAcrossResumes(t *testing.T) {
	srv := startServer(t, 4)
	s := shortScenario(srv.url, 8, 4, 3*time.Second)
	s.Mode, s.EventsRate = "tag", 10
	s.DropPercent, s.DropEvery, s.DropAway = 50, Duration{time.Second}, Duration{300 * time.Millisecond}
	s.Mix = Mix{WebSocket: 50, Stream: 50}
	rep := runScenario(t, s, Options{})
	e := rep.Events
	t.Logf("events %+v; drops %+v", e, rep.Drops)
	if e.Sent < 100 || e.Received < 2*e.Sent {
		t.Errorf("events %+v: want about 240 chats sent, each received by the 4 clients of its room", e)
	}
	if e.Lost != 0 || e.Duplicated != 0 {
		t.Errorf("events %+v: want none lost or duplicated", e)
	}
	if d := rep.Drops; d.Dropped < 4 || d.Resumed != d.Dropped || d.EventsLost != 0 {
		t.Errorf("drops %+v", d)
	}
	if rep.Errors.Total != 0 || rep.Disconnects.Total != 0 {
		t.Errorf("errors %+v, disconnects %+v", rep.Errors, rep.Disconnects)
	}
	if rep.Server.Mode != "tag" {
		t.Errorf("server %+v, want the tag mode", rep.Server)
	}
}

// A client's chats tell lost events (a chat another client of the room
// got) from lost messages (no one got it) and duplicates; after a fresh
// seat or events_lost the check starts over.
func TestChatChecks(t *testing.T) {
	sc := DefaultScenario()
	sc.RoomSize, sc.EventsRate = 2, 1
	r := &run{s: sc, resumes: newResumeStats()}
	for i := range 2 {
		r.players = append(r.players, &player{id: i, rooms: new(roomInfo), chats: newChatLedger(sc)})
	}
	a, b := newSession(r, r.players[0]), newSession(r, r.players[1])
	r.players[0].sess.Store(a)
	r.players[1].sess.Store(b)
	chat := func(to *session, from int, ns ...uint32) {
		for _, n := range ns {
			p, err := netcode.EncodePayload(map[string]any{"from": 1, "name": "x", "text": "lt" + strconv.Itoa(from) + " #" + strconv.Itoa(int(n))}, netcode.MaxEventLen)
			if err != nil {
				t.Fatal(err)
			}
			to.onEvent(&netcode.Event{Type: "chat", Payload: p}, true)
		}
	}
	r.players[1].chats.sent.Store(8)
	chat(b, 1, 1, 2, 3, 4, 5, 6, 8) // its own chats; 7 reached no one
	chat(a, 1, 1, 2, 4, 4, 5)       // 3 lost, 4 twice, 6 and 8 never came
	chat(a, 0, 2)                   // another sender: 1 never came, and no one got it
	chat(b, 0, 2)
	r.players[0].chats.sent.Store(2)
	e := r.eventReport()
	if e.Lost != 3 || e.Duplicated != 1 || e.MessagesLost != 2 || e.Received != 14 {
		t.Errorf("events %+v: want 3 lost (3, 6, 8), 1 duplicated, 2 messages lost (7 of one, 1 of the other), 14 received", e)
	}

	a.startOver() // a fresh seat: what came before it was not all for it
	chat(a, 1, 8)
	if e := r.eventReport(); e.Lost != 1 {
		t.Errorf("lost %d after starting over, want only the gap before it (3)", e.Lost)
	}
}

// The report shows the resumes and events in report.json, the summary and
// the HTML page, and warns of events lost or duplicated.
func TestReportShowsResumes(t *testing.T) {
	rep := &Report{Version: ReportVersion, Scenario: DefaultScenario(), Warnings: []string{}, Passed: true}
	rep.Scenario.DropPercent, rep.Scenario.DropEvery, rep.Scenario.EventsRate = 10, Duration{5 * time.Second}, 1
	rep.Drops = Drops{Dropped: 100, Rejoined: 99, Resumed: 97, Snapshots: 2, EventsLost: 1, Refused: 2, FreshJoins: 2, GaveUp: 1,
		ResumeTime: Quantiles{Count: 97, P50: 3.5, P99: 41, Max: 60},
		FirstState: Sizes{Count: 97, P50: 120, P99: 900}, Snapshot: Sizes{Count: 97, P50: 1500}, FirstStateRatio: 0.08}
	rep.Events = Events{Sent: 1000, Received: 16000, Lost: 3, Duplicated: 0, MessagesLost: 2}
	rep.Warnings = warnings(rep)

	var sum bytes.Buffer
	if err := WriteSummary(&sum, rep); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"100 dropped, 99 back: 97 resumed (2 with a snapshot, 1 with events lost), 2 refused and 2 joined afresh (0 refused), 1 gave up",
		"resume time  p50 3.50ms  p99 41.0ms",
		"first state  p50 120 B  p99 900 B; a full snapshot of the room p50 1.5 KiB; first state / snapshot p50 0.080",
		"16000 received in the window, 3 lost, 0 duplicated; 1000 chat messages sent, 2 of them lost on the way up",
		"3 events lost and 0 duplicated",
		"1 clients gave up",
	} {
		if !strings.Contains(sum.String(), want) {
			t.Errorf("summary lacks %q:\n%s", want, sum.String())
		}
	}
	js, err := json.Marshal(rep)
	if err != nil {
		t.Fatal(err)
	}
	var back struct {
		Drops  map[string]any `json:"drops"`
		Events map[string]any `json:"events"`
	}
	if err := json.Unmarshal(js, &back); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"dropped", "rejoined", "resumed", "snapshots", "events_lost", "refused", "fresh_joins", "gave_up", "resume_time", "first_state_bytes", "snapshot_bytes", "first_state_ratio_p50"} {
		if _, ok := back.Drops[k]; !ok {
			t.Errorf("report.json drops lack %q: %v", k, back.Drops)
		}
	}
	if back.Events["lost"] != 3.0 || back.Events["messages_sent"] != 1000.0 {
		t.Errorf("report.json events %v", back.Events)
	}
	var page bytes.Buffer
	if err := WriteHTML(&page, rep); err != nil {
		t.Fatal(err)
	}
	parseXHTML(t, page.Bytes()) // well-formed
	for _, want := range []string{"resume time (drop to first state)", "97 resumed"} {
		if !strings.Contains(page.String(), want) {
			t.Errorf("report.html lacks %q", want)
		}
	}
}
