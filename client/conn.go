package client

// conn is one connection to the server: a WebSocket (wsConn), or an HTTP
// session (httpConn: a long-polling, polling or streaming downlink with a
// POSTed uplink). Inbound frames go to Client.deliver from the connection's
// single reader goroutine, one at a time and in order. When the connection
// ends by itself (the server closed it, the network failed) it calls the
// onEnd function the Client gave it, once, after done is closed.
type conn interface {
	// transport names the transport: "websocket", "longpoll", "stream" or "poll".
	transport() string
	// send writes one frame, or queues it for the next POST. It does not keep
	// frame after it returns.
	send(frame []byte) error
	// close ends the connection politely (a close frame, a DELETE) unless it
	// has already ended, and waits for every goroutine the connection started.
	close()
	// done is closed when the connection has ended; err then says why.
	done() <-chan struct{}
	err() error
}
