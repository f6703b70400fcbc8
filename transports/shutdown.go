package transports

import (
	"context"
	"fmt"
	"time"
)

// Close stops accepting, closes every link with CloseGoingAway, and waits until
// every goroutine of every link has ended (including the Receivers' OnClose
// calls) or ctx ends. net/http's Shutdown neither closes nor waits for hijacked
// connections, which is why the Server tracks its links itself. Close may be
// called again, for instance with a new deadline, to wait for the same
// shutdown.
//
// WebSocket links start their close handshakes first; then the HTTP
// sessions are ended: a held poll or stream gets the buffered control frames
// and a close record with CloseGoingAway at once, a client between two
// requests gets them from its next request within CloseDrain (see
// drainSessions). Ending them is also what lets net/http's Shutdown finish,
// since it waits for held requests.
//
// The graceful part ends a little before ctx's deadline (see graceContext): then
// every connection still open is dropped, however it is stuck (a body or
// headers trickling in, a close handshake with a client that does not
// read, a connection that has not sent its request yet), so that Close
// returns nil before the deadline whatever its clients do. It returns ctx's
// error only when goroutines outlived even that, which only a Handler or a
// Receiver that blocks can cause. Without a deadline the graceful part is
// bounded by the per-request limits (BodyTimeout, ReadHeaderTimeout,
// WriteTimeout).
func (s *Server) Close(ctx context.Context) error {
	s.mu.Lock()
	first := !s.closing
	s.closing = true
	if first && len(s.sessions) > 0 {
		s.draining = make(chan struct{})
	}
	hs, serveDone, drained := s.hs, s.serveDone, s.draining
	s.mu.Unlock()

	grace, cancel := graceContext(ctx)
	defer cancel()
	if first {
		// HTTP sessions first, then the WebSocket links, whose close
		// handshakes run in their own goroutines while the sessions drain.
		// A session's open probe is left to the session: an "upgrade N"
		// racing Close then still carries the buffered frames and the
		// close code over to the WebSocket. A link still being upgraded is
		// closed by track as soon as it registers.
		probes := s.closeSessions()
		for _, l := range s.liveLinks() {
			if !probes[l] {
				l.Close(CloseGoingAway, "server going away")
			}
		}
		s.drainSessions(grace, drained)
		// The fast path's idle connections close as net/http's do.
		s.shutFast(false)
		if hs != nil {
			if hs.Shutdown(grace) != nil {
				// Requests still running at the grace deadline: their
				// connections are dropped, which ends their handlers.
				s.options().Logger.Debug("transports: close: dropping connections still busy")
				_ = hs.Close()
				s.shutFast(true)
			}
			<-serveDone
		}
		// No Add can follow: closing is set, and enter holds the count above zero
		// for every handler that got in before.
		go func() {
			s.wg.Wait()
			close(s.closed)
		}()
	}
	select {
	case <-s.closed:
		return nil
	case <-grace.Done():
	}
	// Close handshakes still running, with clients that do not read: drop
	// their sockets, which ends their goroutines at once.
	for _, l := range s.liveLinks() {
		_ = l.conn.NetConn().Close()
	}
	s.shutFast(true)
	select {
	case <-s.closed:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("transports: close: %w", ctx.Err())
	}
}

// graceContext is ctx ending when Close stops waiting for clients: shortly
// before ctx's deadline, leaving a tenth of the time (10 ms to 1 s) for the
// goroutines of the connections it then drops to end, and for the caller's
// own shutdown after Close (the actors', in Tickroom). Without a deadline it
// ends with ctx.
func graceContext(ctx context.Context) (context.Context, context.CancelFunc) {
	d, ok := ctx.Deadline()
	if !ok {
		return context.WithCancel(ctx)
	}
	reserve := min(max(time.Until(d)/10, 10*time.Millisecond), time.Second)
	return context.WithDeadline(ctx, d.Add(-reserve))
}

// closeSessions closes every HTTP session with CloseGoingAway (which does
// not wait) and returns their open probes.
func (s *Server) closeSessions() map[*wsLink]bool {
	probes := make(map[*wsLink]bool)
	for _, ss := range s.liveSessions() {
		ss.Close(CloseGoingAway, "server going away")
		ss.mu.Lock()
		if ss.isProbe(ss.ws) {
			probes[ss.ws] = true
		}
		ss.mu.Unlock()
	}
	return probes
}

// drainSessions waits for the sessions closeSessions closed to end. A held
// downlink request got the close record at once; a client between two
// requests gets it from its next one, for which the server keeps serving the
// session's requests (and only those) for up to CloseDrain. What is still
// open after that ends without telling its client.
func (s *Server) drainSessions(ctx context.Context, drained <-chan struct{}) {
	if drained != nil {
		t := time.NewTimer(s.options().CloseDrain)
		select {
		case <-drained:
		case <-t.C:
		case <-ctx.Done():
		}
		t.Stop()
		s.mu.Lock()
		s.draining = nil
		s.mu.Unlock()
	}
	for _, ss := range s.liveSessions() {
		ss.closeNow(CloseGoingAway, "server going away")
	}
}
