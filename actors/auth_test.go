package actors

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/tickroom/tickroom/games/arena"
	"github.com/tickroom/tickroom/netcode"
	"github.com/tickroom/tickroom/transports"
	"github.com/tickroom/tickroom/world"
)

// identities is an Authenticate hook for fake links: it knows each link by
// its address, as the test registered it, and refuses the rest.
type identities struct {
	mu sync.Mutex
	by map[string]world.Identity
}

func (ids *identities) authenticate(_ context.Context, _, remote string) (world.Identity, error) {
	ids.mu.Lock()
	defer ids.mu.Unlock()
	id, ok := ids.by[remote]
	if !ok {
		return world.Identity{}, errors.New("no such ticket")
	}
	return id, nil
}

// connectAs connects a client that the hook takes for id.
func connectAs(t *testing.T, h *Hub, ids *identities, id world.Identity) *testClient {
	t.Helper()
	l := newFakeLink()
	ids.mu.Lock()
	if ids.by == nil {
		ids.by = make(map[string]world.Identity)
	}
	ids.by[l.RemoteAddr()] = id
	ids.mu.Unlock()
	r, err := h.Accept(l, nil)
	if err != nil {
		t.Fatalf("Accept: %v", err)
	}
	c := &testClient{t: t, link: l, recv: r}
	t.Cleanup(c.disconnect)
	return c
}

// whoGame is an arena that records the identities its join hook sees and,
// on a "who" message, those Room.Players reports.
type whoGame struct {
	*arena.Game
	room     world.Room
	mu       sync.Mutex
	attempts []world.Identity
	players  []world.Identity
}

func (g *whoGame) Attach(r world.Room) { g.room = r }

func (g *whoGame) JoinAttempt(_ *world.World, a world.JoinAttempt) error {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.attempts = append(g.attempts, a.Identity)
	return nil
}

func (g *whoGame) Message(*world.World, world.PlayerID, string, world.Payload) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.players = g.players[:0]
	for _, p := range g.room.Players() {
		g.players = append(g.players, p.Identity)
	}
}

func (g *whoGame) seen() (attempts, players []world.Identity) {
	g.mu.Lock()
	defer g.mu.Unlock()
	return slices.Clone(g.attempts), slices.Clone(g.players)
}

func whoModes(g *whoGame) map[string]Mode {
	return map[string]Mode{"who": {NewGame: func() world.Game { return g }}}
}

var (
	alice = world.Identity{UserID: "u-alice", DisplayName: "Alice", Claims: map[string]string{"team": "red"}}
	bob   = world.Identity{UserID: "u-bob", DisplayName: "Bob"}
)

func sameIdentity(a, b world.Identity) bool {
	return a.UserID == b.UserID && a.DisplayName == b.DisplayName && fmt.Sprint(a.Claims) == fmt.Sprint(b.Claims)
}

// The identity Authenticate proves reaches the game's join hook and its
// room's player list; a refused connection gets unauthorized, counted, and
// no session.
func TestAuthenticateIdentityReachesTheGame(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		g := &whoGame{Game: arena.New()}
		ids := new(identities)
		h := newTestHub(t, Options{Modes: whoModes(g), Authenticate: ids.authenticate})
		a := connectAs(t, h, ids, alice)
		b := connectAs(t, h, ids, bob)
		a.join("r")
		b.join("r")
		tickUntil(func() bool { return a.welcome() != nil && b.welcome() != nil }, nil)
		a.message("who", nil)
		tickUntil(func() bool { _, p := g.seen(); return len(p) == 2 }, ackAll(a, b))
		attempts, players := g.seen()
		for what, got := range map[string][]world.Identity{"join hook": attempts, "Room.Players": players} {
			// The two joins race to the lobby: either may come first.
			slices.SortFunc(got, func(x, y world.Identity) int { return strings.Compare(x.UserID, y.UserID) })
			if len(got) != 2 || !sameIdentity(got[0], alice) || !sameIdentity(got[1], bob) {
				t.Errorf("%s saw %+v, want alice and bob", what, got)
			}
		}

		l := newFakeLink()
		sessions := h.Stats().Sessions
		_, err := h.Accept(l, nil)
		var ce *transports.CloseError
		if !errors.As(err, &ce) || ce.Code != uint16(netcode.CodeUnauthorized) || ce.Reason != "unauthorized" {
			t.Fatalf("Accept of an unknown ticket = %v, want close 4023 unauthorized", err)
		}
		c := &testClient{t: t, link: l}
		if got := c.errorFrames(); len(got) != 1 || got[0].Code != netcode.CodeUnauthorized || got[0].Message != "unauthorized" {
			t.Errorf("refused client got %+v, want one error frame unauthorized saying nothing more", got)
		}
		st := h.Stats()
		if st.AuthRefused != 1 || st.Authenticated != 2 || st.Sessions != sessions {
			t.Errorf("stats refused %d authenticated %d sessions %d→%d, want 1, 2 and no new session", st.AuthRefused, st.Authenticated, sessions, st.Sessions)
		}
		if closed, _ := b.link.closeState(); closed || len(b.errorCodes()) != 0 {
			t.Errorf("another player's connection was touched by the refusal: closed %v, errors %v", closed, b.errorCodes())
		}
		closeAll(a, b)
	})
}

