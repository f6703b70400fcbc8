package transports

import (
	"bytes"
	"strings"
)

// fastHead is a request head the fast path serves: a long-poll or poll GET,
// an uplink POST or an exchange of one session, in the strict form clients
// send. parseFastHead refuses everything else, which then goes to net/http
// untouched (see http_fast.go), so that the fast path never has to know how
// net/http answers a request it does not serve.
type fastHead struct {
	method   string // GET or POST
	target   string // the request-target, as sent
	path     string // target up to '?'
	query    string // target after '?'
	length   int    // Content-Length; 0 when absent
	ctype    string // Content-Type; "" when absent
	origin   string // Origin; "" when absent
	hasCType bool
}

// parseFastHead parses head, a request line and headers without the blank
// line that ends them, for the transports under httpPath. ok is false for
// anything outside the strict subset: another version, method or path, a
// body framed other than by one Content-Length, Expect, Upgrade,
// "Connection: close", folded or malformed lines, control characters,
// repeated fields that must be single, no Host.
func parseFastHead(head []byte, httpPath string) (h fastHead, ok bool) {
	line, rest, _ := bytes.Cut(head, crlf)
	if !h.requestLine(line, httpPath) {
		return h, false
	}
	var host, clen bool
	for len(rest) > 0 {
		line, rest, _ = bytes.Cut(rest, crlf)
		name, value, found := bytes.Cut(line, colon)
		if !found || len(name) == 0 || !isToken(name) {
			return h, false // no colon, space before it, or a folded line
		}
		value = trimOWS(value)
		if !validFieldValue(value) {
			return h, false
		}
		switch {
		case fieldIs(name, "Host"):
			if host {
				return h, false
			}
			host = true
		case fieldIs(name, "Content-Length"):
			n, ok := parseLength(value)
			if clen || !ok {
				return h, false
			}
			clen, h.length = true, n
		case fieldIs(name, "Content-Type"):
			if h.hasCType {
				return h, false
			}
			h.hasCType, h.ctype = true, string(value)
		case fieldIs(name, "Origin"):
			if h.origin != "" {
				return h, false
			}
			h.origin = string(value)
		case fieldIs(name, "Connection"):
			if !keepAliveOnly(value) {
				return h, false
			}
		case fieldIs(name, "Transfer-Encoding"), fieldIs(name, "Expect"), fieldIs(name, "Upgrade"),
			fieldIs(name, "Content-Encoding"):
			return h, false
		}
	}
	if !host || (h.method == "GET" && h.length != 0) {
		return h, false
	}
	return h, true
}

var (
	crlf  = []byte("\r\n")
	colon = []byte(":")
	comma = []byte(",")
)

// requestLine reads "METHOD SP target SP HTTP/1.1" for a route of the fast
// path (fastHead.route).
func (h *fastHead) requestLine(line []byte, httpPath string) bool {
	method, rest, ok1 := bytes.Cut(line, space)
	target, proto, ok2 := bytes.Cut(rest, space)
	if !ok1 || !ok2 || string(proto) != "HTTP/1.1" {
		return false
	}
	switch string(method) {
	case "GET":
		h.method = "GET"
	case "POST":
		h.method = "POST"
	default:
		return false
	}
	h.target = string(target)
	h.path, h.query, _ = strings.Cut(h.target, "?")
	return h.route(httpPath)
}

var space = []byte(" ")

// fieldIs compares a header name with a canonical one, ignoring case.
func fieldIs(name []byte, canonical string) bool {
	return len(name) == len(canonical) && strings.EqualFold(string(name), canonical)
}

// isToken reports whether b is an RFC 9110 token, as a field name must be.
func isToken(b []byte) bool {
	for _, c := range b {
		if !tokenChars[c] {
			return false
		}
	}
	return true
}

// tokenChars are the bytes of a token: visible ASCII but the separators.
var tokenChars = func() (t [256]bool) {
	for c := '!'; c <= '~'; c++ {
		t[c] = !strings.ContainsRune(`"(),/:;<=>?@[\]{}`, c)
	}
	return t
}()

// validFieldValue refuses control characters other than tab (a bare CR or LF
// among them), as net/http does.
func validFieldValue(b []byte) bool {
	for _, c := range b {
		if (c < ' ' && c != '\t') || c == 0x7f {
			return false
		}
	}
	return true
}

// trimOWS drops the spaces and tabs around a field value.
func trimOWS(b []byte) []byte {
	for len(b) > 0 && (b[0] == ' ' || b[0] == '\t') {
		b = b[1:]
	}
	for len(b) > 0 && (b[len(b)-1] == ' ' || b[len(b)-1] == '\t') {
		b = b[:len(b)-1]
	}
	return b
}

// parseLength reads a Content-Length: decimal digits only, at most 9 of
// them (a body that large is refused anyway, by net/http).
func parseLength(b []byte) (int, bool) {
	if len(b) == 0 || len(b) > 9 {
		return 0, false
	}
	n := 0
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, true
}

// keepAliveOnly reports whether a Connection header asks for nothing but
// keep-alive: anything else (close, upgrade, hop-by-hop names) is left to
// net/http.
func keepAliveOnly(v []byte) bool {
	for len(v) > 0 {
		var opt []byte
		opt, v, _ = bytes.Cut(v, comma)
		if !fieldIs(trimOWS(opt), "keep-alive") {
			return false
		}
	}
	return true
}
