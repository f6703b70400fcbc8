//go:build linux

package transports

import (
	"syscall"
	"testing"
)

func TestDefaultMaxConnections(t *testing.T) {
	var rl syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &rl); err != nil {
		t.Skip(err)
	}
	if got, want := DefaultMaxConnections(), int(float64(rl.Cur)*FileLimitShare); got != want {
		t.Errorf("DefaultMaxConnections() = %d, want %d (%v of %d)", got, want, FileLimitShare, rl.Cur)
	}
}
