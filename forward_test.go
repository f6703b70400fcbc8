package tickroom

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
)

// Closing ends the requests being passed on to another node at once: a
// long-poll held there would otherwise keep this node's shutdown waiting
// (and a forwarded upgrade, a hijacked connection, was not closed at all).
func TestForwarderStopEndsRequestsPassedOn(t *testing.T) {
	held := make(chan struct{})
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusOK)
		w.(http.Flusher).Flush()
		close(held)
		<-r.Context().Done() // a long-poll or stream with nothing to say
	}))
	defer other.Close()
	f := &forwarder{node: func(string) string { return other.URL }}
	f.done, f.stop = context.WithCancel(context.Background())
	here := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !f.forward(w, r, "sid") {
			http.NotFound(w, r)
		}
	}))
	defer here.Close()

	resp, err := http.Get(here.URL + "/rt/sid")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	<-held
	ended := make(chan struct{})
	go func() { _, _ = io.Copy(io.Discard, resp.Body); close(ended) }()
	f.stop()
	select {
	case <-ended:
	case <-time.After(5 * time.Second):
		t.Fatal("the request passed on still runs 5s after stop")
	}
}
