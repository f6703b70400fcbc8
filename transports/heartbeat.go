package transports

import (
	"time"

	"github.com/lxzan/gws"
)

// The heartbeat of a WebSocket link is a timer, not a goroutine: it fires
// when a ping is due, when the link would have been silent for PingTimeout,
// or when the delivery watch wants another look (delivery.go), whichever
// comes first, and re-arms itself. Its ping is written directly when the
// link's writer is idle, as a frame would be, and is otherwise left to the
// writer. It stops when the link starts closing.

// startHeartbeat arms the heartbeat of a new link. The reader's count in
// the Server's WaitGroup is held (track), as ownedTimer requires.
func (l *wsLink) startHeartbeat() {
	o := l.srv.options()
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closing {
		return
	}
	now := time.Now()
	l.nextPing = now.Add(o.PingInterval)
	l.armHeartbeatLocked(now, o.PingInterval)
}

// armHeartbeatLocked (re)arms the heartbeat to fire after d. l.mu is held.
func (l *wsLink) armHeartbeatLocked(now time.Time, d time.Duration) {
	l.hbDue = now.Add(d)
	l.hb.reset(&l.srv.wg, d, l.heartbeat)
}

// heartbeatWithinLocked brings the heartbeat forward to fire within d,
// unless it is due sooner or stopped. l.mu is held.
func (l *wsLink) heartbeatWithinLocked(now time.Time, d time.Duration) {
	if l.closing || l.ended || !l.hbDue.After(now.Add(d)) {
		return
	}
	l.armHeartbeatLocked(now, d)
}

// heartbeat runs when the timer fires: it closes a silent link, or one
// whose client does not read, pings when a ping is due, and re-arms.
func (l *wsLink) heartbeat(gen uint64) {
	o := l.srv.options()
	l.mu.Lock()
	defer l.mu.Unlock()
	if !l.hb.live(gen) || l.closing {
		return
	}
	now := time.Now()
	last := time.Unix(0, l.lastSeen.Load())
	if silent := now.Sub(last); silent >= o.PingTimeout {
		l.beginCloseLocked(o.TimeoutCloseCode, "heartbeat timeout", false, o)
		l.wakeWriterLocked()
		l.srv.stats.timeoutClosed.Add(1)
		o.Logger.Debug("transports: heartbeat timeout", "link", l.id, "remote", l.remote, "silent", silent)
		return
	}
	recheck, stalled := l.watchDeliveryLocked(now, o)
	if stalled {
		// The client reads nothing, our close frame included: drop the
		// socket, which also ends a write blocked on it.
		l.beginCloseLocked(o.SlowCloseCode, "not reading", false, o)
		l.sendClose = false
		l.wakeWriterLocked()
		_ = l.conn.NetConn().Close()
		l.srv.stats.slowClosed.Add(1)
		l.srv.stats.notReading.Add(1)
		o.Logger.Debug("transports: slow consumer: not reading", "link", l.id, "remote", l.remote, "timeout", o.DeliveryTimeout)
		return
	}
	if !now.Before(l.nextPing) {
		l.nextPing = now.Add(o.PingInterval)
		l.pingLocked()
	}
	next := min(l.nextPing.Sub(now), last.Add(o.PingTimeout).Sub(now))
	if recheck > 0 {
		next = min(next, recheck)
	}
	l.armHeartbeatLocked(now, next)
}

// pingLocked writes a ping directly if the writer is idle, and leaves it to
// the writer otherwise.
func (l *wsLink) pingLocked() {
	if l.canDirectLocked() && l.writeDirectLocked(gws.OpcodePing, nil, nil) {
		return
	}
	l.pingPending = true
	l.wakeWriterLocked()
}
