package capture

import (
	"bytes"
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/bmpstream/bmpstream/internal/testutil"
)

func TestCheckHeader(t *testing.T) {
	cases := []struct {
		name string
		in   string
		want int
		err  string
	}{
		{"initiation v3", "\x03\x00\x00\x00\x06\x04", 6, ""},
		{"route monitoring v4", "\x04\x00\x00\x00\x30\x00", 48, ""},
		{"type 100", "\x03\x00\x00\x02\xfd\x64", 765, ""},
		{"max length", "\x03\x01\x00\x00\x00\x00", MaxMessageLen, ""},
		{"empty", "", 0, "6-byte common header, have 0 bytes"},
		{"5 bytes", "\x03\x00\x00\x00\x06", 0, "have 5 bytes"},
		{"version 1", "\x01\x00\x00\x00\x06\x04", 0, "version 3 or 4, got 1"},
		{"version 2", "\x02\x00\x00\x00\x06\x04", 0, "version 3 or 4, got 2"},
		{"BGP marker", "\xff\xff\xff\xff\xff\xff", 0, "version 3 or 4, got 255"},
		{"type 7", "\x03\x00\x00\x00\x30\x07", 0, "message type 0..6 or 100, got 7"},
		{"length below header", "\x03\x00\x00\x00\x05\x04", 0, "length 6..16777216 for type 4, got 5"},
		{"peer message without peer header", "\x03\x00\x00\x00\x2f\x00", 0, "length 48..16777216 for type 0, got 47"},
		{"length too large", "\x03\x01\x00\x00\x01\x04", 0, "got 16777217"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			n, err := CheckHeader([]byte(tc.in), 77)
			if tc.err == "" {
				if err != nil || n != tc.want {
					t.Fatalf("CheckHeader = %d, %v; want %d", n, err, tc.want)
				}
				return
			}
			var he *HeaderError
			if !errors.As(err, &he) || he.Offset != 77 || !strings.Contains(err.Error(), tc.err) ||
				!strings.Contains(err.Error(), "offset 77") {
				t.Fatalf("err = %v, want offset 77 and %q", err, tc.err)
			}
		})
	}
}

func TestCount(t *testing.T) {
	sess := testSession() // Init(30) PeerUp(120) RM(90) RM(200) RM(75) = 515 bytes
	cases := []struct {
		name                         string
		in                           []byte
		msgs, bytes                  int
		torn                         bool
		tornType                     uint8
		declared, present, badOffset int
	}{
		{"complete", sess, 5, 515, false, 0, 0, 0, -1},
		{"empty", nil, 0, 0, false, 0, 0, 0, -1},
		{"torn body", sess[:500], 4, 440, true, 0, 75, 60, -1},
		{"torn header", sess[:443], 4, 440, true, 0, 0, 3, -1},
		{"torn first", sess[:10], 0, 0, true, 4, 30, 10, -1},
		{"garbage after", append(append([]byte(nil), sess...), "garbage!"...), 5, 515, true, 0, 0, 8, 515},
		{"bad length mid-stream", append(append([]byte(nil), sess[:150]...), 3, 0, 0, 0, 2, 0), 2, 150, true, 0, 0, 6, 150},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := Count(tc.in)
			if c.Messages != tc.msgs || c.Bytes != tc.bytes || c.Torn != tc.torn || c.TornType != tc.tornType ||
				c.TornDeclared != tc.declared || c.TornPresent != tc.present || c.BadOffset != tc.badOffset {
				t.Fatalf("Count = %+v", c)
			}
			if c.Bytes+c.TornPresent != len(tc.in) {
				t.Fatalf("bytes %d + torn %d != %d", c.Bytes, c.TornPresent, len(tc.in))
			}
		})
	}
	c := Count(sess)
	if c.ByType[0] != 3 || c.ByType[3] != 1 || c.ByType[4] != 1 || len(c.ByType) != 3 {
		t.Errorf("ByType %v", c.ByType)
	}
}

func TestTypeName(t *testing.T) {
	for typ, want := range map[uint8]string{0: "RouteMonitoring", 6: "RouteMirroring", 100: "RoutePolicyTrace", 42: "type-42"} {
		if got := TypeName(typ); got != want {
			t.Errorf("TypeName(%d) = %q, want %q", typ, got, want)
		}
	}
}

// fuzzSeeds returns the small real captures (< 64 KiB) as seeds, plus synthetic files.
func fuzzSeeds(f *testing.F) {
	f.Add(testSession())
	f.Add([]byte{})
	f.Add(pcapFile(f, 1, framesOf(f, 1, segmentsOf(router, collector, 0xfffffff0, testSession(), 7, 100))))
	dir, _ := testutil.LookupTestdata()
	files, _ := Discover(dir)
	for _, p := range files {
		if st, err := os.Stat(p); err == nil && st.Size() < 64<<10 {
			if b, err := os.ReadFile(p); err == nil {
				f.Add(b)
			}
		}
	}
}

// FuzzRead: any input either fails with an error or yields non-empty streams; nothing
// panics.
func FuzzRead(f *testing.F) {
	fuzzSeeds(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		streams, err := Read(bytes.NewReader(data), "fuzz", Options{})
		if err != nil {
			return
		}
		for _, s := range streams {
			if len(s.Data) == 0 || s.Gaps < 0 {
				t.Fatalf("stream %s: %d bytes, %d gaps", s.Name, len(s.Data), s.Gaps)
			}
		}
	})
}

// FuzzCount: the walk accounts for every byte.
func FuzzCount(f *testing.F) {
	fuzzSeeds(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		c := Count(data)
		if c.Bytes+c.TornPresent != len(data) || c.Torn != (c.TornPresent > 0) {
			t.Fatalf("Count(%d bytes) = %+v", len(data), c)
		}
		n := 0
		for _, v := range c.ByType {
			n += v
		}
		if n != c.Messages {
			t.Fatalf("ByType sums to %d, Messages %d", n, c.Messages)
		}
	})
}
