package netcode_test

import (
	"bytes"
	"errors"
	"reflect"
	"testing"

	"github.com/tickroom/tickroom/netcode"
)

// The fuzz targets follow nats-server's FuzzParser: the corpus starts with one
// valid frame of every kind (both directions, so each decoder also sees the
// other side's frames) and the decoders must never panic. On top of that a
// frame that decodes must re-encode to a frame that decodes to the same
// message, and every error must wrap one of the sentinels.

func addSeeds(f *testing.F) {
	for _, s := range samples() {
		frame, err := netcode.AppendFrame(nil, s.msg)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(frame)
	}
	f.Add([]byte{0xdd, 0xff, 0xff, 0xff, 0xff})
	f.Add(mp(arr(3), 16, "future", 1))
	f.Add(mp(arr(5), 1, 1, "r", "m", "n")) // a join of version 1
}

func checkErr(t *testing.T, err error) {
	t.Helper()
	for _, s := range []error{netcode.ErrMalformed, netcode.ErrUnknownKind, netcode.ErrUnexpectedKind, netcode.ErrVersionMismatch} {
		if errors.Is(err, s) {
			return
		}
	}
	t.Fatalf("error %v wraps no sentinel", err)
}

// checkStable re-encodes m and decodes the result with dec.
func checkStable(t *testing.T, m netcode.Frame, dec func([]byte) (netcode.Frame, error)) {
	t.Helper()
	again, err := netcode.AppendFrame(nil, m)
	if err != nil {
		t.Fatalf("decoded %#v does not re-encode: %v", m, err)
	}
	m2, err := dec(again)
	if err != nil {
		t.Fatalf("re-encoded %#v (%x) does not decode: %v", m, again, err)
	}
	if !reflect.DeepEqual(m, m2) {
		t.Fatalf("unstable:\nfirst  %#v\nsecond %#v", m, m2)
	}
	// Encoding is canonical: the second encoding is the first's bytes.
	if third, _ := netcode.AppendFrame(nil, m2); !bytes.Equal(third, again) {
		t.Fatalf("re-encoding differs: %x then %x", again, third)
	}
}

func FuzzDecodeClient(f *testing.F) {
	addSeeds(f)
	f.Fuzz(func(t *testing.T, frame []byte) {
		m, err := netcode.DecodeClient(frame)
		if err != nil {
			checkErr(t, err)
			return
		}
		checkStable(t, m, netcode.DecodeClient)
	})
}

func FuzzDecodeServer(f *testing.F) {
	addSeeds(f)
	f.Fuzz(func(t *testing.T, frame []byte) {
		m, err := netcode.DecodeServer(frame)
		if err != nil {
			checkErr(t, err)
			return
		}
		checkStable(t, m, netcode.DecodeServer)
	})
}

func FuzzDecodeInput(f *testing.F) {
	addSeeds(f)
	f.Fuzz(func(t *testing.T, frame []byte) {
		var in netcode.Input
		err := netcode.DecodeInput(frame, &in)
		m, cerr := netcode.DecodeClient(frame)
		if err != nil {
			checkErr(t, err)
			if _, ok := m.(*netcode.Input); ok && cerr == nil {
				t.Fatalf("DecodeInput failed (%v) where DecodeClient decoded %#v", err, m)
			}
			return
		}
		if got, ok := m.(*netcode.Input); cerr != nil || !ok || *got != in {
			t.Fatalf("DecodeInput = %#v, DecodeClient = %#v, %v", in, m, cerr)
		}
		checkStable(t, &in, netcode.DecodeClient)
	})
}

func FuzzDecodeAck(f *testing.F) {
	addSeeds(f)
	f.Fuzz(func(t *testing.T, frame []byte) {
		tick, err := netcode.DecodeAck(frame)
		m, cerr := netcode.DecodeClient(frame)
		a, isAck := m.(*netcode.Ack)
		if err != nil {
			if err != netcode.ErrUnexpectedKind {
				checkErr(t, err)
			}
			if cerr == nil && isAck {
				t.Fatalf("DecodeAck failed (%v) where DecodeClient decoded %#v", err, m)
			}
			return
		}
		if cerr != nil || !isAck || a.Tick != tick {
			t.Fatalf("DecodeAck = %d, DecodeClient = %#v, %v", tick, m, cerr)
		}
	})
}

// FuzzPeekKind: every frame a decoder accepts has the kind PeekKind reads,
// and a frame PeekKind refuses no decoder accepts.
func FuzzPeekKind(f *testing.F) {
	addSeeds(f)
	f.Fuzz(func(t *testing.T, frame []byte) {
		k, err := netcode.PeekKind(frame)
		for _, dec := range []func([]byte) (netcode.Frame, error){netcode.DecodeClient, netcode.DecodeServer} {
			m, derr := dec(frame)
			if m == nil {
				continue
			}
			if err != nil {
				t.Fatalf("PeekKind refused (%v) a frame that decodes to %#v (%v)", err, m, derr)
			}
			if m.Kind() != k {
				t.Fatalf("PeekKind = %s, decoded %s", k, m.Kind())
			}
		}
		if err != nil {
			checkErr(t, err)
		}
	})
}
