package client

import (
	"net/http"
	"time"
)

// Options configure a Client. The zero value of each field means its default.
type Options struct {
	// Name is the player name sent with Join.
	Name string
	// History is how many received states are kept as possible baselines;
	// default 64.
	History int
	// ManualAck turns off the acknowledgement the client sends for every state
	// it applies. Clients that send an input for every state frame (inputs
	// carry the ack) can set it and halve their upstream frames.
	ManualAck bool
	// HandshakeTimeout bounds the TCP connect and WebSocket upgrade; default 5s.
	HandshakeTimeout time.Duration
	// ReadLimit bounds inbound messages; default 1 MiB (a full snapshot of a
	// big room can be large).
	ReadLimit int
	// Header is sent with the WebSocket upgrade (for example Origin).
	Header http.Header
}

func (o Options) withDefaults() Options {
	if o.History <= 0 {
		o.History = 64
	}
	if o.HandshakeTimeout <= 0 {
		o.HandshakeTimeout = 5 * time.Second
	}
	if o.ReadLimit <= 0 {
		o.ReadLimit = 1 << 20
	}
	return o
}
