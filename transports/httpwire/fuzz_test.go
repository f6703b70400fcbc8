package httpwire

import (
	"bytes"
	"errors"
	"io"
	"testing"
	"testing/iotest"
)

// fuzzLimit is the frame bound of the fuzz targets: small, so that inputs
// hit it.
const fuzzLimit = 64

func addRecordSeeds(f *testing.F) {
	body, _, _ := sampleBody()
	f.Add(body)
	f.Add(body[:len(body)-1])
	f.Add([]byte{})
	f.Add(AppendKeepalive(nil))
	f.Add(AppendCloseRecord(nil, 4000, "room closed"))
	f.Add(AppendRecord(nil, 1, make([]byte, fuzzLimit+1), nil))
	f.Add([]byte{0, 1, 0})
	f.Add([]byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02, 0})
	f.Add(AppendUplink(nil, []byte("a"), make([]byte, fuzzLimit+1), []byte("b")))
}

// FuzzRecords checks that the Decoder and ParseRecords agree on every input,
// that they fail only with the documented errors, and that the records they
// return encode back to what they read.
func FuzzRecords(f *testing.F) {
	addRecordSeeds(f)
	f.Fuzz(func(t *testing.T, body []byte) {
		parsed, perr := ParseRecords(body, fuzzLimit, nil)
		read, derr := readAll(iotest.HalfReader(bytes.NewReader(body)), fuzzLimit)
		if !sameRecords(parsed, read) {
			t.Fatalf("ParseRecords %v, Decoder %v", parsed, read)
		}
		for _, err := range []error{perr, derr} {
			if err != nil && !errors.Is(err, ErrBadRecord) && !errors.Is(err, io.ErrUnexpectedEOF) {
				t.Fatalf("undocumented error %v", err)
			}
		}
		if errors.Is(perr, ErrBadRecord) != errors.Is(derr, ErrBadRecord) || (perr == nil) != (derr == nil) {
			t.Fatalf("ParseRecords %v, Decoder %v", perr, derr)
		}
		var again []byte
		for _, r := range parsed {
			if r.Seq != 0 && len(r.Payload) > fuzzLimit {
				t.Fatalf("%d-byte frame over the limit", len(r.Payload))
			}
			if r.Seq == 0 && (len(r.Payload) == 1 || len(r.Payload) > MaxClosePayload) {
				t.Fatalf("bad transport record %x", r.Payload)
			}
			again = AppendRecord(again, r.Seq, r.Payload, nil)
		}
		if reparsed, err := ParseRecords(again, fuzzLimit, nil); err != nil || !sameRecords(reparsed, parsed) {
			t.Fatalf("re-encoded records parse as %v, %v", reparsed, err)
		}
	})
}

// FuzzUplink checks ParseUplink's bounds and that what it returns encodes
// back to what it parsed.
func FuzzUplink(f *testing.F) {
	addRecordSeeds(f)
	f.Fuzz(func(t *testing.T, body []byte) {
		frames, oversize, err := ParseUplink(body, fuzzLimit, nil)
		if err != nil {
			if frames != nil || oversize != 0 {
				t.Fatalf("error %v with %d frames, oversize %d", err, len(frames), oversize)
			}
			if !errors.Is(err, ErrBadRecord) && !errors.Is(err, io.ErrUnexpectedEOF) {
				t.Fatalf("undocumented error %v", err)
			}
			return
		}
		if oversize != 0 && oversize <= fuzzLimit {
			t.Fatalf("oversize %d within the limit", oversize)
		}
		total := 0
		for _, fr := range frames {
			if len(fr) > fuzzLimit {
				t.Fatalf("%d-byte frame over the limit", len(fr))
			}
			total += UplinkSize(len(fr))
		}
		if total > len(body) {
			t.Fatalf("%d bytes of frames from a %d-byte body", total, len(body))
		}
		again := AppendUplink(nil, frames...)
		if len(again) != total {
			t.Fatalf("UplinkSize total %d, encoded %d", total, len(again))
		}
		back, o, err := ParseUplink(again, fuzzLimit, nil)
		if err != nil || o != 0 || len(back) != len(frames) {
			t.Fatalf("re-encoded body parses as %d frames, %d, %v", len(back), o, err)
		}
		for i := range back {
			if !bytes.Equal(back[i], frames[i]) {
				t.Fatalf("frame %d: %x, then %x", i, frames[i], back[i])
			}
		}
	})
}
