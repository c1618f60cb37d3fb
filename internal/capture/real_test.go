package capture

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/bmpstream/bmpstream/internal/testutil"
)

// Message types, short names for the expectation tables.
const (
	RM, Stats, PeerDown, PeerUp, Init, Term, Mirror, Trace = 0, 1, 2, 3, 4, 5, 6, 100
)

// torn describes a stream's incomplete final message.
type torn struct {
	typ               uint8
	declared, present int
}

// realCase holds facts from /work/shared/testdata/PROVENANCE.md (tshark + stream walk)
// and the lab .summary.txt files: number of BMP sessions, complete messages per type
// summed over the sessions, and torn final messages.
type realCase struct {
	file    string
	streams int
	types   map[uint8]int
	torn    []torn
}

var realCases = []realCase{
	{"public/pmacct_pmacct/200-BMP-HUAWEI-locrib_instance__traffic-00.pcap", 1, map[uint8]int{RM: 84, PeerUp: 18, Init: 1}, nil},
	{"public/pmacct_pmacct/201-BMP-CISCO-rd_instance__traffic-00.pcap", 1, map[uint8]int{RM: 251, Stats: 42, PeerUp: 42, Init: 1}, nil},
	{"public/pmacct_pmacct/202-BMP-CISCO-HUAWEI-multiple-sources__traffic-01.pcap", 1, map[uint8]int{RM: 44, PeerUp: 42, Init: 1}, nil},
	{"public/pmacct_pmacct/202-BMP-CISCO-HUAWEI-multiple-sources__traffic-02.pcap", 1, map[uint8]int{RM: 53, PeerUp: 12, Init: 1}, []torn{{RM, 185, 156}}},
	{"public/pmacct_pmacct/204-BMP-CISCO-peer_down__traffic-00.pcap", 1, map[uint8]int{RM: 301, Stats: 28, PeerDown: 3, PeerUp: 10, Init: 1}, nil},
	{"public/pmacct_pmacct/205-BMP-6wind-FRR-peer_down__traffic-00.pcap", 1, map[uint8]int{RM: 451, Stats: 48, PeerDown: 2, PeerUp: 7, Init: 1}, nil},
	{"public/pmacct_pmacct/206-BMP-high-availability__traffic-00.pcap", 1, map[uint8]int{RM: 253, Stats: 36, PeerUp: 5, Init: 1}, nil},
	{"public/NetGauze_NetGauze/bmp__evpn__evpn.pcap", 2, map[uint8]int{RM: 143, Stats: 7, PeerDown: 2, PeerUp: 4}, nil},
	{"public/NetGauze_NetGauze/bmp__path-status__ipv4_unicast_path_marking.pcap", 1, map[uint8]int{RM: 3, PeerDown: 1, PeerUp: 1}, nil},
	{"public/NetGauze_NetGauze/bmp__peers-with-different-caps__example.pcap", 1, map[uint8]int{RM: 173, PeerUp: 18, Init: 1}, nil},
	{"public/NetGauze_NetGauze/bmp__stateless-with-add-path__ipv4_unicast_all.pcap", 1, map[uint8]int{RM: 21, PeerUp: 9}, nil},
	{"public/NetGauze_NetGauze/bmp__unreachable-prefix-announcement__upa.pcap", 3, map[uint8]int{RM: 34, PeerUp: 7, Init: 3}, nil},
	{"public/NetGauze_NetGauze/bmp__vpnv4-stateless-with-withdraw__vpnv4-stateless-with-withdraw.pcap", 1, map[uint8]int{RM: 15}, nil},
	{"public/NetGauze_NetGauze/pcap-reader__data__bmp.pcapng", 4, map[uint8]int{RM: 3, Stats: 2, PeerDown: 2, PeerUp: 3, Init: 2}, nil},
	{"public/network-analytics_traffic-reproducer/pcap_processing__ipfix-bmp.pcap", 2, map[uint8]int{RM: 360, Stats: 24, PeerUp: 12, Init: 1}, nil},
	// 4 complete type-100 messages (tshark and the stream walk count 4, 107 messages in
	// all) and a fifth one torn at the end of the capture: the 9 TCP payloads sum to
	// exactly the 20,791 bytes reassembled.
	{"public/network-analytics_traffic-reproducer/pcaps__bmp-traffic.pcap", 1, map[uint8]int{RM: 84, PeerUp: 18, Init: 1, Trace: 4}, []torn{{Trace, 765, 211}}},
	{"public/network-analytics_traffic-reproducer/pcaps__ipfix-bmp-scenario-PART1-bmp-init-and-peer-ups.pcap", 1, map[uint8]int{PeerUp: 16, Init: 1}, nil},
	{"public/network-analytics_traffic-reproducer/pcaps__ipfix-bmp-scenario-PART2-bmp-route-monitoring-updates.pcap", 1, map[uint8]int{RM: 732}, nil},
	{"public/network-analytics_traffic-reproducer/pcaps__ipfix-bmp-scenario-PART3-bmp-loc-rib-peer-down.pcap", 1, map[uint8]int{PeerDown: 1}, nil},
	{"public/network-analytics_traffic-reproducer/pcaps__ipfix-bmp-scenario-PART4-bmp-route-monitoring-withdrawals-updates.pcap", 1, map[uint8]int{RM: 21}, nil},
	{"public/network-analytics_traffic-reproducer/pcaps__ipfix-bmp-scenario-PART6-bmp-loc-rib-peer-up.pcap", 1, map[uint8]int{RM: 100, PeerUp: 1}, nil},
	{"public/network-analytics_traffic-reproducer/pcaps__ipfix-bmp-scenario-PART7-bmp-global-peer-down.pcap", 1, map[uint8]int{RM: 12, PeerDown: 1}, nil},
	{"public/network-analytics_traffic-reproducer/pcaps__ipfix-bmp-scenario-PART8-bmp-global-peer-up.pcap", 1, map[uint8]int{RM: 22, PeerUp: 1}, nil},
	{"lab/frr84-mixed.pcap", 1, map[uint8]int{RM: 5760, Stats: 9, PeerDown: 3, PeerUp: 1, Init: 1}, nil},
	{"lab/frr84-mirror-small.pcap", 1, map[uint8]int{RM: 524, Stats: 7, PeerDown: 3, PeerUp: 1, Init: 1, Mirror: 244}, nil},
	{"lab/gobgp310deb-mixed.pcap", 1, map[uint8]int{RM: 13488, Stats: 1, PeerDown: 1, PeerUp: 1, Init: 1, Term: 1}, nil},
	// Captures holding BGP, IPFIX or telemetry but no BMP.
	{"public/NetGauze_NetGauze/bgp__multiple-sessions__traffic.pcap", 0, nil, nil},
	{"public/NetGauze_NetGauze/pcap-reader__data__bgp.pcap", 0, nil, nil},
	{"public/bgpkit_bgpkit-parser/packetlife__bgp_orf_prefix_advertisement.pcapng.cap", 0, nil, nil},
	{"public/network-analytics_traffic-reproducer/pcap_processing__bgp.pcap", 0, nil, nil},
	{"public/pmacct_pmacct/300-BGP-IPv6-CISCO-extNH_enc__traffic-00.pcap", 0, nil, nil},
	{"public/pmacct_pmacct/301-BGP-CISCO-pretag__traffic-00.pcap", 0, nil, nil},
	{"public/pmacct_pmacct/302-BGP-IPv6-multiple-sources__traffic-00.pcap", 0, nil, nil},
	{"public/pmacct_pmacct/305-BGP-mem-leak-test__bgp-multi-sources-update-keepalive.pcap", 0, nil, nil},
	{"public/pmacct_pmacct/500-IPFIXv10-BGP-CISCO-SRv6__traffic-00.pcap", 0, nil, nil},
	{"public/pmacct_pmacct/502-IPFIXv10-BGP-IPv6-CISCO-SRv6-lcomms__traffic-00.pcap", 0, nil, nil},
}

