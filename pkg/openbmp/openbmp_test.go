package openbmp

import (
	"bytes"
	"crypto/md5"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/bmpstream/bmpstream/internal/testutil"
)

func unhex(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(strings.Join(strings.Fields(s), ""))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// routeViewsHeader is the header of the RouteViews frame in openbmp-raw.md §1.1
// (bgpkit-parser's test vector): admin id is-cc-bmp1, router 128.223.51.105, group
// route-views5, BMP Peer Down of 51 bytes.
const routeViewsHeader = `4f424d50 01 07 0064 00000033 80 0c 6184b9c2 000c602c
bf4f072f3ae149d23486024bc3dadfc4 000a 69732d63632d626d7031
c677060bdd020a9e92be000200de2e31 80df3369 000000000000000000000000
000c 726f7574652d766965777335 00000001`

func TestHashesIndependently(t *testing.T) {
	md := func(b []byte) [16]byte { return md5.Sum(b) }
	cases := []struct {
		ip             string
		openbmp, field []byte // bytes hashed by each recipe
	}{
		{"128.223.51.105", []byte{0x80, 0xdf, 0x33, 0x69}, append([]byte{0x80, 0xdf, 0x33, 0x69}, make([]byte, 12)...)},
		{"10.1.2.3", []byte{10, 1, 2, 3}, append([]byte{10, 1, 2, 3}, make([]byte, 12)...)},
		{"192.0.2.1", []byte{0xc0}, append([]byte{0xc0, 0, 2, 1}, make([]byte, 12)...)},
		{"10.0.0.1", []byte{0x0a}, append([]byte{10, 0, 0, 1}, make([]byte, 12)...)},
		{"0.1.2.3", []byte{}, append([]byte{0, 1, 2, 3}, make([]byte, 12)...)},
		{"2001:db8::1", []byte{0x20, 0x01, 0x0d, 0xb8}, unhex(t, "20010db8000000000000000000000001")},
		{"::1", []byte{}, unhex(t, "00000000000000000000000000000001")},
		{"::ffff:10.1.2.3", []byte{10, 1, 2, 3}, append([]byte{10, 1, 2, 3}, make([]byte, 12)...)},
		{"2a11:1111:2222:3333:4444:5555:6666:7777", unhex(t, "2a111111222233334444555566667777"), unhex(t, "2a111111222233334444555566667777")},
	}
	for _, c := range cases {
		ip := netip.MustParseAddr(c.ip)
		if got, want := RouterHashOpenBMP(ip), md(c.openbmp); got != want {
			t.Errorf("%s: openbmp hash %x, want %x", c.ip, got, want)
		}
		if got, want := RouterHashField(ip), md(c.field); got != want {
			t.Errorf("%s: field hash %x, want %x", c.ip, got, want)
		}
		if got, want := RouterHashText(ip), md([]byte(ip.Unmap().String())); got != want {
			t.Errorf("%s: text hash %x, want %x", c.ip, got, want)
		}
	}
	// The published values of openbmp-raw.md §2.
	published := map[string]string{
		"128.223.51.105": "c677060bdd020a9e92be000200de2e31",
		"10.1.2.3":       "91f174a6d342075b232243a4f2e96497",
		"192.0.2.1":      "4843a4868714fa7589e8ef87756bcacf",
		"10.0.0.1":       "68b329da9893e34099c7d8ad5cb9c940",
		"127.0.0.1":      "83acb6e67e50e31db6ed341dd2de1595",
		"2001:db8::1":    "ed426530c5d73c992a81ec38b2de1668",
		"0.0.0.1":        "d41d8cd98f00b204e9800998ecf8427e",
	}
	for ip, want := range published {
		if got := RouterHashOpenBMP(netip.MustParseAddr(ip)); hex.EncodeToString(got[:]) != want {
			t.Errorf("%s: openbmp hash %x, want %s", ip, got, want)
		}
	}
	if got := RouterHashText(netip.MustParseAddr("128.223.51.105")); hex.EncodeToString(got[:]) != "780b9d5287178d831b73eee1458d8935" {
		t.Errorf("text hash of 128.223.51.105: %x", got)
	}
	if got := CollectorHash("collector-01"); hex.EncodeToString(got[:]) != "e1dc78e69265300a53b17e959b0aead4" {
		t.Errorf("collector hash: %x", got)
	}
}

// TestEncodeRouteViewsFrame rebuilds the RouteViews frame byte for byte.
func TestEncodeRouteViewsFrame(t *testing.T) {
	dir := testutil.TestdataDir(t)
	framed, err := os.ReadFile(filepath.Join(dir, "public/bgpkit_bgpkit-parser/openbmp_v1.7_framed__test_peer_down_notification.bin"))
	if err != nil {
		t.Fatal(err)
	}
	head := unhex(t, routeViewsHeader)
	if !bytes.HasPrefix(framed, head) {
		t.Fatalf("the test vector does not start with the documented header")
	}
	// The vector file ends with one extra '\n' after the 51-byte message.
	framed = framed[:len(head)+51]
	msg := framed[len(head):]
	e, err := NewEncoder("is-cc-bmp1")
	if err != nil {
		t.Fatal(err)
	}
	ip := netip.MustParseAddr("128.223.51.105")
	ts := time.Unix(0x6184b9c2, 0x000c602c*1000)
	got := e.AppendRaw(nil, RouterHashOpenBMP(ip), ip, "route-views5", ts, msg)
	if !bytes.Equal(got, framed) {
		t.Fatalf("encoded frame differs:\n got %x\nwant %x", got, framed)
	}
	// The same with independently computed hashes.
	if ch := md5.Sum([]byte("is-cc-bmp1")); !bytes.Equal(got[22:38], ch[:]) {
		t.Fatalf("collector hash %x", got[22:38])
	}
	if rh := md5.Sum([]byte{0x80, 0xdf, 0x33, 0x69}); !bytes.Equal(got[50:66], rh[:]) {
		t.Fatalf("router hash %x", got[50:66])
	}
}

// TestEncodeGoBMPExample: the goBMP example of openbmp-raw.md §1.1 (Initiation, admin id
// collector-01, router 192.0.2.1, goBMP's text router hash, no group).
func TestEncodeGoBMPExample(t *testing.T) {
	init := unhex(t, "03 0000000c 04 0001 0002 6869") // 12-byte Initiation (sysDescr "hi")
	e, _ := NewEncoder("collector-01")
	ip := netip.MustParseAddr("192.0.2.1")
	ts := time.Unix(1700000000, 123456000)
	got := e.AppendRaw(nil, RouterHashText(ip), ip, "", ts, init)
	ch := md5.Sum([]byte("collector-01"))
	rh := md5.Sum([]byte("192.0.2.1"))
	want := unhex(t, "4f424d50 01 07 005a 0000000c 80 0c 6553f100 0001e240")
	want = append(want, ch[:]...)
	want = append(want, unhex(t, "000c")...)
	want = append(want, "collector-01"...)
	want = append(want, rh[:]...)
	want = append(want, unhex(t, "c0000201 000000000000000000000000 0000 00000001")...)
	want = append(want, init...)
	if !bytes.Equal(got, want) {
		t.Fatalf("encoded frame differs:\n got %x\nwant %x", got, want)
	}
	if hex.EncodeToString(ch[:]) != "e1dc78e69265300a53b17e959b0aead4" || hex.EncodeToString(rh[:]) != "d0f88d6c87767262ba8e93d6acccd784" {
		t.Fatal("published hash values do not match")
	}
}

func TestEncodeIPv6AndDecodeRoundTrip(t *testing.T) {
	e, _ := NewEncoder("coll")
	ip := netip.MustParseAddr("2001:db8::1")
	ts := time.Date(2026, 1, 2, 3, 4, 5, 678901000, time.UTC)
	msg := unhex(t, "03 00000006 04")
	frame := e.AppendRaw(nil, RouterHashOpenBMP(ip), ip, "grp", ts, msg)
	if len(frame) != 78+4+3+6 {
		t.Fatalf("frame length %d", len(frame))
	}
	h, m, n, err := Decode(frame)
	if err != nil {
		t.Fatal(err)
	}
	want := Header{Major: 1, Minor: 7, HeaderLen: 85, MsgLen: 6, Flags: 0xc0, ObjectType: 12, Time: ts,
		CollectorHash: md5.Sum([]byte("coll")), AdminID: "coll", RouterHash: md5.Sum([]byte{0x20, 0x01, 0x0d, 0xb8}),
		RouterIP: ip, RouterGroup: "grp", RowCount: 1}
	if h != want {
		t.Fatalf("decoded %+v\nwant %+v", h, want)
	}
	if n != len(frame) || !bytes.Equal(m, msg) {
		t.Fatalf("n=%d msg=%x", n, m)
	}
	// IPv4-mapped routers are written as IPv4.
	frame = e.AppendRaw(nil, [16]byte{}, netip.MustParseAddr("::ffff:10.1.2.3"), "", ts, msg)
	if h, _, _, err = Decode(frame); err != nil || h.Flags != FlagRouter || h.RouterIP != netip.MustParseAddr("10.1.2.3") {
		t.Fatalf("mapped: %+v %v", h, err)
	}
}

func TestCollectorFrame(t *testing.T) {
	e, _ := NewEncoder("c1")
	ts := time.Unix(1700000000, 0)
	f := e.AppendCollector(nil, ts)
	if len(f) != CollectorFixedLen+2 {
		t.Fatalf("length %d", len(f))
	}
	h, m, n, err := Decode(f)
	if err != nil || n != len(f) || len(m) != 0 || h.ObjectType != ObjectCollector || h.AdminID != "c1" || h.HeaderLen != 46 {
		t.Fatalf("%+v %d %v", h, n, err)
	}
	// OpenBMP v2 writes header length 0 on collector frames: accepted.
	binary.BigEndian.PutUint16(f[6:], 0)
	if _, _, _, err := Decode(f); err != nil {
		t.Fatal(err)
	}
}

// TestDecodeRealFramedVectors decodes bgpkit-parser's RouteViews frames field by field.
func TestDecodeRealFramedVectors(t *testing.T) {
	dir := testutil.TestdataDir(t)
	cases := []struct {
		file, rawFile string
		want          Header
		trailing      int // the vector files end with one '\n' after the frame
	}{
		{"openbmp_v1.7_framed__test_peer_down_notification.bin", "bmp_raw__test_peer_down_notification.bin", Header{
			Major: 1, Minor: 7, HeaderLen: 100, MsgLen: 51, Flags: 0x80, ObjectType: 12,
			Time:          time.Unix(0x6184b9c2, 0x000c602c*1000).UTC(),
			CollectorHash: md5.Sum([]byte("is-cc-bmp1")), AdminID: "is-cc-bmp1",
			RouterHash: md5.Sum([]byte{128, 223, 51, 105}), RouterIP: netip.MustParseAddr("128.223.51.105"),
			RouterGroup: "route-views5", RowCount: 1}, 1},
		{"openbmp_v1.7_framed__test_route_monitoring.bin", "bmp_raw__test_route_monitoring.bin", Header{
			Major: 1, Minor: 7, HeaderLen: 92, MsgLen: 176, Flags: 0x80, ObjectType: 12,
			Time:          time.Unix(0x61888153, 0x0002f643*1000).UTC(),
			CollectorHash: md5.Sum([]byte("is-ah-bmp1")), AdminID: "is-ah-bmp1",
			RouterHash: md5.Sum([]byte{195, 66, 241, 146}), RouterIP: netip.MustParseAddr("195.66.241.146"),
			RouterGroup: "linx", RowCount: 1}, 1},
	}
	for _, c := range cases {
		t.Run(c.file, func(t *testing.T) {
			b, err := os.ReadFile(filepath.Join(dir, "public/bgpkit_bgpkit-parser", c.file))
			if err != nil {
				t.Fatal(err)
			}
			raw, err := os.ReadFile(filepath.Join(dir, "public/bgpkit_bgpkit-parser", c.rawFile))
			if err != nil {
				t.Fatal(err)
			}
			h, msg, n, err := Decode(b)
			if err != nil {
				t.Fatal(err)
			}
			if h != c.want {
				t.Fatalf("decoded %+v\nwant    %+v", h, c.want)
			}
			if n != len(b)-c.trailing || !bytes.Equal(msg, raw) {
				t.Fatalf("n=%d of %d; message equal to the raw vector: %v", n, len(b), bytes.Equal(msg, raw))
			}
			// The v2-beta recipe reproduces the router hash of real frames.
			if RouterHashOpenBMP(h.RouterIP) != h.RouterHash {
				t.Fatalf("router hash recipe does not reproduce %x", h.RouterHash)
			}
			// Re-encoding gives the same bytes.
			e, _ := NewEncoder(h.AdminID)
			if re := e.AppendRaw(nil, h.RouterHash, h.RouterIP, h.RouterGroup, h.Time, msg); !bytes.Equal(re, b[:n]) {
				t.Fatalf("re-encoded frame differs")
			}
		})
	}
}

func TestDecodeMalformed(t *testing.T) {
	e, _ := NewEncoder("adm")
	ip := netip.MustParseAddr("10.1.2.3")
	good := e.AppendRaw(nil, RouterHashOpenBMP(ip), ip, "g", time.Unix(1, 0), unhex(t, "03 00000006 04"))
	mut := func(f func(b []byte) []byte) []byte { return f(bytes.Clone(good)) }
	cases := []struct {
		name  string
		frame []byte
		off   int
		short bool
	}{
		{"empty", nil, 0, true},
		{"short fixed", good[:10], 0, true},
		{"bad magic", mut(func(b []byte) []byte { b[0] = 'X'; return b }), 0, false},
		{"version 1.6", mut(func(b []byte) []byte { b[5] = 6; return b }), 4, false},
		{"short admin", good[:42], 40, true},
		{"short router", good[:50], 43, true},
		{"v4 padding", mut(func(b []byte) []byte { b[43+16+5] = 1; return b }), 43 + 16 + 5, false},
		{"short group", good[:43+34], 43 + 34, true},
		{"short rows", good[:43+35+2], 43 + 35, true},
		{"bad header length", mut(func(b []byte) []byte { b[7]++; return b }), 6, false},
		{"raw without router flag", mut(func(b []byte) []byte { b[12] = 0; return b }), 12, false},
		{"row count 2", mut(func(b []byte) []byte { b[43+35+3] = 2; return b }), 43 + 35, false},
		{"short message", good[:len(good)-1], 82, true},
		{"bad usec", mut(func(b []byte) []byte { binary.BigEndian.PutUint32(b[18:], 1000000); return b }), 18, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, _, _, err := Decode(c.frame)
			var de *DecodeError
			if !errors.As(err, &de) {
				t.Fatalf("err = %v, want a DecodeError", err)
			}
			if de.Offset != c.off || errors.Is(err, ErrShort) != c.short {
				t.Fatalf("err = %v (offset %d, short %v), want offset %d short %v", err, de.Offset, errors.Is(err, ErrShort), c.off, c.short)
			}
		})
	}
	if _, err := NewEncoder(strings.Repeat("x", 256)); err == nil {
		t.Fatal("256-byte admin id accepted")
	}
}

