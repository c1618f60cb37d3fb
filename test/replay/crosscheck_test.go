package replay

import (
	"fmt"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
)

// quantity is one number compared between an independent source and bmpstream.
type quantity struct {
	source string // "provenance", "oracle", "lab-tshark", "hand"
	key    string
	want   uint64 // the independent source's number
	got    uint64 // bmpstream's
}

// knownDifference is a justified disagreement between a source and bmpstream, for one
// capture and one quantity. Both numbers must match exactly for the entry to apply.
type knownDifference struct {
	capture, source, key string
	want, got            uint64
	why                  string
}

const (
	// FRR 8.4 with "bmp mirror": tshark also counts the MP_REACH attributes inside the
	// BGP UPDATEs carried by the 244 Route Mirroring messages (20 VPNv4, 20 EVPN, 100
	// IPv6 unicast, checked byte by byte); bmpstream emits a route_mirror record for those
	// and no route records. The oracle, which skips mirrored messages, agrees with
	// bmpstream (40 VPNv4 and 60 EVPN MP_REACH in Route Monitoring). EVPN, decoded per
	// route, is compared with the oracle's route counts and no longer per attribute.
	whyMirror = "tshark counts MP_REACH inside Route Mirroring messages too; bmpstream only in Route Monitoring"
	// tshark 4.0 stops decoding the statistics of the gobgp vector after the unknown type
	// 32767 ("flags the rest malformed"); the report holds 17 counters, the last 7 of the
	// non-IANA types 32768..32774, which bmpstream keeps as unknown_stats.
	whyTsharkStats = "tshark 4.0 stops at the unknown stat type 32767; the report carries 32768..32774 too"
)

// knownDifferences lists every accepted disagreement. An entry that no longer applies is
// an error too, so the table stays exact.
var knownDifferences = append([]knownDifference{}, tsharkStatTypes()...)

func tsharkStatTypes() []knownDifference {
	var out []knownDifference
	for typ := 32768; typ <= 32774; typ++ {
		out = append(out, knownDifference{"public/osrg_gobgp/bmp_test_go__Test_RouteMonitoringUnknownType.bin",
			"provenance", fmt.Sprintf("stat type %d seen", typ), 0, 1, whyTsharkStats})
	}
	return out
}

// expectedDecodeErrors: valid input decodes without error; these are the exceptions.
var expectedDecodeErrors = map[string]map[string]uint64{}

// expectedASWidthMismatches: two Route Monitoring messages of the 6WIND/FRR 8.0.1 router
// (pmacct 205, and the same two in its subset 206: messages 199, Loc-RIB, and 200, global
// post-policy of peer 0.0.0.0) carry a locally originated VPNv4 route whose AS_PATH is
// encoded with 2-byte AS numbers ("02 01 fde8": AS_SEQUENCE of one AS, 65000, at BMP
// offset 79) although the per-peer header has no A flag (RFC 7854: 4-byte). This is the
// "invalid BMP data" of the old FRR bug the pmacct test mentions. bmpstream accepts the
// path with the other width (it decodes cleanly and completely that way), counts it and
// logs it once per peer: the routes are not lost. TestFRRTwoOctetASPath pins them.
var expectedASWidthMismatches = map[string]uint64{
	"public/pmacct_pmacct/205-BMP-6wind-FRR-peer_down__traffic-00.pcap": 2,
	"public/pmacct_pmacct/206-BMP-high-availability__traffic-00.pcap":   2,
}

