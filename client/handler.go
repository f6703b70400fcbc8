package client

import (
	"errors"

	"github.com/lxzan/gws"
	"github.com/tickroom/tickroom/netcode"
)

// handler receives the connection's events on its reader goroutine.
type handler struct {
	gws.BuiltinEventHandler
	c *Client
}

func (h *handler) OnClose(_ *gws.Conn, err error) {
	c := h.c
	c.mu.Lock()
	if err == nil {
		err = ErrClosed
	}
	c.closeErr = err
	c.cond.Broadcast()
	c.mu.Unlock()
	close(c.done)
}

func (h *handler) OnPing(conn *gws.Conn, payload []byte) {
	_ = conn.WritePong(payload)
}

func (h *handler) OnMessage(conn *gws.Conn, msg *gws.Message) {
	defer msg.Close()
	c := h.c
	m, err := netcode.DecodeServer(msg.Bytes())
	c.mu.Lock()
	c.stats.Frames++
	c.stats.Bytes += int64(msg.Data.Len())
	if err != nil {
		c.stats.BadFrames++
		c.mu.Unlock()
		return
	}
	ack, tick := false, uint32(0)
	switch m := m.(type) {
	case *netcode.State:
		ack, tick = c.onState(m)
	case *netcode.Welcome:
		c.welcome = m
		c.mirror.reset(m.Schemas)
	case *netcode.Error:
		c.errs = append(c.errs, *m)
	}
	c.cond.Broadcast()
	c.mu.Unlock()
	if ack {
		frame, _ := netcode.AppendMessage(nil, &netcode.Ack{Tick: tick})
		_ = conn.WriteMessage(gws.OpcodeBinary, frame)
	}
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
	}
	return applied && !c.opts.ManualAck, c.mirror.current.Tick
}