func TestRealCaptures(t *testing.T) {
	dir := testutil.TestdataDir(t)
	for _, tc := range realCases {
		t.Run(filepath.Base(tc.file), func(t *testing.T) {
			streams, err := ReadFile(filepath.Join(dir, tc.file), Options{})
			if err != nil {
				t.Fatal(err)
			}
			if len(streams) != tc.streams {
				t.Fatalf("%d streams, want %d", len(streams), tc.streams)
			}
			types := map[uint8]int{}
			var torns []torn
			for i, s := range streams {
				if want := fmt.Sprintf("%s#%d", filepath.Base(tc.file), i+1); s.Name != want {
					t.Errorf("stream %d name %q, want %q", i, s.Name, want)
				}
				if s.Gaps != 0 {
					t.Errorf("%s: %d gaps", s.Name, s.Gaps)
				}
				if !s.Src.IsValid() || !s.Dst.IsValid() {
					t.Errorf("%s: endpoints %v → %v", s.Name, s.Src, s.Dst)
				}
				msgs, rest := testutil.SplitBMP(s.Data)
				for _, m := range msgs {
					types[m[5]]++
				}
				if len(rest) > 0 {
					if len(rest) < 6 {
						t.Fatalf("%s: %d trailing bytes", s.Name, len(rest))
					}
					torns = append(torns, torn{rest[5], int(binary.BigEndian.Uint32(rest[1:5])), len(rest)})
				}
				// The package's own walker agrees with testutil's.
				c := Count(s.Data)
				if c.Messages != len(msgs) || c.Torn != (len(rest) > 0) || c.BadOffset != -1 {
					t.Errorf("%s: Count = %d msgs torn=%v bad=%d; SplitBMP = %d msgs, %d rest",
						s.Name, c.Messages, c.Torn, c.BadOffset, len(msgs), len(rest))
				}
			}
			if fmt.Sprint(types) != fmt.Sprint(orEmpty(tc.types)) {
				t.Errorf("message types %v, want %v", types, tc.types)
			}
			if fmt.Sprint(torns) != fmt.Sprint(tc.torn) {
				t.Errorf("torn %v, want %v", torns, tc.torn)
			}
		})
	}
}