// A hook that panics, or answers after its deadline, refuses the
// connection; the process and the other players carry on.
func TestAuthenticateFailures(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var calls []string
		h := newTestHub(t, Options{AuthTimeout: time.Second, Authenticate: func(ctx context.Context, credential, remote string) (world.Identity, error) {
			calls = append(calls, credential)
			switch len(calls) {
			case 1:
				panic("bad hook")
			case 2:
				<-ctx.Done() // blocks until the deadline, then "succeeds"
				return alice, nil
			}
			return bob, nil
		}})
		for i, want := range []int64{1, 2} {
			_, err := h.Accept(newFakeLink(), nil)
			var ce *transports.CloseError
			if !errors.As(err, &ce) || ce.Code != uint16(netcode.CodeUnauthorized) {
				t.Errorf("call %d: Accept = %v, want unauthorized", i+1, err)
			}
			if got := h.Stats().AuthRefused; got != want {
				t.Errorf("call %d: AuthRefused = %d, want %d", i+1, got, want)
			}
		}
		if got := h.Stats().Panics; got != 1 {
			t.Errorf("Panics = %d, want the hook's 1", got)
		}
		c := connect(t, h)
		c.join("r")
		tickUntil(func() bool { return c.welcome() != nil }, nil)
		if c.welcome() == nil || !slices.Equal(calls, []string{"", "", ""}) {
			t.Errorf("third connection: welcome %v, credentials %q", c.welcome(), calls)
		}
		closeAll(c)
	})
}

// Without a hook every connection is anonymous, whatever its ticket.
func TestNoAuthenticateIsAnonymous(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		g := &whoGame{Game: arena.New()}
		h := newTestHub(t, Options{Modes: whoModes(g)})
		req, _ := http.NewRequest(http.MethodGet, "/ws", nil)
		req.Header.Set("Authorization", "Bearer x")
		l := newFakeLink()
		r, err := h.Accept(l, req)
		if err != nil {
			t.Fatal(err)
		}
		c := &testClient{t: t, link: l, recv: r}
		t.Cleanup(c.disconnect)
		c.join("r")
		tickUntil(func() bool { return c.welcome() != nil }, nil)
		if attempts, _ := g.seen(); len(attempts) != 1 || !sameIdentity(attempts[0], world.Identity{}) {
			t.Errorf("join hook saw %+v, want one anonymous identity", attempts)
		}
		closeAll(c)
	})
}

// With OneSessionPerUser a user's new connection closes its older one with
// replaced, whose seat is then held: the newer connection resumes it. Other
// users and anonymous connections are never matched.
func TestOneSessionPerUser(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		g := &whoGame{Game: arena.New()}
		ids := new(identities)
		h := newTestHub(t, Options{Modes: whoModes(g), Authenticate: ids.authenticate, OneSessionPerUser: true})
		a := connectAs(t, h, ids, alice)
		b := connectAs(t, h, ids, bob)
		anon1 := connectAs(t, h, ids, world.Identity{})
		anon2 := connectAs(t, h, ids, world.Identity{})
		for _, c := range []*testClient{a, b, anon1, anon2} {
			c.join("r")
		}
		tickUntil(func() bool { return a.welcome() != nil && b.welcome() != nil }, nil)
		a.run(200*time.Millisecond, 50*time.Millisecond)

		a2 := connectAs(t, h, ids, alice)
		synctest.Wait()
		if closed, code := a.link.closeState(); !closed || code != uint16(netcode.CodeReplaced) {
			t.Fatalf("older connection of alice: closed %v code %d, want closed with replaced", closed, code)
		}
		if got := a.errorCodes(); !slices.Equal(got, []netcode.Code{netcode.CodeReplaced}) {
			t.Errorf("older connection got errors %v, want replaced", got)
		}
		for name, c := range map[string]*testClient{"bob": b, "anonymous 1": anon1, "anonymous 2": anon2} {
			if closed, _ := c.link.closeState(); closed {
				t.Errorf("%s was closed by alice's new connection", name)
			}
		}
		if got := h.Stats().UsersReplaced; got != 1 {
			t.Errorf("UsersReplaced = %d, want 1", got)
		}

		// The new connection takes the old seat back: same user.
		a.disconnect()
		a2.resumeAs(a)
		tickUntil(func() bool { return a2.welcome() != nil }, ackAll(a2, b))
		if w, w0 := a2.welcome(), a.welcome(); w == nil || w.Player != w0.Player {
			t.Errorf("resume by the newer connection: %+v, want the seat of player %d", w, w0.Player)
		}

		// Bob cannot resume alice's seat: the room answers resume_expired.
		b2 := connectAs(t, h, ids, world.Identity{UserID: "u-mallory"})
		b2.resumeAs(a2)
		tickUntil(func() bool { return len(b2.errorCodes()) > 0 }, nil)
		if got := b2.errorCodes(); !slices.Equal(got, []netcode.Code{netcode.CodeResumeExpired}) {
			t.Errorf("resume of alice's seat by another user: %v, want resume_expired", got)
		}
		closeAll(a2, b, b2, anon1, anon2)
	})
}

// With OneSessionPerUser off, a user may have several connections.
func TestSeveralSessionsPerUser(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ids := new(identities)
		h := newTestHub(t, Options{Authenticate: ids.authenticate})
		a := connectAs(t, h, ids, alice)
		a2 := connectAs(t, h, ids, alice)
		synctest.Wait()
		if closed, _ := a.link.closeState(); closed {
			t.Error("older connection closed with OneSessionPerUser off")
		}
		closeAll(a, a2)
		synctest.Wait()
		h.users.mu.Lock()
		left := len(h.users.by)
		h.users.mu.Unlock()
		if left != 0 {
			t.Errorf("%d users still listed after their sessions stopped", left)
		}
	})
}
