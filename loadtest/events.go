package loadtest

import (
	"context"
	"math/bits"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/tickroom/tickroom/netcode"
)

// Game events, with -events-rate: every client sends "chat" messages, whose
// text ("lt<id> #<n>") names it and numbers its chats from 1, and which a
// game such as tag broadcasts to its room as events; every client checks
// the chats it receives, sender by sender.
//
// A chat the room broadcast reaches every player seated in the room, in the
// order the sender's messages reached the room, so each client sees each
// sender's numbers go up by one. A number that comes again is a duplicate.
// A number skipped is either an event the client never got (lost) or a
// message that never reached the room; the run tells them apart by whether
// any client of the room received that chat (each receiver marks it in the
// sender's ledger). Lost events are what a resume promises never happen.
// Lost messages are chats on their way up when a connection dropped, which
// the protocol does not promise to deliver: a resume brings back the events
// a client missed, not the messages it sent. After a fresh join (the seat
// was gone) or events_lost (the server said so), a client's check starts
// over. This rests on chat going to every player of the room, whatever
// else the game sends to some (tag's rules, to a player as it joins), not
// on event ids, which number every event of the room, for whichever
// players.

// eventStats counts the events of the run.
type eventStats struct {
	sent     atomic.Int64 // chat messages sent
	received atomic.Int64 // events received in the measured window
	dup      atomic.Int64 // chats that reached a client twice

	mu   sync.Mutex
	gaps []chatGap // chats a client skipped, judged once the run has settled
}

// chatGap is a run of a sender's chats, lo to hi, that a client skipped.
type chatGap struct {
	receiver *session
	sender   int
	lo, hi   uint32
}

// chatLedger is one player's chats: how many it sent, and which of them
// came back to anyone in its room as an event.
type chatLedger struct {
	sent atomic.Uint32
	seen []atomic.Uint64 // bit n: chat n reached some client
}

// unknownLast marks a sender whose next chat a client cannot predict: its
// check starts over from the next one it gets.
const unknownLast = ^uint32(0)

// chatPeriod is how often the chat loop sends the messages that fell due.
const chatPeriod = 10 * time.Millisecond

func newChatLedger(s Scenario) *chatLedger {
	most := int(s.EventsRate*(s.Duration.Seconds()+1)) + 16
	return &chatLedger{seen: make([]atomic.Uint64, most/64+1)}
}

func (l *chatLedger) mark(n uint32) {
	if i := int(n / 64); i < len(l.seen) {
		l.seen[i].Or(1 << (n % 64))
	}
}

func (l *chatLedger) has(n uint32) bool {
	i := int(n / 64)
	return i < len(l.seen) && l.seen[i].Load()&(1<<(n%64)) != 0
}

// highest is the highest chat that reached anyone, 0 for none.
func (l *chatLedger) highest() uint32 {
	for i := len(l.seen) - 1; i >= 0; i-- {
		if w := l.seen[i].Load(); w != 0 {
			return uint32(i*64 + 63 - bits.LeadingZeros64(w))
		}
	}
	return 0
}

// count is how many chats reached anyone.
func (l *chatLedger) count() int64 {
	n := 0
	for i := range l.seen {
		n += bits.OnesCount64(l.seen[i].Load())
	}
	return int64(n)
}

// chatLoop sends every client's chat messages, EventsRate a second each,
// in turn, until ctx ends.
func (r *run) chatLoop(ctx context.Context) {
	per := r.s.EventsRate * float64(len(r.players)) * chatPeriod.Seconds()
	t := time.NewTicker(chatPeriod)
	defer t.Stop()
	credit, next := 0.0, 0
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		for credit += per; credit >= 1; credit-- {
			r.chat(r.players[next])
			next = (next + 1) % len(r.players)
		}
	}
}

// chatMessage is the payload of tag's chat message.
type chatMessage struct {
	Text string `msgpack:"text"`
}

// chat sends p's next chat. While p is away its client keeps it for after
// the resume.
func (r *run) chat(p *player) {
	s := p.sess.Load()
	if s == nil {
		return
	}
	n := p.chats.sent.Add(1)
	c := s.client()
	err := c.SendMessage("chat", chatMessage{Text: "lt" + strconv.Itoa(p.id) + " #" + strconv.FormatUint(uint64(n), 10)})
	switch {
	case err == nil:
		r.events.sent.Add(1)
	case !s.retired.Load():
		r.sendFailed(c, err)
	}
}

