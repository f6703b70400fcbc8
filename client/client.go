package client

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"time"

	"github.com/tickroom/tickroom/netcode"
	"github.com/tickroom/tickroom/world"
)

// Client is a program's connection to a Tickroom server, over any
// transport; with Options.Reconnect it outlives the connections it makes,
// coming back after a drop. Its methods are safe for concurrent use.
type Client struct {
	opts Options
	ep   endpoints
	hc   *http.Client  // the HTTP transports' own connection pool
	done chan struct{} // closed when the client has ended for good

	// dial opens a new connection, neither installed nor started: open,
	// unless a test fakes it. jitter draws a backoff wait up to its
	// argument. Both are set by newClient and never change after.
	dial   func(ctx context.Context, resume bool) (conn, error)
	jitter func(ceiling time.Duration) time.Duration

	bgCtx     context.Context // ends with Close: cancels an upgrade and a reconnect
	bgCancel  context.CancelFunc
	bg        sync.WaitGroup // the upgrade and reconnect goroutines
	closeOnce sync.Once

	head headState // TrackOnly decoding scratch; used by deliver only, which never runs twice at once

	sendMu sync.Mutex // orders sends; held across the switch of an upgrade
	out    conn       // where frames go; guarded by sendMu
	away   *awayQueue // frames sent while reconnecting, nil when connected; guarded by sendMu

	joinMu sync.Mutex // one JoinWith at a time

	mu             sync.Mutex
	cond           *sync.Cond // signalled on every state, welcome, error, list answer, close, upgrade and reconnect step
	cur            conn       // the connection whose end is the client's end, or its drop
	transport      string
	closing        bool // Close has begun
	upgradeErr     error
	welcome        *netcode.Welcome
	mirror         *mirror
	rates          roomRates
	inputAck       uint32          // last input seq the room applied
	seq            uint32          // last input seq sent
	inputSent      bool            // an input (which carries an ack) went out since the last state
	lastEvent      uint32          // id of the last event delivered in this room; 0 for none
	joinOptions    netcode.Payload // the options of the join that seated the client, for a fresh join after a drop
	streamFellBack bool            // a stream of this client fell back to long-polling: dial long-polling again
	back           comeback        // reconnecting after a drop
	errs           []netcode.Error
	joins          joins
	lists          listings
	closeErr       error
	stats          Stats
}

// Stats count what a client received, its transport upgrades, and its
// drops and how it came back from them.
type Stats struct {
	Frames          int64 // server frames received
	Bytes           int64 // frame payload bytes received, whatever the transport
	Snapshots       int64
	Diffs           int64
	LostBaselines   int64 // diffs whose baseline was no longer kept
	BadFrames       int64 // frames that did not decode or apply
	Upgrades        int64 // moves from an HTTP transport to WebSocket
	UpgradeFailures int64 // upgrade attempts that failed (the client stayed on HTTP)
	Events          int64 // game events received
	// StreamFallbacks counts streams on which nothing arrived in time (a
	// proxy buffering the response): the session then long-polls.
	StreamFallbacks int64
	// Exchanges counts uplink batches that rode on a long-poll (an
	// exchange) and were answered, instead of a POST of their own.
	Exchanges int64
	// DuplicateEvents counts events dropped because their id was not
	// above the last one delivered: a conforming server sends none, but a
	// program should see each event once whatever happens on the way.
	DuplicateEvents int64

	// Reconnecting (Options.Reconnect).
	Drops           int64 // connections that dropped and were dialled again
	Attempts        int64 // reconnection attempts (dials after drops)
	Resumes         int64 // seats the server gave back
	ResumeSnapshots int64 // resumes whose first state was a full snapshot
	EventsLost      int64 // resumes whose missed events the server no longer had (events_lost)
	ResumesRefused  int64 // resumes answered resume_expired: the seat was gone
	Rejoins         int64 // fresh joins, after a refused resume, that seated the client
	InputsDropped   int64 // inputs sent while away and dropped for newer ones (Reconnect.Inputs)
}

// Dial connects to a server and returns once the connection is open. url is
// either the WebSocket endpoint ("ws://127.0.0.1:8080/ws") or the server's
// base URL ("http://127.0.0.1:8080"); the client derives the other from it
// (Options.WSPath, Options.HTTPPath). Options.Transport picks the transport;
// by default the client tries WebSocket and falls back to long-polling. ctx
// bounds the dial only.
func Dial(ctx context.Context, url string, o Options) (*Client, error) {
	o = o.withDefaults()
	if err := o.validate(); err != nil {
		return nil, err
	}
	ep, err := endpointsOf(url, o)
	if err != nil {
		return nil, err
	}
	c := newClient(o, ep)
	cn, err := c.dial(ctx, false)
	if err != nil {
		c.bgCancel()
		c.hc.CloseIdleConnections()
		return nil, fmt.Errorf("client: dial %s: %w", url, err)
	}
	c.install(cn)
	c.start(cn)
	c.startUpgrade(cn)
	return c, nil
}

