package transports

import "time"

// A client that acknowledges ticks without reading what it is sent (blind
// acks) says it is keeping up while the bytes pile up in the kernel: its
// receive buffer fills, its TCP stops acknowledging, and everything written
// to it since waits in the server's send buffer. Send never sees it while
// the send buffer has room (Options.SendBuffer bounds it), so the heartbeat
// watches the socket itself: of the bytes written to it by some moment, have
// the client's TCP acknowledged all of them DeliveryTimeout later? The
// kernel tells how many bytes it still holds unacknowledged (unsent: TIOCOUTQ
// on Linux), so acknowledged = written - unsent. A client that reads keeps
// up within a round trip; one whose buffer is full acknowledges nothing, and
// is closed as a slow consumer once the oldest byte it has not acknowledged
// has waited DeliveryTimeout (give or take a quarter of it, the watch's
// step).
//
// Where the kernel does not tell (every platform but Linux) the watch does
// nothing, and a client that does not read is found by write progress: once
// its kernel buffers are full a write blocks, and one that blocks past
// WriteTimeout closes the link as a slow consumer, as it does everywhere.

// The watch looks only while the link is sent something: Send arms it (one
// flag test per frame), so that its first look comes a quarter of
// DeliveryTimeout after a frame, and it disarms when the kernel holds
// nothing unacknowledged; an idle link is looked at by its pings alone.

// deliveryWatch is a link's watch; guarded by the link's lock.
type deliveryWatch struct {
	armed bool      // the heartbeat looks within a step
	mark  uint64    // bytes written to the socket when the watch began
	since time.Time // when it began; zero while the kernel holds nothing
}

// armWatchLocked makes the heartbeat look within a step, unless it already
// does. Send calls it for every frame. l.mu is held.
func (l *wsLink) armWatchLocked(o *Options) {
	if l.watch.armed || !l.gate.watchable() {
		return
	}
	l.watch.armed = true
	l.heartbeatWithinLocked(time.Now(), o.DeliveryTimeout/4)
}

// watchDeliveryLocked takes one look. It reports whether the client has
// stalled, and when the watch wants its next look (0: at the heartbeat's
// own pace, nothing being unacknowledged). l.mu is held.
func (l *wsLink) watchDeliveryLocked(now time.Time, o *Options) (recheck time.Duration, stalled bool) {
	unsent, ok := l.gate.unsent()
	w := &l.watch
	if !ok || unsent == 0 {
		w.since, w.armed = time.Time{}, false
		return 0, false
	}
	written := l.gate.written.Load()
	acked := written - min(uint64(unsent), written)
	step := o.DeliveryTimeout / 4
	if w.since.IsZero() || acked >= w.mark {
		// Everything written by the last look has arrived: watch what was
		// written since.
		w.mark, w.since = written, now
		return step, false
	}
	if now.Sub(w.since) >= o.DeliveryTimeout {
		return 0, true
	}
	return min(step, w.since.Add(o.DeliveryTimeout).Sub(now)), false
}
