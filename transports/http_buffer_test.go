package transports

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/tickroom/tickroom/transports/httpwire"
)

// contents lists a buffer's records past n as "seq:class:head".
func contents(b *outBuffer, n uint64) []string {
	var out []string
	for _, r := range b.after(n, nil) {
		c := "c"
		if r.class == ClassState {
			c = "s"
		}
		out = append(out, fmt.Sprintf("%d:%s:%s", r.seq, c, r.head[:r.headLen]))
	}
	return out
}

func TestOutBufferOrderAndLatestWins(t *testing.T) {
	b := newOutBuffer(8)
	b.push(ClassControl, []byte("a"), nil, 8)
	b.push(ClassState, []byte("s1"), nil, 8)
	b.push(ClassControl, []byte("b"), nil, 8)
	if got := b.push(ClassState, []byte("s2"), nil, 8); got != replaced {
		t.Errorf("replacing an unsent state = %v, want replaced", got)
	}
	b.push(ClassControl, []byte("c"), nil, 8)
	want := []string{"1:c:a", "3:c:b", "4:s:s2", "5:c:c"}
	if got := contents(&b, 0); !slices.Equal(got, want) {
		t.Fatalf("got %v, want %v", got, want)
	}
	// Everything is now sent: a newer state supersedes the sent one without
	// counting as a drop, and takes the next seq.
	if got := b.push(ClassState, []byte("s3"), nil, 8); got != pushed {
		t.Errorf("replacing a sent state = %v, want pushed", got)
	}
	want = []string{"1:c:a", "3:c:b", "5:c:c", "6:s:s3"}
	if got := contents(&b, 0); !slices.Equal(got, want) {
		t.Errorf("got %v, want %v", got, want)
	}
	if got := contents(&b, 3); !slices.Equal(got, want[2:]) {
		t.Errorf("after 3: got %v, want %v", got, want[2:])
	}
	b.ack(5)
	if got := contents(&b, 0); !slices.Equal(got, []string{"6:s:s3"}) {
		t.Errorf("after ack 5: got %v", got)
	}
	if !b.has(5) || b.has(6) {
		t.Errorf("has(5) = %v, has(6) = %v; want true, false", b.has(5), b.has(6))
	}
	b.ack(6)
	if b.has(0) {
		t.Error("records left after acking everything")
	}
}

func TestOutBufferControlBound(t *testing.T) {
	b := newOutBuffer(3)
	for i := range 3 {
		if got := b.push(ClassControl, []byte{byte('0' + i)}, nil, 3); got != pushed {
			t.Fatalf("push %d = %v", i, got)
		}
	}
	if got := b.push(ClassState, nil, nil, 3); got != pushed {
		t.Errorf("state on a full control ring = %v, want pushed", got)
	}
	if got := b.push(ClassControl, nil, nil, 3); got != overflow {
		t.Errorf("control over the bound = %v, want overflow", got)
	}
	if got := b.push(ClassControl, nil, nil, 100); got != overflow {
		t.Errorf("a larger limit is clamped to the ring: got %v", got)
	}
	b.ack(1)
	if got := b.push(ClassControl, nil, nil, 2); got != overflow {
		t.Errorf("a smaller limit applies: got %v", got)
	}
	if got := b.push(ClassControl, []byte("x"), nil, 3); got != pushed {
		t.Errorf("push after ack = %v", got)
	}
	// The ring wraps around in order.
	for i := range 20 {
		b.ack(b.last)
		b.push(ClassControl, []byte(fmt.Sprint(i)), nil, 3)
		b.push(ClassControl, []byte(fmt.Sprint(i)), nil, 3)
		if got := len(contents(&b, 0)); got != 2 {
			t.Fatalf("round %d: %d records", i, got)
		}
	}
}

func TestOutBufferMoveTo(t *testing.T) {
	b := newOutBuffer(4)
	b.push(ClassControl, []byte("a"), []byte("1"), 4)
	b.push(ClassState, []byte("s"), []byte("2"), 4)
	b.push(ClassControl, []byte("b"), []byte("3"), 4)
	b.after(0, nil)
	b.ack(1)
	q := newSendQueue(b.capacity())
	b.moveTo(&q)
	if got, want := drain(&q), []string{"s:s2", "c:b3"}; !slices.Equal(got, want) {
		t.Errorf("moved %v, want %v", got, want)
	}
	if b.has(0) {
		t.Error("buffer not empty after moveTo")
	}
}

// A stream encodes into a buffer it keeps from write to write, so encoding
// records, and the close record with a reason to cut and a code to map,
// costs nothing once the buffer has grown.
func TestDownViewEncodeAllocatesNothing(t *testing.T) {
	b := newOutBuffer(4)
	b.push(ClassControl, []byte("head"), make([]byte, 300), 4)
	b.push(ClassState, []byte("s"), make([]byte, 900), 4)
	var recs [16]record
	v := downView{
		recs:     b.after(0, recs[:0]),
		closeRec: &CloseError{Code: 1005, Reason: strings.Repeat("r", 200)},
	}
	buf := make([]byte, 0, recordsSize(v.recs)+httpwire.MaxCloseRecord)
	if allocs := testing.AllocsPerRun(100, func() { buf = v.encode(buf[:0]) }); allocs != 0 {
		t.Errorf("%v allocations per encode", allocs)
	}
	recsOut, err := httpwire.ParseRecords(buf, 1000, nil)
	if err != nil || len(recsOut) != 3 {
		t.Fatalf("encoded %d records, %v", len(recsOut), err)
	}
	if code, reason, _ := recsOut[2].Close(); code != CloseInternal || len(reason) != httpwire.MaxCloseReason {
		t.Errorf("close record %d with a %d-byte reason, want %d and %d bytes", code, len(reason), CloseInternal, httpwire.MaxCloseReason)
	}
}
