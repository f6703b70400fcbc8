package transports

import "testing"

// BenchmarkLinkSend measures Send on a live loopback link whose client reads
// and discards. Send copies the head into a slot allocated with the link and
// must not allocate. allocs/op also counts the writer goroutine's share (gws
// boxes each write's buffers), which latest-wins keeps well below one per Send.
func BenchmarkLinkSend(b *testing.B) {
	for _, bc := range []struct {
		name string
		size int
	}{
		{"state/1KiB", 1 << 10},
		{"state/64KiB", 64 << 10},
	} {
		b.Run(bc.name, func(b *testing.B) {
			h := newTestHandler()
			s := newTestServer(b, Options{}, h)
			dial(b, s, dialOptions{discard: true})
			l := h.next(b).link
			head, body := []byte("0123456789abcdef"), make([]byte, bc.size)
			b.ReportAllocs()
			for b.Loop() {
				if err := l.Send(ClassState, head, body); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
