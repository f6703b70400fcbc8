package transports

import "testing"

// withoutDirectWrites returns o with direct writes switched off, as on a
// platform without writev.
func withoutDirectWrites(o Options) Options {
	o.noDirectWrites = true
	return o
}

// TestPortableFallback runs the links' essential behaviour with direct
// writes switched off, which is how every platform without writev sends
// (direct_fallback.go): every frame then goes through the link's queue and
// writer goroutine. On Linux the other tests mostly take the direct path, so
// without this one the fallback would be tested nowhere we run.
func TestPortableFallback(t *testing.T) {
	tests := []struct {
		name string
		run  func(*testing.T, Options) *Server
	}{
		{"SendsToIdleLink", testSendsToIdleLink},
		{"SendArrivesAsOneMessage", testSendArrivesAsOneMessage},
		{"ControlFramesKeepOrder", testControlFramesKeepOrder},
		{"StateLatestWins", testStateLatestWins},
		{"SlowClientDoesNotStallOthers", testSlowClientDoesNotStallOthers},
		{"ControlOverflowClosesSlowLink", testControlOverflowClosesSlowLink},
		{"LinkCloseAfterQueuedFrames", testLinkCloseAfterQueuedFrames},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := tt.run(t, withoutDirectWrites(Options{}))
			if d := s.Stats().DirectWrites; d != 0 {
				t.Errorf("DirectWrites = %d with direct writes off, want 0", d)
			}
		})
	}
}
