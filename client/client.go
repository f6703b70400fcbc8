package client

import (
	"context"
	"errors"
	"fmt"
	"net"
	"sync"
	"time"

	"github.com/lxzan/gws"
	"github.com/tickroom/tickroom/netcode"
	"github.com/tickroom/tickroom/world"
)

// Client is one connection to a Tickroom server. Its methods are safe for
// concurrent use.
type Client struct {
	opts Options
	conn *gws.Conn
	done chan struct{} // closed when the connection is gone
	read sync.WaitGroup

	mu       sync.Mutex
	cond     *sync.Cond // signalled on every state, welcome, error and close
	welcome  *netcode.Welcome
	mirror   *mirror
	inputAck uint32 // last input seq the room applied
	seq      uint32 // last input seq sent
	errs     []netcode.Error
	closeErr error
	stats    Stats
}

// Stats count what a client received.
type Stats struct {
	Frames        int64 // server frames received
	Bytes         int64 // payload bytes received
	Snapshots     int64
	Diffs         int64
	LostBaselines int64 // diffs whose baseline was no longer kept
	BadFrames     int64 // frames that did not decode or apply
}

// ErrClosed is returned by calls on a client whose connection has ended.
var ErrClosed = errors.New("client: connection closed")

// Dial connects to a server's WebSocket endpoint, such as
// "ws://127.0.0.1:8080/ws".
func Dial(ctx context.Context, url string, o Options) (*Client, error) {
	o = o.withDefaults()
	c := &Client{opts: o, done: make(chan struct{}), mirror: newMirror(o.History)}
	c.cond = sync.NewCond(&c.mu)
	timeout := o.HandshakeTimeout
	if dl, ok := ctx.Deadline(); ok && time.Until(dl) < timeout {
		timeout = time.Until(dl)
	}
	conn, _, err := gws.NewClient(&handler{c: c}, &gws.ClientOption{
		Addr:               url,
		RequestHeader:      o.Header,
		HandshakeTimeout:   timeout,
		ReadMaxPayloadSize: o.ReadLimit,
		NewDialer:          func() (gws.Dialer, error) { return &net.Dialer{Timeout: timeout}, nil },
	})
	if err != nil {
		return nil, fmt.Errorf("dial %s: %w", url, err)
	}
	c.conn = conn
	c.read.Add(1)
	go func() {
		defer c.read.Done()
		conn.ReadLoop()
	}()
	return c, nil
}

// Join asks to join room (empty: any room with a free seat) of mode (empty:
// the server's default) and waits for the welcome. An error frame from the
// server comes back as a *netcode.Error.
func (c *Client) Join(ctx context.Context, room, mode string) (*netcode.Welcome, error) {
	c.mu.Lock()
	nerr := len(c.errs)
	c.mu.Unlock()
	if err := c.send(&netcode.Join{Version: netcode.ProtocolVersion, Room: room, Mode: mode, Name: c.opts.Name}); err != nil {
		return nil, err
	}
	var w *netcode.Welcome
	err := c.wait(ctx, func() bool {
		if len(c.errs) > nerr {
			return true
		}
		w = c.welcome
		return w != nil && w.Room != "" && (room == "" || w.Room == room)
	})
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.errs) > nerr {
		e := c.errs[nerr]
		return nil, fmt.Errorf("client: join refused: %s: %w", e.Message, e.Code)
	}
	return w, nil
}

// SendInput sends one input, acknowledging the newest state, and returns its
// sequence number.
func (c *Client) SendInput(in world.Input) (uint32, error) {
	c.mu.Lock()
	c.seq++
	m := &netcode.Input{Seq: c.seq, Ack: c.mirror.current.Tick, Input: in}
	c.mu.Unlock()
	return m.Seq, c.send(m)
}

// Ack acknowledges the newest state (or asks for a full snapshot when the
// client has none).
func (c *Client) Ack() error {
	c.mu.Lock()
	t := c.mirror.current.Tick
	c.mu.Unlock()
	return c.send(&netcode.Ack{Tick: t})
}

// Ping sends a ping; the pong is counted in Stats.Frames.
func (c *Client) Ping() error {
	return c.send(&netcode.Ping{ClientTime: uint64(time.Now().UnixNano())})
}

// Leave leaves the room; the client stays connected and may join another.
func (c *Client) Leave() error {
	c.mu.Lock()
	c.welcome = nil
	c.mirror.reset(nil)
	c.mu.Unlock()
	return c.send(&netcode.Leave{})
}

// SendRaw writes a frame as is: tests use it to send malformed input.
func (c *Client) SendRaw(frame []byte) error {
	if err := c.conn.WriteMessage(gws.OpcodeBinary, frame); err != nil {
		return fmt.Errorf("client: write: %w", err)
	}
	return nil
}

func (c *Client) send(m netcode.Message) error {
	frame, err := netcode.AppendMessage(nil, m)
	if err != nil {
		return fmt.Errorf("client: encode %s: %w", m.Kind(), err)
	}
	return c.SendRaw(frame)
}

// State returns the newest state. States are never modified after they are
// made, so the caller may keep it.
func (c *Client) State() world.State {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.mirror.current
}

// StateAt returns the kept state of the given tick, if the client has it.
func (c *Client) StateAt(tick uint32) (world.State, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	s, ok := c.mirror.states[tick]
	return s, ok
}

// Welcome returns the welcome of the current room, or nil.
func (c *Client) Welcome() *netcode.Welcome {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.welcome
}

// InputAck returns the sequence number of the last input the room applied.
func (c *Client) InputAck() uint32 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.inputAck
}

// Errors returns the error frames received so far.
func (c *Client) Errors() []netcode.Error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]netcode.Error(nil), c.errs...)
}

// Stats returns what the client has received so far.
func (c *Client) Stats() Stats {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.stats
}

// WaitState waits until ok accepts the newest state and returns that state.
func (c *Client) WaitState(ctx context.Context, ok func(world.State) bool) (world.State, error) {
	var s world.State
	err := c.wait(ctx, func() bool {
		s = c.mirror.current
		return s.Tick != 0 && ok(s)
	})
	return s, err
}

// wait blocks until cond (called with c.mu held) is true, the context ends or
// the connection closes.
func (c *Client) wait(ctx context.Context, cond func() bool) error {
	stop := context.AfterFunc(ctx, func() {
		c.mu.Lock()
		c.cond.Broadcast()
		c.mu.Unlock()
	})
	defer stop()
	c.mu.Lock()
	defer c.mu.Unlock()
	for !cond() {
		if c.closeErr != nil {
			return c.closeErr
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		c.cond.Wait()
	}
	return nil
}

// Done is closed when the connection has ended.
func (c *Client) Done() <-chan struct{} { return c.done }

// Err returns why the connection ended (a *gws.CloseError with the server's
// close code, when it sent one), or nil while it is open.
func (c *Client) Err() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.closeErr
}

// CloseCode returns the close code the connection ended with, or 0.
func (c *Client) CloseCode() uint16 {
	var ce *gws.CloseError
	if errors.As(c.Err(), &ce) {
		return ce.Code
	}
	return 0
}

// Close closes the connection normally and waits for the reader to end.
func (c *Client) Close() error {
	_ = c.conn.WriteClose(1000, nil)
	c.read.Wait()
	return nil
}
