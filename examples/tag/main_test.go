package main

import (
	"bufio"
	"context"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/tickroom/tickroom/client"
	"github.com/tickroom/tickroom/games/tag"
	"github.com/tickroom/tickroom/netcode"
	"github.com/tickroom/tickroom/world"
)

// start builds the example into a temporary directory (removed when the
// test ends), runs it with config and returns its base URL; the server is
// shut down with SIGTERM when the test ends.
func start(t *testing.T, config string) string {
	t.Helper()
	if testing.Short() {
		t.Skip("builds and runs the example")
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "tag")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	path := filepath.Join(dir, "server.toml")
	if err := os.WriteFile(path, []byte(config), 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "-config", path)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	listening := regexp.MustCompile(`msg=listening .*url=(http://\S+)`)
	lines := bufio.NewScanner(stderr)
	url := ""
	for url == "" && lines.Scan() {
		if m := listening.FindStringSubmatch(lines.Text()); m != nil {
			url = m[1]
		}
	}
	done := make(chan struct{})
	go func() { // keep reading, so that its logging never blocks
		defer close(done)
		for lines.Scan() {
		}
	}()
	t.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		if err := cmd.Wait(); err != nil {
			t.Errorf("the example did not shut down cleanly: %v", err)
		}
		<-done
	})
	if url == "" {
		t.Fatal("the example did not start")
	}
	return url
}

// bot is one player: it chats, waves, gets ready, and in a round runs at
// the other player (which makes tags happen both ways), recording every
// event it receives.
type bot struct {
	name   string
	c      *client.Client
	events client.EventQueue

	mu  sync.Mutex
	got []netcode.Event
}