func orEmpty(m map[uint8]int) map[uint8]int {
	if m == nil {
		return map[uint8]int{}
	}
	return m
}

// TestRealEndpoints pins the router → collector direction of a few captures.
func TestRealEndpoints(t *testing.T) {
	dir := testutil.TestdataDir(t)
	cases := map[string][]string{
		"public/pmacct_pmacct/201-BMP-CISCO-rd_instance__traffic-00.pcap": {"192.0.2.55:20 → 192.0.2.6:1790"},
		"public/pmacct_pmacct/204-BMP-CISCO-peer_down__traffic-00.pcap":   {"[2001:db8:90::1]:20 → [2a02:a90:4007:31::69]:1790"},
		"public/NetGauze_NetGauze/bmp__evpn__evpn.pcap": {
			"198.51.100.44:43969 → 192.0.2.1:1790", "198.51.100.154:16436 → 192.0.2.1:1790"},
		"public/NetGauze_NetGauze/bmp__path-status__ipv4_unicast_path_marking.pcap": {"192.85.2.1:62503 → 192.85.2.2:10000"},
		"public/network-analytics_traffic-reproducer/pcap_processing__ipfix-bmp.pcap": {
			"198.51.100.44:51559 → 192.0.2.6:1790", "198.51.100.44:30425 → 192.0.2.1:1790"},
		"lab/frr84-mixed.pcap": {"127.0.0.1:53236 → 127.0.0.1:5000"},
	}
	for file, want := range cases {
		streams, err := ReadFile(filepath.Join(dir, file), Options{})
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, s := range streams {
			got = append(got, s.Src.String()+" → "+s.Dst.String())
		}
		if strings.Join(got, "; ") != strings.Join(want, "; ") {
			t.Errorf("%s: %v, want %v", file, got, want)
		}
	}
}

