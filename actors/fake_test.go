package actors

import (
	"bytes"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/tickroom/tickroom/games/arena"
	"github.com/tickroom/tickroom/netcode"
	"github.com/tickroom/tickroom/transports"
	"github.com/tickroom/tickroom/world"
)

// fakeLink is a transports.Link that records what the server sends. It keeps
// every frame: the tests want to see drops happen in the actors, not here.
type fakeLink struct {
	id   uint64
	addr string // the client's "ip:port"

	mu        sync.Mutex
	frames    [][]byte
	bodies    []*byte // first byte of each state body, to see sharing
	closed    bool
	closeCode uint16
}

var linkIDs atomic.Uint64

// newFakeLink returns a link from an address of its own, so that tests
// share no per-address budget unless they ask to (newFakeLinkFrom).
func newFakeLink() *fakeLink {
	id := linkIDs.Add(1)
	return newFakeLinkFrom(fmt.Sprintf("10.%d.%d.%d:40000", id>>16&255, id>>8&255, id&255))
}

func newFakeLinkFrom(addr string) *fakeLink { return &fakeLink{id: linkIDs.Add(1), addr: addr} }

func (l *fakeLink) ID() uint64         { return l.id }
func (l *fakeLink) RemoteAddr() string { return l.addr }
func (l *fakeLink) Transport() string  { return "fake" }

func (l *fakeLink) Send(class transports.Class, head, body []byte) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		return transports.ErrClosed
	}
	if class == transports.ClassState && len(body) > 0 {
		l.bodies = append(l.bodies, &body[0])
	}
	l.frames = append(l.frames, append(bytes.Clone(head), body...))
	return nil
}

func (l *fakeLink) Close(code uint16, _ string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if !l.closed {
		l.closed, l.closeCode = true, code
	}
}

// messages decodes every frame sent so far.
func (l *fakeLink) messages(t *testing.T) []netcode.Frame {
	t.Helper()
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []netcode.Frame
	for _, f := range l.frames {
		m, err := netcode.DecodeServer(f)
		if err != nil {
			t.Fatalf("server sent an undecodable frame %x: %v", f, err)
		}
		out = append(out, m)
	}
	return out
}

func (l *fakeLink) bodyPtrs() []*byte {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]*byte(nil), l.bodies...)
}

func (l *fakeLink) closeState() (bool, uint16) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.closed, l.closeCode
}

// testClient drives one session through its receiver, as a link's reader
// goroutine would.
type testClient struct {
	t    *testing.T
	link *fakeLink
	recv transports.Receiver
	seq  uint32
	gone bool // disconnect ran
}

func connect(t *testing.T, h *Hub) *testClient {
	t.Helper()
	return connectLink(t, h, newFakeLink())
}

// connectFrom connects a client from addr ("ip:port"), which other clients
// may share.
func connectFrom(t *testing.T, h *Hub, addr string) *testClient {
	t.Helper()
	return connectLink(t, h, newFakeLinkFrom(addr))
}

func connectLink(t *testing.T, h *Hub, l *fakeLink) *testClient {
	t.Helper()
	r, err := h.Accept(l, nil)
	if err != nil {
		t.Fatalf("Accept: %v", err)
	}
	c := &testClient{t: t, link: l, recv: r}
	// Registered after the hub's, so it runs first: a test that stops
	// early still ends its sessions before the hub waits for them.
	t.Cleanup(c.disconnect)
	return c
}

func (c *testClient) send(m netcode.Frame) {
	c.t.Helper()
	frame, err := netcode.AppendFrame(nil, m)
	if err != nil {
		c.t.Fatalf("encode %T: %v", m, err)
	}
	c.recv.OnFrame(frame)
}

func (c *testClient) join(room string) {
	c.send(&netcode.Join{Version: netcode.ProtocolVersion, Room: room, Name: "p"})
}

// input sends an input acknowledging the newest state received.
func (c *testClient) input(ax int16) {
	c.seq++
	c.send(&netcode.Input{Seq: c.seq, Ack: c.lastTick(), Input: world.Input{Axes: [4]int16{ax, 0}}})
}

// disconnect ends the link as the transport would, once.
func (c *testClient) disconnect() {
	if !c.gone {
		c.gone = true
		c.recv.OnClose(nil)
	}
}

func (c *testClient) states() []*netcode.State {
	var out []*netcode.State
	for _, m := range c.link.messages(c.t) {
		if s, ok := m.(*netcode.State); ok {
			out = append(out, s)
		}
	}
	return out
}

func (c *testClient) errorCodes() []netcode.Code {
	var out []netcode.Code
	for _, m := range c.link.messages(c.t) {
		if e, ok := m.(*netcode.Error); ok {
			out = append(out, e.Code)
		}
	}
	return out
}

func (c *testClient) welcome() *netcode.Welcome {
	for _, m := range c.link.messages(c.t) {
		if w, ok := m.(*netcode.Welcome); ok {
			return w
		}
	}
	return nil
}

func (c *testClient) lastTick() uint32 {
	s := c.states()
	if len(s) == 0 {
		return 0
	}
	return s[len(s)-1].Delta.Tick
}

// quietLogger keeps test output to failures.
func quietLogger() *slog.Logger { return slog.New(slog.DiscardHandler) }

// testModes are the game modes test hubs serve: the arena, and arenas with
// a bug planted (see panicky and sleepy).
func testModes() map[string]Mode {
	return map[string]Mode{
		"arena":   {NewGame: func() world.Game { return arena.New() }},
		"panicky": {NewGame: func() world.Game { return panicky{arena.New()} }},
		"sleepy":  {NewGame: func() world.Game { return &sleepy{Game: arena.New()} }},
	}
}
