package bgp

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/bmpstream/bmpstream/internal/testutil"
)

// Fuzz targets. Seeds come from hand-built messages (always) and from the lab captures
// when they are present (read in place, never copied into the repository). Crashers that
// `go test -fuzz` finds land in testdata/fuzz/FuzzXxx/ and are replayed by plain
// `go test`.

// labPDUs returns up to max distinct BGP messages of type typ from the lab captures, or
// nil when the captures are absent (the fuzz targets must run without them, so this does
// not use testutil.TestdataDir, which skips).
func labPDUs(typ uint8, max int) [][]byte {
	dir := os.Getenv("BMP_TESTDATA")
	if dir == "" {
		dir = filepath.Join(testutil.RepoRoot(), "..", "shared", "testdata")
	}
	files, _ := filepath.Glob(filepath.Join(dir, "lab", "*.bmp"))
	seen := map[string]bool{}
	var out [][]byte
	for _, f := range files {
		stream, err := os.ReadFile(f)
		if err != nil {
			continue
		}
		msgs, _ := testutil.SplitBMP(stream)
		var all [][]byte
		for _, m := range msgs {
			if len(m) < bmpCommonLen+bmpPeerHdrLen {
				continue
			}
			body := m[bmpCommonLen+bmpPeerHdrLen:]
			switch m[5] {
			case bmpRM:
				all = append(all, body)
			case bmpPeerUp:
				if len(body) > 20 {
					if o1, rest, err := SplitMessage(body[20:]); err == nil {
						all = append(all, o1)
						if o2, _, err := SplitMessage(rest); err == nil {
							all = append(all, o2)
						}
					}
				}
			case bmpPeerDown:
				if len(body) > 1 {
					all = append(all, body[1:])
				}
			}
		}
		// Spread the picks over the whole stream (announcements, withdrawals, EoR...).
		step := 1
		if len(all) > max {
			step = len(all) / max
		}
		for i := 0; i < len(all); i += step {
			p := all[i]
			if len(p) < HeaderLen || p[18] != typ || seen[string(p)] {
				continue
			}
			seen[string(p)] = true
			out = append(out, bytes.Clone(p))
		}
	}
	return out
}

// handUpdates are hand-built UPDATE seeds covering every section and attribute.
func handUpdates() [][]byte {
	return [][]byte{
		updateMsg(nil, nil, nil),
		updateMsg(nil, typicalAttrs(), tenPrefixes()),
		updateMsg(cat(pfx("10.9.0.0/16")), cat(typicalAttrs(), aLocalPref(100), attr(0x40, AttrAtomicAggregate, nil),
			attr(0xc0, AttrAggregator, cat(u32(65000), addr("192.0.2.1"))), attr(0x80, AttrOriginatorID, addr("10.0.0.1")),
			attr(0x80, AttrClusterList, addr("10.0.0.2")), attr(0xc0, AttrExtCommunities, []byte{0, 2, 0, 1, 0, 0, 0, 1}),
			attr(0xc0, AttrLargeCommunity, make([]byte, 12)), attr(0xc0, AttrOTC, u32(1)), attr(0xc0, 99, []byte{1}),
			aMPUnreach(AFIIPv6, SAFIUnicast, pfx("2001:db8::/32")),
			aMPReach(AFIIPv6, SAFIUnicast, cat(addr("2001:db8::1"), addr("fe80::1")), pfx("2001:db8:1::/48"))), pfx("10.0.0.0/8")),
		updateMsg(nil, cat(aOrigin(0), aASPath(seg(ASSequence, 2, 65001, 23456)), aAS4Path(seg(ASSequence, 4, 4200000000)),
			attr(0xc0, AttrAggregator, cat(u16(23456), addr("192.0.2.1"))), attr(0xc0, AttrAS4Aggregator, cat(u32(4200000000), addr("192.0.2.1")))), pfx("10.0.0.0/8")),
		updateMsg(nil, aMPReach(AFIIPv4, SAFILabeled, addr("192.0.2.1"), pfxLabels("100.64.0.0/24", label(1, false), label(2, true))), nil),
		updateMsg(nil, aMPUnreach(AFIIPv4, SAFILabeled, pfxLabels("100.64.0.0/24", WithdrawLabel)), nil),
		updateMsg(nil, aMPUnreach(AFIIPv6, SAFIVPN, nil), nil),
		updateMsg(nil, aMPReach(AFIIPv6, SAFIUnicast, addr("2001:db8::1"), pfxID(7, "2001:db8::/56")), nil),
		updateMsg(pfxID(1, "10.0.0.0/24"), nil, pfxID(2, "10.0.1.0/24")),
		updateMsg(nil, aMPReach(AFIIPv4, SAFIVPN, cat(make([]byte, 8), addr("192.0.2.1")), []byte{0x70, 0, 6, 0x41, 0, 0, 0xfd, 0xe9, 0, 0, 0, 0, 0xac, 0x10, 0}), nil),
		updateMsg(nil, cat(append([][]byte{aOrigin(0)}, tlvAttrSeeds()...)...), pfx("10.0.0.0/8")),
	}
}