// TestRealContentDetection: with port matching disabled, every BMP capture yields the
// same streams, found by content alone.
func TestRealContentDetection(t *testing.T) {
	dir := testutil.TestdataDir(t)
	for _, tc := range realCases {
		byPort, err := ReadFile(filepath.Join(dir, tc.file), Options{})
		if err != nil {
			t.Fatal(err)
		}
		byContent, err := ReadFile(filepath.Join(dir, tc.file), Options{Ports: []uint16{}})
		if err != nil {
			t.Fatal(err)
		}
		if len(byPort) != len(byContent) {
			t.Errorf("%s: %d streams by port, %d by content", tc.file, len(byPort), len(byContent))
			continue
		}
		for i := range byPort {
			if byPort[i].Src != byContent[i].Src || !bytes.Equal(byPort[i].Data, byContent[i].Data) {
				t.Errorf("%s: stream %d differs", tc.file, i)
			}
		}
	}
}

// TestLabPairs: each lab pcap holds exactly the bytes its .bmp twin recorded at the
// collector socket.
func TestLabPairs(t *testing.T) {
	dir := testutil.TestdataDir(t)
	for _, name := range []string{"frr84-mixed", "frr84-mirror-small", "gobgp310deb-mixed"} {
		t.Run(name, func(t *testing.T) {
			streams, err := ReadFile(filepath.Join(dir, "lab", name+".pcap"), Options{})
			if err != nil {
				t.Fatal(err)
			}
			raw, err := ReadFile(filepath.Join(dir, "lab", name+".bmp"), Options{})
			if err != nil {
				t.Fatal(err)
			}
			if len(streams) != 1 || len(raw) != 1 {
				t.Fatalf("%d pcap streams, %d raw streams", len(streams), len(raw))
			}
			want, err := os.ReadFile(filepath.Join(dir, "lab", name+".bmp"))
			if err != nil {
				t.Fatal(err)
			}
			if got, w := sha256.Sum256(streams[0].Data), sha256.Sum256(want); got != w {
				t.Errorf("sha256 %x (%d bytes), want %x (%d bytes)", got, len(streams[0].Data), w, len(want))
			}
			if raw[0].Name != name+".bmp" || !bytes.Equal(raw[0].Data, want) {
				t.Errorf("raw read: name %q, %d bytes", raw[0].Name, len(raw[0].Data))
			}
		})
	}
}

// TestRealRawMessages: the single-message .bin vectors read as raw BMP; the OpenBMP
// v1.7-framed ones are not raw BMP and are refused.
func TestRealRawMessages(t *testing.T) {
	dir := testutil.TestdataDir(t)
	bins, _ := filepath.Glob(filepath.Join(dir, "public", "*", "*.bin"))
	if len(bins) == 0 {
		t.Fatal("no .bin vectors found")
	}
	for _, b := range bins {
		streams, err := ReadFile(b, Options{})
		if strings.Contains(b, "openbmp") {
			if err == nil {
				t.Errorf("%s: OpenBMP framing accepted as raw BMP", b)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", b, err)
			continue
		}
		if c := Count(streams[0].Data); len(streams) != 1 || c.Messages != 1 || c.Torn {
			t.Errorf("%s: %d streams, counts %+v", b, len(streams), c)
		}
	}
}

// TestDiscoverTestdata: every capture in the shared folder is listed, sorted, and reads
// without error (including captures added later as acceptance cases).
func TestDiscoverTestdata(t *testing.T) {
	dir := testutil.TestdataDir(t)
	files, err := Discover(dir)
	if err != nil {
		t.Fatal(err)
	}
	if !sort.StringsAreSorted(files) {
		t.Error("Discover result not sorted")
	}
	listed := map[string]bool{}
	for _, f := range files {
		rel, _ := filepath.Rel(dir, f)
		listed[filepath.ToSlash(rel)] = true
		if !isCaptureName(f) {
			t.Errorf("listed %s", rel)
		}
		if _, err := ReadFile(f, Options{}); err != nil {
			t.Errorf("%s: %v", rel, err)
		}
	}
	for _, tc := range realCases {
		if !listed[tc.file] {
			t.Errorf("%s not discovered", tc.file)
		}
	}
	for _, f := range []string{"lab/frr84-mixed.bmp", "lab/gobgp310deb-mixed.bmp", "lab/frr84-mirror-small.bmp"} {
		if !listed[f] {
			t.Errorf("%s not discovered", f)
		}
	}
}
