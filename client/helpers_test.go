package client

import (
	"sync"
	"testing"

	"github.com/tickroom/tickroom/netcode"
	"github.com/tickroom/tickroom/world"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// fakeConn is a conn that records what the client sends, for tests that
// feed frames to Client.deliver directly. end makes it drop.
type fakeConn struct {
	mu     sync.Mutex
	sent   [][]byte
	sentCh chan struct{} // closed, and replaced, by the next send
	doneCh chan struct{}
	onEnd  func(error)
	ended  error // why it ended; sends fail after
}

func newFakeConn() *fakeConn {
	return &fakeConn{doneCh: make(chan struct{}), sentCh: make(chan struct{})}
}

func (f *fakeConn) transport() string { return "fake" }

func (f *fakeConn) start(onEnd func(error)) {
	f.mu.Lock()
	f.onEnd = onEnd
	f.mu.Unlock()
}

func (f *fakeConn) send(frame []byte) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.ended != nil {
		return f.ended
	}
	f.sent = append(f.sent, append([]byte(nil), frame...))
	close(f.sentCh)
	f.sentCh = make(chan struct{})
	return nil
}

// end ends the connection with err as if the network or the server had,
// calling the client's onEnd as a reader goroutine would.
func (f *fakeConn) end(err error) {
	f.mu.Lock()
	if f.ended != nil {
		f.mu.Unlock()
		return
	}
	f.ended = err
	close(f.doneCh)
	onEnd := f.onEnd
	f.mu.Unlock()
	if onEnd != nil {
		onEnd(err)
	}
}

func (f *fakeConn) cut() { f.end(ErrDropped) }

// nextSend returns a channel closed by the next send.
func (f *fakeConn) nextSend() <-chan struct{} {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.sentCh
}

// close ends the connection quietly: the client closed it.
func (f *fakeConn) close() {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.ended == nil {
		f.ended = ErrClosed
		close(f.doneCh)
	}
}

func (f *fakeConn) done() <-chan struct{} { return f.doneCh }

func (f *fakeConn) err() error {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.ended
}

// sentMessages decodes what the client sent since the last call.
func (f *fakeConn) sentMessages(t *testing.T) []netcode.Frame {
	t.Helper()
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []netcode.Frame
	for _, b := range f.sent {
		m, err := netcode.DecodeClient(b)
		if err != nil {
			t.Fatalf("client sent a bad frame %x: %v", b, err)
		}
		out = append(out, m)
	}
	f.sent = nil
	return out
}

// newFakeClient returns a client whose connection is a fakeConn.
func newFakeClient(t *testing.T, o Options) (*Client, *fakeConn) {
	t.Helper()
	c := newClient(o.withDefaults(), endpoints{})
	f := newFakeConn()
	c.install(f)
	c.start(f)
	t.Cleanup(func() { _ = c.Close() })
	return c, f
}

func encode(t *testing.T, m netcode.Frame) []byte {
	t.Helper()
	b, err := netcode.AppendFrame(nil, m)
	if err != nil {
		t.Fatalf("encode %T: %v", m, err)
	}
	return b
}

// counterSchemas is one entity type with one int field.
var counterSchemas = []world.Schema{{Name: "counter", Fields: []world.Field{{Name: "n", Type: world.Int}}}}

// counterState is the state at tick with one counter entity holding n.
func counterState(tick uint32, n int64) world.State {
	return world.State{Tick: tick, Entities: []world.EntityState{{ID: 1, Type: 0, Values: []world.Value{{I: n}}}}}
}

// stateFrame encodes the delta from base (full when base.Tick is 0) to to.
func stateFrame(t *testing.T, base, to world.State) []byte {
	t.Helper()
	d := world.Diff(counterSchemas, base, to)
	d.Tick, d.Base = to.Tick, base.Tick
	return encode(t, &netcode.State{Delta: d})
}
