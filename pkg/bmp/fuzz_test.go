package bmp

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"
	"testing/iotest"

	"github.com/bmpstream/bmpstream/internal/testutil"
)

// seedDir returns the shared captures directory, or "" when it is absent. Unlike
// testutil.TestdataDir it never skips: the fuzz targets still run on the hand-made seeds.
func seedDir() string {
	dir, ok := testutil.LookupTestdata()
	if !ok {
		return ""
	}
	return dir
}

// seedMessages returns real BMP messages: up to perType of each type from every lab
// stream (spread over the stream), the BMPv4 NetGauze captures, and the .bin vectors.
func seedMessages(perType int) [][]byte {
	dir := seedDir()
	if dir == "" {
		return nil
	}
	var out [][]byte
	pick := func(msgs [][]byte) {
		byType := map[uint8][][]byte{}
		for _, m := range msgs {
			if len(m) >= CommonHeaderLen {
				byType[m[5]] = append(byType[m[5]], m)
			}
		}
		for _, ms := range byType {
			step := max(1, len(ms)/perType)
			for i := 0; i < len(ms) && i/step < perType; i += step {
				out = append(out, ms[i])
			}
		}
	}
	labs, _ := filepath.Glob(filepath.Join(dir, "lab", "*.bmp"))
	for _, f := range labs {
		if b, err := os.ReadFile(f); err == nil {
			msgs, _ := testutil.SplitBMP(b)
			pick(msgs)
		}
	}
	pcaps, _ := filepath.Glob(filepath.Join(dir, "public", "NetGauze_NetGauze", "bmp__*.pcap"))
	for _, f := range pcaps {
		for _, port := range []uint16{1790, 10000} {
			streams, _ := tcpPayload(f, port)
			for _, s := range streams {
				msgs, _ := testutil.SplitBMP(s)
				pick(msgs)
			}
		}
	}
	for _, pat := range []string{"NLnetLabs_routecore/*.bin", "bgpkit_bgpkit-parser/bmp_raw__*.bin", "osrg_gobgp/*.bin"} {
		bins, _ := filepath.Glob(filepath.Join(dir, "public", pat))
		for _, f := range bins {
			if b, err := os.ReadFile(f); err == nil {
				out = append(out, b)
			}
		}
	}
	return out
}

// handSeeds returns the hand-assembled good messages of the table tests.
func handSeeds() [][]byte {
	var out [][]byte
	for _, tc := range goodCases() {
		out = append(out, tc.in)
	}
	return out
}

// checkDecoded verifies the invariants of a successful Decode of in.
func checkDecoded(t *testing.T, m *Message, in []byte) {
	t.Helper()
	if int(m.Header.Length) != len(in) || (m.Header.Version != 3 && m.Header.Version != 4) {
		t.Fatalf("header %+v for %d bytes", m.Header, len(in))
	}
	for i, s := range slicesOf(m) {
		if !within(in, s) {
			t.Fatalf("slice %d (%d bytes) outside the input", i, len(s))
		}
	}
	if m.Header.Type == MsgRouteMonitoring && !bytes.Equal(m.RouteMonitoring.Update[16:18], be16(uint16(len(m.RouteMonitoring.Update)))) {
		t.Fatalf("UPDATE length field disagrees with its slice")
	}
}

func FuzzDecode(f *testing.F) {
	for _, s := range handSeeds() {
		f.Add(s)
	}
	for _, s := range seedMessages(30) {
		f.Add(s)
	}
	f.Add([]byte{3, 0, 0, 0, 6, 100})
	f.Add([]byte{4, 0, 0, 0, 6, 0})
	f.Fuzz(func(t *testing.T, in []byte) {
		var m Message
		err := m.Decode(in)
		if err != nil {
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("error %T is not *Error: %v", err, err)
			}
			if e.Offset < 0 || e.Offset > len(in) {
				t.Fatalf("error offset %d outside [0,%d]: %v", e.Offset, len(in), err)
			}
			return
		}
		checkDecoded(t, &m, in)
		// Decoding again into the used Message gives the same view.
		before := slicesOf(&m)
		if err := m.Decode(in); err != nil {
			t.Fatalf("second decode: %v", err)
		}
		after := slicesOf(&m)
		if len(before) != len(after) {
			t.Fatalf("second decode differs: %d vs %d slices", len(before), len(after))
		}
		for i := range before {
			if !bytes.Equal(before[i], after[i]) {
				t.Fatalf("second decode differs at slice %d", i)
			}
		}
	})
}

const maxReaderFuzzInput = 16 << 10

