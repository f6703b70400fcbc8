package client

import (
	"context"
	"fmt"
	"math"

	"github.com/tickroom/tickroom/netcode"
)

// listings matches the server's rooms answers to the list requests that
// wait for them, by request number.
type listings struct {
	next    uint32                    // last request number used
	waiting map[uint32]*netcode.Rooms // requests awaiting an answer (nil until it comes)
	gen     uint64                    // connections dropped: a request's answer is lost with its connection
}

func newListings() listings { return listings{waiting: make(map[uint32]*netcode.Rooms)} }

// ListRooms asks the server for a page of its public rooms over the
// connection, in the order the rooms were made: those of mode (empty:
// every mode) whose metadata has every key of filter with that value, as
// text ("3" matches the number 3, "true" the bool), skipping the first
// offset and at most limit of them (0: the server's page size; the server
// sends at most netcode.MaxListLimit). Rooms.Total counts every room that
// matched. Private rooms are never listed. It works in the lobby state and
// in a room alike, and may run alongside other calls. While the client is
// reconnecting, or when its connection drops before the answer, it fails
// with ErrReconnecting.
func (c *Client) ListRooms(ctx context.Context, mode string, filter map[string]string, offset, limit int) (*netcode.Rooms, error) {
	if offset < 0 || uint64(offset) > math.MaxUint32 || limit < 0 {
		return nil, fmt.Errorf("client: list rooms: offset %d, limit %d", offset, limit)
	}
	c.mu.Lock()
	c.lists.next++
	req, gen := c.lists.next, c.lists.gen
	c.lists.waiting[req] = nil
	c.mu.Unlock()
	defer func() {
		c.mu.Lock()
		delete(c.lists.waiting, req)
		c.mu.Unlock()
	}()
	m := &netcode.List{Request: req, Mode: mode, Offset: uint32(offset), Limit: uint16(min(limit, netcode.MaxListLimit)), Filter: filter}
	if err := c.send(m); err != nil {
		return nil, fmt.Errorf("client: list rooms: %w", err)
	}
	var rooms *netcode.Rooms
	err := c.wait(ctx, func() bool {
		rooms = c.lists.waiting[req]
		return rooms != nil || c.lists.gen != gen
	})
	if err == nil && rooms == nil {
		err = ErrReconnecting
	}
	if err != nil {
		return nil, fmt.Errorf("client: list rooms: %w", err)
	}
	return rooms, nil
}

// answer hands a rooms frame to the request that waits for it; one that
// nobody waits for any more (its caller gave up) is dropped. c.mu is held.
func (l *listings) answer(m *netcode.Rooms) {
	if r, ok := l.waiting[m.Request]; ok && r == nil {
		l.waiting[m.Request] = m
	}
}
