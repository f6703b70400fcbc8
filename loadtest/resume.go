package loadtest

import (
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/HdrHistogram/hdrhistogram-go"
	"github.com/tickroom/tickroom/client"
	"github.com/tickroom/tickroom/netcode"
)

// How a dropped client comes back. Every client reconnects by itself
// (client.Options.Reconnect), whether the drop fault cut its connection or
// the server or network ended it; the callbacks below tell the run when it
// dropped, when it was back (and how: the seat resumed, with a diff or a
// snapshot, or the room joined afresh), or that it gave up. The time of a
// resume runs from the drop (plus -drop-away) until the first state after
// it, which the client applies before it calls OnResumed.

// reconnectPolicy is the testers' clients' Reconnect. Their first attempt
// goes at once (a millisecond of jitter at most) and later ones back off
// from there, so a resume's time is the server's and the network's, not a
// wait the tester chose; they come back for as long as the server's
// default resume window and a fresh join take.
var reconnectPolicy = client.Reconnect{Attempts: 10, MaxTime: 30 * time.Second, BaseDelay: time.Millisecond, MaxDelay: time.Second}

// roomInfo is what the clients of one room share: the size of the latest
// full snapshot of it any of them received, which a resume's first state
// is compared with.
type roomInfo struct {
	snapshotBytes atomic.Int64
}

// resumeStats collects how clients came back from drops. Resumes are rare
// next to states, so one lock does.
type resumeStats struct {
	mu        sync.Mutex
	time      *hdrhistogram.Histogram // drop until the first state after the resume, µs
	first     *hdrhistogram.Histogram // bytes of that state
	full      *hdrhistogram.Histogram // bytes of a full snapshot of the same room
	ratio     *hdrhistogram.Histogram // first / full, in thousandths
	resumed   int64
	snapshots int64
	fresh     int64 // fresh joins that seated the client
	freshFail int64 // fresh joins the server refused
	gaveUp    int64

	refused    atomic.Int64 // resumes answered resume_expired (the reader counts them)
	eventsLost atomic.Int64 // resumes told events_lost
}

// byteRange bounds the byte histograms: a state of up to 64 MiB.
const byteRange = 64 << 20

func newResumeStats() *resumeStats {
	return &resumeStats{
		time:  newHistogram(),
		first: hdrhistogram.New(1, byteRange, histDigits),
		full:  hdrhistogram.New(1, byteRange, histDigits),
		ratio: hdrhistogram.New(1, 1000*1000, histDigits),
	}
}

// dropRound is one round of the drop fault: its clients, until each is
// back or gave up.
type dropRound struct {
	left atomic.Int64
	done chan struct{}
}

func newDropRound(n int) *dropRound {
	d := &dropRound{done: make(chan struct{})}
	d.left.Store(int64(n))
	if n == 0 {
		close(d.done)
	}
	return d
}

func (d *dropRound) back() {
	if d.left.Add(-1) == 0 {
		close(d.done)
	}
}

// drop cuts s's connection for the drop fault. The session stops sending
// inputs until it is back, and the inputs on their way are not timed: an
// acknowledgement that comes after the resume would time the drop.
func (r *run) drop(s *session, d *dropRound) {
	s.round.Store(d)
	s.byFault.Store(true)
	s.away.Store(true)
	s.skipTo.Store(s.sent.Load())
	s.backFrom.Store(r.now() + int64(r.s.DropAway.Duration))
	r.dropped.Add(1)
	s.client().Drop(r.s.DropAway.Duration)
}

// onDropped is the client's OnDropped. It runs on the client's reconnect
// goroutine, after the dropped connection's reader has ended and before the
// next one's starts, so it may reset what the reader owns.
func (s *session) onDropped(err error) {
	s.lastTick, s.lastArrival = 0, 0 // the states missed while away are not skipped sends
	if s.byFault.Load() {
		return
	}
	// The server or the network ended it: a disconnect, as before
	// clients came back.
	s.away.Store(true)
	s.skipTo.Store(s.sent.Load())
	s.backFrom.Store(s.r.now())
	s.counted.Store(true)
	s.r.disconnected(s.p, err)
}

