package actors

import (
	"sync"

	"github.com/anthdm/hollywood/actor"
	"github.com/tickroom/tickroom/netcode"
	"github.com/tickroom/tickroom/transports"
	"github.com/tickroom/tickroom/world"
)

// stateSink is where a room hands one player's state frames. The room calls
// deliver on its own goroutine, so a state frame costs no actor message and
// no session goroutine: at 20 Hz per player those dominated the session's
// work. Under mu the sink knows which room's frames the link takes now: the
// room that seats the player points it at itself, queueing the welcome
// under the same lock, and the session points it at nobody when the player
// leaves or is dropped. So no frame of a room left can follow the welcome of
// the next, and no frame of a room can precede its welcome. A session only
// joins a room when it is seated nowhere, so the two never race to point it.
type stateSink struct {
	hub  *Hub
	link transports.Link

	mu     sync.Mutex
	closed bool       // the link is gone: no room may seat the sink again
	room   *actor.PID // the room whose frames go out; nil: none
	slot   int        // this player's index in that room's acks
	head   []byte     // reused state header; the link copies it
}

func newStateSink(h *Hub, l transports.Link) *stateSink {
	return &stateSink{hub: h, link: l, head: make([]byte, 0, netcode.MaxStateHeadLen)}
}

// seat makes the sink take room's frames for slot (room nil: nobody's),
// after queueing welcome, if any.
func (k *stateSink) seat(room *actor.PID, slot int, welcome []byte) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.closed {
		return
	}
	k.room, k.slot = room, slot
	if welcome != nil {
		_ = k.link.Send(transports.ClassControl, nil, welcome)
	}
}

// close stops the sink for good once the session's link is gone. A room
// that seats the player after that (its join raced the close, or ran after
// the session stopped waiting for it) would otherwise write the welcome and
// every state to a dead link until its ack timeout.
func (k *stateSink) close() {
	k.mu.Lock()
	k.closed, k.room = true, nil
	k.mu.Unlock()
}

// deliver queues f for the client if it comes from the sink's room: the
// player's own small header in front of the body shared with every player
// of the same baseline. It returns the bytes queued, 0 when nothing was.
func (k *stateSink) deliver(f *stateFrame) int {
	k.mu.Lock()
	defer k.mu.Unlock()
	if f.room != k.room || k.slot >= len(f.acks) {
		return 0
	}
	d := world.Delta{Tick: f.tick, Base: f.base}
	k.head = netcode.AppendStateHead(k.head[:0], &d, f.serverTime, f.acks[k.slot])
	if k.link.Send(transports.ClassState, k.head, f.body) != nil {
		return 0
	}
	return len(k.head) + len(f.body)
}
