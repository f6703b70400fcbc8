package client

import "time"

// Drop cuts the client's connection as a network failure would: no close
// frame, no DELETE of an HTTP session, nothing more sent or read. The
// server holds the seat for its resume window (an HTTP session it keeps
// until its heartbeat times out or the resume replaces it). With
// Options.Reconnect the client then comes back by itself, after away at
// the least (a player out of coverage for a while); OnDropped sees
// ErrDropped. Without it, the client has ended with ErrDropped. Drop does
// nothing to a client that is already reconnecting or has ended. Tests and
// load testers use it to rehearse drops.
func (c *Client) Drop(away time.Duration) {
	c.mu.Lock()
	cn := c.cur
	if cn == nil || c.closing || c.closeErr != nil || c.back.active {
		c.mu.Unlock()
		return
	}
	c.back.hold = time.Now().Add(away)
	c.mu.Unlock()
	cn.cut()
}
