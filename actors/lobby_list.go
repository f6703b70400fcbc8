package actors

import (
	"cmp"
	"fmt"
	"slices"

	"github.com/anthdm/hollywood/actor"
	"github.com/tickroom/tickroom/netcode"
)

// DefaultListLimit is the page size of a room listing that asks for none.
const DefaultListLimit = 20

// list answers a listing with a page of the public rooms, in the order they
// were made: those of the mode asked for (all when empty) whose metadata
// has every key of the filter with that value. The answer goes to the
// sender, a session or a hub's Request.
func (l *lobby) list(c *actor.Context, m listRequest) {
	q := m.list
	limit := int(q.Limit)
	if limit == 0 {
		limit = DefaultListLimit
	}
	limit = min(limit, netcode.MaxListLimit)
	out := &netcode.Rooms{Request: q.Request}
	for _, e := range l.listed() {
		if e.private || (q.Mode != "" && e.mode != q.Mode) || !matches(e.meta, q.Filter) {
			continue
		}
		out.Total++
		if out.Total > q.Offset && len(out.Rooms) < limit {
			out.Rooms = append(out.Rooms, netcode.RoomInfo{
				ID: e.id, Name: e.name, Mode: e.mode, Players: e.players, MaxPlayers: e.maxPlayers,
				Locked: e.locked, Metadata: e.metadata,
			})
		}
	}
	c.Respond(out)
}

// listed returns the rooms a listing goes through, oldest first: this
// hub's, and on a node of a cluster every live peer's too.
func (l *lobby) listed() []*roomEntry {
	if l.cl == nil {
		return l.order
	}
	all := slices.Clone(l.order)
	for _, m := range l.cl.view.live {
		if p := l.cl.peers[m.id]; p != nil && p.incarnation == m.incarnation {
			for _, e := range p.rooms {
				all = append(all, e)
			}
		}
	}
	slices.SortStableFunc(all, func(a, b *roomEntry) int { return cmp.Compare(a.created, b.created) })
	return all
}

func matches(meta, filter map[string]string) bool {
	for k, v := range filter {
		if got, ok := meta[k]; !ok || got != v {
			return false
		}
	}
	return true
}

// metaText turns a room's metadata (a msgpack map the room checked) into
// text values, which listing filters compare against: "3" matches the
// number 3, "true" the bool.
func metaText(p netcode.Payload) map[string]string {
	var m map[string]any
	if err := p.Decode(&m); err != nil || len(m) == 0 {
		return nil
	}
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[k] = fmt.Sprint(v)
	}
	return out
}