// handDecoded holds counts decoded by hand from the bytes for captures no other source
// decodes (BMPv4, which tshark 4.0 and the oracle do not read). Keys are view keys.
var handDecoded = map[string]map[string]uint64{
	// BMPv4, 21 Route Monitoring messages: 12 carry IPv4 unicast NLRI (15 prefixes, with
	// ADD-PATH path-id 0 where negotiated: Loc-RIB 2+1, global pre 2, Adj-RIB-Out pre 1
	// +1+1+1, post 2, Adj-RIB-Out post 1+1+1+1) and 9 are legacy End-of-RIB (empty
	// UPDATE, bytes ...00170200000000).
	"public/NetGauze_NetGauze/bmp__stateless-with-add-path__ipv4_unicast_all.pcap": {
		"loc-rib/filtered unicast_prefix/v4/add": 3, "loc-rib/filtered unicast_prefix/v4/eor-add": 1,
		"global/pre unicast_prefix/v4/add": 2, "global/pre unicast_prefix/v4/eor-add": 2,
		"global/out-pre unicast_prefix/v4/add": 4, "global/out-pre unicast_prefix/v4/eor-add": 2,
		"global/post unicast_prefix/v4/add": 2, "global/post unicast_prefix/v4/eor-add": 2,
		"global/out-post unicast_prefix/v4/add": 4, "global/out-post unicast_prefix/v4/eor-add": 2,
	},
	// BMPv4, 15 Route Monitoring messages, no Peer Up: each carries one VPNv4 route
	// (102.0.0.1/32 with RD 101:1, path-id 0..3 as the Stateless Parsing TLV "45 04 0001
	// 80 03" declares ADD-PATH for 1/128; the Loc-RIB message has no TLV and no path-id):
	// MP_REACH in global pre (messages 0, 2), post (1, 3), Adj-RIB-Out pre (4, 8) and post
	// (12, 13), Loc-RIB (14); MP_UNREACH with path-ids 1, 2, 3 twice in Adj-RIB-Out pre
	// (5-7, 9-11), label field 0xfffff1 as sent.
	"public/NetGauze_NetGauze/bmp__vpnv4-stateless-with-withdraw__vpnv4-stateless-with-withdraw.pcap": {
		"global/pre l3vpn/v4/add": 2, "global/post l3vpn/v4/add": 2, "global/out-pre l3vpn/v4/add": 2,
		"global/out-pre l3vpn/v4/del": 6, "global/out-post l3vpn/v4/add": 2, "loc-rib/filtered l3vpn/v4/add": 1,
	},
	// BMPv4: Loc-RIB (F flag) Route Monitoring with 2 and 1 IPv4 prefixes, then an
	// End-of-RIB (empty UPDATE).
	"public/NetGauze_NetGauze/bmp__path-status__ipv4_unicast_path_marking.pcap": {
		"loc-rib/filtered unicast_prefix/v4/add": 3, "loc-rib/filtered unicast_prefix/v4/eor-add": 1,
	},
}

// TestCrossCheck verifies the live summaries (equal to the golden files, see
// TestReplayGolden) against the independent sources.
func TestCrossCheck(t *testing.T) {
	root, rels := capturePaths(t)
	prov := parseProvenance(t, root)
	used := map[int]bool{}
	for _, rel := range rels {
		t.Run(strings.ReplaceAll(rel, "/", "__"), func(t *testing.T) {
			s := summaryOf(t, root, rel)
			if t.Failed() {
				return
			}
			crossCheck(t, root, rel, s, prov, used)
		})
	}
	if !t.Failed() {
		for i, d := range knownDifferences {
			if !used[i] {
				t.Errorf("known difference no longer seen, remove it: %+v", d)
			}
		}
	}
}