func checkPrefixes(t *testing.T, f Family, ps []Prefix, addPath bool) {
	t.Helper()
	k, ok := ipFamilyKind(f)
	if !ok {
		if len(ps) != 0 {
			t.Fatalf("%v: %d prefixes for a raw family", f, len(ps))
		}
		return
	}
	for _, p := range ps {
		if !p.Prefix.IsValid() || p.Prefix != p.Prefix.Masked() || p.Prefix.Bits() > k.maxBits || p.Prefix.Addr().Is4() != (k.maxBits == 32) {
			t.Fatalf("%v: invalid prefix %v", f, p.Prefix)
		}
		if p.HasPathID != addPath {
			t.Fatalf("%v: HasPathID %v, section AddPath %v", f, p.HasPathID, addPath)
		}
		if len(p.Labels) != len(p.RawLabels) || (len(p.Labels) > 0) != k.labelled {
			t.Fatalf("%v: labels %v raw %v", f, p.Labels, p.RawLabels)
		}
		for i, l := range p.Labels {
			if l != p.RawLabels[i]>>4 || l >= 1<<20 {
				t.Fatalf("%v: label %d raw %x", f, l, p.RawLabels[i])
			}
		}
	}
}

func fuzzOptions(sel byte) *DecodeOptions {
	o := &DecodeOptions{AS4: sel&1 != 0}
	for i, f := range []Family{FamilyIPv4Unicast, FamilyIPv6Unicast, famV4LU, famV6LU, famV4MC} {
		if sel&(2<<i) != 0 {
			o.AddPath = append(o.AddPath, f)
		}
	}
	return o
}

