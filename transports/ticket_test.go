package transports

import (
	"bufio"
	"net"
	"net/http"
	"strings"
	"testing"

	"github.com/tickroom/tickroom/transports/httpwire"
)

// credHandler is a testHandler that also publishes the ticket each
// accepted link's handshake carried.
type credHandler struct {
	*testHandler
	creds chan string
}

func newCredHandler() credHandler {
	return credHandler{testHandler: newTestHandler(), creds: make(chan string, 16)}
}

func (h credHandler) Accept(l Link, r *http.Request) (Receiver, error) {
	h.creds <- Credential(r)
	return h.testHandler.Accept(l, r)
}

// ticket waits for the next accepted link's ticket.
func (h credHandler) ticket(t *testing.T) string {
	t.Helper()
	h.next(t)
	return <-h.creds
}

// rawUpgrade sends a WebSocket handshake with headers h to path (with its
// query) and returns the answer's status and headers; it then drops the
// connection, as a client that gave up would.
func rawUpgrade(t *testing.T, s *Server, path string, h http.Header) *http.Response {
	t.Helper()
	c, err := net.Dial("tcp", s.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	req, err := http.NewRequest(http.MethodGet, s.HTTPURL()+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header = wsHandshake()
	for k, v := range h {
		req.Header[k] = v
	}
	if err := req.Write(c); err != nil {
		t.Fatal(err)
	}
	resp, err := http.ReadResponse(bufio.NewReader(c), req)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusSwitchingProtocols {
		_ = resp.Body.Close()
	}
	return resp
}

const testTicket = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhbGljZSJ9.c2lnbmF0dXJl"

func bearer(t string) http.Header { return http.Header{"Authorization": {"Bearer " + t}} }

func protocols(list ...string) http.Header {
	return http.Header{"Sec-Websocket-Protocol": {strings.Join(list, ", ")}}
}

// Both ways a WebSocket carries a ticket reach Handler.Accept, and a
// browser's offer of our subprotocol is answered with it.
func TestWebSocketTicket(t *testing.T) {
	h := newCredHandler()
	s := newTestServer(t, Options{}, h)

	c := dial(t, s, dialOptions{header: bearer(testTicket)})
	if got := h.ticket(t); got != testTicket {
		t.Errorf("Authorization: Bearer: Credential = %q, want %q", got, testTicket)
	}
	if got := c.conn.SubProtocol(); got != "" {
		t.Errorf("no subprotocol offered: answer names %q", got)
	}

	c = dial(t, s, dialOptions{header: protocols(httpwire.Subprotocol, httpwire.TicketProtocolPrefix+testTicket)})
	if got := h.ticket(t); got != testTicket {
		t.Errorf("subprotocol: Credential = %q, want %q", got, testTicket)
	}
	if got := c.conn.SubProtocol(); got != httpwire.Subprotocol {
		t.Errorf("subprotocol answered %q, want %q", got, httpwire.Subprotocol)
	}

	// The scheme is case-insensitive; another scheme is not a ticket.
	dial(t, s, dialOptions{header: http.Header{"Authorization": {"bearer  " + testTicket}}})
	if got := h.ticket(t); got != testTicket {
		t.Errorf("lower-case bearer: Credential = %q, want %q", got, testTicket)
	}
	dial(t, s, dialOptions{header: http.Header{"Authorization": {"Basic dXNlcjpwYXNz"}}})
	if got := h.ticket(t); got != "" {
		t.Errorf("Basic credentials: Credential = %q, want none", got)
	}

	// Never from the URL.
	dial(t, s, dialOptions{url: s.URL() + "?ticket=" + testTicket + "&access_token=" + testTicket})
	if got := h.ticket(t); got != "" {
		t.Errorf("ticket in the query: Credential = %q, want none", got)
	}

	dial(t, s, dialOptions{})
	if got := h.ticket(t); got != "" {
		t.Errorf("no ticket: Credential = %q", got)
	}
}

// A subprotocol list spread over several header lines is read whole, and
// the answer names only our subprotocol, never the ticket's entry.
func TestWebSocketTicketProtocolLines(t *testing.T) {
	h := newCredHandler()
	s := newTestServer(t, Options{}, h)
	resp := rawUpgrade(t, s, s.path, http.Header{
		"Sec-Websocket-Protocol": {httpwire.TicketProtocolPrefix + testTicket, "chat, " + httpwire.Subprotocol},
	})
	if resp.StatusCode != http.StatusSwitchingProtocols {
		t.Fatalf("status %d, want 101", resp.StatusCode)
	}
	if got := resp.Header.Values("Sec-Websocket-Protocol"); len(got) != 1 || got[0] != httpwire.Subprotocol {
		t.Errorf("answer's Sec-WebSocket-Protocol %q, want only %q", got, httpwire.Subprotocol)
	}
	if got := h.ticket(t); got != testTicket {
		t.Errorf("Credential = %q, want %q", got, testTicket)
	}

	// Other subprotocols alone are not taken: the answer names none.
	resp = rawUpgrade(t, s, s.path, protocols("chat"))
	if resp.StatusCode != http.StatusSwitchingProtocols || resp.Header.Get("Sec-Websocket-Protocol") != "" {
		t.Errorf("offer of chat only: %d %q, want 101 naming no subprotocol", resp.StatusCode, resp.Header.Get("Sec-Websocket-Protocol"))
	}
	h.ticket(t)
}

// badTicketCases are handshakes whose ticket the transport refuses, on
// either handshake.
var badTicketCases = []struct {
	name   string
	header http.Header
	status int
	code   string
}{
	{"oversized header", bearer(strings.Repeat("a", httpwire.MaxTicketLen+1)), 431, "ticket_too_large"},
	{"empty Bearer", http.Header{"Authorization": {"Bearer "}}, 400, "bad_ticket"},
	{"not ASCII", bearer("tick\xc3\xa9t"), 400, "bad_ticket"},
	{"two headers", http.Header{"Authorization": {"Bearer a", "Bearer b"}}, 400, "bad_ticket"},
}

var badWebSocketTicketCases = []struct {
	name   string
	header http.Header
	status int
	code   string
}{
	{"oversized subprotocol", protocols(httpwire.Subprotocol, httpwire.TicketProtocolPrefix+strings.Repeat("a", httpwire.MaxTicketLen+1)), 431, "ticket_too_large"},
	{"ticket without tickroom", protocols(httpwire.TicketProtocolPrefix + testTicket), 400, "bad_ticket"},
	{"two entries", protocols(httpwire.Subprotocol, httpwire.TicketProtocolPrefix+"a", httpwire.TicketProtocolPrefix+"b"), 400, "bad_ticket"},
	{"empty entry", protocols(httpwire.Subprotocol, httpwire.TicketProtocolPrefix), 400, "bad_ticket"},
	{"header and entry", func() http.Header {
		h := protocols(httpwire.Subprotocol, httpwire.TicketProtocolPrefix+"a")
		h.Set("Authorization", "Bearer b")
		return h
	}(), 400, "bad_ticket"},
}

// A ticket the transport cannot read is refused before the upgrade with
// the JSON error, counted, and never reaches Handler.Accept.
func TestWebSocketBadTicket(t *testing.T) {
	h := newCredHandler()
	s := newTestServer(t, Options{}, h)
	cases := append([]struct {
		name   string
		header http.Header
		status int
		code   string
	}{}, badTicketCases...)
	cases = append(cases, badWebSocketTicketCases...)
	for _, tc := range cases {
		h2 := wsHandshake()
		for k, v := range tc.header {
			h2[k] = v
		}
		before := s.Stats().HTTPErrors[tc.code]
		a := wsRequest(t, s, http.MethodGet, "", h2)
		if a.status != tc.status || a.errCode() != tc.code || a.header.Get("Content-Type") != "application/json" {
			t.Errorf("%s: %d %s, want %d %s", tc.name, a.status, a.body, tc.status, tc.code)
		}
		if got := s.Stats().HTTPErrors[tc.code]; got != before+1 {
			t.Errorf("%s: HTTPErrors[%s] = %d, want %d", tc.name, tc.code, got, before+1)
		}
	}
	select {
	case <-h.creds:
		t.Error("a refused ticket reached Handler.Accept")
	default:
	}
}

// The HTTP handshake takes a ticket in the Authorization header or its
// JSON body, and still takes an empty body.
func TestHandshakeTicket(t *testing.T) {
	h := newCredHandler()
	s := newTestServer(t, Options{}, h)
	c := newHTTPClient(t, s)
	json := http.Header{"Content-Type": {"application/json; charset=utf-8"}}

	for _, tc := range []struct {
		name   string
		body   string
		header http.Header
		want   string
	}{
		{"header", "", bearer(testTicket), testTicket},
		{"body", `{"ticket":"` + testTicket + `"}`, json, testTicket},
		{"empty body", "", nil, ""},
		{"empty ticket", `{"ticket":""}`, json, ""},
		{"empty object", `{}`, json, ""},
		{"query", "", nil, ""},
	} {
		path := ""
		if tc.name == "query" {
			path = "?ticket=" + testTicket
		}
		a := c.do(http.MethodPost, path, []byte(tc.body), tc.header)
		if a.status != http.StatusOK {
			t.Errorf("%s: %d %s, want 200", tc.name, a.status, a.body)
			continue
		}
		if got := h.ticket(t); got != tc.want {
			t.Errorf("%s: Credential = %q, want %q", tc.name, got, tc.want)
		}
	}
}

func TestHandshakeBadTicket(t *testing.T) {
	h := newCredHandler()
	s := newTestServer(t, Options{}, h)
	c := newHTTPClient(t, s)
	jsonType := http.Header{"Content-Type": {"application/json"}}
	withJSON := func(extra http.Header) http.Header {
		out := jsonType.Clone()
		for k, v := range extra {
			out[k] = v
		}
		return out
	}
	type bodyCase struct {
		name   string
		body   string
		header http.Header
		status int
		code   string
	}
	cases := []bodyCase{
		{"body not JSON", `{"ticket":"a"}`, http.Header{"Content-Type": {"text/plain"}}, 415, "bad_content_type"},
		{"malformed JSON", `{"ticket":`, jsonType, 400, "bad_ticket"},
		{"unknown field", `{"ticket":"a","user":"x"}`, jsonType, 400, "bad_ticket"},
		{"ticket not a string", `{"ticket":5}`, jsonType, 400, "bad_ticket"},
		{"two values", `{"ticket":"a"}{}`, jsonType, 400, "bad_ticket"},
		{"header and body", `{"ticket":"a"}`, withJSON(bearer("b")), 400, "bad_ticket"},
		{"oversized ticket in body", `{"ticket":"` + strings.Repeat("a", httpwire.MaxTicketLen+1) + `"}`, jsonType, 431, "ticket_too_large"},
		{"oversized body", `{"ticket":"a"}` + strings.Repeat(" ", httpwire.MaxHandshakeBody), jsonType, 431, "ticket_too_large"},
		{"control character", `{"ticket":"a\u0001b"}`, jsonType, 400, "bad_ticket"},
	}
	for _, tc := range badTicketCases {
		cases = append(cases, bodyCase{tc.name, "", tc.header, tc.status, tc.code})
	}
	for _, tc := range cases {
		sessions := s.Stats().Handshakes
		a := c.do(http.MethodPost, "", []byte(tc.body), tc.header)
		if a.status != tc.status || a.errCode() != tc.code {
			t.Errorf("%s: %d %s, want %d %s", tc.name, a.status, a.body, tc.status, tc.code)
		}
		if got := s.Stats().Handshakes; got != sessions {
			t.Errorf("%s: a session was made", tc.name)
		}
	}
	select {
	case <-h.creds:
		t.Error("a refused ticket reached Handler.Accept")
	default:
	}
}

// The probe of an upgrade answers a browser's subprotocol and ignores a
// ticket: the session was accepted with its handshake's.
func TestProbeTicketIgnored(t *testing.T) {
	h := newCredHandler()
	s := newTestServer(t, Options{}, h)
	c := newHTTPClient(t, s)
	a := c.do(http.MethodPost, "", nil, bearer(testTicket))
	if a.status != http.StatusOK || h.ticket(t) != testTicket {
		t.Fatalf("handshake %d %s", a.status, a.body)
	}
	var hs httpwire.Handshake
	if err := decodeStrict(a.body, &hs); err != nil {
		t.Fatal(err)
	}
	resp := rawUpgrade(t, s, s.path+"?sid="+hs.SID, protocols(httpwire.Subprotocol, httpwire.TicketProtocolPrefix+"other"))
	if resp.StatusCode != http.StatusSwitchingProtocols || resp.Header.Get("Sec-Websocket-Protocol") != httpwire.Subprotocol {
		t.Errorf("probe: %d %q, want 101 naming %q", resp.StatusCode, resp.Header.Get("Sec-Websocket-Protocol"), httpwire.Subprotocol)
	}
	select {
	case cred := <-h.creds:
		t.Errorf("the probe reached Handler.Accept with %q", cred)
	default:
	}
}

func TestValidTicket(t *testing.T) {
	for _, tc := range []struct {
		t    string
		want bool
	}{
		{testTicket, true},
		{"!~", true},
		{"", false},
		{"a b", false},
		{"a\tb", false},
		{"a\x7f", false},
		{"é", false},
		{strings.Repeat("a", httpwire.MaxTicketLen), true},
		{strings.Repeat("a", httpwire.MaxTicketLen+1), false},
	} {
		if got := httpwire.ValidTicket(tc.t); got != tc.want {
			t.Errorf("ValidTicket(%.20q) = %v, want %v", tc.t, got, tc.want)
		}
	}
	if got := Credential(nil); got != "" {
		t.Errorf("Credential(nil) = %q", got)
	}
}
