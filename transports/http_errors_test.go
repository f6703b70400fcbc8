package transports

import (
	"fmt"
	"net/http"
	"os"
	"strings"
	"testing"
)

// TestHTTPErrorTable sends each bad request of the errors table and checks
// the exact status, the JSON code, the headers and the counter, and that the
// session still serves a well-behaved request afterwards.
func TestHTTPErrorTable(t *testing.T) {
	const readLimit, maxBody = 64, 256
	h := newTestHandler()
	s := newTestServer(t, Options{ReadLimit: readLimit, MaxBody: maxBody, AllowedOrigins: []string{"https://good.example"}}, h)
	c := newHTTPClient(t, s).handshake("")
	rc := h.next(t)
	unknown := strings.Repeat("ab", 16)
	text := http.Header{"Content-Type": {"text/plain"}}
	evil := http.Header{"Origin": {"https://evil.example"}}

	tests := []struct {
		name        string
		method      string
		path        string // after the base; {sid} is replaced
		body        []byte
		header      http.Header
		status      int
		code        string
		allow       string
		wantTooBig  int // OnTooLarge size expected
		wantCounter string
	}{
		{name: "GET without ack", method: "GET", path: "/{sid}", status: 400, code: "bad_request"},
		{name: "GET with ack=abc", method: "GET", path: "/{sid}?ack=abc", status: 400, code: "bad_request"},
		{name: "GET with ack=-1", method: "GET", path: "/{sid}?ack=-1", status: 400, code: "bad_request"},
		{name: "GET with wait=5", method: "GET", path: "/{sid}?ack=0&wait=5", status: 400, code: "bad_request"},
		{name: "stream without ack", method: "GET", path: "/{sid}/stream", status: 400, code: "bad_request"},
		{name: "POST without seq", method: "POST", path: "/{sid}", body: uplink([]byte("a")), header: octetStream, status: 400, code: "bad_request"},
		{name: "POST with seq=0", method: "POST", path: "/{sid}?seq=0", body: uplink([]byte("a")), header: octetStream, status: 400, code: "bad_request"},
		{name: "POST with ack=x", method: "POST", path: "/{sid}?seq=1&ack=x", body: uplink([]byte("a")), header: octetStream, status: 400, code: "bad_request"},
		{name: "handshake with unknown transport", method: "POST", path: "?transport=pigeon", status: 400, code: "bad_request"},
		{name: "GET ack beyond sent", method: "GET", path: "/{sid}?ack=999999&wait=0", status: 400, code: "bad_ack"},
		{name: "stream ack beyond sent", method: "GET", path: "/{sid}/stream?ack=999999", status: 400, code: "bad_ack"},
		{name: "POST ack beyond sent", method: "POST", path: "/{sid}?seq=1&ack=999999", body: uplink([]byte("a")), header: octetStream, status: 400, code: "bad_ack"},
		{name: "record cut short", method: "POST", path: "/{sid}?seq=1", body: []byte{5, 'a', 'b'}, header: octetStream, status: 400, code: "truncated_frame"},
		{name: "bad varint", method: "POST", path: "/{sid}?seq=1", body: []byte{0x80, 0x80}, header: octetStream, status: 400, code: "truncated_frame"},
		{name: "good record then cut", method: "POST", path: "/{sid}?seq=1", body: append(uplink([]byte("ok")), 9), header: octetStream, status: 400, code: "truncated_frame"},
		{name: "origin not allowed", method: "GET", path: "/{sid}?ack=0&wait=0", header: evil, status: 403, code: "origin_not_allowed"},
		{name: "unknown sid", method: "GET", path: "/" + unknown + "?ack=0", status: 404, code: "unknown_session"},
		{name: "malformed sid", method: "GET", path: "/XYZ?ack=0", status: 404, code: "unknown_session"},
		{name: "POST to unknown sid", method: "POST", path: "/" + unknown + "?seq=1", body: uplink([]byte("a")), header: octetStream, status: 404, code: "unknown_session"},
		{name: "DELETE unknown sid", method: "DELETE", path: "/" + unknown, status: 404, code: "unknown_session"},
		{name: "unknown sub-path", method: "GET", path: "/{sid}/nope?ack=0", status: 404, code: "unknown_session"},
		{name: "PUT on a session", method: "PUT", path: "/{sid}", status: 405, code: "bad_method", allow: "GET, POST, DELETE, OPTIONS"},
		{name: "GET on the base", method: "GET", path: "", status: 405, code: "bad_method", allow: "POST, OPTIONS"},
		{name: "POST on a stream", method: "POST", path: "/{sid}/stream", status: 405, code: "bad_method", allow: "GET, OPTIONS"},
		{name: "body over MaxBody", method: "POST", path: "/{sid}?seq=1", body: uplink(make([]byte, maxBody)), header: octetStream, status: 413, code: "too_large"},
		{name: "frame over ReadLimit", method: "POST", path: "/{sid}?seq=1", body: uplink([]byte("small"), make([]byte, readLimit+1)), header: octetStream, status: 413, code: "frame_too_large", wantTooBig: readLimit + 1},
		{name: "text/plain body", method: "POST", path: "/{sid}?seq=1", body: uplink([]byte("a")), header: text, status: 415, code: "bad_content_type"},
		{name: "no Content-Type", method: "POST", path: "/{sid}?seq=1", body: uplink([]byte("a")), status: 415, code: "bad_content_type"},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			parent := c.t
			c.t = t
			defer func() { c.t = parent }()
			before := s.Stats()
			a := c.do(tt.method, strings.ReplaceAll(tt.path, "{sid}", c.sid), tt.body, tt.header)
			if a.status != tt.status || a.errCode() != tt.code {
				t.Errorf("got %d %s, want %d %s", a.status, a.body, tt.status, tt.code)
			}
			if got := a.header.Get("Content-Type"); got != "application/json" {
				t.Errorf("Content-Type %q, want application/json", got)
			}
			if a.header.Get("Cache-Control") == "" || a.header.Get("Expires") != "0" {
				t.Errorf("missing no-cache headers: %v", a.header)
			}
			if tt.allow != "" && a.header.Get("Allow") != tt.allow {
				t.Errorf("Allow %q, want %q", a.header.Get("Allow"), tt.allow)
			}
			after := s.Stats()
			if got := after.HTTPErrors[tt.code] - before.HTTPErrors[tt.code]; got != 1 {
				t.Errorf(`HTTPErrors[%q] grew by %d, want 1`, tt.code, got)
			}
			if tt.code == "origin_not_allowed" && after.OriginRejected != before.OriginRejected+1 {
				t.Error("OriginRejected not counted")
			}
			if tt.wantTooBig > 0 {
				if got := <-rc.tooLarge; got != tt.wantTooBig {
					t.Errorf("OnTooLarge(%d), want %d", got, tt.wantTooBig)
				}
				if after.TooLarge != before.TooLarge+1 {
					t.Error("TooLarge not counted")
				}
			}
			// Nothing of a refused batch was delivered, and the session works.
			select {
			case f := <-rc.frames:
				t.Errorf("refused request delivered frame %q", f)
			default:
			}
			want := fmt.Sprint("good", i)
			c.post([]byte(want))
			if got := <-rc.frames; string(got) != want {
				t.Errorf("after the error: Receiver got %q, want %q", got, want)
			}
			_ = rc.link.Send(ClassControl, []byte(want), nil)
			if recs := c.get(false); len(recs) != 1 || string(recs[0].data) != want {
				t.Errorf("after the error: poll returned %v, want %q", recs, want)
			}
		})
	}
}

