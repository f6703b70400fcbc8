package transports

import (
	"fmt"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/lxzan/gws"
)

// sendNumbered sends ClassControl frames numbered 1..n every 200µs from a
// goroutine the test waits for.
func sendNumbered(t *testing.T, l Link, n int) {
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := 1; i <= n; i++ {
			if err := l.Send(ClassControl, seqHead(i), nil); err != nil {
				t.Errorf("Send %d: %v", i, err)
				return
			}
			time.Sleep(200 * time.Microsecond)
		}
	}()
	t.Cleanup(wg.Wait)
}

// counter checks that numbered frames arrive exactly once and in order.
type counter struct {
	t    *testing.T
	next int
}

func (c *counter) see(n int, via string) {
	c.t.Helper()
	if n != c.next {
		c.t.Fatalf("%s: frame %d where %d was due", via, n, c.next)
	}
	c.next++
}

// TestUpgradeLossFree long-polls numbered frames sent continuously, upgrades
// to WebSocket mid-stream and reads the rest there: every frame arrives
// exactly once, in order. Client frames go by POST before the switch and by
// WebSocket after it, and reach the Receiver exactly once, in order.
func TestUpgradeLossFree(t *testing.T) {
	h := newTestHandler()
	s := newTestServer(t, Options{SendQueue: 8192}, h)
	c := newHTTPClient(t, s).handshake("?transport=longpoll")
	rc := h.next(t)
	const total, switchAt, clientFrames = 3000, 500, 100
	sendNumbered(t, rc.link, total)

	got := &counter{t: t, next: 1}
	posted := 0
	var p *probeClient
	polls := 0
	for upgrading := false; !upgrading; {
		for _, r := range c.get(true) {
			got.see(seqOf(r.data), "long-poll")
		}
		polls++
		if posted < clientFrames/2 {
			posted++
			c.post(seqHead(posted))
		}
		if p == nil && got.next > switchAt {
			var err error
			if p, _, err = c.dialProbe(); err != nil {
				t.Fatalf("probe: %v", err)
			}
			if err := p.conn.WriteString("probe"); err != nil {
				t.Fatal(err)
			}
		}
		if p != nil {
			select {
			case msg := <-p.texts:
				if msg != "probe" {
					t.Fatalf("probe answered %q", msg)
				}
				upgrading = true // the GET above was the last one
			default:
			}
		}
	}
	for posted < clientFrames/2 {
		posted++
		c.post(seqHead(posted))
	}
	switchedAt := got.next
	if err := p.conn.WriteString(fmt.Sprintf("upgrade %d", c.ack)); err != nil {
		t.Fatal(err)
	}
	for posted < clientFrames {
		posted++
		if err := p.conn.WriteMessage(gws.OpcodeBinary, seqHead(posted)); err != nil {
			t.Fatal(err)
		}
	}
	for got.next <= total {
		got.see(seqOf(p.binary(t)), "websocket")
	}
	t.Logf("%d frames over %d long-polls, switched at frame %d, %d over WebSocket", total, polls, switchedAt, total-switchedAt+1)
	if switchedAt > total-100 {
		t.Errorf("switched at frame %d of %d: the upgrade did not happen under traffic", switchedAt, total)
	}

	for i := 1; i <= clientFrames; i++ {
		select {
		case f := <-rc.frames:
			if seqOf(f) != i {
				t.Fatalf("Receiver got client frame %d where %d was due", seqOf(f), i)
			}
		case <-time.After(waitTimeout):
			t.Fatalf("Receiver got client frames up to %d of %d", i-1, clientFrames)
		}
	}

	if got, want := rc.link.Transport(), "websocket"; got != want {
		t.Errorf("Transport() = %q, want %q", got, want)
	}
	if st := s.Stats(); st.Upgrades != 1 {
		t.Errorf("Upgrades = %d, want 1", st.Upgrades)
	}
	for _, path := range []string{"/" + c.sid + "?ack=0", "/" + c.sid + "/stream?ack=0"} {
		if a := c.do(http.MethodGet, path, nil, nil); a.status != http.StatusGone || a.errCode() != "upgraded" {
			t.Errorf("GET %s after the upgrade: %d %s, want 410 upgraded", path, a.status, a.body)
		}
	}
	if _, resp, err := c.dialProbe(); err == nil || resp == nil || resp.StatusCode != http.StatusGone {
		t.Errorf("second upgrade: %v %v, want 410", err, resp)
	}

	// Closing is the WebSocket link's now.
	rc.link.Close(4000, "bye")
	if code := p.waitClosed(t); code != 4000 {
		t.Errorf("client saw close %d, want 4000", code)
	}
	if code, _ := CloseStatus(rc.waitClosed(t)); code != 4000 {
		t.Errorf("OnClose code %d, want 4000", code)
	}
	waitFor(t, "session forgotten", func() bool { return s.Stats().HTTPSessions == 0 })
	if a := c.poll(0, false); a.status != http.StatusNotFound {
		t.Errorf("poll after the end: %d %s, want 404", a.status, a.body)
	}
}

