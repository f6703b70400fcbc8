package loadtest

import (
	"context"
	"time"
)

// Idle connections: WebSockets opened and held without a join, answering
// the server's pings as a live client would, so that only the server's
// limits on connections in no room (limits.max_unjoined: server_busy;
// limits.join_timeout: join_timeout) or on connections (503, 429) end
// them. One the server ends or refuses is opened again after idleRetry, so
// the attack keeps pressing for its count.

const (
	idleRetry    = time.Second
	idleOpenRate = 1000 // connections the idle attackers open per second, together, at the start
)

func idleConn(ctx context.Context, e *attackEnv, st *attackStats, i int) {
	// Stagger the first connections, so 20,000 attackers do not dial at once.
	if !pause(ctx, time.Duration(i)*time.Second/idleOpenRate) {
		return
	}
	answered := st.count("pings answered")
	redialWS(ctx, e, st, idleRetry, idleRetry, func(ws *rawWS) bool {
		for {
			op, p, err := ws.readFrame()
			if err != nil {
				return ended(ctx, st, err)
			}
			switch op {
			case opPing:
				if err := ws.send(opPong, p); err != nil {
					return ended(ctx, st, err)
				}
				answered.Add(1)
			case opClose:
				st.answer(closeFrameKey(closeCode(p)))
				return true
			case opBinary:
				if c, ok := errorFrameCode(p); ok {
					st.answer(errorKey(c))
				}
			}
		}
	})
}
