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
// feed frames to Client.deliver directly.
type fakeConn struct {
	mu     sync.Mutex
	sent   [][]byte
	sentCh chan struct{} // closed, and replaced, by the next send
	doneCh chan struct{}
}

func (f *fakeConn) transport() string { return "fake" }

func (f *fakeConn) send(frame []byte) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.sent = append(f.sent, append([]byte(nil), frame...))
	close(f.sentCh)
	f.sentCh = make(chan struct{})
	return nil
}

// nextSend returns a channel closed by the next send.
func (f *fakeConn) nextSend() <-chan struct{} {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.sentCh
}

func (f *fakeConn) close()                {}
func (f *fakeConn) done() <-chan struct{} { return f.doneCh }
func (f *fakeConn) err() error            { return nil }

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
	f := &fakeConn{doneCh: make(chan struct{}), sentCh: make(chan struct{})}
	c.install(f)
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
