package bgp

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/bmpstream/bmpstream/internal/capture"
	"github.com/bmpstream/bmpstream/internal/testutil"
	"github.com/bmpstream/bmpstream/pkg/bmp"
)

// realAttrs is what TestRealCaptureAttributes collects from one capture file.
type realAttrs struct {
	updates   int // UPDATEs decoded by ParseUpdate
	otherErrs int // UPDATEs ParseUpdate rejects for reasons outside these attributes
	pmsi      int
	aigp      int
	psid      int
	v6ext     int
	malformed int
	// ext counts the extended community forms by their prefix ("rt", "unknown"…).
	ext map[string]int
	// firsts holds the first rendering of each attribute kind.
	firsts map[string]string
	// exts and psids are the sets of extended community strings and Prefix-SIDs seen.
	exts, psids map[string]bool
}

func (r *realAttrs) first(k, v string) {
	if _, ok := r.firsts[k]; !ok {
		r.firsts[k] = v
	}
}

// walkAttrs decodes the new attributes of one UPDATE PDU directly from its attribute
// block, whatever ParseUpdate thinks of the rest of the message, and returns the errors.
func walkAttrs(pdu []byte) []error {
	var errs []error
	if len(pdu) < 23 {
		return nil
	}
	wl := int(binary.BigEndian.Uint16(pdu[19:]))
	if 21+wl+2 > len(pdu) {
		return nil
	}
	al := int(binary.BigEndian.Uint16(pdu[21+wl:]))
	b := pdu[23+wl:]
	if al > len(b) {
		return nil
	}
	b = b[:al]
	for len(b) >= 3 {
		flags, typ := b[0], b[1]
		h, l := 3, int(b[2])
		if flags&AttrFlagExtendedLength != 0 {
			if len(b) < 4 {
				break
			}
			h, l = 4, int(binary.BigEndian.Uint16(b[2:]))
		}
		if h+l > len(b) {
			break
		}
		v := b[h : h+l]
		b = b[h+l:]
		var err error
		switch typ {
		case AttrPMSITunnel:
			_, err = DecodePMSITunnel(v)
		case AttrAIGP:
			_, err = DecodeAIGP(v, nil)
		case AttrPrefixSID:
			var p PrefixSID
			err = DecodePrefixSID(v, &p)
		case AttrIPv6ExtCommunity:
			if len(v)%IPv6ExtCommunityLen != 0 {
				err = fmt.Errorf("IPv6 extended communities: length %d", len(v))
			}
		case AttrExtCommunities:
			if len(v)%8 != 0 {
				err = fmt.Errorf("extended communities: length %d", len(v))
			}
		}
		if err != nil {
			errs = append(errs, err)
		}
	}
	return errs
}

func (r *realAttrs) update(t *testing.T, name string, pdu []byte, as4 bool) {
	for _, err := range walkAttrs(pdu) {
		t.Errorf("%s: %v", name, err)
	}
	var u Update
	err := ParseUpdate(pdu, &DecodeOptions{AS4: as4}, &u)
	if err != nil {
		err = ParseUpdate(pdu, &DecodeOptions{AS4: !as4}, &u) // AS width guessed wrong
	}
	if err != nil {
		for _, l := range []string{"PMSI_TUNNEL", "AIGP", "BGP Prefix-SID", "IPv6 Address Specific", "EXTENDED COMMUNITIES"} {
			if strings.Contains(err.Error(), l) {
				t.Errorf("%s: %v", name, err)
			}
		}
		r.otherErrs++
		return
	}
	r.updates++
	a := &u.Attrs
	for _, m := range a.Malformed {
		t.Errorf("%s: malformed %v", name, m.Err)
	}
	r.malformed += len(a.Malformed)
	if a.PMSITunnel != nil {
		r.pmsi++
		r.first("pmsi", a.PMSITunnel.String())
	}
	if a.AIGP != nil {
		r.aigp++
		m, ok := a.AIGP.Metric()
		r.first("aigp", fmt.Sprintf("%s metric=%d/%v", tlvHex(a.AIGP.TLVs), m, ok))
	}
	if a.PrefixSID != nil {
		r.psid++
		r.first("psid", prefixSIDString(a.PrefixSID))
		r.psids[prefixSIDString(a.PrefixSID)] = true
	}
	for _, c := range a.IPv6ExtCommunities {
		r.v6ext++
		r.first("v6ext", IPv6ExtCommunityString(c))
	}
	for _, c := range a.ExtCommunities {
		s := ExtCommunityString(c)
		kind := s[:strings.IndexByte(s, '=')]
		r.ext[kind]++
		r.first("ext "+kind, s)
		r.exts[s] = true
	}
}