// newClient returns a client with no connection yet; o has its defaults.
func newClient(o Options, ep endpoints) *Client {
	c := &Client{opts: o, ep: ep, hc: newHTTPClient(), done: make(chan struct{}), mirror: newMirror(o.History), lists: newListings()}
	c.cond = sync.NewCond(&c.mu)
	c.bgCtx, c.bgCancel = context.WithCancel(context.Background())
	c.dial, c.jitter = c.open, fullJitter
	return c
}

// install makes cn the client's connection, before its goroutines start.
func (c *Client) install(cn conn) {
	c.mu.Lock()
	c.cur, c.transport = cn, cn.transport()
	c.mu.Unlock()
	c.sendMu.Lock()
	c.out = cn
	c.sendMu.Unlock()
}

// start runs the goroutines of cn, which install (or a reconnect) made the
// client's connection.
func (c *Client) start(cn conn) {
	cn.start(func(err error) { c.ended(cn, err) })
}

// startUpgrade starts the move of cn to WebSocket if it is an HTTP session
// that should try one: once the client is seated again after a reconnect,
// so the switch never comes between the resume and its answer. No Close
// can wait for bg before Dial returns, and on a reconnect the reconnect
// goroutine's own count covers this one.
func (c *Client) startUpgrade(cn conn) {
	if h, ok := cn.(*httpConn); ok && h.upgradable {
		c.bg.Add(1)
		go c.upgrade(h)
	}
}

// ended records the end of connection cn, if it is the client's current
// one: a probe WebSocket or an HTTP session that moved to WebSocket ending
// does not end the client. With Options.Reconnect, a connection that
// dropped for a reason a new one may cure starts the way back instead
// (reconnect); a connection a reconnect is trying is its business.
func (c *Client) ended(cn conn, err error) {
	c.mu.Lock()
	if cn != c.cur || c.closeErr != nil {
		c.mu.Unlock()
		return
	}
	if c.closing || err == nil {
		err = ErrClosed
	}
	if c.back.active {
		c.back.connErr = err
		c.cond.Broadcast()
		c.mu.Unlock()
		return
	}
	reconnecting := c.opts.Reconnect.on()
	if reconnecting && comesBack(err) {
		c.dropped(err)
		c.bg.Add(1) // before Close can wait: it sets closing under c.mu first
		c.mu.Unlock()
		go c.reconnect(cn, err)
		return
	}
	if reconnecting && !c.closing {
		err = fmt.Errorf("%w: %w", ErrGaveUp, err)
	}
	c.closeErr = err
	c.cond.Broadcast()
	c.mu.Unlock()
	close(c.done)
	if f := c.opts.OnGaveUp; f != nil && reconnecting && !errors.Is(err, ErrClosed) {
		f(err)
	}
}

// fellBack records that HTTP session h, if it is the client's connection,
// moved from streaming to long-polling, which its reconnections will use.
func (c *Client) fellBack(h *httpConn) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.stats.StreamFallbacks++
	c.streamFellBack = true
	if c.cur == conn(h) {
		c.transport = h.transport()
	}
}

// sendFrame sends a frame of kind k (see sendLocked).
func (c *Client) sendFrame(k netcode.Kind, frame []byte) error {
	c.sendMu.Lock()
	defer c.sendMu.Unlock()
	return c.sendLocked(k, frame)
}

// SendInput sends one input, acknowledging the newest state, and returns its
// sequence number.
func (c *Client) SendInput(in world.Input) (uint32, error) {
	// Numbered and sent under sendMu, so that concurrent calls put their
	// inputs on the wire in seq order: the room drops an input whose seq is
	// not above the last one it queued.
	c.sendMu.Lock()
	defer c.sendMu.Unlock()
	c.mu.Lock()
	c.seq++
	m := netcode.Input{Seq: c.seq, Ack: c.mirror.current.Tick, Input: in}
	c.mu.Unlock()
	frame, err := netcode.AppendFrame(nil, &m)
	if err != nil {
		return m.Seq, fmt.Errorf("client: encode input: %w", err)
	}
	if err := c.sendLocked(netcode.KindInput, frame); err != nil {
		return m.Seq, err
	}
	// The input carries the ack: no explicit one is needed for this state.
	c.mu.Lock()
	c.inputSent = true
	c.mu.Unlock()
	return m.Seq, nil
}

