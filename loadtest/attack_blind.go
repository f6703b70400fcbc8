package loadtest

import (
	"context"
	"fmt"
	"time"

	"github.com/tickroom/tickroom/netcode"
)

// Blind acks: a client that joins a room and then acknowledges every tick
// the room runs, on time, without reading a byte, so that what it claims
// says it keeps up while its socket says it does not. Its kernel receive
// buffer is made tiny before it connects, so the server's writes back up
// at once. It does not read, so it learns that the server closed it when a
// write fails (the server's kernel resets a connection its program has
// closed); it then reads what its socket still holds, for the close frame
// or error frame that says why. Each blind acker connects once.

const (
	blindRecvBuffer = 1024             // bytes; Linux doubles it and keeps at least 2,304: about 1 KiB of window
	blindJoinWait   = 10 * time.Second // for the welcome and the first state
)

func blindAcks(ctx context.Context, e *attackEnv, st *attackStats, i int) {
	ws, err := dialRaw(ctx, e, blindRecvBuffer)
	if err != nil {
		refused(ctx, st, err)
		return
	}
	hold(ctx, st, ws.nc, ws.opened, func() bool { return blindAck(ctx, e, st, ws, i) })
}

// blindAck joins and acknowledges; it reports whether the server ended
// the connection.
func blindAck(ctx context.Context, e *attackEnv, st *attackStats, ws *rawWS, i int) bool {
	join, _ := netcode.AppendFrame(nil, &netcode.Join{
		Version: netcode.ProtocolVersion, Mode: e.r.s.Mode, Name: "blind",
		Room: fmt.Sprintf("%s-blind-%d", e.tag, i/e.r.s.RoomSize),
	})
	if err := ws.send(opBinary, join); err != nil {
		return ended(ctx, st, err)
	}
	w, tick, err := awaitFirstState(ws)
	switch {
	case err != nil:
		return ended(ctx, st, err)
	case w == nil:
		// Refused: tick holds the code of the error or close frame.
		st.answer(fmt.Sprintf("join refused: %s", codeName(uint16(tick))))
		return true
	}
	st.add("joined", 1)
	acks := st.count("acks sent")
	every := time.Second / time.Duration(max(w.SendRate, 1))
	t := time.NewTicker(every)
	defer t.Stop()
	start := time.Now()
	var frame []byte
	for {
		select {
		case <-ctx.Done():
			return false
		case <-t.C:
		}
		est := tick + uint32(time.Since(start).Seconds()*float64(w.TickRate))
		frame, _ = netcode.AppendFrame(frame[:0], &netcode.Ack{Tick: est})
		if err := ws.send(opBinary, frame); err != nil {
			if ctx.Err() != nil {
				return false
			}
			st.answer(whyClosed(ws, err))
			return true
		}
		acks.Add(1)
	}
}

// awaitFirstState reads ws until the welcome and the first state after
// it, and returns the welcome and that state's tick; or, when the server
// refused the join, a nil welcome and the code of its error or close frame
// in tick.
func awaitFirstState(ws *rawWS) (*netcode.Welcome, uint32, error) {
	_ = ws.nc.SetReadDeadline(time.Now().Add(blindJoinWait))
	defer ws.nc.SetReadDeadline(time.Time{})
	var w *netcode.Welcome
	for {
		op, p, err := ws.readFrame()
		if err != nil {
			return nil, 0, err
		}
		switch op {
		case opClose:
			return nil, uint32(closeCode(p)), nil
		case opPing:
			if err := ws.send(opPong, p); err != nil {
				return nil, 0, err
			}
		case opBinary:
			if c, ok := errorFrameCode(p); ok && w == nil {
				return nil, uint32(c), nil
			}
			var h netcode.StateHead
			if w != nil && netcode.DecodeStateHead(p, &h) == nil {
				return w, h.Tick, nil
			}
			if f, err := netcode.DecodeServer(p); err == nil {
				if wf, ok := f.(*netcode.Welcome); ok {
					w = wf
				}
			}
		}
	}
}

// whyClosed reads what a blind acker's socket still holds once a write
// has failed, for the frame that says why the server closed it: a close
// frame's code, or an error frame's; failing that, how the write failed.
func whyClosed(ws *rawWS, werr error) string {
	_ = ws.nc.SetReadDeadline(time.Now().Add(drainWait))
	why := ""
	for {
		op, p, err := ws.readFrame()
		if err != nil {
			break
		}
		if op == opClose {
			return closeFrameKey(closeCode(p))
		}
		if c, ok := errorFrameCode(p); ok {
			why = errorKey(c)
		}
	}
	if why != "" {
		return why
	}
	return "write failed: " + endKey(werr)
}