// TestRealCaptureAttributes decodes every UPDATE of every capture (BMP Route Monitoring,
// and the BGP sessions of the captures that hold no BMP) and checks that PMSI_TUNNEL,
// AIGP, BGP Prefix-SID, IPv6 and plain extended communities all decode, with some values
// checked by hand against the bytes.
func TestRealCaptureAttributes(t *testing.T) {
	dir := testutil.TestdataDir(t)
	files, err := capture.Discover(dir)
	if err != nil {
		t.Fatal(err)
	}
	bins, _ := filepath.Glob(filepath.Join(dir, "public", "*", "*.bin"))
	files = append(files, bins...)
	got := map[string]*realAttrs{}
	total := &realAttrs{ext: map[string]int{}, firsts: map[string]string{}}
	for _, f := range files {
		rel, _ := filepath.Rel(dir, f)
		r := &realAttrs{ext: map[string]int{}, firsts: map[string]string{}, exts: map[string]bool{}, psids: map[string]bool{}}
		streams, err := capture.ReadFile(f, capture.Options{})
		if err != nil {
			if strings.HasSuffix(f, ".bin") { // OpenBMP-framed samples are not raw BMP
				continue
			}
			t.Fatalf("%s: %v", rel, err)
		}
		var m bmp.Message
		for _, st := range streams {
			msgs, _ := testutil.SplitBMP(st.Data)
			for _, raw := range msgs {
				if raw[5] != bmp.MsgRouteMonitoring || m.Decode(raw) != nil {
					continue
				}
				h := &m.Peer
				r.update(t, rel, m.RouteMonitoring.Update, h.Type == bmp.PeerTypeLocRIB || !h.IsAS2())
			}
		}
		if len(streams) == 0 { // plain BGP captures: the direction towards port 179
			bgpStreams, err := capture.ReadFile(f, capture.Options{Ports: []uint16{179}})
			if err != nil {
				t.Fatalf("%s: %v", rel, err)
			}
			for _, st := range bgpStreams {
				for data := st.Data; len(data) >= HeaderLen && bytes.Equal(data[:16], bytes.Repeat([]byte{0xff}, 16)); {
					pdu, rest, err := SplitMessage(data)
					if err != nil {
						break
					}
					if pdu[18] == MsgUpdate {
						r.update(t, rel+" (BGP)", pdu, true)
					}
					data = rest
				}
			}
		}
		if r.updates+r.otherErrs > 0 {
			got[rel] = r
		}
		total.updates += r.updates
		total.otherErrs += r.otherErrs
		total.pmsi += r.pmsi
		total.aigp += r.aigp
		total.psid += r.psid
		total.v6ext += r.v6ext
		for k, v := range r.ext {
			total.ext[k] += v
		}
	}
	var names []string
	for n := range got {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		r := got[n]
		t.Logf("%s: updates=%d other-errors=%d pmsi=%d aigp=%d psid=%d v6ext=%d ext=%v", n, r.updates, r.otherErrs, r.pmsi, r.aigp, r.psid, r.v6ext, r.ext)
		var ks []string
		for k := range r.firsts {
			ks = append(ks, k)
		}
		sort.Strings(ks)
		for _, k := range ks {
			t.Logf("    %s: %s", k, r.firsts[k])
		}
	}
	t.Logf("total: updates=%d other-errors=%d pmsi=%d aigp=%d psid=%d v6ext=%d ext=%v", total.updates, total.otherErrs, total.pmsi, total.aigp, total.psid, total.v6ext, total.ext)

	// Totals over every capture: no UPDATE is rejected and no attribute is malformed.
	if total.updates != 43385 || total.otherErrs != 0 || total.pmsi != 80 || total.aigp != 2 || total.psid != 425 || total.v6ext != 0 ||
		fmt.Sprint(total.ext) != "map[l2attr:2 ro:580 rt:9955 unknown:8]" {
		t.Errorf("totals changed: %+v", *total)
	}
	for _, w := range realAttrWants {
		r := got[w.file]
		if r == nil {
			t.Errorf("%s: no UPDATEs", w.file)
			continue
		}
		if c := fmt.Sprintf("%d %d %d %d %v", r.updates, r.pmsi, r.aigp, r.psid, r.ext); c != w.counts {
			t.Errorf("%s: updates pmsi aigp psid ext = %s, want %s", w.file, c, w.counts)
		}
		for k, v := range w.firsts {
			if r.firsts[k] != v {
				t.Errorf("%s: first %s = %q, want %q", w.file, k, r.firsts[k], v)
			}
		}
		for _, e := range w.exts {
			if !r.exts[e] {
				t.Errorf("%s: extended community %q not seen", w.file, e)
			}
		}
		for _, p := range w.psids {
			if !r.psids[p] {
				t.Errorf("%s: Prefix-SID %q not seen", w.file, p)
			}
		}
	}
}