// Ack acknowledges the newest state (or asks for a full snapshot when the
// client has none).
func (c *Client) Ack() error {
	c.mu.Lock()
	t := c.mirror.current.Tick
	c.mu.Unlock()
	return c.send(&netcode.Ack{Tick: t})
}

// Ping sends a ping carrying the client's clock; the pong is counted in
// Stats.Frames and passed to Options.OnFrame. While the client is
// reconnecting there is nothing to time: it fails with ErrReconnecting.
func (c *Client) Ping() error {
	return c.send(&netcode.Ping{ClientTime: uint64(time.Now().UnixNano())})
}

// Leave leaves the room; the client stays connected and may join another.
// While the client is reconnecting, Leave gives its seat up at once: it
// comes back in the lobby state, and the server frees the seat when its
// resume window ends.
func (c *Client) Leave() error {
	c.mu.Lock()
	c.leftRoom()
	if c.back.active {
		c.back.left = true // a seat a resume under way gets back is left at once
	}
	c.mu.Unlock()
	return c.send(&netcode.Leave{})
}

// leftRoom puts the client back in the lobby state: no welcome, an empty
// mirror, no rates. c.mu is held.
func (c *Client) leftRoom() {
	c.welcome = nil
	c.mirror.reset(nil)
	c.rates = roomRates{}
	c.lastEvent = 0
}

// SendRaw sends a frame as is: tests use it to send malformed input. On the
// HTTP transports the frame is copied into the next POST. While the client
// is reconnecting it waits with the messages (Reconnect.Messages).
func (c *Client) SendRaw(frame []byte) error { return c.sendFrame(0, frame) }

func (c *Client) send(m netcode.Frame) error {
	frame, err := netcode.AppendFrame(nil, m)
	if err != nil {
		return fmt.Errorf("client: encode %s: %w", m.Kind(), err)
	}
	return c.sendFrame(m.Kind(), frame)
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

// Rates returns the tick and send rates of the client's room in effect at
// the newest state, and the first tick they applied to (0 for the
// welcome's): the welcome's until a rates frame announces others, whose
// rates apply from the first state of the tick it names (see the netcode
// package's Rates). Zero when the client is in no room.
func (c *Client) Rates() netcode.Rates {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.rates.now
}

// sendInterval is the time between two state sends of the client's room, at
// the rates in effect; 0 when in no room.
func (c *Client) sendInterval() time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.rates.now.SendRate <= 0 {
		return 0
	}
	return time.Second / time.Duration(c.rates.now.SendRate)
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
// ok runs with the client's lock held: it must not call the client's methods.
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

// Done is closed when the client has ended: its connection ended, or,
// with Options.Reconnect, it stopped reconnecting.
func (c *Client) Done() <-chan struct{} { return c.done }

// Reconnecting reports whether the client's connection dropped and it is
// on its way back (Options.Reconnect): from the drop until the server has
// answered the resume (or the fresh join), or the client gave up.
func (c *Client) Reconnecting() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.back.active
}

// Err returns why the client ended, or nil while it is open (or
// reconnecting): a *CloseError with the server's close code when it sent
// one (on any transport), ErrClosed after Close, or the network or HTTP
// error (such as an *HTTPError) that ended it. A client that gave up
// reconnecting returns an error that wraps ErrGaveUp and the last
// attempt's error.
func (c *Client) Err() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.closeErr
}

// CloseCode returns the close code the connection ended with, or 0.
func (c *Client) CloseCode() uint16 {
	var ce *CloseError
	if errors.As(c.Err(), &ce) {
		return ce.Code
	}
	return 0
}

// Transport names the transport in use now: "websocket", "longpoll",
// "stream" or "poll". It changes to "websocket" when an upgrade completes,
// and to the new connection's after a reconnect.
func (c *Client) Transport() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.transport
}

// Close ends the connection normally (a WebSocket close frame, or a DELETE
// of the HTTP session after the queued frames have been posted) and waits for
// every goroutine the client started. A client that is reconnecting stops,
// and what it kept for after the resume is dropped. It may be called more
// than once.
func (c *Client) Close() error {
	c.closeOnce.Do(func() {
		c.mu.Lock()
		c.closing = true
		c.mu.Unlock()
		c.bgCancel()
		c.bg.Wait()
		c.mu.Lock()
		cur := c.cur
		c.mu.Unlock()
		cur.close()
		c.ended(cur, ErrClosed)
		c.hc.CloseIdleConnections()
	})
	return nil
}
