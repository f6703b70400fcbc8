package loadtest

import (
	"context"
	"fmt"
	"time"

	"github.com/tickroom/tickroom/netcode"
)

// The floods: connections that send small frames as fast as their sockets
// take them, many to a write, while a reader goroutine reads what the
// server sends back (pongs, error frames) and how it ends the connection.
// When the server ends one, the attacker opens another at once.

// floodBatch is how many frames a flooder writes at once.
const floodBatch = 256

// drainWait bounds how long an attacker whose write failed waits for its
// reader to find out why (the close frame, or the reset, is on its way).
const drainWait = time.Second

// pingFlood sends WebSocket pings, and reads the pongs.
func pingFlood(ctx context.Context, e *attackEnv, st *attackStats, _ int) {
	flood(ctx, e, st, "pings written", func(ws *rawWS) []byte {
		return ws.appendFrame(nil, opPing, nil)
	})
}

// frameFlood sends binary frames of the payload the scenario names.
func frameFlood(ctx context.Context, e *attackEnv, st *attackStats, _ int) {
	var payload []byte
	switch e.s.FramePayload {
	case payloadGarbage:
		payload = []byte{0xc1} // never used by msgpack
	case payloadUnknown:
		payload = []byte{0x91, 0x63} // [99]: no such kind
	}
	flood(ctx, e, st, "frames written", func(ws *rawWS) []byte {
		return ws.appendFrame(nil, opBinary, payload)
	})
}

// flood runs one flooder: connect, flood until the server ends the
// connection or the attack stops, again.
func flood(ctx context.Context, e *attackEnv, st *attackStats, sentKey string, frame func(*rawWS) []byte) {
	sent := st.count(sentKey)
	redialWS(ctx, e, st, retryPause, 0, func(ws *rawWS) bool {
		one := frame(ws)
		batch := make([]byte, 0, len(one)*floodBatch)
		for range floodBatch {
			batch = append(batch, one...)
		}
		return floodConn(ctx, ws, st, func(n int) { sent.Add(int64(n / len(one))) }, batch)
	})
}

// floodConn writes batch over and over on ws until the server ends the
// connection (true) or ctx does (false); ws is held (hold), so ctx's end
// closes it, which ends a blocked write. wrote counts the bytes written.
func floodConn(ctx context.Context, ws *rawWS, st *attackStats, wrote func(int), batch []byte) (byServer bool) {
	readerDone := make(chan bool, 1) // true: the server ended the connection
	go func() { readerDone <- readServer(ctx, ws, st) }()
	for {
		select {
		case byServer := <-readerDone:
			return byServer
		default:
		}
		n, err := ws.nc.Write(batch)
		wrote(n)
		if err != nil {
			break
		}
	}
	// The write failed: the server ended the connection, or ctx did. Let
	// the reader find out which, and how.
	t := time.NewTimer(drainWait)
	defer t.Stop()
	select {
	case byServer = <-readerDone:
	case <-t.C:
		_ = ws.nc.Close()
		byServer = <-readerDone
	}
	return byServer
}

// readServer reads ws until it ends, counting pongs and error frames, and
// records how the connection ended: the close frame's code, or how the
// socket failed. It reports whether the server ended it (not ctx).
func readServer(ctx context.Context, ws *rawWS, st *attackStats) bool {
	var pongs int64
	errs := map[netcode.Code]int64{}
	defer func() {
		if pongs > 0 {
			st.add("pongs received", pongs)
		}
		for code, n := range errs {
			st.add("error frames received", n)
			st.answers.addN(errorKey(code), n)
		}
	}()
	for {
		op, p, err := ws.readFrame()
		if err != nil {
			if ctx.Err() != nil {
				return false
			}
			st.answer(endKey(err))
			return true
		}
		switch op {
		case opPong:
			pongs++
		case opClose:
			st.answer(closeFrameKey(closeCode(p)))
			return true
		case opBinary:
			if code, ok := errorFrameCode(p); ok {
				errs[code]++
			}
		}
	}
}

// errorFrameCode is the code of an error frame, if p is one.
func errorFrameCode(p []byte) (netcode.Code, bool) {
	if len(p) < 2 || p[1] != byte(netcode.KindError) {
		return 0, false
	}
	f, err := netcode.DecodeServer(p)
	if e, ok := f.(*netcode.Error); err == nil && ok {
		return e.Code, true
	}
	return 0, false
}

// errorKey names an error frame in an attack's answers.
func errorKey(c netcode.Code) string { return fmt.Sprintf("error %d %s", uint16(c), c.String()) }
