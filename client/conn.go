package client

// conn is one connection to the server: a WebSocket (wsConn), or an HTTP
// session (httpConn: a long-polling, polling or streaming downlink with a
// POSTed uplink). Inbound frames go to Client.deliver from the connection's
// single reader goroutine, one at a time and in order. When the connection
// ends by itself (the server closed it, the network failed, cut) it calls
// the onEnd function given to start, once, after done is closed.
type conn interface {
	// transport names the transport: "websocket", "longpoll", "stream" or "poll".
	transport() string
	// start runs the connection's goroutines; close waits for them.
	start(onEnd func(error))
	// send writes one frame, or queues it for the next POST. It does not keep
	// frame after it returns.
	send(frame []byte) error
	// close ends the connection politely (a close frame, a DELETE) unless it
	// has already ended, and waits for every goroutine the connection started.
	close()
	// cut ends the connection as a network failure would, with ErrDropped:
	// nothing more is sent (no close frame, no DELETE) or read. It does not
	// wait for the goroutines (it may run on the reader's); close does.
	cut()
	// done is closed when the connection has ended; err then says why.
	done() <-chan struct{}
	err() error
}