// onResumed is the client's OnResumed, on the reader goroutine just after
// the first state after the resume went through onFrame (s.stateBytes is
// its size).
func (s *session) onResumed(snapshot bool) {
	if s.gaveUp.Load() {
		return // a client the run buried, back in the lobby: nothing to measure
	}
	r := s.r
	took := r.now() - s.backFrom.Load()
	full := s.p.rooms.snapshotBytes.Load()
	rs := r.resumes
	rs.mu.Lock()
	rs.resumed++
	if snapshot {
		rs.snapshots++
	}
	recordNS(rs.time, took)
	_ = rs.first.RecordValue(min(max(s.stateBytes, 1), byteRange))
	if full > 0 {
		_ = rs.full.RecordValue(min(full, byteRange))
		_ = rs.ratio.RecordValue(max(s.stateBytes*1000/full, 1))
	}
	rs.mu.Unlock()
	s.isBack()
}

// onRejoined is the client's OnRejoined: the server no longer held the
// seat and the client joined its room afresh, or could not.
func (s *session) onRejoined(_ *netcode.Welcome, err error) {
	rs := s.r.resumes
	rs.mu.Lock()
	if err != nil {
		rs.freshFail++
	} else {
		rs.fresh++
	}
	rs.mu.Unlock()
	s.startOver() // a new seat: the chats while it had none were not for it
	if err != nil {
		// In the lobby state, it plays no more: it ends like a client
		// that gave up, and closeAll closes it.
		s.r.errs.add("rejoin: " + joinErrorKey(err))
		s.gaveUp.Store(true)
		s.endBack(false)
		s.r.bury(s)
		return
	}
	s.isBack()
}

// onGaveUp is the client's OnGaveUp: it ends for good. A drop the server
// decided with a code that says stop (replaced, say) gives up at once,
// with no OnDropped: it is a disconnect too.
func (s *session) onGaveUp(err error) {
	s.r.resumes.mu.Lock()
	s.r.resumes.gaveUp++
	s.r.resumes.mu.Unlock()
	if !s.byFault.Load() && !s.counted.Load() {
		s.r.disconnected(s.p, err)
	} else {
		s.r.errs.add("gave up: " + closeKey(err))
	}
	s.gaveUp.Store(true)
	s.endBack(false)
}

// isBack ends a drop that came back.
func (s *session) isBack() { s.endBack(true) }

func (s *session) endBack(back bool) {
	if back {
		s.p.reconnects.Add(1)
		s.r.rejoined.Add(1)
	}
	s.byFault.Store(false)
	s.counted.Store(false)
	s.away.Store(false)
	if d := s.round.Swap(nil); d != nil {
		d.back()
	}
}

// disconnected counts a connection the server or network ended, by close
// code, as a disconnect and an error.
func (r *run) disconnected(p *player, err error) {
	key := closeKey(err)
	var ce *client.CloseError
	code := uint32(0)
	if errors.As(err, &ce) {
		code = uint32(ce.Code)
	}
	p.disconnects.Add(1)
	p.closeCode.Store(code)
	r.disconnects.add(key)
	r.errs.add("disconnect: " + key)
}

// closeKey names why a connection ended: its close code, or "network".
func closeKey(err error) string {
	var ce *client.CloseError
	if errors.As(err, &ce) {
		return fmt.Sprintf("%d %s", ce.Code, netcode.Code(ce.Code))
	}
	return "network"
}

// resumeReport summarises the resumes into the report's Drops.
func (r *run) resumeReport(d *Drops) {
	rs := r.resumes
	rs.mu.Lock()
	defer rs.mu.Unlock()
	d.Resumed, d.Snapshots = rs.resumed, rs.snapshots
	d.Refused, d.EventsLost = rs.refused.Load(), rs.eventsLost.Load()
	d.FreshJoins, d.FreshJoinsFailed, d.GaveUp = rs.fresh, rs.freshFail, rs.gaveUp
	d.ResumeTime = quantilesOf(rs.time)
	d.FirstState = sizesOf(rs.first)
	d.Snapshot = sizesOf(rs.full)
	if rs.ratio.TotalCount() > 0 {
		d.FirstStateRatio = float64(rs.ratio.ValueAtQuantile(50)) / 1000
	}
}