// realAttrWants were checked by hand against the attribute bytes.
var realAttrWants = []struct {
	file   string
	counts string // updates pmsi aigp psid ext-forms
	firsts map[string]string
	exts   []string
	psids  []string
}{
	// GoBGP 3.10 and FRR 8.4 EVPN IMET routes: 00 06 002713 7f000002, ingress replication
	// to 127.0.0.2, VXLAN VNI 10003 in the whole label field.
	{"lab/gobgp310deb-mixed.bmp", "13488 24 0 0 map[rt:2081]",
		map[string]string{"pmsi": "flags=0 type=6 label=625/0x002713 id=127.0.0.2", "ext rt": "rt=65001:0"}, nil, nil},
	{"lab/frr84-mixed.pcap", "5760 16 0 0 map[rt:1416]",
		map[string]string{"pmsi": "flags=0 type=6 label=625/0x002714 id=127.0.0.2"}, []string{"rt=65001:5"}, nil},
	// Cisco IOS XR EVPN and SRv6 L3VPN: EVPN layer 2 attributes (RFC 8214) 0604 0002 0000
	// 0000, SRv6 L3 service with SID fcba:be00:3002::, behavior 63, structure 32/16/16/0
	// transposing 16 bits at offset 48.
	{"public/NetGauze_NetGauze/bmp__evpn__evpn.pcap", "143 0 0 6 map[l2attr:2 ro:114 rt:138]",
		map[string]string{"psid": "l3[sid(fcba:be00:3002::,f=0,b=63)[st(32,16,16,0,16,48)]]", "ext l2attr": "l2attr=2:0"},
		[]string{"rt=64497:41", "ro=64497:91"}, nil},
	{"public/NetGauze_NetGauze/pcap-reader__data__bmp.pcapng", "3 0 0 2 map[rt:2]",
		map[string]string{"psid": "l3[sid(fc00:0:0:3::,f=0,b=19)[st(40,24,16,0,16,64)]]"}, nil, nil},
	// FRR UPA (draft-krierhorn-idr-upa): transitive opaque sub-type 0x09, not registered.
	{"public/NetGauze_NetGauze/bmp__unreachable-prefix-announcement__upa.pcap", "34 0 0 0 map[unknown:4]",
		nil, []string{"unknown=0x03:0x09:0x800001010101"}, nil},
	// AIGP TLV with metric 0 (01 000b 0000000000000000), on the IPv4 labelled unicast
	// route 203.0.113.90/32 that also has a Label-Index TLV (index 90, RFC 8669).
	{"public/network-analytics_traffic-reproducer/pcaps__ipfix-bmp-scenario-PART2-bmp-route-monitoring-updates.pcap", "732 0 1 105 map[rt:666]",
		map[string]string{"aigp": "[{1 0000000000000000}] metric=0/true", "psid": "l3[sid(2001:db8:91::,f=0,b=63)[st(32,16,16,0,16,48)]]"}, nil,
		[]string{"li(f=0,i=90)"}},
	{"public/pmacct_pmacct/204-BMP-CISCO-peer_down__traffic-00.pcap", "301 0 1 37 map[rt:252]",
		map[string]string{"aigp": "[{1 0000000000000000}] metric=0/true", "psid": "l3[sid(2001:db8:91::,f=0,b=62)[st(32,16,16,0,16,48)]]"}, nil,
		[]string{"li(f=0,i=90)"}},
	// Plain BGP: 4-octet AS route target 0202 fa580846 2b01, and the deprecated OSPF
	// route type / router id communities of the generic transitive type (0x80 0x00/0x01).
	{"public/pmacct_pmacct/302-BGP-IPv6-multiple-sources__traffic-01.pcap", "26 0 0 0 map[rt:77 unknown:4]", nil,
		[]string{"rt=4200073286:11009", "unknown=0x80:0x00:0x000000000100", "unknown=0x80:0x01:0xd503e2b10000"}, nil},
	{"public/pmacct_pmacct/300-BGP-IPv6-CISCO-extNH_enc__traffic-00.pcap", "45 0 0 43 map[rt:43]",
		map[string]string{"psid": "l3[sid(fd7c:3f00:301::,f=0,b=63)[st(32,16,16,0,16,48)]]", "ext rt": "rt=64969:4008"}, nil, nil},
}
