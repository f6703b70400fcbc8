//go:build !linux

package transports

// writevSupported says that this platform has no direct writes: newWriteGate
// never gives a gate its raw socket, so canDirectLocked is always false and
// every frame takes the link's queue and writer goroutine, where gws frames
// and writes it. That is the path any frame takes when the writer is busy,
// so nothing else changes: order, drop policy, deadlines and closes are the
// same, at the cost of one goroutine wake-up per frame.
const writevSupported = false

// iovecs holds nothing here: there is no writev.
type iovecs struct{}

// writev is never called here (the gate has no raw socket); were it called,
// it would take nothing, and the frame would be queued.
func (g *writeGate) writev(*iovecs, *[3][]byte) int { return 0 }
