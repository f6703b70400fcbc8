package client

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/tickroom/tickroom/transports/httpwire"
)

// httpSession is one session of the HTTP transports: the server's answer to
// the handshake and what every request needs.
type httpSession struct {
	hc     *http.Client
	base   string // "http://host:port/rt"
	header http.Header

	sid               string
	upgrades          []string
	pingInterval      time.Duration
	pingTimeout       time.Duration
	pollTimeout       time.Duration
	streamMaxDuration time.Duration
	maxPayload        int
	maxBody           int
}

// handshake opens an HTTP session whose downlink will be kind, showing
// ticket if there is one, and marked as a resume when resume is set (see
// transports' "Resuming"). The session's later requests carry header
// only: the server accepted the session with the ticket of its handshake.
func handshake(ctx context.Context, hc *http.Client, base string, header http.Header, kind string, timeout time.Duration, ticket string, resume bool) (*httpSession, error) {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	u := base + "?" + httpwire.ParamTransport + "=" + url.QueryEscape(kind)
	if resume {
		u += "&" + httpwire.ParamResume + "=" + httpwire.ResumeValue
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u, nil)
	if err != nil {
		return nil, fmt.Errorf("client: handshake: %w", err)
	}
	setHeaders(req, withTicket(header, ticket))
	resp, err := hc.Do(req)
	if err != nil {
		return nil, fmt.Errorf("client: handshake: %w", err)
	}
	defer drain(resp)
	if resp.StatusCode != http.StatusOK {
		return nil, httpError("handshake", resp)
	}
	var r httpwire.Handshake
	if err := json.NewDecoder(io.LimitReader(resp.Body, 64<<10)).Decode(&r); err != nil {
		return nil, fmt.Errorf("client: handshake: bad reply: %w", err)
	}
	// The server's own check: a sid of another form would change the
	// meaning of the URLs it goes into, or be refused by the server later.
	if !httpwire.ValidSID(r.SID) {
		return nil, fmt.Errorf("client: handshake: bad session id %q", r.SID)
	}
	ms := func(v int64, def time.Duration) time.Duration {
		if v <= 0 {
			return def
		}
		return time.Duration(v) * time.Millisecond
	}
	s := &httpSession{
		hc:                hc,
		base:              base,
		header:            header,
		sid:               r.SID,
		upgrades:          r.Upgrades,
		pingInterval:      ms(r.PingInterval, 10*time.Second),
		pingTimeout:       ms(r.PingTimeout, 20*time.Second),
		pollTimeout:       ms(r.PollTimeout, 25*time.Second),
		streamMaxDuration: ms(r.StreamMaxDuration, 30*time.Second),
		maxPayload:        r.MaxPayload,
		maxBody:           r.MaxBody,
	}
	if s.maxBody <= 0 {
		s.maxBody = 64 << 10
	}
	return s, nil
}

func (s *httpSession) canUpgrade() bool {
	for _, u := range s.upgrades {
		if u == TransportWebSocket {
			return true
		}
	}
	return false
}

// get starts a downlink request: GET {base}/{sid}{suffix}?ack=N[&wait=0]. A
// non-200 answer is returned as an *HTTPError, its body consumed.
func (s *httpSession) get(ctx context.Context, op, suffix string, ack uint64, noWait bool) (*http.Response, error) {
	u := s.base + "/" + s.sid + suffix + "?" + httpwire.ParamAck + "=" + strconv.FormatUint(ack, 10)
	if noWait {
		u += "&" + httpwire.ParamWait + "=0"
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, fmt.Errorf("client: %s: %w", op, err)
	}
	setHeaders(req, s.header)
	resp, err := s.hc.Do(req)
	if err != nil {
		return nil, fmt.Errorf("client: %s: %w", op, err)
	}
	if resp.StatusCode != http.StatusOK {
		defer drain(resp)
		return nil, httpError(op, resp)
	}
	return resp, nil
}

// post sends one uplink batch.
func (s *httpSession) post(ctx context.Context, k, ack uint64, body []byte) error {
	u := s.base + "/" + s.sid + "?" + httpwire.ParamSeq + "=" + strconv.FormatUint(k, 10) +
		"&" + httpwire.ParamAck + "=" + strconv.FormatUint(ack, 10)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u, bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("client: post: %w", err)
	}
	setHeaders(req, s.header)
	req.Header.Set("Content-Type", httpwire.ContentType)
	resp, err := s.hc.Do(req)
	if err != nil {
		return fmt.Errorf("client: post: %w", err)
	}
	defer drain(resp)
	if resp.StatusCode/100 != 2 {
		return httpError("post", resp)
	}
	return nil
}

// delete ends the session on the server.
func (s *httpSession) delete(timeout time.Duration) error {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodDelete, s.base+"/"+s.sid, nil)
	if err != nil {
		return fmt.Errorf("client: delete: %w", err)
	}
	setHeaders(req, s.header)
	resp, err := s.hc.Do(req)
	if err != nil {
		return fmt.Errorf("client: delete: %w", err)
	}
	defer drain(resp)
	if resp.StatusCode/100 != 2 {
		return httpError("delete", resp)
	}
	return nil
}

func setHeaders(req *http.Request, h http.Header) {
	for k, v := range h {
		if http.CanonicalHeaderKey(k) == "Host" && len(v) > 0 {
			req.Host = v[0]
			continue
		}
		req.Header[k] = v
	}
}

// httpError reads the spec's JSON error body and Retry-After.
func httpError(op string, resp *http.Response) *HTTPError {
	e := &HTTPError{Op: op, Status: resp.StatusCode}
	var body httpwire.ErrorBody
	if resp.Body != nil && json.NewDecoder(io.LimitReader(resp.Body, 4<<10)).Decode(&body) == nil {
		e.Code, e.Message = body.Code, body.Message
	}
	if e.Message == "" {
		e.Message = http.StatusText(resp.StatusCode)
	}
	// Seconds only, as the server sends it; an HTTP date is ignored.
	if n, err := strconv.ParseUint(strings.TrimSpace(resp.Header.Get("Retry-After")), 10, 32); err == nil {
		e.RetryAfter = time.Duration(n) * time.Second
	}
	return e
}

// drain reads a little of what is left of a body, so the connection can be
// reused, and closes it.
func drain(resp *http.Response) {
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	_ = resp.Body.Close()
}

// newHTTPClient returns the client's own HTTP client: its own connection
// pool, so that Close can end every idle connection's goroutines.
func newHTTPClient() *http.Client {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.MaxIdleConnsPerHost = 4
	return &http.Client{Transport: t}
}
