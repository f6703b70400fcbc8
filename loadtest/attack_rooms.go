package loadtest

import (
	"context"
	"fmt"
	"time"

	"github.com/tickroom/tickroom/netcode"
)

// roomAnswerWait bounds the wait for the answer to one create. The server
// answers a create within a tick on loopback, but drops one over the
// connection's frame rate unanswered (it says so at most once a second):
// that create counts as unanswered and the flooder goes on.
const roomAnswerWait = 250 * time.Millisecond

// roomFlood creates rooms one after the other on one connection: a join
// with how=create for a fresh name, and, once welcomed, a leave (the room
// is empty again, for the server to dispose of) and the next create, as
// fast as the server answers. A refusal does not slow it down either. When
// the server ends the connection, the flooder opens another.
func roomFlood(ctx context.Context, e *attackEnv, st *attackStats, i int) {
	seq := 0
	redialWS(ctx, e, st, retryPause, 0, func(ws *rawWS) bool {
		return createRooms(ctx, e, st, ws, i, &seq)
	})
}

// createRooms is one room flooder's connection; it reports whether the
// server ended it.
func createRooms(ctx context.Context, e *attackEnv, st *attackStats, ws *rawWS, i int, seq *int) bool {
	sent, created, refused := st.count("creates sent"), st.count("rooms created"), st.count("creates refused")
	unanswered := st.count("creates unanswered")
	leave, _ := netcode.AppendFrame(nil, &netcode.Leave{})
	for {
		*seq++
		join, err := netcode.AppendFrame(nil, &netcode.Join{
			Version: netcode.ProtocolVersion, Mode: e.r.s.Mode, Name: "flood", How: netcode.JoinCreate,
			Room: fmt.Sprintf("%s-room-%d-%d", e.tag, i, *seq),
		})
		if err != nil {
			panic(err) // a join of a short name always encodes
		}
		if err := ws.send(opBinary, join); err != nil {
			return ended(ctx, st, err)
		}
		sent.Add(1)
		answer, code, err := awaitJoin(ws, roomAnswerWait)
		switch {
		case err != nil:
			return ended(ctx, st, err)
		case answer == joinClosed:
			st.answer(closeFrameKey(uint16(code)))
			return true
		case answer == joinTimedOut:
			unanswered.Add(1)
		case answer == joinWelcomed:
			created.Add(1)
			if err := ws.send(opBinary, leave); err != nil {
				return ended(ctx, st, err)
			}
		default:
			refused.Add(1)
			st.answer(errorKey(code))
			if code == netcode.CodeAlreadyJoined {
				// A leave went missing (dropped over the frame rate): leave
				// again before the next create.
				if err := ws.send(opBinary, leave); err != nil {
					return ended(ctx, st, err)
				}
			}
		}
	}
}

// ended records how a connection failed, unless the attack stopped it,
// and reports whether the server ended it.
func ended(ctx context.Context, st *attackStats, err error) bool {
	if ctx.Err() != nil {
		return false
	}
	st.answer(endKey(err))
	return true
}

// What the server answered a join.
const (
	joinWelcomed = iota
	joinRefused  // an error frame: code
	joinClosed   // a close frame: code
	joinTimedOut
)

// awaitJoin reads ws until the answer to a join: a welcome, an error frame
// or a close frame, skipping what else the server sends (states of a room
// just left, pings, which it answers) for at most wait. A read error other
// than the wait's end is returned.
func awaitJoin(ws *rawWS, wait time.Duration) (answer int, code netcode.Code, err error) {
	_ = ws.nc.SetReadDeadline(time.Now().Add(wait))
	defer ws.nc.SetReadDeadline(time.Time{})
	for {
		op, p, err := ws.readFrame()
		if err != nil {
			if isTimeout(err) {
				return joinTimedOut, 0, nil
			}
			return 0, 0, err
		}
		switch op {
		case opClose:
			return joinClosed, netcode.Code(closeCode(p)), nil
		case opPing:
			if err := ws.send(opPong, p); err != nil {
				return 0, 0, err
			}
		case opBinary:
			if len(p) >= 2 && p[1] == byte(netcode.KindWelcome) {
				return joinWelcomed, 0, nil
			}
			if c, ok := errorFrameCode(p); ok {
				return joinRefused, c, nil
			}
		}
	}
}
