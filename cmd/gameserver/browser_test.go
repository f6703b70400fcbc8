package main

import (
	"math"
	"strconv"
	"testing"
	"time"
)

// The demo's state as the tests read it, from window.demo (see
// web/demo/arena.js).
const (
	jsJoined  = `window.demo && demo.client.view && demo.client.view.entity(demo.entity) ? demo.entity : 0`
	jsPlayers = `(window.demo && demo.client.view ? demo.client.view.all("player").length : 0)`
)

// jsX reads the x of entity id as the page's latest state has it, -1 when
// it has none.
func jsX(id int) string {
	return `(() => { const v = demo.client.view, e = v && v.entity(` + strconv.Itoa(id) + `); return e ? v.get(e, "x") : -1 })()`
}

// moveAndWatch holds an arrow key on mover for a second, toward the side
// of the field with room, and waits until watcher sees mover's player move
// that way.
func moveAndWatch(t *testing.T, mover, watcher *page, entity int) {
	t.Helper()
	x0 := poll[float64](watcher, 10*time.Second, `(() => { const x = `+jsX(entity)+`; return x >= 0 ? x + 1 : 0 })()`) - 1
	key, vk, sign := "ArrowRight", int64(39), 1.0
	if x0 > 500 {
		key, vk, sign = "ArrowLeft", 37, -1
	}
	mover.hold(key, vk, time.Second)
	// 100 units/s for a second: at least half of it, whatever the timing.
	poll[bool](watcher, 10*time.Second, `(`+jsX(entity)+` - `+fmtFloat(x0)+`) * `+fmtFloat(sign)+` > 50`)
	if x := eval[float64](watcher, jsX(entity)); math.Abs(x-x0) > 200 {
		t.Errorf("a one-second move took the player from %.1f to %.1f: more than the arena's speed allows", x0, x)
	}
}

// Two browsers on the demo page play in one room: each sees the other,
// and what one does with the keyboard the other sees happen.
func TestBrowserTwoPagesPlay(t *testing.T) {
	t.Parallel()
	b := newBrowser(t)
	s := startServer(t, testConfig(""))
	ann := openPage(t, b, "http://"+s.addr+"/?name=ann")
	bob := openPage(t, b, "http://"+s.addr+"/?name=bob")
	a := poll[int](ann, 15*time.Second, jsJoined)
	poll[int](bob, 15*time.Second, jsJoined)
	for _, p := range []*page{ann, bob} {
		poll[bool](p, 10*time.Second, jsPlayers+` === 2`)
		if tr := eval[string](p, `demo.client.transport`); tr != "websocket" {
			t.Errorf("%s: transport %q, want websocket", p.url, tr)
		}
	}
	if name := eval[string](bob, `(() => { const v = demo.client.view; return v.get(v.entity(`+strconv.Itoa(a)+`), "name") })()`); name != "ann" {
		t.Errorf("bob sees ann's player named %q", name)
	}
	moveAndWatch(t, ann, bob, a)
	// ann's own page predicted the move: her drawn position is where the
	// room says she is, within a few ticks of movement.
	shown := eval[float64](ann, `demo.shown.x`)
	if auth := eval[float64](ann, jsX(a)); math.Abs(shown-auth) > 30 {
		t.Errorf("ann's page draws her at x %.1f, the room has her at %.1f", shown, auth)
	}
}

// Behind a reverse proxy that strips the WebSocket upgrade (a real nginx,
// as some corporate networks run), the page falls back to long-polling and
// plays.
func TestBrowserBehindProxyThatStripsUpgrade(t *testing.T) {
	t.Parallel()
	b := newBrowser(t)
	s := startServer(t, testConfig(""))
	proxy := startNginx(t, s.addr, `proxy_set_header Upgrade ""; proxy_set_header Connection ""; proxy_read_timeout 60s;`)
	p := openPage(t, b, "http://"+proxy+"/?name=cara")
	me := poll[int](p, 20*time.Second, jsJoined)
	if tr := eval[string](p, `demo.client.transport`); tr != "longpoll" {
		t.Errorf("behind the proxy the page plays on %q, want longpoll", tr)
	}
	watcher := openPage(t, b, "http://"+s.addr+"/?name=dan") // direct, on WebSocket
	poll[int](watcher, 15*time.Second, jsJoined)
	poll[bool](watcher, 10*time.Second, jsPlayers+` === 2`)
	moveAndWatch(t, p, watcher, me)
	if tr := eval[string](p, `demo.client.transport`); tr != "longpoll" {
		t.Errorf("after playing, transport %q: it cannot have upgraded through this proxy", tr)
	}
}

// A page whose connection is dropped (every TCP connection between it and
// the server closed at once) reconnects by itself and resumes its seat:
// the same player and entity, in the same room, with no second player.
func TestBrowserResumesAfterDrop(t *testing.T) {
	t.Parallel()
	b := newBrowser(t)
	s := startServer(t, testConfig(""))
	proxy := startCutProxy(t, s.addr)
	p := openPage(t, b, "http://"+proxy.addr()+"/?name=eve")
	entity := poll[int](p, 15*time.Second, jsJoined)
	player := eval[int](p, `demo.client.welcome.player`)
	time.Sleep(300 * time.Millisecond) // a few states, so the resume has a tick to diff from
	if n := proxy.cut(); n == 0 {
		t.Fatal("no connection to cut")
	}
	poll[bool](p, 20*time.Second, `demo.client.stats.reconnects >= 1 && demo.client.status === "open"`)
	poll[int](p, 10*time.Second, jsJoined)
	if got := eval[int](p, `demo.client.welcome.player`); got != player {
		t.Errorf("after the drop the page is player %d, want %d (resumed)", got, player)
	}
	if got := eval[int](p, `demo.entity`); got != entity {
		t.Errorf("after the drop the page's entity is %d, want %d", got, entity)
	}
	if n := poll[int](p, 5*time.Second, jsPlayers); n != 1 {
		t.Errorf("the room has %d players after the resume, want 1", n)
	}
	// And it still plays.
	watcher := openPage(t, b, "http://"+s.addr+"/?name=finn")
	poll[int](watcher, 15*time.Second, jsJoined)
	moveAndWatch(t, p, watcher, entity)
}
