package client

import (
	"errors"

	"github.com/tickroom/tickroom/netcode"
	"github.com/tickroom/tickroom/world"
)

// deliver handles one frame from the server. Every connection calls it from
// its single reader goroutine, in order; an upgrade hands the reading over
// without overlap, and a reconnection starts its connection's reader only
// after the dropped one's has ended, so deliver never runs twice at once.
// frame is not kept.
func (c *Client) deliver(frame []byte) {
	if c.opts.TrackOnly && netcode.DecodeStateHead(frame, &c.head.h) == nil {
		c.deliverHead(len(frame))
		return
	}
	m, err := netcode.DecodeServer(frame)
	c.mu.Lock()
	c.stats.Frames++
	c.stats.Bytes += int64(len(frame))
	if err != nil {
		c.stats.BadFrames++
		c.mu.Unlock()
		return
	}
	ack, tick := false, uint32(0)
	var prev View // the mirror before a state, for OnChange
	var step backStep
	applied, dup := false, false
	switch m := m.(type) {
	case *netcode.State:
		prev = View{State: c.mirror.current, Schemas: c.mirror.schemas}
		ack, tick = c.onState(m)
		applied = c.mirror.current.Tick != prev.State.Tick
		if applied {
			step = c.back.onState(c, m.Delta.Full())
		}
	case *netcode.Event:
		dup = c.onEvent(m)
	case *netcode.Rates:
		c.rates.announce(*m, c.mirror.current.Tick)
	case *netcode.Rooms:
		c.lists.answer(m)
	case *netcode.Welcome:
		var ok bool
		if step, ok = c.back.onWelcome(c, m); !ok {
			c.welcomed(m)
			if opts, ok := c.joins.answer(joinAnswer{welcome: m}); ok {
				c.joinOptions = opts
			}
		}
	case *netcode.Error:
		c.errs = append(c.errs, *m)
		var ok bool
		if step, ok = c.back.onError(c, m); !ok {
			c.onError(m)
		}
	}
	var next View
	if applied {
		next = View{State: c.mirror.current, Schemas: c.mirror.schemas}
	}
	cn := c.cur
	c.cond.Broadcast()
	c.mu.Unlock()
	c.takeStep(cn, &step)
	c.acknowledge(ack, tick)
	if dup {
		return
	}
	if f := c.opts.OnChange; f != nil && applied && !c.opts.TrackOnly {
		f(changeOf(prev, next))
	}
	if e, ok := m.(*netcode.Event); ok && c.opts.OnEvent != nil {
		c.opts.OnEvent(*e)
	}
	if f := c.opts.OnFrame; f != nil {
		f(m)
	}
	c.tellBack(&step)
}

// welcomed takes the welcome of a join: a new room (or a new seat in the
// same one), so the mirror, the rates and the event ids start over. c.mu
// is held.
func (c *Client) welcomed(m *netcode.Welcome) {
	c.welcome = m
	c.mirror.reset(m.Schemas)
	c.rates.welcome(m)
	c.lastEvent = 0
}

// onEvent counts an event and reports whether it is a duplicate, to be
// dropped: its id is not above the last one delivered. Ids number a room's
// events in the order it sent them, so after a resume the missed events
// follow on from the last one the client got; one that came twice (a
// resume naming an older id, a server fault) reaches the program once.
// c.mu is held.
func (c *Client) onEvent(m *netcode.Event) bool {
	if m.ID != 0 && m.ID <= c.lastEvent {
		c.stats.DuplicateEvents++
		return true
	}
	c.lastEvent = m.ID
	c.stats.Events++
	return false
}

// onError takes an error frame: kicked and room_closed end the seat of a
// client in a room, which is back in the lobby state (no welcome, an empty
// mirror); a refusal answers a join. c.mu is held.
func (c *Client) onError(e *netcode.Error) {
	if c.welcome != nil && (e.Code == netcode.CodeKicked || e.Code == netcode.CodeRoomClosed) {
		c.leftRoom()
		return
	}
	if refusesJoin(e.Code) {
		c.joins.answer(joinAnswer{refusal: e})
	}
}

// acknowledge sends an explicit ack of tick when onState or track asked for
// one. c.mu is not held.
func (c *Client) acknowledge(ack bool, tick uint32) {
	if ack {
		frame, _ := netcode.AppendFrame(nil, &netcode.Ack{Tick: tick})
		_ = c.sendFrame(netcode.KindAck, frame)
	}
}

// headState is a TrackOnly client's decoded state head and the State that
// OnFrame sees for it, both reused for every state frame: decoding the
// entities, and allocating for them, cost a load tester's bot more than
// everything else it does with a state.
type headState struct {
	h netcode.StateHead
	m netcode.State
}

// deliverHead handles a state frame of n bytes whose head is in c.head.h
// (Options.TrackOnly). Its entities are neither decoded nor checked.
func (c *Client) deliverHead(n int) {
	h := &c.head.h
	c.mu.Lock()
	c.stats.Frames++
	c.stats.Bytes += int64(n)
	if h.Base == 0 {
		c.stats.Snapshots++
	} else {
		c.stats.Diffs++
	}
	before := c.mirror.current.Tick
	ack, tick := c.track(h.Tick, h.InputAck)
	var step backStep
	if c.mirror.current.Tick != before {
		step = c.back.onState(c, h.Base == 0)
	}
	c.cond.Broadcast()
	c.mu.Unlock()
	c.acknowledge(ack, tick)
	if f := c.opts.OnFrame; f != nil {
		c.head.m = netcode.State{ServerTime: h.ServerTime, InputAck: h.InputAck, Delta: world.Delta{Tick: h.Tick, Base: h.Base}}
		f(&c.head.m)
	}
	c.tellBack(&step)
}

// track records a state's tick and input ack without applying it
// (Options.TrackOnly); c.mu is held.
func (c *Client) track(tick, inputAck uint32) (bool, uint32) {
	if tick <= c.mirror.current.Tick {
		return false, 0
	}
	c.mirror.current = world.State{Tick: tick}
	c.rates.reach(tick)
	c.inputAck = max(c.inputAck, inputAck)
	auto := !c.opts.ManualAck && !c.inputSent
	c.inputSent = false
	return auto, tick
}

// onState applies a state frame and reports whether to acknowledge a tick
// now; c.mu is held. A lost baseline is answered with an acknowledgement of
// tick zero, which asks the room for a full snapshot.
func (c *Client) onState(m *netcode.State) (bool, uint32) {
	if m.Delta.Full() {
		c.stats.Snapshots++
	} else {
		c.stats.Diffs++
	}
	if c.opts.TrackOnly {
		return c.track(m.Delta.Tick, m.InputAck)
	}
	applied, err := c.mirror.apply(&m.Delta)
	var nb errNoBaseline
	switch {
	case errors.As(err, &nb):
		c.stats.LostBaselines++
		return true, 0
	case err != nil:
		c.stats.BadFrames++
		return false, 0
	}
	if applied {
		c.inputAck = max(c.inputAck, m.InputAck)
		c.rates.reach(m.Delta.Tick)
	}
	// A client that sends inputs at about the send rate acknowledges through
	// them; an explicit ack as well would double its upstream frames and run
	// into the server's per-session rate limit at high send rates.
	auto := applied && !c.opts.ManualAck && !c.inputSent
	c.inputSent = false
	return auto, c.mirror.current.Tick
}