// parseChat reads the sender and number from a chat's text.
func parseChat(text string) (sender int, n uint32, ok bool) {
	id, num, found := strings.Cut(strings.TrimPrefix(text, "lt"), " #")
	if !found {
		return 0, 0, false
	}
	i, err1 := strconv.Atoi(id)
	k, err2 := strconv.ParseUint(num, 10, 32)
	return i, uint32(k), err1 == nil && err2 == nil && k > 0
}

// onEvent counts an event and checks a chat against the sender's last. It
// runs on the reader goroutine.
func (s *session) onEvent(m *netcode.Event, measuring bool) {
	r := s.r
	if measuring {
		r.events.received.Add(1)
	}
	if m.Type != "chat" || s.fromPeer == nil {
		return
	}
	var payload map[string]any
	if m.Payload.Decode(&payload) != nil {
		return
	}
	text, _ := payload["text"].(string)
	sender, n, ok := parseChat(text)
	first := s.p.id - s.p.id%r.s.RoomSize
	if !ok || sender < first || sender-first >= len(s.fromPeer) || sender >= len(r.players) {
		return // not one of the run's, or of another room
	}
	r.players[sender].chats.mark(n)
	s.evMu.Lock()
	defer s.evMu.Unlock()
	last := &s.fromPeer[sender-first]
	switch {
	case *last == unknownLast:
	case n <= *last:
		r.events.dup.Add(1)
		return
	case n > *last+1:
		r.events.mu.Lock()
		r.events.gaps = append(r.events.gaps, chatGap{receiver: s, sender: sender, lo: *last + 1, hi: n - 1})
		r.events.mu.Unlock()
	}
	*last = n
}

// startOver makes the session's check of every sender start again from
// the next chat it gets: the events before it were not all for it (a fresh
// seat), or the server said they are gone (events_lost).
func (s *session) startOver() {
	s.evMu.Lock()
	defer s.evMu.Unlock()
	for i := range s.fromPeer {
		s.fromPeer[i] = unknownLast
	}
}

// settleEvents waits, at most bound, until every seated client has
// received every chat that reached anyone in its room: the last chats of
// the window are still on their way when it closes.
func (r *run) settleEvents(ctx context.Context, bound time.Duration) {
	if r.s.EventsRate == 0 {
		return
	}
	deadline := time.Now().Add(bound)
	for !r.eventsSettled() && time.Now().Before(deadline) {
		sleep(ctx, 20*time.Millisecond)
		if ctx.Err() != nil {
			return
		}
	}
}

func (r *run) eventsSettled() bool {
	settled := true
	r.eachPeer(func(s *session, sender int, last uint32) {
		if last != unknownLast && last < r.players[sender].chats.highest() {
			settled = false
		}
	})
	return settled
}

// eachPeer calls f for every seated client and every sender of its room,
// with the last chat the client got from it.
func (r *run) eachPeer(f func(s *session, sender int, last uint32)) {
	for _, p := range r.players {
		s := p.sess.Load()
		if s == nil || s.fromPeer == nil {
			continue
		}
		first := p.id - p.id%r.s.RoomSize
		s.evMu.Lock()
		lasts := append([]uint32(nil), s.fromPeer...)
		s.evMu.Unlock()
		for i, last := range lasts {
			if first+i < len(r.players) {
				f(s, first+i, last)
			}
		}
	}
}

// eventReport judges the chats clients skipped: lost events, if anyone got
// them; lost messages, if no one did.
func (r *run) eventReport() Events {
	e := Events{Sent: r.events.sent.Load(), Received: r.events.received.Load(), Duplicated: r.events.dup.Load()}
	if r.s.EventsRate == 0 {
		return e
	}
	r.events.mu.Lock()
	for _, g := range r.events.gaps {
		for n := g.lo; n <= g.hi; n++ {
			if r.players[g.sender].chats.has(n) {
				e.Lost++
			}
		}
	}
	r.events.mu.Unlock()
	// The chats a client never got after its last one.
	r.eachPeer(func(s *session, sender int, last uint32) {
		if last == unknownLast {
			return
		}
		led := r.players[sender].chats
		for n := last + 1; n <= led.highest(); n++ {
			if led.has(n) {
				e.Lost++
			}
		}
	})
	for _, p := range r.players {
		e.MessagesLost += int64(p.chats.sent.Load()) - p.chats.count()
	}
	return e
}
