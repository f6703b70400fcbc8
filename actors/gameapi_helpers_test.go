package actors

import (
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/tickroom/tickroom/games/arena"
	"github.com/tickroom/tickroom/netcode"
	"github.com/tickroom/tickroom/world"
)

// probe is an arena with every hook, driven by its players' messages and
// recording what the room called, for tests of the game API. Its messages:
//
//	"echo" p      Broadcast "echo" p to everyone
//	"tell" n      Send "told" to player n
//	"kick" n      Kick player n, reason "bye"
//	"lock" b      Lock (b true) or Unlock
//	"meta" m      SetMetadata(m)
//	"after" ms    After(ms) Broadcast "timer" with the tick
//	"every" ms    Every(ms), same; "cancel" cancels it
//	"close" why   Close(why)
//
// Joins whose options are {"refuse": reason} are refused with it; a create
// with {"fail": reason} fails.
type probe struct {
	*arena.Game
	room  world.Room
	log   *callLog
	every world.TimerID
}

// callLog records the hooks' calls, for the test goroutine to read.
type callLog struct {
	mu    sync.Mutex
	calls []string
}

func (l *callLog) add(format string, args ...any) {
	l.mu.Lock()
	l.calls = append(l.calls, fmt.Sprintf(format, args...))
	l.mu.Unlock()
}

func (l *callLog) all() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]string(nil), l.calls...)
}

// with returns the calls that start with prefix.
func (l *callLog) with(prefix string) []string {
	var out []string
	for _, c := range l.all() {
		if strings.HasPrefix(c, prefix) {
			out = append(out, c)
		}
	}
	return out
}

type probeOptions struct {
	Refuse string `msgpack:"refuse"`
	Fail   string `msgpack:"fail"`
}

func (g *probe) Attach(r world.Room) { g.room = r }

func (g *probe) Create(w *world.World, options world.Payload) error {
	var o probeOptions
	if err := options.Decode(&o); err != nil {
		return err
	}
	g.log.add("create %s fail=%q", g.room.Name(), o.Fail)
	if o.Fail != "" {
		return errors.New(o.Fail)
	}
	return nil
}

func (g *probe) JoinAttempt(w *world.World, a world.JoinAttempt) error {
	var o probeOptions
	if err := a.Options.Decode(&o); err != nil {
		return err
	}
	g.log.add("attempt %s %d creator=%v", g.room.Name(), a.Player, a.Creator)
	if o.Refuse != "" {
		return errors.New(o.Refuse)
	}
	return nil
}

func (g *probe) Join(w *world.World, p world.PlayerID, name string) (world.EntityID, error) {
	g.log.add("join %s %d", g.room.Name(), p)
	_ = g.room.Send(p, "hello", name) // before the welcome: must follow it
	return g.Game.Join(w, p, name)
}

func (g *probe) OnLeave(w *world.World, p world.PlayerID, why world.LeaveReason) {
	g.log.add("leave %s %d %s", g.room.Name(), p, why)
}

func (g *probe) Dispose(w *world.World) { g.log.add("dispose %s", g.room.Name()) }

func (g *probe) OnResume(w *world.World, p world.PlayerID) {
	g.log.add("resume %s %d", g.room.Name(), p)
}

func (g *probe) Message(w *world.World, p world.PlayerID, typ string, payload world.Payload) {
	g.log.add("message %s %d %s", g.room.Name(), p, typ)
	switch typ {
	case "echo":
		var v any
		_ = payload.Decode(&v)
		_ = g.room.Broadcast("echo", v)
	case "tell":
		var n world.PlayerID
		_ = payload.Decode(&n)
		_ = g.room.Send(n, "told", int(w.Tick()))
	case "kick", "kick-slowly":
		var n world.PlayerID
		_ = payload.Decode(&n)
		g.room.Kick(n, "bye")
		if typ == "kick-slowly" {
			// The rest of the step takes a while: whatever the room sent
			// before the kick must not wait for its end to leave.
			time.Sleep(100 * time.Millisecond)
		}
	case "lock":
		var b bool
		_ = payload.Decode(&b)
		if b {
			g.room.Lock()
		} else {
			g.room.Unlock()
		}
	case "meta":
		var m map[string]any
		_ = payload.Decode(&m)
		_ = g.room.SetMetadata(m)
	case "after", "every":
		var ms int
		_ = payload.Decode(&ms)
		f := func(w *world.World) { _ = g.room.Broadcast("timer", int(w.Tick())) }
		if typ == "after" {
			g.room.After(time.Duration(ms)*time.Millisecond, f)
		} else {
			g.every = g.room.Every(time.Duration(ms)*time.Millisecond, f)
		}
	case "cancel":
		g.room.Cancel(g.every)
	case "close":
		var why string
		_ = payload.Decode(&why)
		g.room.Close(why)
	}
}

func probeModes(log *callLog) map[string]Mode {
	m := testModes()
	m["probe"] = Mode{NewGame: func() world.Game { return &probe{Game: arena.New(), log: log} }}
	return m
}

// joinHow sends a join of the probe mode.
func (c *testClient) joinHow(how netcode.JoinHow, room string, options any) {
	c.t.Helper()
	p, err := netcode.EncodePayload(options, netcode.MaxPayloadLen)
	if err != nil {
		c.t.Fatal(err)
	}
	c.send(&netcode.Join{Version: netcode.ProtocolVersion, Mode: "probe", Name: "p", How: how, Room: room, Options: p})
}

// message sends a game message.
func (c *testClient) message(typ string, payload any) {
	c.t.Helper()
	p, err := netcode.EncodePayload(payload, netcode.MaxPayloadLen)
	if err != nil {
		c.t.Fatal(err)
	}
	c.send(&netcode.Message{Type: typ, Payload: p})
}

// events returns the events received so far, as "type:payload".
func (c *testClient) events() []string {
	var out []string
	for _, m := range c.link.messages(c.t) {
		if e, ok := m.(*netcode.Event); ok {
			var v any
			_ = e.Payload.Decode(&v)
			out = append(out, fmt.Sprintf("%s:%v", e.Type, v))
		}
	}
	return out
}

// errorFrames returns the error frames received so far, but the
// not_joined answers to the acks a test client sends after leaving a room.
func (c *testClient) errorFrames() []netcode.Error {
	var out []netcode.Error
	for _, m := range c.link.messages(c.t) {
		if e, ok := m.(*netcode.Error); ok && e.Code != netcode.CodeNotJoined {
			out = append(out, *e)
		}
	}
	return out
}

// refusals returns the codes of errorFrames.
func (c *testClient) refusals() []netcode.Code {
	var out []netcode.Code
	for _, e := range c.errorFrames() {
		out = append(out, e.Code)
	}
	return out
}