// FuzzParseUpdate: the first input byte selects the options (bit 0: 4-octet AS; bits
// 1-5: ADD-PATH for IPv4/IPv6 unicast, IPv4/IPv6 labelled, IPv4 multicast); the rest is
// the message.
func FuzzParseUpdate(f *testing.F) {
	for _, m := range handUpdates() {
		f.Add(append([]byte{1}, m...))
		f.Add(append([]byte{0x3e}, m...))
	}
	for _, m := range labPDUs(MsgUpdate, 150) {
		f.Add(append([]byte{1}, m...))
	}
	dirty := handUpdates()[2]
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) == 0 {
			return
		}
		opts := fuzzOptions(data[0])
		msg := data[1:]
		orig := bytes.Clone(msg)
		var fresh Update
		err := ParseUpdate(msg, opts, &fresh)
		if !bytes.Equal(msg, orig) {
			t.Fatal("ParseUpdate modified its input")
		}
		if err != nil {
			var e *Error
			if !errors.As(err, &e) || e.Offset < 0 || e.Offset > len(msg) || e.What == "" {
				t.Fatalf("bad error %#v", err)
			}
			return
		}
		// Update.AddPath describes the classic sections together; when one of them fell
		// back to the opposite setting, each section is still internally consistent.
		for _, ps := range [][]Prefix{fresh.Withdrawn, fresh.NLRI} {
			ap := fresh.AddPath
			if fresh.AddPathMismatch && len(ps) > 0 {
				ap = ps[0].HasPathID
			}
			checkPrefixes(t, FamilyIPv4Unicast, ps, ap)
		}
		for _, m := range fresh.MPReach {
			checkPrefixes(t, m.Family, m.Prefixes, m.AddPath)
		}
		for _, m := range fresh.MPUnreach {
			checkPrefixes(t, m.Family, m.Prefixes, m.AddPath)
		}
		if fresh.EndOfRIB && fresh.HasRoutes() {
			t.Fatal("End-of-RIB with routes")
		}
		// The same message into a reused Update gives the same decode.
		var reused Update
		if err := ParseUpdate(dirty, &DecodeOptions{AS4: true}, &reused); err != nil {
			t.Fatal(err)
		}
		if err := ParseUpdate(msg, opts, &reused); err != nil {
			t.Fatalf("reused Update: %v", err)
		}
		if a, b := summarizeUpdate(&fresh), summarizeUpdate(&reused); a != b {
			t.Fatalf("fresh and reused decodes differ:\n%s\n%s", a, b)
		}
	})
}

// FuzzNLRI: the first byte selects the family (low 3 bits modulo 5), the configured
// ADD-PATH setting (bit 3) and withdrawal (bit 4); the rest is one NLRI section.
func FuzzNLRI(f *testing.F) {
	fams := []Family{FamilyIPv4Unicast, FamilyIPv6Unicast, famV4LU, famV6LU, famV4MC}
	f.Add([]byte{0}, tenPrefixes())
	f.Add([]byte{1}, cat(pfx("2001:db8::/32"), pfx("::/0"), []byte{57, 0x20, 1, 0xd, 0xb8, 0, 0, 1, 0xff}))
	f.Add([]byte{2}, pfxLabels("100.64.0.0/24", label(1, false), label(2, true)))
	f.Add([]byte{2 | 16}, pfxLabels("100.64.0.0/24", WithdrawLabel))
	f.Add([]byte{3 | 8}, cat(u32(9), pfxLabels("2001:db8::/48", label(3, true))))
	f.Add([]byte{0 | 8}, cat(pfxID(1, "10.0.0.0/24"), pfxID(2, "10.0.1.0/24")))
	f.Add([]byte{1}, cat(pfxID(0xc8000001, "2001:db8::/56")))
	f.Add([]byte{0}, []byte{40, 1, 2, 3, 200})
	f.Fuzz(func(t *testing.T, sel []byte, b []byte) {
		if len(sel) == 0 {
			return
		}
		fam := fams[int(sel[0]&7)%len(fams)]
		addPath, withdraw := sel[0]&8 != 0, sel[0]&16 != 0
		k, _ := ipFamilyKind(fam)
		n1, l1, q1, e1 := scanIPNLRI(b, k, addPath, withdraw)
		n2, l2, q2, e2 := scanIPNLRI(b, k, !addPath, withdraw)
		var u Update
		ps, used, mismatch, err := u.ipSection(nil, b, 100, k, addPath, withdraw, sectionCtx{name: "fuzz"})
		switch {
		case err != nil:
			if e1.kind == nlriOK || e2.kind == nlriOK {
				t.Fatalf("error %v although a scan succeeded", err)
			}
			var e *Error
			if !errors.As(err, &e) || e.Offset < 100 || e.Offset > 100+len(b) {
				t.Fatalf("bad error %#v", err)
			}
			return
		case len(b) == 0:
			if len(ps) != 0 || mismatch {
				t.Fatal("empty section decoded to something")
			}
			return
		case e1.kind == nlriOK:
			if mismatch || used != addPath || len(ps) != n1 || len(u.labels) != l1 || u.LabelQuirks != q1 {
				t.Fatalf("configured setting: %d prefixes (scan %d), %d labels (scan %d), mismatch %v", len(ps), n1, len(u.labels), l1, mismatch)
			}
		default:
			if !mismatch || used == addPath || len(ps) != n2 || len(u.labels) != l2 || u.LabelQuirks != q2 {
				t.Fatalf("fallback: %d prefixes (scan %d), %d labels (scan %d), mismatch %v", len(ps), n2, len(u.labels), l2, mismatch)
			}
		}
		checkPrefixes(t, fam, ps, used)
	})
}