// crossCheck compares one capture's summary with every independent source that covers
// it; used collects the known differences that applied.
func crossCheck(t *testing.T, root, rel string, s *captureSummary, prov map[string]*provEntry, used map[int]bool) {
	t.Helper()
	var qs []quantity
	checked := 0
	if p, ok := prov[rel]; ok {
		qs = append(qs, provenanceQuantities(s, p)...)
		checked++
	}
	if o, files := oracleStats(t, root, rel); o != nil {
		qs = append(qs, oracleQuantities(t, s, o, "oracle")...)
		t.Logf("oracle: %d stream files", len(files))
		checked++
	}
	if strings.HasPrefix(rel, "lab/") {
		base := strings.TrimSuffix(filepath.Base(rel), filepath.Ext(rel))
		ls := parseLabSummary(t, filepath.Join(root, "lab", base+".summary.txt"))
		qs = append(qs, labQuantities(s, ls)...)
		qs = append(qs, oracleQuantities(t, s, ls.Oracle, "lab-summary")...)
		checked++
	}
	if h, ok := handDecoded[rel]; ok {
		for _, k := range union(h, routeViews(s)) {
			qs = append(qs, quantity{"hand", k, h[k], routeViews(s)[k]})
		}
		checked++
	}
	if checked == 0 && len(s.Sessions) > 0 {
		t.Errorf("no independent source for %s", rel)
	}
	// Decode errors: none on valid input, exactly the known ones elsewhere.
	want := expectedDecodeErrors[rel]
	for _, k := range union(want, s.Totals.DecodeErrors) {
		qs = append(qs, quantity{"expected", "decode errors " + k, want[k], s.Totals.DecodeErrors[k]})
	}
	// ADD-PATH: no capture needs the fallback to the opposite setting.
	qs = append(qs, quantity{"expected", "add-path mismatches", 0, s.Totals.AddPathMismatches})
	qs = append(qs, quantity{"expected", "as-width mismatches", expectedASWidthMismatches[rel], s.Totals.ASWidthMismatches})
	nonZero := 0
	for _, q := range qs {
		if q.want != 0 {
			nonZero++
		}
		if q.want == q.got {
			continue
		}
		if i, ok := findKnown(rel, q); ok {
			if used != nil {
				used[i] = true
			}
			t.Logf("known difference (%s) %s: source %d, bmpstream %d: %s", q.source, q.key, q.want, q.got, knownDifferences[i].why)
			continue
		}
		t.Errorf("%s %q: source says %d, bmpstream %d", q.source, q.key, q.want, q.got)
	}
	t.Logf("%d quantities compared, %d of them non-zero in the sources", len(qs), nonZero)
}

func findKnown(rel string, q quantity) (int, bool) {
	for i, d := range knownDifferences {
		if d.capture == rel && d.source == q.source && d.key == q.key && d.want == q.want && d.got == q.got {
			return i, true
		}
	}
	return 0, false
}

