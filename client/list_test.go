package client

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/tickroom/tickroom/netcode"
	"github.com/tickroom/tickroom/transports"
	"github.com/tickroom/tickroom/world"
)

// nextState waits for a state newer than c's newest: one room tick, the
// pace at which the lobby learns what rooms changed.
func nextState(t *testing.T, ctx context.Context, c *Client) {
	t.Helper()
	t0 := c.State().Tick
	if _, err := c.WaitState(ctx, func(s world.State) bool { return s.Tick > t0 }); err != nil {
		t.Fatalf("no state after tick %d: %v", t0, err)
	}
}

// waitListed lists the rooms of mode from c, a client in a room, once per
// state it receives, until one satisfies ok, and returns it.
func waitListed(t *testing.T, ctx context.Context, c *Client, mode string, ok func(netcode.RoomInfo) bool) netcode.RoomInfo {
	t.Helper()
	for {
		rs, err := c.ListRooms(ctx, mode, nil, 0, netcode.MaxListLimit)
		if err != nil {
			t.Fatalf("list rooms: %v", err)
		}
		for _, r := range rs.Rooms {
			if ok(r) {
				return r
			}
		}
		nextState(t, ctx, c)
	}
}

func names(rs *netcode.Rooms) []string {
	var out []string
	for _, r := range rs.Rooms {
		out = append(out, r.Name)
	}
	return out
}

// Listing over the connection: by mode, by metadata, a page at a time,
// never a private room; answers find their request even when many are on
// their way at once; the lobby state lists as well as a room.
func TestListRooms(t *testing.T) {
	s := startServer(t, transports.Options{})
	for _, kind := range []string{TransportWebSocket, TransportLongPoll, TransportStream, TransportPoll} {
		t.Run(kind, func(t *testing.T) {
			ctx := testCtx(t, 30*time.Second)
			dial := func() *Client {
				return dialT(t, s.srv.HTTPURL(), Options{Transport: kind, NoUpgrade: true, Name: kind})
			}
			room := func(name string) string { return kind + "-" + name }
			create := func(how netcode.JoinHow, name string, meta map[string]any) *Client {
				c := dial()
				joinWith(t, ctx, c, JoinSpec{How: how, Room: room(name), Mode: modeLab, Options: labOptions{Meta: meta}})
				return c
			}
			// Rooms of this subtest carry its transport in their metadata,
			// so that the subtests' rooms do not mix.
			one := create(netcode.JoinCreate, "one", map[string]any{"t": kind, "level": 3, "map": "dust"})
			create(netcode.JoinCreate, "two", map[string]any{"t": kind, "level": 4})
			create(netcode.JoinCreate, "three", map[string]any{"t": kind, "level": 3, "hard": true})
			create(netcode.JoinCreatePrivate, "hidden", map[string]any{"t": kind, "level": 3})
			waitListed(t, ctx, one, modeLab, func(r netcode.RoomInfo) bool { return r.Name == room("three") && len(r.Metadata) > 0 })

			lobby := dial() // in no room
			mine := map[string]string{"t": kind}
			rs, err := lobby.ListRooms(ctx, modeLab, mine, 0, 0)
			if err != nil {
				t.Fatal(err)
			}
			if got := names(rs); rs.Total != 3 || fmt.Sprint(got) != fmt.Sprint([]string{room("one"), room("two"), room("three")}) {
				t.Fatalf("rooms %v, total %d: want one, two and three, in the order they were made", got, rs.Total)
			}
			r := rs.Rooms[0]
			var meta map[string]any
			if err := r.Metadata.Decode(&meta); err != nil || fmt.Sprint(meta["level"]) != "3" || meta["map"] != "dust" {
				t.Errorf("metadata %v (%v), want level 3 and map dust", meta, err)
			}
			if r.Mode != modeLab || r.Players != 1 || r.MaxPlayers == 0 || r.Locked || r.ID == "" {
				t.Errorf("room %+v", r)
			}

			page, err := lobby.ListRooms(ctx, modeLab, mine, 1, 1)
			if err != nil {
				t.Fatal(err)
			}
			if got := names(page); page.Total != 3 || len(got) != 1 || got[0] != room("two") {
				t.Errorf("page at 1 of 1: %v, total %d; want two of 3", got, page.Total)
			}
			for _, tc := range []struct {
				filter map[string]string
				want   string
			}{
				{map[string]string{"t": kind, "level": "3"}, fmt.Sprint([]string{room("one"), room("three")})},
				{map[string]string{"t": kind, "hard": "true"}, fmt.Sprint([]string{room("three")})},
				{map[string]string{"t": kind, "level": "5"}, "[]"},
			} {
				rs, err := one.ListRooms(ctx, modeLab, tc.filter, 0, 10)
				if err != nil {
					t.Fatal(err)
				}
				if got := fmt.Sprint(names(rs)); got != tc.want {
					t.Errorf("filter %v: %s, want %s", tc.filter, got, tc.want)
				}
			}
			if rs, err := lobby.ListRooms(ctx, modeArena, mine, 0, 10); err != nil || len(rs.Rooms) != 0 {
				t.Errorf("arena rooms with this subtest's metadata: %v, %v; want none", rs, err)
			}

			// Many requests at once, each answered with its own filter.
			var wg sync.WaitGroup
			errs := make(chan error, 20)
			for i := range 20 {
				wg.Go(func() {
					level := fmt.Sprint(3 + i%2)
					rs, err := lobby.ListRooms(ctx, modeLab, map[string]string{"t": kind, "level": level}, 0, 10)
					if err != nil {
						errs <- err
						return
					}
					want := 2
					if level == "4" {
						want = 1
					}
					if int(rs.Total) != want {
						errs <- fmt.Errorf("level %s: total %d (%v), want %d", level, rs.Total, names(rs), want)
					}
				})
			}
			wg.Wait()
			close(errs)
			for err := range errs {
				t.Error(err)
			}
		})
	}
}

// Bad listing arguments fail before anything is sent.
func TestListRoomsBadArguments(t *testing.T) {
	c, f := newFakeClient(t, Options{})
	ctx := testCtx(t, 10*time.Second)
	tooMany := map[string]string{}
	for i := range netcode.MaxFilterKeys + 1 {
		tooMany[fmt.Sprint(i)] = "x"
	}
	for _, tc := range []struct {
		filter        map[string]string
		offset, limit int
	}{
		{nil, -1, 0},
		{nil, 0, -1},
		{tooMany, 0, 0},
		{map[string]string{"k": string(make([]byte, netcode.MaxMetaValueLen+1))}, 0, 0},
	} {
		if _, err := c.ListRooms(ctx, "", tc.filter, tc.offset, tc.limit); err == nil {
			t.Errorf("ListRooms(%d keys, %d, %d) succeeded", len(tc.filter), tc.offset, tc.limit)
		}
	}
	if sent := f.sentMessages(t); len(sent) != 0 {
		t.Errorf("sent %v", sent)
	}
}
