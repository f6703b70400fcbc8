package transports

import (
	"errors"
	"net/http"
)

// Handler accepts connections. The actors package implements it; transports
// calls it.
type Handler interface {
	// Accept runs on the upgrade goroutine after the WebSocket handshake and
	// before any frame is read, so the Receiver it returns sees every frame. The
	// link is already live: Accept may Send. A non-nil error closes the link with
	// the error's code if it is a *CloseError, else with CloseInternal. r is
	// valid only during the call: net/http ends its Context when Accept returns.
	// While Accept runs nothing is read from the client, and Server.Close waits
	// for it, so it should not block, or only for a bounded time (to check a
	// ticket). Credential(r) is the ticket of the handshake, "" for none
	// (see doc.go, "Tickets"), and ClientAddr(r) the client's address, as
	// the transport's per-address cap counted it (see doc.go, "Admission").
	Accept(l Link, r *http.Request) (Receiver, error)
}

// Receiver gets one link's inbound events. They come from that link's single
// reader goroutine, in order, never concurrently, so a Receiver needs no lock for
// its own state. Calls should be quick (copy and hand off): while one runs,
// nothing more is read from that client. Once the server has decided to
// close the link (Close, from the Receiver or anywhere else) no more OnFrame
// or OnTooLarge calls come, only OnClose. A Receiver that limits what a
// client sends should also implement ControlCounter, so that WebSocket
// pings and pongs cost the same budget as frames.
type Receiver interface {
	// OnFrame delivers one message of at most Options.ReadLimit bytes, binary or
	// text alike. frame is valid only during the call (gws reuses the buffer):
	// copy it to keep it.
	OnFrame(frame []byte)

	// OnTooLarge reports that a message of size bytes, above ReadLimit but at
	// most 4*ReadLimit, arrived and was discarded. The link stays open: the
	// receiver decides, usually an error frame followed by Close.
	OnTooLarge(size int)

	// OnClose is called exactly once, after the last OnFrame or OnTooLarge and
	// after the link's writer has stopped. err is or wraps a *CloseError
	// whenever a close code is known (see CloseStatus), whichever side closed.
	OnClose(err error)
}

// nopReceiver stands in when Accept refused a link, so the reader still drains
// the connection until the close handshake ends.
type nopReceiver struct{}

func (nopReceiver) OnFrame([]byte) {}
func (nopReceiver) OnTooLarge(int) {}
func (nopReceiver) OnClose(error)  {}

// accept asks the handler for l's receiver. A refusal closes l with the
// refusal's code (a *CloseError) or CloseInternal and gives l a receiver
// that drops everything, the same way on every transport.
func (s *Server) accept(l Link, r *http.Request, o *Options) Receiver {
	recv, err := s.handler.Accept(l, r)
	if err == nil && recv == nil {
		err = errors.New("transports: Accept returned no Receiver")
	}
	if err == nil {
		return recv
	}
	code, reason := uint16(CloseInternal), "internal error"
	var ce *CloseError
	if errors.As(err, &ce) {
		code, reason = ce.Code, ce.Reason
	}
	o.Logger.Debug("transports: accept refused", "link", l.ID(), "transport", l.Transport(), "err", err)
	l.Close(code, reason)
	return nopReceiver{}
}
