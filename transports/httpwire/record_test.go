package httpwire

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"
	"testing/iotest"
	"unicode/utf8"
)

func TestAppendRecord(t *testing.T) {
	b := AppendRecord(nil, 300, []byte("he"), []byte("llo"))
	if want := []byte{0xac, 0x02, 5, 'h', 'e', 'l', 'l', 'o'}; !bytes.Equal(b, want) {
		t.Errorf("AppendRecord = %x, want %x", b, want)
	}
	b = AppendCloseRecord(nil, 4007, "slow")
	if want := []byte{0, 6, 0x0f, 0xa7, 's', 'l', 'o', 'w'}; !bytes.Equal(b, want) {
		t.Errorf("AppendCloseRecord = %x, want %x", b, want)
	}
	if b = AppendKeepalive([]byte{9}); !bytes.Equal(b, []byte{9, 0, 0}) {
		t.Errorf("AppendKeepalive = %x", b)
	}
}

// The server appends into buffers it keeps from response to response.
func TestAppendAllocatesNothing(t *testing.T) {
	buf := make([]byte, 0, 4096)
	head, body := make([]byte, 40), make([]byte, 900)
	reason := strings.Repeat("x", 200)
	allocs := testing.AllocsPerRun(100, func() {
		b := AppendRecord(buf[:0], 1<<40, head, body)
		b = AppendCloseRecord(b, 1001, reason)
		_ = AppendKeepalive(b)
	})
	if allocs != 0 {
		t.Errorf("%v allocations per append", allocs)
	}
}

func TestTruncateReason(t *testing.T) {
	e := strings.Repeat("é", 62) // 124 bytes: the cut at 123 splits the last rune
	for _, tc := range []struct{ in, want string }{
		{"", ""},
		{"short", "short"},
		{strings.Repeat("a", 123), strings.Repeat("a", 123)},
		{strings.Repeat("a", 200), strings.Repeat("a", 123)},
		{e, e[:122]},
		{strings.Repeat("a", 121) + "€", strings.Repeat("a", 121)}, // 3-byte rune over the edge
	} {
		got := TruncateReason(tc.in)
		if got != tc.want {
			t.Errorf("TruncateReason(%d bytes) = %d bytes %q, want %d bytes", len(tc.in), len(got), got, len(tc.want))
		}
		if !utf8.ValidString(got) {
			t.Errorf("TruncateReason(%q) = %q, not UTF-8", tc.in, got)
		}
	}
}

func TestCloseRecordFits(t *testing.T) {
	b := AppendCloseRecord(nil, 4000, strings.Repeat("é", 100))
	if len(b) > MaxCloseRecord {
		t.Fatalf("close record of %d bytes, over %d", len(b), MaxCloseRecord)
	}
	recs, err := ParseRecords(b, 0, nil) // the close record's bound is its own
	if err != nil || len(recs) != 1 {
		t.Fatalf("ParseRecords = %v, %v", recs, err)
	}
	code, reason, ok := recs[0].Close()
	if !ok || code != 4000 || reason != strings.Repeat("é", 61) {
		t.Errorf("Close() = %d, %q, %v", code, reason, ok)
	}
}

func TestRecordKinds(t *testing.T) {
	for _, tc := range []struct {
		r         Record
		keepalive bool
		close     bool
	}{
		{Record{Seq: 0}, true, false},
		{Record{Seq: 0, Payload: []byte{3, 0xe8}}, false, true},
		{Record{Seq: 1}, false, false},
		{Record{Seq: 1, Payload: []byte{3, 0xe8}}, false, false},
	} {
		_, _, isClose := tc.r.Close()
		if tc.r.IsKeepalive() != tc.keepalive || isClose != tc.close {
			t.Errorf("%+v: keepalive %v close %v", tc.r, tc.r.IsKeepalive(), isClose)
		}
	}
}

// sampleBody is a downlink body with every kind of record, the records, and
// the offsets at which each record ends.
func sampleBody() (body []byte, recs []Record, ends []int) {
	recs = []Record{
		{Seq: 1, Payload: []byte("hello")},
		{Seq: 2, Payload: []byte{}},
		{Seq: 0, Payload: []byte{}},
		{Seq: 300, Payload: bytes.Repeat([]byte{7}, 200)},
		{Seq: 0, Payload: []byte{0x03, 0xe9, 'b', 'y', 'e'}},
	}
	for _, r := range recs {
		switch {
		case r.IsKeepalive():
			body = AppendKeepalive(body)
		case r.Seq == 0:
			body = AppendCloseRecord(body, 1001, "bye")
		default:
			k := min(1, len(r.Payload))
			body = AppendRecord(body, r.Seq, r.Payload[:k], r.Payload[k:])
		}
		ends = append(ends, len(body))
	}
	return body, recs, ends
}

// readAll reads records with a Decoder until it fails, copying payloads.
func readAll(r io.Reader, limit int) ([]Record, error) {
	d := NewDecoder(r, limit)
	var out []Record
	for {
		rec, err := d.Next()
		if err != nil {
			if err == io.EOF {
				err = nil
			}
			return out, err
		}
		out = append(out, Record{Seq: rec.Seq, Payload: bytes.Clone(rec.Payload)})
	}
}

func sameRecords(a, b []Record) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i].Seq != b[i].Seq || !bytes.Equal(a[i].Payload, b[i].Payload) {
			return false
		}
	}
	return true
}

func TestRecordsRoundTrip(t *testing.T) {
	body, want, _ := sampleBody()
	got, err := ParseRecords(body, 200, nil)
	if err != nil || !sameRecords(got, want) {
		t.Errorf("ParseRecords = %v, %v; want %v", got, err, want)
	}
	// One byte per Read: the way a slow stream delivers them.
	got, err = readAll(iotest.OneByteReader(bytes.NewReader(body)), 200)
	if err != nil || !sameRecords(got, want) {
		t.Errorf("Decoder = %v, %v; want %v", got, err, want)
	}
}