func newBot(t *testing.T, ctx context.Context, url, name string, o client.Options) *bot {
	t.Helper()
	b := &bot{name: name}
	o.Name = name
	o.OnEvent = func(e netcode.Event) {
		b.mu.Lock()
		b.got = append(b.got, e)
		b.mu.Unlock()
		b.events.Push(e)
	}
	c, err := client.Dial(ctx, url, o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	b.c = c
	return b
}

// chase steers towards the other player until ctx ends.
func (b *bot) chase(ctx context.Context) {
	for ctx.Err() == nil {
		v := b.c.View()
		player, _ := v.TypeByName("player")
		fx, _ := v.FieldByName(player, "x")
		fy, _ := v.FieldByName(player, "y")
		var me, other client.Entity
		for e := range v.Entities(player) {
			if w := b.c.Welcome(); w != nil && e.ID == world.EntityID(w.Entity) {
				me = e
			} else {
				other = e
			}
		}
		in := world.Input{}
		if me.Schema != nil && other.Schema != nil {
			dx, dy := other.Float(fx)-me.Float(fx), other.Float(fy)-me.Float(fy)
			if d := math.Hypot(dx, dy); d > 0 {
				in.Axes = [4]int16{int16(dx / d * world.MaxAxis), int16(dy / d * world.MaxAxis)}
			}
		}
		_, _ = b.c.SendInput(in)
		time.Sleep(50 * time.Millisecond)
	}
}

// waitEvent waits for the next event of type typ, skipping others.
func (b *bot) waitEvent(t *testing.T, ctx context.Context, typ string) netcode.Event {
	t.Helper()
	for {
		e, err := b.events.Next(ctx)
		if err != nil {
			t.Fatalf("%s waiting for %s: %v", b.name, typ, err)
		}
		if e.Type == typ {
			return e
		}
	}
}

// Two bots, one on WebSocket and one on long-polling, play a round of tag
// through the real example server: each sees the other's name, chat and
// wave, at least two tags, and the winner, and every event exactly once.
func TestTagRoundOverWebSocketAndLongPolling(t *testing.T) {
	url := start(t, `
[server]
addr = "127.0.0.1:0"
[modes.tag.settings]
round = "4s"
reach = 40.0
immunity = "500ms"
speed = 250.0
`)
	ctx, cancel := context.WithTimeout(t.Context(), 60*time.Second)
	defer cancel()
	ada := newBot(t, ctx, url, "ada", client.Options{Transport: client.TransportWebSocket})
	bob := newBot(t, ctx, url, "bob", client.Options{Transport: client.TransportLongPoll, NoUpgrade: true})
	for _, b := range []*bot{ada, bob} {
		if _, err := b.c.Join(ctx, "park", "tag"); err != nil {
			t.Fatalf("%s joins: %v", b.name, err)
		}
	}
	for _, b := range []*bot{ada, bob} {
		if err := b.c.SendMessage("chat", map[string]string{"text": "hi from " + b.name}); err != nil {
			t.Fatal(err)
		}
		if err := b.c.SendMessage("wave", nil); err != nil {
			t.Fatal(err)
		}
	}
	for _, b := range []*bot{ada, bob} {
		b.waitEvent(t, ctx, "wave")
		b.waitEvent(t, ctx, "wave")
		if err := b.c.SendMessage("ready", nil); err != nil {
			t.Fatal(err)
		}
	}
	play, stop := context.WithCancel(ctx)
	var wg sync.WaitGroup
	for _, b := range []*bot{ada, bob} {
		wg.Go(func() { b.chase(play) })
	}
	var overs []netcode.Event
	for _, b := range []*bot{ada, bob} {
		overs = append(overs, b.waitEvent(t, ctx, "round_over"))
	}
	stop()
	wg.Wait()

	// Each bot sees the other's name in the state.
	for _, pair := range [][2]*bot{{ada, bob}, {bob, ada}} {
		v := pair[0].c.View()
		player, _ := v.TypeByName("player")
		name, _ := v.FieldByName(player, "name")
		var names []string
		for e := range v.Entities(player) {
			names = append(names, e.String(name))
		}
		if !slices.Contains(names, pair[1].name) {
			t.Errorf("%s sees players %v, want %s among them", pair[0].name, names, pair[1].name)
		}
	}
	// Every event exactly once, and the same events for both.
	for _, b := range []*bot{ada, bob} {
		b.mu.Lock()
		got := slices.Clone(b.got)
		b.mu.Unlock()
		seen := map[string]int{}
		kinds := map[string]int{}
		for _, e := range got {
			key := fmt.Sprintf("%d %s %x", e.Tick, e.Type, e.Payload)
			seen[key]++
			kinds[e.Type]++
			if seen[key] > 1 {
				t.Errorf("%s got event %s twice", b.name, key)
			}
		}
		if kinds["chat"] != 2 || kinds["wave"] != 2 || kinds["round_start"] != 1 || kinds["round_over"] != 1 || kinds["tagged"] < 2 {
			t.Errorf("%s (%s) got events %v: want 2 chats, 2 waves, a round start, 2 or more tags and a round over",
				b.name, b.c.Transport(), kinds)
		}
		var chats []string
		for _, e := range got {
			if e.Type == "chat" {
				var m struct {
					From uint32 `msgpack:"from"`
					Name string `msgpack:"name"`
					Text string `msgpack:"text"`
				}
				if err := e.Payload.Decode(&m); err != nil {
					t.Fatal(err)
				}
				chats = append(chats, m.Name+": "+m.Text)
			}
		}
		slices.Sort(chats)
		if want := []string{"ada: hi from ada", "bob: hi from bob"}; !slices.Equal(chats, want) {
			t.Errorf("%s got chats %v, want %v", b.name, chats, want)
		}
	}
	var winners []uint32
	for _, e := range overs {
		var m struct {
			Winner uint32      `msgpack:"winner"`
			Scores []tag.Score `msgpack:"scores"`
		}
		if err := e.Payload.Decode(&m); err != nil {
			t.Fatal(err)
		}
		winners = append(winners, m.Winner)
	}
	if winners[0] == 0 || winners[0] != winners[1] {
		t.Errorf("winners %v: want the same player for both", winners)
	}
}