func TestUplinkRetryIsIgnored(t *testing.T) {
	h := newTestHandler()
	s := newTestServer(t, Options{}, h)
	c := newHTTPClient(t, s).handshake("")
	rc := h.next(t)
	for _, k := range []int{1, 1, 2, 1, 4, 3} {
		a := c.postRaw(fmt.Sprintf("?seq=%d", k), uplink([]byte(fmt.Sprint(k))), octetStream)
		if a.status != http.StatusNoContent {
			t.Fatalf("POST seq=%d: %d %s", k, a.status, a.body)
		}
	}
	c.postRaw("?seq=5", nil, octetStream) // an empty batch is fine: ack-only
	for _, want := range []string{"1", "2", "4"} {
		if got := <-rc.frames; string(got) != want {
			t.Errorf("Receiver got %q, want %q", got, want)
		}
	}
	select {
	case f := <-rc.frames:
		t.Errorf("retried batch delivered %q", f)
	default:
	}
}

// TestHTTPErrorsDocumented: every code of the error table appears with its
// status in the table of doc.go, which is what clients are written from.
func TestHTTPErrorsDocumented(t *testing.T) {
	doc, err := os.ReadFile("doc.go")
	if err != nil {
		t.Fatal(err)
	}
	for e := range numHTTPErrs {
		row := fmt.Sprintf("//\t%d %s ", e.status(), e.code())
		if !strings.Contains(string(doc), row) {
			t.Errorf("doc.go's HTTP errors table has no row %q", row)
		}
	}
}
