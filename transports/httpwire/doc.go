// Package httpwire is the byte-level format of the HTTP transports
// (long-polling, streaming, polling), shared by the server (package
// transports) and the Go client (package client), so that the two cannot
// drift apart: downlink records and their decoder, uplink bodies, the
// handshake answer, the JSON error body, the sid's form, the query
// parameter names, the upgrade's text messages, and where a ticket goes in
// a handshake (the handshake's JSON body, the WebSocket subprotocols, the
// bounds).
//
// It holds the format only, not the protocol: which request carries what,
// acknowledgement, buffering, expiry and the upgrade's steps are specified
// in the documentation of package transports (transports/doc.go), from the
// section "HTTP transports" on. It knows nothing of games, frames' contents
// or connections, and imports neither gws, netcode, world nor hollywood.
package httpwire
