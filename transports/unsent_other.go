//go:build !linux

package transports

// unsent cannot tell here what the kernel holds (see delivery.go): slow
// readers are found by write progress alone.
func (g *writeGate) unsent() (int, bool) { return 0, false }

// watchable reports whether unsent can tell anything: not here.
func (g *writeGate) watchable() bool { return false }
