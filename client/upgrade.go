package client

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/tickroom/tickroom/transports/httpwire"
)

// upgrade tries once to move HTTP session h to a WebSocket, following the
// spec: open the WebSocket endpoint with the session id, exchange "probe",
// stop the HTTP downlink after its current request and deliver what it
// brought, send "upgrade N" with the highest record seq delivered (the server
// sends every later frame on the WebSocket), post what is queued for the
// uplink, and send on the WebSocket from then on. Until "upgrade" is sent a
// failure leaves the client on HTTP. It runs on its own goroutine, which
// Close cancels and waits for.
func (c *Client) upgrade(h *httpConn) {
	defer c.bg.Done()
	err := c.tryUpgrade(c.bgCtx, h)
	c.mu.Lock()
	if err != nil {
		c.stats.UpgradeFailures++
		c.upgradeErr = err
	} else {
		c.stats.Upgrades++
	}
	c.cond.Broadcast()
	c.mu.Unlock()
}

// testHookUpgrade, when a test sets it, runs at the start of every upgrade
// attempt, so that the test can hold the upgrade back until traffic flows.
var testHookUpgrade func(ctx context.Context)

func (c *Client) tryUpgrade(ctx context.Context, h *httpConn) error {
	if testHookUpgrade != nil {
		testHookUpgrade(ctx)
	}
	w, err := dialWebSocket(ctx, c, c.ep.withSID(h.s.sid), false, "")
	if err != nil {
		return fmt.Errorf("client: upgrade: %w", err)
	}
	w.start(func(err error) { c.ended(w, err) })
	if err := c.probe(ctx, w, h); err != nil {
		w.close()
		return err
	}

	n, ok := h.pauseDownlink(ctx, c.opts.HandshakeTimeout)
	if ok {
		c.mu.Lock()
		ok = !c.closing && !isClosed(w.doneCh) && c.cur == conn(h) && c.closeErr == nil
		if ok {
			c.cur = w // from now on the WebSocket's end is the client's end
		}
		c.mu.Unlock()
	}
	if !ok {
		w.close()
		if ctx.Err() == nil {
			h.resume() // nothing happens if the session has ended
		}
		return errors.New("client: upgrade: the session or the websocket ended before the switch")
	}

	// Frames the server sends from here on arrive on the WebSocket. If this
	// write fails the WebSocket is gone, and with it the client: OnClose
	// reports it.
	w.live.Store(true)
	_ = w.sendText(httpwire.UpgradePrefix + strconv.FormatUint(n, 10))

	// Frames queued for the uplink go first, so that none sent later over
	// the WebSocket overtakes them; sends wait meanwhile. This runs to the
	// end even when Close cancels the upgrade now: the switch is made, and
	// Close promises to post what is queued, as it does without an upgrade.
	rctx, cancel := context.WithTimeout(context.Background(), c.opts.HandshakeTimeout)
	c.sendMu.Lock()
	err = h.retire(rctx)
	c.out = w
	c.sendMu.Unlock()
	cancel()
	c.mu.Lock()
	c.transport = TransportWebSocket
	c.mu.Unlock()
	if err != nil {
		// A batch could not be posted: frames are lost, which the
		// transport promises never happens. End the client.
		err = fmt.Errorf("client: upgrade: posting queued frames: %w", err)
		c.ended(w, err)
		w.close()
		return err
	}
	return nil
}

// probe exchanges "probe" on the new WebSocket.
func (c *Client) probe(ctx context.Context, w *wsConn, h *httpConn) error {
	if err := w.sendText(httpwire.ProbeMessage); err != nil {
		return fmt.Errorf("client: upgrade: %w", err)
	}
	t := time.NewTimer(c.opts.HandshakeTimeout)
	defer t.Stop()
	select {
	case <-w.probed:
		return nil
	case <-w.doneCh:
		return fmt.Errorf("client: upgrade: websocket closed during the probe: %w", w.err())
	case <-h.doneCh:
		return errors.New("client: upgrade: session ended during the probe")
	case <-t.C:
		return fmt.Errorf("client: upgrade: no probe answer within %v", c.opts.HandshakeTimeout)
	case <-ctx.Done():
		return ctx.Err()
	}
}