func FuzzReader(f *testing.F) {
	// Small streams of 3 messages: large inputs make minimisation under one-byte reads
	// crawl.
	all := append(handSeeds(), seedMessages(5)...)
	for i := 0; i+3 <= len(all); i += 3 {
		if s := cat(all[i : i+3]...); len(s) <= maxReaderFuzzInput {
			f.Add(s, uint8(i))
		}
	}
	_, stream := testStream()
	f.Add(stream[:len(stream)-3], uint8(1))
	f.Add([]byte{3, 0, 0, 0}, uint8(2))
	f.Add([]byte{9, 0, 0, 0, 6, 0}, uint8(0))
	f.Fuzz(func(t *testing.T, in []byte, mode uint8) {
		if len(in) > maxReaderFuzzInput {
			return
		}
		var src io.Reader = bytes.NewReader(in)
		switch mode % 3 {
		case 1:
			src = iotest.OneByteReader(src)
		case 2:
			src = iotest.HalfReader(src)
		}
		const limit = 4096
		r := NewReader(src, limit)
		consumed := 0
		for {
			h, b, err := r.Next()
			if err != nil {
				var te *TornError
				switch {
				case err == io.EOF:
					if consumed != len(in) {
						t.Fatalf("io.EOF after %d of %d bytes", consumed, len(in))
					}
				case errors.As(err, &te):
					if consumed+te.Got != len(in) || te.Got <= 0 || (te.Declared != 0 && te.Got >= te.Declared) {
						t.Fatalf("torn %+v after %d of %d bytes", *te, consumed, len(in))
					}
				case errors.Is(err, ErrBadVersion):
					if len(in) == consumed || (in[consumed] == 3 || in[consumed] == 4) {
						t.Fatalf("bad version error with %d bytes left", len(in)-consumed)
					}
				case errors.Is(err, ErrTooShort):
					if len(in)-consumed < 5 {
						t.Fatalf("too-short error with %d bytes left", len(in)-consumed)
					}
				case errors.Is(err, ErrTooLarge):
					// The top byte of the length can be enough to tell.
					if len(in)-consumed < 2 {
						t.Fatalf("too-large error with %d bytes left", len(in)-consumed)
					}
				default:
					t.Fatalf("unexpected error %v", err)
				}
				return
			}
			if len(b) != int(h.Length) || len(b) > limit || len(b) < CommonHeaderLen || (h.Version != 3 && h.Version != 4) {
				t.Fatalf("message %+v of %d bytes", h, len(b))
			}
			if !bytes.Equal(b, in[consumed:consumed+len(b)]) {
				t.Fatalf("message at %d differs from the input", consumed)
			}
			consumed += len(b)
			if r.Buffered() > len(in)-consumed || r.BytesRead() > uint64(len(in)) {
				t.Fatalf("Buffered %d / BytesRead %d inconsistent at %d of %d", r.Buffered(), r.BytesRead(), consumed, len(in))
			}
			var m Message
			if err := m.Decode(b); err == nil {
				checkDecoded(t, &m, b)
			}
		}
	})
}

// fuzzTyped is the body of the per-type fuzz targets: it frames body with a valid common
// header of type typ and a per-peer header of the given type and flags.
func fuzzTyped(t *testing.T, typ uint8, v4 bool, peerType, flags uint8, body []byte) {
	if len(body) > 1<<16 {
		return
	}
	version := uint8(3)
	if v4 {
		version = 4
	}
	p := v4peer
	p.typ, p.flags = peerType%4, flags
	in := msg(version, typ, p.bytes(), body)
	var m Message
	if err := m.Decode(in); err != nil {
		var e *Error
		if !errors.As(err, &e) || e.Offset < bodyOff || e.Offset > len(in) {
			t.Fatalf("error %v (offset outside the body)", err)
		}
		return
	}
	checkDecoded(t, &m, in)
}

// addTypedSeeds seeds a per-type target with the bodies of the messages of type typ.
func addTypedSeeds(f *testing.F, typ uint8) {
	for _, s := range append(handSeeds(), seedMessages(40)...) {
		if len(s) >= bodyOff && s[5] == typ {
			f.Add(s[0] == 4, s[6], s[7], s[bodyOff:])
		}
	}
}

func FuzzRouteMonitoring(f *testing.F) {
	addTypedSeeds(f, MsgRouteMonitoring)
	f.Fuzz(func(t *testing.T, v4 bool, peerType, flags uint8, body []byte) {
		fuzzTyped(t, MsgRouteMonitoring, v4, peerType, flags, body)
	})
}

func FuzzStats(f *testing.F) {
	addTypedSeeds(f, MsgStatisticsReport)
	f.Fuzz(func(t *testing.T, v4 bool, peerType, flags uint8, body []byte) {
		fuzzTyped(t, MsgStatisticsReport, v4, peerType, flags, body)
	})
}

func FuzzPeerDown(f *testing.F) {
	addTypedSeeds(f, MsgPeerDown)
	f.Fuzz(func(t *testing.T, v4 bool, peerType, flags uint8, body []byte) {
		fuzzTyped(t, MsgPeerDown, v4, peerType, flags, body)
	})
}

func FuzzPeerUp(f *testing.F) {
	addTypedSeeds(f, MsgPeerUp)
	f.Fuzz(func(t *testing.T, v4 bool, peerType, flags uint8, body []byte) {
		fuzzTyped(t, MsgPeerUp, v4, peerType, flags, body)
	})
}

// TestSeedsDecode makes sure the real seeds decode (so the fuzz corpora start from
// valid messages) and counts them, so a missing BMP_TESTDATA is visible.
func TestSeedsDecode(t *testing.T) {
	seeds := seedMessages(30)
	if seedDir() != "" && len(seeds) < 100 {
		t.Fatalf("only %d real seeds", len(seeds))
	}
	var m Message
	for i, s := range seeds {
		if err := m.Decode(s); err != nil {
			t.Fatalf("seed %d: %v", i, err)
		}
		checkDecoded(t, &m, s)
	}
	t.Logf("%d real seeds, %d hand-made", len(seeds), len(handSeeds()))
}
