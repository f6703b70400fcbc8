package transports

import (
	"net/http"
	"strconv"
	"time"

	"github.com/tickroom/tickroom/transports/httpwire"
)

// A downlink request is a GET (long-poll or poll) or a stream. One may be open
// per session at a time: two would race for the same records and their acks
// would contradict each other. While one is open the session cannot expire.
//
// A GET that comes while a stream is open is the exception: it ends the
// stream and takes its place. It is how a client that found its stream held
// by a buffering proxy falls back to long-polling (doc.go, "Streams behind
// buffering proxies"), and such a proxy may keep reading the abandoned
// stream from the server long after the client has left it. The stream ends
// at its next look at the session, writing nothing more, and the requests
// are numbered (downGen) so that its end does not close the GET's downlink.

// openDownlink admits a downlink request of the given kind that acknowledges
// every record up to ack, and trims those records. stop ends the request: a
// stream's, which a GET may end; nil for a GET. It returns the request's
// number, to hand to take and closeDownlink, or the error to answer.
func (ss *httpSession) openDownlink(kind transportKind, ack uint64, stop func()) (uint64, httpErr, bool) {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	// A poll held on the fast path by a connection whose client has gone
	// (the fast path does not read while it holds one) is taken over.
	gone := ss.downOpen && ss.downConn != nil && peerGone(ss.downConn.c)
	switch {
	case ss.finished:
		return 0, errUnknownSession, false
	case ss.up == upDone:
		return 0, errUpgraded, false
	case ss.downOpen && !gone && (ss.stopStream == nil || kind == kindStream):
		return 0, errPollInProgress, false
	case ack > ss.buf.sent:
		return 0, errBadAck, false
	}
	switch {
	case gone:
		ss.downConn.abort()
	case ss.downOpen:
		ss.stopStream() // a GET takes over from a stream
	}
	ss.buf.ack(ack)
	ss.downGen++
	ss.downConn = nil
	ss.stopStream = stop
	ss.downOpen = true // the expiry clock, if armed, finds it open (expire)
	ss.kind.Store(uint32(kind))
	return ss.downGen, 0, true
}

// closeDownlink ends downlink request gen and starts the expiry clock. A
// session that closeNow left to this request, which had already written its
// response without the close record, ends here. A stream a GET took over
// from leaves the downlink to that GET, and passes on the wake-up it may
// have taken from it.
func (ss *httpSession) closeDownlink(gen uint64) {
	ss.mu.Lock()
	if gen != ss.downGen {
		ss.mu.Unlock()
		ss.signal()
		return
	}
	ss.downOpen = false
	ss.stopStream = nil
	ss.downConn = nil
	if ss.force && !ss.finished {
		e := ss.endLocked(nil)
		ss.mu.Unlock()
		ss.ended(e, nil)
		return
	}
	ss.armExpiryLocked()
	ss.mu.Unlock()
}

// heldBy notes that downlink request gen is a poll held on fast connection
// fc, which openDownlink may find gone.
func (ss *httpSession) heldBy(gen uint64, fc *fastConn) {
	ss.mu.Lock()
	if gen == ss.downGen && ss.downOpen {
		ss.downConn = fc
	}
	ss.mu.Unlock()
}

// ack trims the buffer for an uplink POST's ack (useful while streaming, when
// no new downlink request carries one). After an upgrade it is ignored.
func (ss *httpSession) ack(n uint64) (httpErr, bool) {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	if ss.up == upDone || ss.finished {
		return 0, true
	}
	if n > ss.buf.sent {
		return errBadAck, false
	}
	ss.buf.ack(n)
	return 0, true
}

// downView is what a downlink request should do next, read under mu.
type downView struct {
	recs       []record    // records to write, in seq order
	closeRec   *CloseError // non-nil: write the close record after recs
	probing    bool        // an upgrade is under way: GETs answer at once
	upgraded   bool        // the downlink is now the WebSocket
	finished   bool        // the session has ended
	superseded bool        // a GET took over from this stream: end it
}

// take collects, for downlink request gen, the records with seq > after
// into dst (marking them sent) and the session's state.
func (ss *httpSession) take(after uint64, dst []record, gen uint64) downView {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	v := downView{recs: dst[:0], probing: ss.up == upProbing}
	switch {
	case gen != ss.downGen:
		v.superseded = true
	case ss.finished:
		v.finished = true
		v.closeRec = ss.cause
	case ss.up == upDone:
		v.upgraded = true
	default:
		v.recs = ss.buf.after(after, v.recs)
		if ss.closing {
			v.closeRec = ss.cause
		}
	}
	return v
}

// encode appends v's records, and its close record, to dst. The close
// record carries the code a WebSocket close frame would.
func (v *downView) encode(dst []byte) []byte {
	for i := range v.recs {
		r := &v.recs[i]
		dst = httpwire.AppendRecord(dst, r.seq, r.head[:r.headLen], r.body)
	}
	if v.closeRec != nil {
		dst = httpwire.AppendCloseRecord(dst, wireCloseCode(v.closeRec.Code), v.closeRec.Reason)
	}
	return dst
}

// release drops the references to frame bodies so a response buffer kept for
// the next round does not keep them alive.
func (v *downView) release() {
	for i := range v.recs {
		v.recs[i].body = nil
	}
}

// downlinkHeaders are the headers of every downlink response.
func downlinkHeaders(h http.Header) {
	noCache(h)
	h["Content-Type"] = hdrOctets
}

// writeDeadline bounds the next write of a response, as WriteTimeout bounds a
// WebSocket write: a client that stops reading cannot pin the handler.
func writeDeadline(rc *http.ResponseController, o *Options) {
	_ = rc.SetWriteDeadline(time.Now().Add(o.WriteTimeout))
}

// parseAck reads the ack query parameter, which every downlink request must
// carry.
func parseAck(r *http.Request) (uint64, bool) {
	v, _ := queryValue(r, httpwire.ParamAck)
	return parseUintParam(v)
}

// parseUintParam parses a decimal query parameter. Empty is invalid.
func parseUintParam(s string) (uint64, bool) {
	if s == "" {
		return 0, false
	}
	n, err := strconv.ParseUint(s, 10, 64)
	return n, err == nil
}