// TestUpgradeFromStream upgrades a streaming session: the client sends
// "upgrade N" with its stream still open and ignores the stream from then on.
func TestUpgradeFromStream(t *testing.T) {
	h := newTestHandler()
	s := newTestServer(t, Options{SendQueue: 8192}, h)
	c := newHTTPClient(t, s).handshake("?transport=stream")
	rc := h.next(t)
	const total, switchAt = 2000, 400
	sendNumbered(t, rc.link, total)

	got := &counter{t: t, next: 1}
	st := c.openStream(0)
	var p *probeClient
	for upgrading := false; !upgrading; {
		var texts chan string
		if p != nil {
			texts = p.texts
		}
		select {
		case r, ok := <-st.recs:
			if !ok {
				st = c.openStream(c.ack) // StreamMaxDuration passed
				continue
			}
			if r.seq == 0 {
				continue
			}
			got.see(seqOf(r.data), "stream")
			c.ack = r.seq
			if p == nil && got.next > switchAt {
				var err error
				if p, _, err = c.dialProbe(); err != nil {
					t.Fatalf("probe: %v", err)
				}
				if err := p.conn.WriteString("probe"); err != nil {
					t.Fatal(err)
				}
			}
		case msg := <-texts:
			if msg != "probe" {
				t.Fatalf("probe answered %q", msg)
			}
			upgrading = true
		case <-time.After(waitTimeout):
			t.Fatal("nothing on the stream")
		}
	}
	if err := p.conn.WriteString(fmt.Sprintf("upgrade %d", c.ack)); err != nil {
		t.Fatal(err)
	}
	// The server ends the stream; what else it carried is ignored.
	for range st.recs {
	}
	for got.next <= total {
		got.see(seqOf(p.binary(t)), "websocket")
	}
	if got, want := rc.link.Transport(), "websocket"; got != want {
		t.Errorf("Transport() = %q, want %q", got, want)
	}
}

// TestUpgradeAbandoned: a probe that closes before "upgrade" leaves the
// session on HTTP, long-polls held again.
func TestUpgradeAbandoned(t *testing.T) {
	h := newTestHandler()
	s := newTestServer(t, Options{PollTimeout: waitTimeout}, h)
	c := newHTTPClient(t, s).handshake("")
	rc := h.next(t)

	p, _, err := c.dialProbe()
	if err != nil {
		t.Fatal(err)
	}
	held := c.asyncPoll(0)
	waitHeld(t, s, c.sid)
	if err := p.conn.WriteString("probe"); err != nil {
		t.Fatal(err)
	}
	if msg := p.text(t); msg != "probe" {
		t.Fatalf("probe answered %q", msg)
	}
	// "probe" returns the held long-poll at once, and later ones too.
	if a := recvAnswer(t, held); a.status != http.StatusOK || len(a.body) != 0 {
		t.Errorf("held poll after probe: %d %x, want an empty 200", a.status, a.body)
	}
	if recs := c.get(true); len(recs) != 0 {
		t.Errorf("long-poll while probing: %v", recs)
	}

	_ = p.conn.WriteClose(CloseNormal, nil)
	p.waitClosed(t)
	waitUp(t, s, c.sid, upHTTP)

	// Long-polls are held again, and the session carries on over HTTP.
	held = c.asyncPoll(0)
	waitHeld(t, s, c.sid)
	_ = rc.link.Send(ClassControl, seqHead(1), nil)
	if got := frameNums(recvAnswer(t, held).records(t)); len(got) != 1 || got[0] != 1 {
		t.Errorf("poll after abandon: frames %v, want [1]", got)
	}
	c.post([]byte("still here"))
	if f := <-rc.frames; string(f) != "still here" {
		t.Errorf("Receiver got %q", f)
	}
	if got, want := rc.link.Transport(), "longpoll"; got != want {
		t.Errorf("Transport() = %q, want %q", got, want)
	}
	if got := s.Stats().Upgrades; got != 0 {
		t.Errorf("Upgrades = %d, want 0", got)
	}
	select {
	case err := <-rc.closed:
		t.Errorf("session closed: %v", err)
	default:
	}
}

func TestUpgradeTimeout(t *testing.T) {
	h := newTestHandler()
	s := newTestServer(t, Options{UpgradeTimeout: 50 * time.Millisecond}, h)
	c := newHTTPClient(t, s).handshake("")
	rc := h.next(t)
	p, _, err := c.dialProbe()
	if err != nil {
		t.Fatal(err)
	}
	_ = p.conn.WriteString("probe")
	if code := p.waitClosed(t); code != ClosePolicy {
		t.Errorf("probe closed with %d, want %d", code, ClosePolicy)
	}
	waitUp(t, s, c.sid, upHTTP)
	_ = rc.link.Send(ClassControl, seqHead(1), nil)
	if got := frameNums(c.get(true)); len(got) != 1 || got[0] != 1 {
		t.Errorf("poll after the timeout: frames %v, want [1]", got)
	}
}

// TestUpgradeOfClosingSession: Close called while the session was on HTTP;
// the upgrade delivers the buffered control frames and the code over
// WebSocket.
func TestUpgradeOfClosingSession(t *testing.T) {
	h := newTestHandler()
	s := newTestServer(t, Options{}, h)
	c := newHTTPClient(t, s).handshake("")
	rc := h.next(t)
	_ = rc.link.Send(ClassControl, seqHead(1), nil)
	c.get(true)
	p, _, err := c.dialProbe()
	if err != nil {
		t.Fatal(err)
	}
	_ = p.conn.WriteString("probe")
	p.text(t)
	_ = rc.link.Send(ClassControl, seqHead(2), nil)
	_ = rc.link.Send(ClassControl, seqHead(3), nil)
	rc.link.Close(4007, "bye")
	_ = p.conn.WriteString(fmt.Sprintf("upgrade %d", c.ack))
	for want := 2; want <= 3; want++ {
		if got := seqOf(p.binary(t)); got != want {
			t.Errorf("frame %d, want %d", got, want)
		}
	}
	if code := p.waitClosed(t); code != 4007 {
		t.Errorf("client saw close %d, want 4007", code)
	}
	if code, _ := CloseStatus(rc.waitClosed(t)); code != 4007 {
		t.Errorf("OnClose code %d, want 4007", code)
	}
}
