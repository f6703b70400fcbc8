package transports

import (
	"errors"
	"fmt"
)

// WebSocket close codes used by this package (RFC 6455, section 7.4.1).
// Application codes (4000-4999) are defined by netcode and pass through unchanged.
const (
	CloseNormal        = 1000 // the session ended as agreed
	CloseGoingAway     = 1001 // server shutdown; default heartbeat-timeout code
	ClosePolicy        = 1008 // default slow-consumer code
	CloseMessageTooBig = 1009 // inbound message above 4*ReadLimit
	CloseInternal      = 1011 // Handler.Accept failed without a CloseError

	// closeNoStatus is what a peer's close frame without a code means (RFC 6455
	// 7.1.5). It is never sent.
	closeNoStatus = 1005
)

// Errors returned by Link.Send.
var (
	// ErrClosed means the link is closed or closing; the frame was not queued.
	ErrClosed = errors.New("transports: link closed")
	// ErrHeadTooLarge means head was longer than MaxHead.
	ErrHeadTooLarge = errors.New("transports: head larger than MaxHead")
	// ErrSlowConsumer means this Send found the ClassControl queue full, so the
	// link is now closing with Options.SlowCloseCode. Later calls return ErrClosed.
	ErrSlowConsumer = errors.New("transports: slow consumer")
)

// CloseError is a WebSocket close code with its reason. It is what
// Receiver.OnClose receives whenever the code is known, whichever side closed.
type CloseError struct {
	Code   uint16
	Reason string
}

func (e *CloseError) Error() string {
	return fmt.Sprintf("transports: closed with code %d (%s)", e.Code, e.Reason)
}

// CloseStatus returns the close code carried by err, if err is or wraps a
// *CloseError. It saves callers from writing errors.As by hand.
func CloseStatus(err error) (uint16, bool) {
	var ce *CloseError
	if errors.As(err, &ce) {
		return ce.Code, true
	}
	return 0, false
}
