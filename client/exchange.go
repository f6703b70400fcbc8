package client

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/tickroom/tickroom/transports/httpwire"
)

// A long-polling client in a room sends the frames it has when it polls
// with the poll, as one exchange (transports' doc, "Exchange"): the acks
// and inputs a program makes as a state arrives are queued just before the
// next long-poll starts, so each update costs one request instead of a GET
// and a POST. Frames queued while a long-poll is held wait for it to
// return and carry them, at most holdSends of the room's send intervals
// (states come at every send, so a poll returns within one); then the
// uplink posts them. Out of a room no state is coming, a held long-poll
// may last pollTimeout, and frames are posted at once. A batch rides on an
// exchange only when no other is in flight, and keeps its number and body
// until an answer settles it, so a retry by either request never repeats a
// frame: see the uplink.

// holdSends is how many send intervals queued frames may wait for a
// long-poll to carry them.
const holdSends = 2

// exchangeHold is the uplink's hold on a long-polling connection: zero
// unless it is in a room that sends states, and while the downlink is
// paused (an upgrade) or streaming.
func (h *httpConn) exchangeHold() time.Duration {
	if h.streaming.Load() || h.kind == TransportPoll {
		return 0
	}
	h.mu.Lock()
	paused := h.paused
	h.mu.Unlock()
	if paused {
		return 0
	}
	return holdSends * h.c.sendInterval()
}

// takeExchange returns the batch the next long-poll should carry, or nil:
// the frames queued, if the connection exchanges now and no batch is in
// flight.
func (u *uplink) takeExchange() *batch {
	if u.hold == nil || u.hold() <= 0 {
		return nil
	}
	u.mu.Lock()
	defer u.mu.Unlock()
	if u.err != nil || u.stopped || u.cur != nil || len(u.q) == 0 || u.ackOnly {
		return nil
	}
	b := u.takeLocked()
	b.exchange = true
	return b
}

// exchangeDone settles the batch an exchange carried with the exchange's
// answer, err: delivered (200), refused with a 4xx other than 409 (dropped,
// as a POST's), or unknown, and then posted again, same number and body.
// A POST of the same batch may have settled it first.
func (u *uplink) exchangeDone(b *batch, err error) {
	var he *HTTPError
	u.mu.Lock()
	if u.cur == b {
		if err == nil || errors.As(err, &he) && !he.retryable() {
			u.cur = nil
		} else {
			b.exchange = false
		}
	}
	u.cond.Broadcast()
	u.mu.Unlock()
	u.kick()
}

// uploadRefused reports whether an exchange was refused for its batch
// (not for its downlink): the batch is dropped, and the downlink goes on,
// to bring what the server did about it (a too-large frame closes the
// session, whose close record is on its way).
func uploadRefused(err error) bool {
	var he *HTTPError
	return errors.As(err, &he) && (he.Status == http.StatusRequestEntityTooLarge ||
		he.Status == http.StatusUnsupportedMediaType || he.Code == "truncated_frame")
}

// exchange starts an exchange: POST {base}/{sid}/exchange?ack=N&seq=K with
// batch K's body. A non-200 answer is returned as an *HTTPError, its body
// consumed.
func (s *httpSession) exchange(ctx context.Context, k, ack uint64, body []byte) (*http.Response, error) {
	u := s.base + "/" + s.sid + "/" + httpwire.ExchangeSegment + "?" + httpwire.ParamAck + "=" + strconv.FormatUint(ack, 10) +
		"&" + httpwire.ParamSeq + "=" + strconv.FormatUint(k, 10)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u, bytes.NewReader(body))
	if err != nil {
		return nil, fmt.Errorf("client: exchange: %w", err)
	}
	setHeaders(req, s.header)
	req.Header.Set("Content-Type", httpwire.ContentType)
	resp, err := s.hc.Do(req)
	if err != nil {
		return nil, fmt.Errorf("client: exchange: %w", err)
	}
	if resp.StatusCode != http.StatusOK {
		defer drain(resp)
		return nil, httpError("exchange", resp)
	}
	return resp, nil
}
