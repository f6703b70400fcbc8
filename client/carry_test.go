package client

import (
	"slices"
	"testing"
	"time"

	"github.com/tickroom/tickroom/netcode"
)

// Frames an HTTP uplink had queued and not yet posted when the connection
// dropped go out on the connection that comes back, in order, before
// those sent while away; the one in a POST that was cut goes with the
// connection.
func TestDropCarriesUnpostedFrames(t *testing.T) {
	f := newFakeServer(t)
	f.holdPosts = true
	ctx := testCtx(t, 10*time.Second)
	resumed := make(chan bool, 1)
	c := dialT(t, f.srv.URL, Options{Transport: TransportLongPoll, Reconnect: e2eReconnect, OnResumed: func(s bool) { resumed <- s }})
	first := f.only(t)
	send := func(text string) {
		t.Helper()
		if err := c.SendMessage("chat", text); err != nil {
			t.Fatal(err)
		}
	}
	send("on the wire")
	select {
	case <-f.held: // the POST hangs; the next frames queue behind it
	case <-ctx.Done():
		t.Fatal("no POST")
	}
	send("queued 1")
	send("queued 2")
	f.mu.Lock()
	f.holdPosts = false
	f.mu.Unlock()
	c.Drop(0)
	send("while away")
	select {
	case <-resumed:
	case <-ctx.Done():
		t.Fatal("not back")
	}
	var second *fakeSession
	f.mu.Lock()
	for _, s := range f.sessions {
		if s != first {
			second = s
		}
	}
	f.mu.Unlock()
	if second == nil {
		t.Fatal("no new session")
	}
	want := []string{"queued 1", "queued 2", "while away"}
	var got []string
	for {
		second.mu.Lock()
		got = got[:0]
		for _, fr := range second.frames {
			m, err := netcode.DecodeClient(fr)
			if err != nil {
				t.Fatal(err)
			}
			var text string
			_ = m.(*netcode.Message).Payload.Decode(&text)
			got = append(got, text)
		}
		second.mu.Unlock()
		if len(got) >= len(want) {
			break
		}
		select {
		case <-f.posted:
		case <-ctx.Done():
			t.Fatalf("the new session got %q, want %q", got, want)
		}
	}
	if !slices.Equal(got, want) {
		t.Errorf("the new session got %q, want %q", got, want)
	}
}