func TestTruncatedRecords(t *testing.T) {
	body, _, ends := sampleBody()
	clean := map[int]bool{0: true} // cuts between two records
	for _, n := range ends {
		clean[n] = true
	}
	for n := 0; n <= len(body); n++ {
		_, perr := ParseRecords(body[:n], 200, nil)
		_, derr := readAll(bytes.NewReader(body[:n]), 200)
		for name, err := range map[string]error{"ParseRecords": perr, "Decoder": derr} {
			if clean[n] && err != nil {
				t.Errorf("%s: %d bytes, a record boundary: %v", name, n, err)
			}
			if !clean[n] && !errors.Is(err, io.ErrUnexpectedEOF) {
				t.Errorf("%s: %d bytes, inside a record: %v, want io.ErrUnexpectedEOF", name, n, err)
			}
		}
	}
}

func TestBadRecords(t *testing.T) {
	over := []byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02}
	for _, tc := range []struct {
		name string
		body []byte
	}{
		{"frame over the limit", AppendRecord(nil, 1, make([]byte, 11), nil)},
		{"huge length", []byte{1, 0xff, 0xff, 0xff, 0xff, 0x0f}},
		{"1-byte seq 0 record", []byte{0, 1, 3}},
		{"126-byte seq 0 record", AppendRecord(nil, 0, make([]byte, 126), nil)},
		{"seq overflows", append(over, 0)},
		{"ten bytes that all continue", bytes.Repeat([]byte{0xc1}, 10)},
		{"length overflows", append([]byte{1}, over...)},
	} {
		_, perr := ParseRecords(tc.body, 10, nil)
		_, derr := readAll(bytes.NewReader(tc.body), 10)
		if !errors.Is(perr, ErrBadRecord) || !errors.Is(derr, ErrBadRecord) {
			t.Errorf("%s: ParseRecords %v, Decoder %v; want ErrBadRecord", tc.name, perr, derr)
		}
	}
	// Exactly at the limit is fine, and so is a close record over it.
	body := AppendRecord(nil, 1, make([]byte, 10), nil)
	body = AppendRecord(body, 0, make([]byte, MaxClosePayload), nil)
	if recs, err := readAll(bytes.NewReader(body), 10); err != nil || len(recs) != 2 {
		t.Errorf("records at the limits: %v, %v", recs, err)
	}
}

// A bad length is refused before the Decoder allocates for it.
func TestDecoderRefusesBeforeAllocating(t *testing.T) {
	body := []byte{1, 0xff, 0xff, 0xff, 0xff, 0x0f} // a 4 GiB frame
	d := NewDecoder(bytes.NewReader(body), 1<<20)
	if _, err := d.Next(); !errors.Is(err, ErrBadRecord) || cap(d.buf) != 0 {
		t.Errorf("Next = %v with a %d-byte buffer", err, cap(d.buf))
	}
}

// repeater returns b over and over.
type repeater struct {
	b   []byte
	off int
}

func (r *repeater) Read(p []byte) (int, error) {
	n := 0
	for n < len(p) {
		k := copy(p[n:], r.b[r.off:])
		n += k
		r.off = (r.off + k) % len(r.b)
	}
	return n, nil
}

func TestDecoderReusesPayload(t *testing.T) {
	d := NewDecoder(&repeater{b: AppendRecord(nil, 5, make([]byte, 3000), nil)}, 4096)
	if _, err := d.Next(); err != nil {
		t.Fatal(err)
	}
	allocs := testing.AllocsPerRun(100, func() {
		if r, err := d.Next(); err != nil || r.Seq != 5 || len(r.Payload) != 3000 {
			t.Fatalf("Next = %d, %d bytes, %v", r.Seq, len(r.Payload), err)
		}
	})
	if allocs != 0 {
		t.Errorf("%v allocations per record", allocs)
	}
}

// The reader's own errors come back as they are: a client must see its
// cancellation, not a format error.
func TestDecoderPassesReadErrors(t *testing.T) {
	boom := errors.New("boom")
	body := AppendRecord(nil, 1, []byte("abcdef"), nil)
	for n := 0; n < len(body); n++ {
		r := io.MultiReader(bytes.NewReader(body[:n]), iotest.ErrReader(boom))
		if _, err := readAll(r, 100); !errors.Is(err, boom) {
			t.Errorf("error after %d bytes: %v, want boom", n, err)
		}
	}
	// net/http reports a body shorter than its Content-Length this way.
	r := iotest.ErrReader(io.ErrUnexpectedEOF)
	if _, err := readAll(r, 100); !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Errorf("unexpected EOF before a record: %v", err)
	}
}

func TestReadUvarint(t *testing.T) {
	for _, tc := range []struct {
		in   []byte
		want uint64
		err  error
	}{
		{in: []byte{0}, want: 0},
		{in: []byte{0x80, 1}, want: 128},
		{in: []byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 1}, want: 1<<64 - 1},
		{in: []byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 2}, err: ErrBadRecord},
		{in: []byte{0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0}, err: ErrBadRecord},
		{in: []byte{0x80}, err: io.ErrUnexpectedEOF},
		{in: nil, err: io.EOF},
	} {
		got, err := readUvarint(bytes.NewReader(tc.in))
		if !errors.Is(err, tc.err) || (tc.err == nil && got != tc.want) {
			t.Errorf("readUvarint(%x) = %d, %v; want %d, %v", tc.in, got, err, tc.want, tc.err)
		}
	}
}