func FuzzParseOpen(f *testing.F) {
	f.Add(openMsg(65000, 180, [4]byte{127, 0, 0, 1}, capParam(mpCap(1, 1)), capParam(capab(CapFourOctetAS, 0, 0, 0xfd, 0xe8)),
		capParam(capab(CapAddPath, 0, 1, 1, 3), capab(CapGracefulRestart, 0xc0, 0x78, 0, 1, 1, 0x80),
			capab(CapFQDN, 2, 'v', 'm', 0), capab(CapExtendedNextHop, 0, 1, 0, 1, 0, 2), capab(CapRouteRefresh), capab(200, 1))))
	f.Add(openMsgExt(1, 90, [4]byte{1, 2, 3, 4}, extParam(OptParamCapabilities, mpCap(2, 1)), extParam(1, []byte{7})))
	f.Add(openMsg(1, 90, [4]byte{1, 1, 1, 1}))
	for _, m := range labPDUs(MsgOpen, 10) {
		f.Add(m)
	}
	f.Fuzz(func(t *testing.T, msg []byte) {
		o, err := ParseOpen(msg)
		if err != nil {
			var e *Error
			if o != nil || !errors.As(err, &e) || e.Offset < 0 || e.Offset > len(msg) {
				t.Fatalf("bad error %#v / %v", err, o)
			}
			return
		}
		total := 0
		for _, c := range o.Caps {
			total += 2 + len(c.Value)
			_ = CapabilityName(c.Code)
		}
		if total > len(msg)-29 {
			t.Fatalf("capabilities take %d bytes of a %d-byte message", total, len(msg))
		}
		if o.HasAS4 && o.AS() != o.AS4 || !o.HasAS4 && o.AS() != uint32(o.MyAS) {
			t.Fatal("AS()")
		}
		for _, f := range AddPathFamilies(o, o) {
			if !canSend(o.AddPathMode(f)) || !canReceive(o.AddPathMode(f)) {
				t.Fatalf("AddPathFamilies(o, o) returned %v with mode %d", f, o.AddPathMode(f))
			}
		}
	})
}

func FuzzParseNotification(f *testing.F) {
	f.Add(bgpMsg(MsgNotification, []byte{6, 2, 5, 'h', 'e', 'l', 'l', 'o'}))
	f.Add(bgpMsg(MsgNotification, []byte{6, 4, 200, 'x'}))
	f.Add(bgpMsg(MsgNotification, []byte{3, 11, 1, 2, 3}))
	for _, m := range labPDUs(MsgNotification, 10) {
		f.Add(m)
	}
	f.Fuzz(func(t *testing.T, msg []byte) {
		n, err := ParseNotification(msg)
		if err != nil {
			if n != nil {
				t.Fatal("Notification with an error")
			}
			return
		}
		if len(n.Data) != len(msg)-21 {
			t.Fatalf("data %d bytes of a %d-byte message", len(n.Data), len(msg))
		}
		_ = NotificationCodeName(n.Code) + NotificationSubcodeName(n.Code, n.Subcode)
		if s, ok := n.ShutdownMessage(); ok && (len(s) == 0 || len(s) > MaxShutdownCommunicationLen || len(s) > len(n.Data)-1) {
			t.Fatalf("shutdown message %q", s)
		}
	})
}
