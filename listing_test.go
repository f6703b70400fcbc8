package tickroom

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/tickroom/tickroom/client"
	"github.com/tickroom/tickroom/games/arena"
	"github.com/tickroom/tickroom/world"
)

// tagged is an arena whose rooms label themselves in their metadata with the
// first letter of their name, so listings have something to filter on.
type tagged struct {
	*arena.Game
	room world.Room
}

func (g *tagged) Attach(r world.Room) { g.room = r }
func (g *tagged) Init(w *world.World) {
	g.Game.Init(w)
	_ = g.room.SetMetadata(map[string]any{"letter": g.room.Name()[:1], "size": len(g.room.Name())})
}

func getJSON(t *testing.T, url string, into any) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if into != nil && resp.StatusCode == http.StatusOK {
		if err := json.Unmarshal(body, into); err != nil {
			t.Fatalf("GET %s: %v in %s", url, err, body)
		}
	}
	return resp.StatusCode, string(body)
}

func TestHTTPRoomListing(t *testing.T) {
	t.Parallel()
	s := startTestServer(t, "", func(s *Server) {
		Define(s, "tagged", func() *tagged { return &tagged{Game: arena.New()} })
		Define(s, "arena", arena.New)
	})
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	for _, name := range []string{"apple", "avocado", "banana"} {
		c, err := client.Dial(ctx, s.URL(), client.Options{})
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		if _, err := c.Join(ctx, name, "tagged"); err != nil {
			t.Fatal(err)
		}
	}
	c, err := client.Dial(ctx, s.URL(), client.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, err := c.Join(ctx, "plain", "arena"); err != nil {
		t.Fatal(err)
	}
	// The metadata reaches the lobby with the room's next report.
	var all listingJSON
	for deadline := time.Now().Add(5 * time.Second); ; {
		getJSON(t, s.URL()+"/rooms", &all)
		if all.Total == 4 && all.Rooms[0].Metadata != nil || time.Now().After(deadline) {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if all.Total != 4 || len(all.Rooms) != 4 {
		t.Fatalf("listing = %+v, want the 4 rooms", all)
	}
	if r := all.Rooms[0]; r.Name != "apple" || r.Mode != "tagged" || r.Players != 1 || r.MaxPlayers != 16 || r.Locked || r.ID == "" {
		t.Errorf("first room = %+v, want apple, tagged, 1 of 16, unlocked, with an id", r)
	}
	if got := all.Rooms[0].Metadata["letter"]; got != "a" {
		t.Errorf("apple's metadata = %v, want letter a", all.Rooms[0].Metadata)
	}
	for _, tc := range []struct {
		query string
		names []string
		total uint32
	}{
		{"?mode=tagged", []string{"apple", "avocado", "banana"}, 3},
		{"?mode=tagged&meta.letter=a", []string{"apple", "avocado"}, 2},
		{"?meta.letter=a&meta.size=7", []string{"avocado"}, 1},
		{"?mode=tagged&offset=1&limit=1", []string{"avocado"}, 3},
		{"?mode=arena", []string{"plain"}, 1},
		{"?mode=chess", nil, 0},
	} {
		var got listingJSON
		if code, body := getJSON(t, s.URL()+"/rooms"+tc.query, &got); code != http.StatusOK {
			t.Errorf("GET %s: %d %s", tc.query, code, body)
			continue
		}
		var names []string
		for _, r := range got.Rooms {
			names = append(names, r.Name)
		}
		if strings.Join(names, ",") != strings.Join(tc.names, ",") || got.Total != tc.total {
			t.Errorf("GET %s: rooms %v of %d, want %v of %d", tc.query, names, got.Total, tc.names, tc.total)
		}
	}
	for _, q := range []string{"?limit=0", "?limit=101", "?offset=-1", "?offset=x", "?page=2", "?mode=a&mode=b", "?meta.=x",
		"?meta.a=1&meta.b=1&meta.c=1&meta.d=1&meta.e=1&meta.f=1&meta.g=1&meta.h=1&meta.i=1", "?mode=%ff"} {
		code, body := getJSON(t, s.URL()+"/rooms"+q, nil)
		if code != http.StatusBadRequest || !strings.Contains(body, `"code":"bad_request"`) {
			t.Errorf("GET %s: %d %s, want 400 with code bad_request", q, code, body)
		}
	}
	resp, err := http.Post(s.URL()+"/rooms", "text/plain", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("POST /rooms: %d, want 405", resp.StatusCode)
	}
}