func union(a, b map[string]uint64) []string {
	set := map[string]bool{}
	for k := range a {
		set[k] = true
	}
	for k := range b {
		set[k] = true
	}
	out := make([]string, 0, len(set))
	for k := range set {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func routeViews(s *captureSummary) map[string]uint64 {
	if s.Totals.Views == nil {
		return map[string]uint64{}
	}
	return s.Totals.Views
}

// ipFamilies maps "afi/safi" of the families bmpstream decodes into one record per route
// (prefix records, and the VPN families: l3vpn, rtc, mvpn, vpls) to the family part of
// the record key. Their MP_REACH/MP_UNREACH attributes are not compared one to one with
// records; the oracle's per-prefix counts are (l3vpn: vpnv4/vpnv6, rtc: rt-constraint).
var ipFamilies = map[string]string{"1/1": "v4", "2/1": "v6", "1/4": "v4-labeled", "2/4": "v6-labeled", "1/2": "v4", "2/2": "v6",
	"1/128": "v4", "2/128": "v6", "1/132": "v4", "1/5": "v4", "2/5": "v6", "1/129": "v4-129", "2/129": "v6-129", "25/65": "l2vpn"}

// unknownFamilyKey is the unknown_nlri family name of "afi/safi".
func unknownFamilyKey(afiSafi string) string {
	var afi, safi uint16
	fmt.Sscanf(afiSafi, "%d/%d", &afi, &safi)
	if n, ok := familyNames[[2]uint16{afi, safi}]; ok {
		return n
	}
	return fmt.Sprintf("afi%d-safi%d", afi, safi)
}

// provenanceQuantities: sessions, messages per type, torn streams, Peer Down reasons,
// statistics types, MP_REACH/MP_UNREACH attributes of the families emitted as one
// unknown_nlri record per attribute, and classic IPv4 prefixes where they are the only
// IPv4 unicast routes.
func provenanceQuantities(s *captureSummary, p *provEntry) []quantity {
	src := "provenance"
	qs := []quantity{{src, "sessions", uint64(p.Sessions), uint64(len(s.Sessions))}}
	if p.Messages == nil && p.MPReach == nil && p.MPUnreach == nil {
		return qs
	}
	if p.Messages == nil {
		// Not a BMP capture (plain BGP, IPFIX): its families are BGP's, and no BMP
		// session may come out of it.
		return append(qs, quantity{src, "records", 0, uint64(len(s.Totals.Records))})
	}
	for _, k := range union(p.Messages, s.Totals.Messages) {
		qs = append(qs, quantity{src, "messages " + k, p.Messages[k], s.Totals.Messages[k]})
	}
	if p.Walk {
		qs = append(qs, quantity{src, "torn sessions", uint64(p.Torn), uint64(s.Totals.TornSessions)})
	}
	if p.PeerDownReasons != nil {
		for _, k := range union(p.PeerDownReasons, s.Totals.PeerDownReasons) {
			qs = append(qs, quantity{src, "peer down reason " + k, p.PeerDownReasons[k], s.Totals.PeerDownReasons[k]})
		}
	}
	if p.StatTypes != nil {
		// The statistics types seen (as tshark 4.0 decoded them).
		seen := map[string]uint64{}
		for _, k := range p.StatTypes {
			seen[k] = 1
		}
		for _, k := range union(seen, s.Totals.StatTypes) {
			qs = append(qs, quantity{src, "stat type " + k + " seen", seen[k], min(s.Totals.StatTypes[k], 1)})
		}
	}
	qs = append(qs, familyQuantities(src, s, p.MPReach, p.MPUnreach)...)
	// Classic IPv4 prefixes are the only IPv4 unicast routes when no MP_REACH/MP_UNREACH
	// carries 1/1.
	if p.Classic != nil {
		var add, del uint64
		for k, n := range s.Totals.Views {
			_, rk, _ := strings.Cut(k, " ")
			switch rk {
			case "unicast_prefix/v4/add":
				add += n
			case "unicast_prefix/v4/del":
				del += n
			}
		}
		if p.MPReach["1/1"] == 0 {
			qs = append(qs, quantity{src, "classic IPv4 NLRI prefixes", p.Classic[0], add})
		}
		if p.MPUnreach["1/1"] == 0 {
			qs = append(qs, quantity{src, "classic IPv4 withdrawn prefixes", p.Classic[1], del})
		}
	}
	return qs
}

// routeFamilies are the non-IP families decoded into one record per route: their
// MP_REACH / MP_UNREACH attribute counts are not record counts (the oracle's per-view route
// counts are compared instead, see oracleQuantities).
var routeFamilies = map[string]bool{"25/70": true}

// familyQuantities compares MP_REACH / MP_UNREACH attribute counts per "afi/safi" with
// the unknown_nlri records of the families emitted as one record per attribute (the IP
// prefix families and routeFamilies give one record per route and are compared elsewhere).
func familyQuantities(src string, s *captureSummary, mpReach, mpUnreach map[string]uint64) []quantity {
	var qs []quantity
	for _, reach := range []bool{true, false} {
		m, name := mpReach, "MP_REACH "
		if !reach {
			m, name = mpUnreach, "MP_UNREACH "
		}
		for fam, n := range m {
			if _, ip := ipFamilies[fam]; ip || routeFamilies[fam] {
				continue
			}
			uk := "unknown_nlri/" + unknownFamilyKey(fam) + "/"
			var got uint64
			if reach {
				got = s.Totals.Records[uk+"add"] + s.Totals.Records[uk+"eor-add"]
			} else {
				got = s.Totals.Records[uk+"del"] + s.Totals.Records[uk+"eor-del"]
			}
			qs = append(qs, quantity{src, name + fam, n, got})
		}
	}
	return qs
}

// oracleMessageNames maps the oracle's "msg <Type>" to the collector's counter names.
var oracleMessageNames = map[string]string{
	"RouteMonitoring": "route_monitoring", "StatisticsReport": "statistics_report",
	"PeerDown": "peer_down", "PeerUp": "peer_up", "Initiation": "initiation",
	"Termination": "termination", "RouteMirroring": "route_mirroring",
}

// oracleFamilies maps the oracle's family names to bmpstream's record type and family.
var oracleFamilies = map[string][2]string{
	"ipv4-unicast": {"unicast_prefix", "v4"}, "ipv6-unicast": {"unicast_prefix", "v6"},
	"ipv4-labeled-unicast": {"unicast_prefix", "v4-labeled"}, "ipv6-labeled-unicast": {"unicast_prefix", "v6-labeled"},
	"ipv4-multicast": {"multicast_prefix", "v4"}, "ipv6-multicast": {"multicast_prefix", "v6"},
	"vpnv4": {"l3vpn", "v4"}, "vpnv6": {"l3vpn", "v6"}, "l2vpn-evpn": {"evpn", "evpn"},
	"bgp-ls": {"unknown_nlri", "bgp-ls"}, "ipv4-flowspec": {"unknown_nlri", "flowspec-v4"}, "rt-constraint": {"rtc", "v4"},
}

var (
	oracleRM       = regexp.MustCompile(`^RM (.*?) (\S+) (announce|withdraw|EoR) (msgs|prefixes)$`)
	oracleOtherFam = regexp.MustCompile(`^afi(\d+)/safi(\d+)$`)
	oracleStatType = regexp.MustCompile(`^stat-type (\d+) \(len \d+\)$`)
	oraclePDReason = regexp.MustCompile(`^PeerDown reason (\d+)$`)
)

// oracleView maps the oracle's peer view ("global pre", "global V6/L(post)", "loc-rib ",
// "loc-rib F(filtered)", "rd-instance V6/pre", "global pre/O(adj-rib-out)") to viewOf's.
func oracleView(v string) string {
	f := strings.Fields(v)
	flags := map[string]bool{}
	if len(f) > 1 {
		for _, x := range strings.Split(f[1], "/") {
			flags[x] = true
		}
	}
	pt := f[0]
	switch pt {
	case "loc-rib":
		if flags["F(filtered)"] {
			return "loc-rib/filtered"
		}
		return "loc-rib"
	case "rd-instance":
		pt = "rd"
	}
	view := "pre"
	if flags["L(post)"] {
		view = "post"
	}
	if flags["O(adj-rib-out)"] {
		view = "out-" + view
	}
	return pt + "/" + view
}

// oracleQuantities compares the oracle's decode (summed over the capture's streams):
// message counts, the torn trailing message, Peer Down reasons, statistics types, and per
// RIB view and family:
//   - IP prefix families and EVPN: announced and withdrawn prefixes (routes) = add and del
//     records (for EVPN summed over the route types), and End-of-RIB messages =
//     End-of-RIB records (labelled families' EoR carry no label, so they are compared
//     with the unlabelled family's);
//   - the VPN families the oracle counts per prefix (vpnv4, vpnv6 as l3vpn records,
//     rt-constraint as rtc): announced / withdrawn prefixes and End-of-RIB messages, as
//     for the IP prefix families;
//   - other families (one unknown_nlri record per MP_REACH/MP_UNREACH attribute today):
//     announce / withdraw / EoR messages = add / del / empty-del records.
func oracleQuantities(t *testing.T, s *captureSummary, o map[string]uint64, src string) []quantity {
	t.Helper()
	want := map[string]uint64{}
	for k, n := range o {
		switch {
		case strings.HasPrefix(k, "msg "):
			name, ok := oracleMessageNames[strings.TrimPrefix(k, "msg ")]
			if !ok {
				name = "other"
			}
			want["messages "+name] += n
		case k == "truncated trailing message":
			want["torn sessions"] += n
		case strings.HasPrefix(k, "ERROR "):
			// BMPv4 files: the oracle stops at the version byte; nothing to compare.
			return nil
		}
		if m := oraclePDReason.FindStringSubmatch(k); m != nil {
			want["peer down reason "+m[1]] += n
		}
		if m := oracleStatType.FindStringSubmatch(k); m != nil {
			want["stat type "+m[1]] += n
		}
		m := oracleRM.FindStringSubmatch(k)
		if m == nil {
			if strings.Contains(k, "UNPARSEABLE") || strings.Contains(k, "ADD-PATH") {
				want[k] += n // no bmpstream counterpart: always reported
			}
			continue
		}
		view, famName, what, unit := oracleView(m[1]), m[2], m[3], m[4]
		fam, ok := oracleFamilies[famName]
		if !ok {
			if mm := oracleOtherFam.FindStringSubmatch(famName); mm != nil {
				fam = [2]string{"unknown_nlri", "afi" + mm[1] + "-safi" + mm[2]}
			} else {
				t.Fatalf("%s: unknown oracle family %q", src, famName)
			}
		}
		typ, f := fam[0], fam[1]
		if typ == "unknown_nlri" {
			if unit != "msgs" {
				continue // prefix counts: not comparable until these families are decoded
			}
			action := map[string]string{"announce": "add", "withdraw": "del", "EoR": "eor-del"}[what]
			want[view+" "+typ+"/"+f+"/"+action+" msgs"] += n
			continue
		}
		switch {
		case what == "EoR" && unit == "msgs":
			want[view+" "+typ+"/"+strings.TrimSuffix(f, "-labeled")+"/eor msgs"] += n
		case what == "announce" && unit == "prefixes":
			want[view+" "+typ+"/"+f+"/add"] += n
		case what == "withdraw" && unit == "prefixes":
			want[view+" "+typ+"/"+f+"/del"] += n
		}
	}
	got := map[string]uint64{}
	for k, n := range s.Totals.Messages {
		got["messages "+k] = n
	}
	got["torn sessions"] = uint64(s.Totals.TornSessions)
	for k, n := range s.Totals.PeerDownReasons {
		got["peer down reason "+k] = n
	}
	for k, n := range s.Totals.StatTypes {
		got["stat type "+k] = n
	}
	for k, n := range s.Totals.Views {
		view, rk, _ := strings.Cut(k, " ")
		parts := strings.Split(rk, "/")
		typ, f, action := parts[0], parts[1], parts[2]
		switch {
		case typ == "evpn" && strings.HasPrefix(action, "eor-"):
			got[view+" evpn/evpn/eor msgs"] += n
		case typ == "evpn":
			got[view+" evpn/evpn/"+action] += n // summed over the route types
		case typ == "unknown_nlri" && action == "eor-add":
			got[view+" "+typ+"/"+f+"/add msgs"] += n // an MP_REACH without NLRI
		case typ == "unknown_nlri":
			got[view+" "+rk+" msgs"] += n
		case strings.HasPrefix(action, "eor-"):
			got[view+" "+typ+"/"+f+"/eor msgs"] += n
		default:
			got[view+" "+rk] += n
		}
	}
	var qs []quantity
	for _, k := range union(want, got) {
		qs = append(qs, quantity{src, k, want[k], got[k]})
	}
	return qs
}

// labQuantities compares tshark's message types and MP_REACH/MP_UNREACH families (of the
// families emitted per attribute) in a lab .summary.txt.
func labQuantities(s *captureSummary, ls *labSummary) []quantity {
	src := "lab-tshark"
	var qs []quantity
	for _, k := range union(ls.TsharkMessages, s.Totals.Messages) {
		qs = append(qs, quantity{src, "messages " + k, ls.TsharkMessages[k], s.Totals.Messages[k]})
	}
	return append(qs, familyQuantities(src, s, ls.MPReach, ls.MPUnreach)...)
}