func FuzzDecode(f *testing.F) {
	e, _ := NewEncoder("adm")
	ip := netip.MustParseAddr("2001:db8::1")
	f.Add(e.AppendRaw(nil, RouterHashOpenBMP(ip), ip, "g", time.Unix(1, 0), []byte{3, 0, 0, 0, 6, 4}))
	f.Add(e.AppendCollector(nil, time.Unix(1, 0)))
	f.Fuzz(func(t *testing.T, b []byte) {
		h, msg, n, err := Decode(b)
		if err != nil {
			return
		}
		if n > len(b) || len(msg) != int(h.MsgLen) {
			t.Fatalf("n=%d len=%d msg=%d", n, len(b), len(msg))
		}
		canonical := (h.Flags == FlagRouter || (h.Flags == FlagRouter|FlagIPv6 && !h.RouterIP.Is4In6()))
		if h.ObjectType == ObjectBMPRaw && canonical && len(h.AdminID) <= MaxNameLen && len(h.RouterGroup) <= MaxNameLen {
			e, err := NewEncoder(h.AdminID)
			if err != nil {
				t.Fatal(err)
			}
			re := e.AppendRaw(nil, h.RouterHash, h.RouterIP, h.RouterGroup, h.Time, msg)
			// The collector hash field is taken as sent; everything else must round-trip.
			copy(re[22:38], h.CollectorHash[:])
			if !bytes.Equal(re, b[:n]) {
				t.Fatalf("round trip differs:\n%x\n%x", re, b[:n])
			}
		}
	})
}
