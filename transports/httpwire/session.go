package httpwire

// Handshake is the JSON body of a successful handshake (POST {base}): the
// session id and everything a client needs to pace itself. Durations are
// whole milliseconds; transports lists the enabled transports, upgrades
// ["websocket"] or [] when WebSocket is off.
type Handshake struct {
	SID               string   `json:"sid"`
	Transports        []string `json:"transports"`
	Upgrades          []string `json:"upgrades"`
	PingInterval      int64    `json:"pingInterval"`
	PingTimeout       int64    `json:"pingTimeout"`
	PollTimeout       int64    `json:"pollTimeout"`
	StreamMaxDuration int64    `json:"streamMaxDuration"`
	MaxPayload        int      `json:"maxPayload"` // largest client frame
	MaxBody           int      `json:"maxBody"`    // largest uplink body
}

// ErrorBody is the JSON body of every error answer. Code is stable and what
// clients branch on (the table is in transports/doc.go); Message is for
// people.
type ErrorBody struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

// SIDLen is the length of a sid: 128 random bits as lowercase hex digits.
const SIDLen = 32

// ValidSID reports whether s has the form of a sid: SIDLen lowercase hex
// digits. The server checks it before looking a sid up, so malformed ids
// never reach its table; the client checks the handshake's, so a sid can
// never change the meaning of the URLs it is put into.
func ValidSID(s string) bool {
	if len(s) != SIDLen {
		return false
	}
	for i := range len(s) {
		if c := s[i]; !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return false
		}
	}
	return true
}

// Query parameters and path segments of the HTTP transports' requests.
const (
	ParamTransport = "transport" // handshake: the downlink the client means to use
	ParamAck       = "ack"       // downlink and uplink: highest seq the client holds
	ParamWait      = "wait"      // downlink: "0" makes a poll of a long-poll
	ParamSeq       = "seq"       // uplink and exchange: the batch counter K, from 1
	ParamSID       = "sid"       // WebSocket endpoint: the session to upgrade
	ParamResume    = "resume"    // WebSocket endpoint and handshake: "1" marks a reconnect that resumes a seat
	StreamSegment  = "stream"    // {base}/{sid}/stream is the stream
	// {base}/{sid}/exchange is the exchange: an uplink batch and a
	// long-poll in one request.
	ExchangeSegment = "exchange"
)

// ResumeValue is the value of ParamResume that marks a resuming
// connection; the parameter with any other value is refused.
const ResumeValue = "1"

// CodeShuttingDown is the ErrorBody code of a request refused because the
// server is closing and its drain is over: the session will not come back,
// so a client ends rather than retries.
const CodeShuttingDown = "shutting_down"

// The ErrorBody codes of a new connection refused for load or capacity
// (503, or 429, with Retry-After): the server is there and will take the
// connection later, so a client waits at least Retry-After and tries
// again. CodeServerBusy refuses only connections that do not resume a
// seat (see ParamResume).
const (
	CodeServerBusy         = "server_busy"
	CodeServerFull         = "server_full"
	CodeTooManyConnections = "too_many_connections"
)

// ContentType is the media type of every downlink response and uplink body.
const ContentType = "application/octet-stream"

// The text messages of the upgrade to WebSocket: the client sends
// ProbeMessage and the server echoes it; the client then sends
// UpgradePrefix followed by the highest seq it has received, in decimal.
const (
	ProbeMessage  = "probe"
	UpgradePrefix = "upgrade "
)
