package transports

import (
	"encoding/json"
	"net/http"
	"strings"

	"github.com/tickroom/tickroom/transports/httpwire"
)

// httpErr is one row of the HTTP transports' error table (see the package
// documentation). Each has a fixed status and a stable code that clients
// branch on; the message is for people.
type httpErr uint8

const (
	errBadRequest httpErr = iota
	errBadAck
	errTruncatedFrame
	errBadUpgrade
	errOriginNotAllowed
	errUnknownSession
	errTransportDisabled
	errBadMethod
	errPollInProgress
	errUpgraded
	errTooLarge
	errFrameTooLarge
	errBadContentType
	errTooManySessions
	errShuttingDown
	errBadTicket
	errTicketTooLarge
	errSessionClosed
	errServerFull
	errTooManyConnections
	errServerBusy
	errConnectionRate
	errBodyTimeout
	numHTTPErrs
)

var httpErrTable = [numHTTPErrs]struct {
	status     int
	code       string
	retryAfter string // seconds, for the Retry-After header; "" for none
}{
	errBadRequest:         {http.StatusBadRequest, "bad_request", ""},
	errBadAck:             {http.StatusBadRequest, "bad_ack", ""},
	errTruncatedFrame:     {http.StatusBadRequest, "truncated_frame", ""},
	errBadUpgrade:         {http.StatusBadRequest, "bad_upgrade", ""},
	errOriginNotAllowed:   {http.StatusForbidden, "origin_not_allowed", ""},
	errUnknownSession:     {http.StatusNotFound, "unknown_session", ""},
	errTransportDisabled:  {http.StatusNotFound, "transport_disabled", ""},
	errBadMethod:          {http.StatusMethodNotAllowed, "bad_method", ""},
	errPollInProgress:     {http.StatusConflict, "poll_in_progress", ""},
	errUpgraded:           {http.StatusGone, "upgraded", ""},
	errTooLarge:           {http.StatusRequestEntityTooLarge, "too_large", ""},
	errFrameTooLarge:      {http.StatusRequestEntityTooLarge, "frame_too_large", ""},
	errBadContentType:     {http.StatusUnsupportedMediaType, "bad_content_type", ""},
	errTooManySessions:    {http.StatusServiceUnavailable, "too_many_sessions", retryAfter},
	errShuttingDown:       {http.StatusServiceUnavailable, httpwire.CodeShuttingDown, ""},
	errBadTicket:          {http.StatusBadRequest, "bad_ticket", ""},
	errTicketTooLarge:     {http.StatusRequestHeaderFieldsTooLarge, "ticket_too_large", ""},
	errSessionClosed:      {http.StatusGone, "session_closed", ""},
	errServerFull:         {http.StatusServiceUnavailable, httpwire.CodeServerFull, retryAfter},
	errTooManyConnections: {http.StatusTooManyRequests, httpwire.CodeTooManyConnections, retryAfter},
	errServerBusy:         {http.StatusServiceUnavailable, httpwire.CodeServerBusy, ""},      // Retry-After from Options.Busy
	errConnectionRate:     {http.StatusTooManyRequests, httpwire.CodeTooManyConnections, ""}, // Retry-After from the address's bucket
	errBodyTimeout:        {http.StatusRequestTimeout, "body_timeout", ""},
}

// retryAfter is the Retry-After of the refusals for a full server, in seconds: long
// enough that a client waiting it out finds the server changed, short
// enough for a player to wait.
const retryAfter = "10"

func (e httpErr) status() int  { return httpErrTable[e].status }
func (e httpErr) code() string { return httpErrTable[e].code }

// fail answers a request with an error from the table, counted by code. A
// non-empty allow (for bad_method) becomes the Allow header. A Retry-After
// the caller set is kept unless the table gives one.
func (s *Server) fail(w http.ResponseWriter, e httpErr, message string, allow ...string) {
	s.stats.httpErrors[e].Add(1)
	h := w.Header()
	noCache(h)
	h.Set("Content-Type", "application/json")
	if len(allow) > 0 {
		h.Set("Allow", strings.Join(allow, ", "))
	}
	if ra := httpErrTable[e].retryAfter; ra != "" {
		h.Set("Retry-After", ra)
	}
	body, _ := json.Marshal(httpwire.ErrorBody{Code: e.code(), Message: message})
	w.WriteHeader(e.status())
	_, _ = w.Write(append(body, '\n'))
}

// noCache sets the headers that keep browsers and proxies from caching or
// sniffing a transport response: a cached poll would replay old frames.
func noCache(h http.Header) {
	h["Cache-Control"] = hdrNoStore
	h["Pragma"] = hdrNoCache
	h["Expires"] = hdrZero
	h["X-Content-Type-Options"] = hdrNoSniff
}

// Header values set on every transport response, shared rather than
// allocated per response. Each slice has len == cap, so an Add to the same
// key appends to a copy and the shared value never changes.
var (
	hdrNoStore = []string{"no-store, no-cache, must-revalidate, max-age=0"}
	hdrNoCache = []string{"no-cache"}
	hdrZero    = []string{"0"}
	hdrNoSniff = []string{"nosniff"}
	hdrOctets  = []string{httpwire.ContentType}
)
