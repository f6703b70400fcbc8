package client

import (
	"errors"

	"github.com/tickroom/tickroom/netcode"
)

// awayQueue keeps what the program sends while the client is reconnecting,
// for the connection that resumes its seat: the resume (or the fresh join)
// must be that connection's first frame, and the room takes the player's
// frames only once it is seated again. Inputs keep the newest few, in
// place among the rest; messages (and raw frames) are kept in order up to a
// bound. Acks are dropped: the resume names the tick the client has. Leave
// gives the seat up at once (Client.Leave), so it is not kept. A join,
// a list request or a ping needs the server's answer now and is refused
// (ErrReconnecting). Guarded by Client.sendMu.
type awayQueue struct {
	frames   []awayFrame
	inputs   int // of frames, the inputs
	messages int // of frames, the others
}

type awayFrame struct {
	frame []byte // a copy
	input bool
}

// add keeps frame, of kind k (0 for a raw frame), for after the resume, or
// says why not. It returns whether it dropped an older input to make room.
func (q *awayQueue) add(r Reconnect, k netcode.Kind, frame []byte) (droppedInput bool, err error) {
	switch k {
	case netcode.KindAck, netcode.KindLeave:
		return false, nil
	case netcode.KindJoin, netcode.KindList, netcode.KindPing, netcode.KindResume:
		return false, ErrReconnecting
	case netcode.KindInput:
		if q.inputs >= r.Inputs {
			for i, f := range q.frames {
				if f.input {
					q.frames = append(q.frames[:i], q.frames[i+1:]...)
					q.inputs--
					droppedInput = true
					break
				}
			}
		}
		q.inputs++
	default:
		if q.messages >= r.Messages {
			return false, ErrQueueFull
		}
		q.messages++
	}
	q.frames = append(q.frames, awayFrame{frame: append([]byte(nil), frame...), input: k == netcode.KindInput})
	return droppedInput, nil
}

// sendLocked sends a frame of kind k (0 for a raw frame) on the client's
// connection, or keeps it while the client is reconnecting. A send that
// fails because the connection just dropped (its end is on its way to
// ended, which will reconnect) is kept too, so that the program does not
// see an error for a drop the client is about to cure. c.sendMu is held.
func (c *Client) sendLocked(k netcode.Kind, frame []byte) error {
	if c.away == nil {
		err := c.out.send(frame)
		if err == nil || !c.opts.Reconnect.on() || errors.Is(err, ErrQueueFull) || k == netcode.KindJoin || k == netcode.KindList {
			return err
		}
		c.mu.Lock()
		ended := c.closing || c.closeErr != nil
		c.mu.Unlock()
		if ended {
			return err
		}
		c.away = new(awayQueue)
	}
	dropped, err := c.away.add(c.opts.Reconnect, k, frame)
	if dropped {
		c.mu.Lock()
		c.stats.InputsDropped++
		c.mu.Unlock()
	}
	return err
}

// goAway makes sends wait for the way back, if they do not already.
func (c *Client) goAway() {
	c.sendMu.Lock()
	if c.away == nil {
		c.away = new(awayQueue)
	}
	c.sendMu.Unlock()
}

// carryOver puts first in the queue the frames the dropped connection old
// had accepted and never sent (an HTTP uplink's queue: POSTs go one at a
// time), so that they reach the room after the resume, in order, ahead of
// what was sent since. A frame already on the wire (a WebSocket write, a
// POST in flight) went with the connection: the server resumes the events
// a client missed, not the messages it sent. The bounds are not applied
// to these: the program was told they were sent.
func (c *Client) carryOver(old conn) {
	h, ok := old.(*httpConn)
	if !ok {
		return
	}
	frames := h.up.unsent()
	if len(frames) == 0 {
		return
	}
	c.sendMu.Lock()
	defer c.sendMu.Unlock()
	q := new(awayQueue)
	for _, f := range frames {
		k := netcode.Kind(0)
		if m, err := netcode.DecodeClient(f); err == nil {
			k = m.Kind()
		}
		switch k {
		case netcode.KindAck, netcode.KindLeave, netcode.KindJoin, netcode.KindList, netcode.KindPing, netcode.KindResume:
			continue // nothing to resume them for; see add
		case netcode.KindInput:
			q.inputs++
		default:
			q.messages++
		}
		q.frames = append(q.frames, awayFrame{frame: f, input: k == netcode.KindInput})
	}
	if c.away != nil {
		q.frames = append(q.frames, c.away.frames...)
		q.inputs += c.away.inputs
		q.messages += c.away.messages
	}
	c.away = q
}

// flushAway makes cn, whose server has given the client its place back,
// the connection sends go to, after sending on it, in order, what waited.
// If a send fails, cn is dropping too: the rest waits for the next one.
func (c *Client) flushAway(cn conn) {
	c.sendMu.Lock()
	defer c.sendMu.Unlock()
	if q := c.away; q != nil {
		for i, f := range q.frames {
			if cn.send(f.frame) != nil {
				q.frames = q.frames[i:]
				q.inputs, q.messages = 0, 0
				for _, f := range q.frames {
					if f.input {
						q.inputs++
					} else {
						q.messages++
					}
				}
				return
			}
		}
	}
	c.out, c.away = cn, nil
}
