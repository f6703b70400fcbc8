package main

import (
	"net"
	"testing"
	"time"

	"go.uber.org/goleak"
)

// A short run on loopback: the clients receive the broadcast at its rate,
// the server reports what it wrote, and both stop by themselves.
func TestFloorRun(t *testing.T) {
	defer goleak.VerifyNone(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	c := config{
		addr: ln.Addr().String(), clients: 8, size: 90, rate: 20,
		inputRate: 20, inputSize: 30, warmup: 300 * time.Millisecond, measure: time.Second,
	}
	served := make(chan serverResult, 1)
	go func() { served <- serve(c, ln) }()

	perConn, err := drive(c)
	if err != nil {
		t.Fatal(err)
	}
	r := <-served
	// Generous bounds: the test checks that the tool measures, not the
	// machine's speed.
	if perConn < 10 || perConn > 25 {
		t.Errorf("clients received %.2f frames/s per connection, want about %d", perConn, c.rate)
	}
	if want := float64(c.rate * c.clients); r.framesPerSec < want/2 || r.framesPerSec > want*1.5 {
		t.Errorf("server wrote %.0f frames/s, want about %.0f", r.framesPerSec, want)
	}
	if r.cpu <= 0 {
		t.Errorf("server CPU %.1f%%, want a measurement", r.cpu)
	}
}
