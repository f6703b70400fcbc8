package client

import (
	"context"
	"fmt"
	"slices"

	"github.com/tickroom/tickroom/netcode"
)

// JoinSpec says which room a join asks for, and what it tells the game.
type JoinSpec struct {
	// How is the way to join: netcode.JoinMatch (the zero value),
	// JoinCreate, JoinCreatePrivate, JoinExisting or JoinByID. See
	// netcode.JoinHow and the package documentation of netcode.
	How netcode.JoinHow
	// Room is a room name, or, with JoinByID, a room id or join code.
	Room string
	// Mode is the game mode; empty for the server's default.
	Mode string
	// Options go to the game's create and join hooks: a netcode.Payload is
	// sent as is, nil sends none, and any other value is encoded as
	// msgpack (netcode.EncodePayload, at most netcode.MaxPayloadLen bytes).
	Options any
}

// joinAnswer is the server's answer to a join: a welcome or a refusal; or
// err when the connection dropped before the answer came.
type joinAnswer struct {
	welcome *netcode.Welcome
	refusal *netcode.Error
	err     error
}

// Join joins room of mode by matchmaking (netcode.JoinMatch): room ""
// means any open public room of the mode, or a new one; a name means that
// public room, made if there is none. Mode "" is the server's default. See
// JoinWith.
func (c *Client) Join(ctx context.Context, room, mode string) (*netcode.Welcome, error) {
	return c.JoinWith(ctx, JoinSpec{How: netcode.JoinMatch, Room: room, Mode: mode})
}

// JoinWith asks to join the room j names and waits for the welcome, which
// it returns (Welcome returns it too, until the player leaves). A refusal
// comes back as a *JoinError; the client then stays connected, in the
// lobby state, free to join again, unless the code closes the connection
// (netcode.Code.Closes). Joins run one at a time: a second call waits for
// the first. If ctx ends first, the join is still on its way, and its
// answer, when it comes, still counts (a welcome seats the client). While
// the client is reconnecting, or when its connection drops before the
// answer, it fails with ErrReconnecting.
func (c *Client) JoinWith(ctx context.Context, j JoinSpec) (*netcode.Welcome, error) {
	options, err := payloadOf(j.Options, netcode.MaxPayloadLen)
	if err != nil {
		return nil, fmt.Errorf("client: join options: %w", err)
	}
	frame, err := netcode.AppendFrame(nil, &netcode.Join{
		Version: netcode.ProtocolVersion, Mode: j.Mode, Name: c.opts.Name, How: j.How, Room: j.Room, Options: options,
	})
	if err != nil {
		return nil, fmt.Errorf("client: encode join: %w", err)
	}
	c.joinMu.Lock()
	defer c.joinMu.Unlock()
	c.mu.Lock()
	c.joins.next++
	n := c.joins.next
	c.joins.pending = append(c.joins.pending, pendingJoin{n: n, options: options})
	c.joins.waiting, c.joins.got = n, nil
	c.mu.Unlock()
	if err := c.sendFrame(netcode.KindJoin, frame); err != nil {
		c.mu.Lock()
		c.joins.forget(n) // never sent: no answer will come
		c.mu.Unlock()
		return nil, err
	}
	var a *joinAnswer
	err = c.wait(ctx, func() bool {
		a = c.joins.got
		return a != nil
	})
	c.mu.Lock()
	c.joins.waiting, c.joins.got = 0, nil
	c.mu.Unlock()
	if err != nil {
		return nil, err
	}
	if a.err != nil {
		return nil, a.err
	}
	if a.refusal != nil {
		return nil, &JoinError{Code: a.refusal.Code, Reason: a.refusal.Message}
	}
	return a.welcome, nil
}

// joins matches the server's answers to the joins the client sent. Every
// join gets exactly one answer: already_joined at once from the session
// when another join is under way (so it answers the newest join), any other
// answer in the order the joins were sent (so it answers the oldest). A
// join whose caller gave up is still pending, so that its answer, when it
// comes, is not taken for a later join's. A join whose connection dropped
// gets no answer: it is answered ErrReconnecting (dropped).
type joins struct {
	next    uint64        // last join number used
	pending []pendingJoin // joins sent and not answered, oldest first
	waiting uint64        // the join JoinWith waits for; 0 for none
	got     *joinAnswer   // the answer to join waiting, once it came
}

// pendingJoin is a join sent and not yet answered, with its options: a
// fresh join after a drop sends again those of the join that seated the
// client.
type pendingJoin struct {
	n       uint64
	options netcode.Payload
}

// answer records the server's answer a to a join and returns the options
// that join carried. c.mu is held.
func (j *joins) answer(a joinAnswer) (netcode.Payload, bool) {
	if len(j.pending) == 0 {
		return nil, false // a raw join's (Client.SendRaw)
	}
	var p pendingJoin
	if a.refusal != nil && a.refusal.Code == netcode.CodeAlreadyJoined {
		p = j.pending[len(j.pending)-1]
		j.pending = j.pending[:len(j.pending)-1]
	} else {
		p = j.pending[0]
		j.pending = j.pending[1:]
	}
	if p.n == j.waiting {
		j.got = &a
	}
	return p.options, true
}

// forget drops join n, which was never sent.
func (j *joins) forget(n uint64) {
	j.pending = slices.DeleteFunc(j.pending, func(p pendingJoin) bool { return p.n == n })
}

// dropped answers every join on its way: the connection that carried them
// dropped, and their answers with it. Joins are never kept for after a
// reconnection (see awayQueue), so every pending join went out on it.
// c.mu is held.
func (j *joins) dropped() {
	for _, p := range j.pending {
		if p.n == j.waiting {
			j.got = &joinAnswer{err: ErrReconnecting}
		}
	}
	j.pending = j.pending[:0]
}

// refusesJoin reports whether an error frame with code c is the answer to
// a join when the client is not seated. room_closed answers a join that
// reached a closing room, and kicked one the game removed during its own
// Join; for a seated client both end the seat instead (see onError).
func refusesJoin(c netcode.Code) bool {
	switch c {
	case netcode.CodeRoomFull, netcode.CodeUnknownMode, netcode.CodeAlreadyJoined, netcode.CodeVersionMismatch,
		netcode.CodeTooManyRooms, netcode.CodeJoinRefused, netcode.CodeRoomNotFound, netcode.CodeRoomLocked,
		netcode.CodeRoomExists, netcode.CodeRoomClosed, netcode.CodeKicked, netcode.CodeInternal, netcode.CodeBadFrame:
		return true
	}
	return false
}

// payloadOf turns a value a program gives into a Payload: as is when it is
// one, else encoded as msgpack within max bytes.
func payloadOf(v any, max int) (netcode.Payload, error) {
	if p, ok := v.(netcode.Payload); ok {
		return p, nil
	}
	return netcode.EncodePayload(v, max)
}
