package record

import (
	"crypto/md5"
	"encoding/hex"
	"net/netip"
	"strings"
	"testing"
)

func evpnBase() *EVPN {
	return &EVPN{Head: Head{Action: ActionAdd, Sequence: 11},
		RouterFields: RouterFields{RouterHash: "d0f88d6c87767262ba8e93d6acccd784", RouterIP: netip.MustParseAddr("192.0.2.1")},
		PeerFields: PeerFields{PeerHash: "f12cfb7950a4c1a9c4e2f8fb50a0bbfb", PeerIP: netip.MustParseAddr("192.0.2.2"), PeerASN: 65002,
			PeerBGPID: netip.MustParseAddr("192.0.2.2"), Timestamp: ts(), CollectorTimestamp: ts()},
		RIBFlags: RIBFlags{IsAdjRIBInPostPolicy: true}, IsIPv4: true}
}

var (
	rdType0 = [8]byte{0, 0, 0xfd, 0xe9, 0, 0, 0, 0x65}              // 65001:101
	rdType1 = [8]byte{0, 1, 192, 0, 2, 1, 0, 100}                   // 192.0.2.1:100
	rdType2 = [8]byte{0, 2, 0xfa, 0x56, 0xea, 0x01, 0, 7}           // 4200000001:7
	esiLACP = [10]byte{1, 0, 0x11, 0x22, 0x33, 0x44, 0x55, 1, 2, 0} // type 1
)

// evpnRecords returns one record of every route type with the fields the session sets.
func evpnRecords() map[string]*EVPN {
	out := map[string]*EVPN{}
	add := func(name string, f func(e *EVPN)) {
		e := evpnBase()
		f(e)
		out[name] = e
	}
	add("type1", func(e *EVPN) {
		e.SetRouteType(1)
		e.SetRD(rdType1)
		e.SetESI(esiLACP)
		e.SetEthTag(0xFFFFFFFF)
		e.SetLabels(0x002714)
		e.Nexthop, e.IsNexthopIPv4 = netip.MustParseAddr("192.0.2.2"), true
	})
	add("type2", func(e *EVPN) {
		e.SetRouteType(2)
		e.SetRD(rdType0)
		e.SetESI([10]byte{})
		e.SetEthTag(0)
		e.SetMAC([6]byte{0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff}, 48)
		e.IPAddress = netip.MustParseAddr("192.168.0.160")
		e.SetIPLen(32)
		e.SetLabels(0x002714, 0x001389)
		e.SetPathID(0)
		e.SetOriginAS(65002)
		e.BaseAttrs = &BaseAttrs{BaseAttrHash: MD5{0x88, 0xdb}, Origin: "igp", ExtCommunities: []string{"rt=65001:4"}}
	})
	add("type2-mac-only-withdraw", func(e *EVPN) {
		e.Action = ActionDel
		e.SetRouteType(2)
		e.SetRD(rdType2)
		e.SetESI([10]byte{})
		e.SetEthTag(5)
		e.SetMAC([6]byte{2, 0, 0, 0, 0, 0x99}, 48)
		e.SetIPLen(0)
		e.SetLabels(0)
	})
	add("type3", func(e *EVPN) {
		e.SetRouteType(3)
		e.SetRD(rdType0)
		e.SetEthTag(4)
		e.IPAddress, e.OriginatorIP = netip.MustParseAddr("2001:db8::2"), netip.MustParseAddr("2001:db8::2")
		e.SetIPLen(128)
		e.IsIPv4 = false
		e.PMSITunnel = &EVPNPMSITunnel{TunnelType: 6, TunnelTypeName: "Ingress Replication", MPLSLabel: 625, RawLabel: 10004, TunnelID: "2001:db8::2"}
	})
	add("type4", func(e *EVPN) {
		e.SetRouteType(4)
		e.SetRD(rdType1)
		e.SetESI(esiLACP)
		e.IPAddress, e.OriginatorIP = netip.MustParseAddr("192.0.2.1"), netip.MustParseAddr("192.0.2.1")
		e.SetIPLen(32)
	})
	add("type5", func(e *EVPN) {
		e.SetRouteType(5)
		e.SetRD(rdType0)
		e.SetESI([10]byte{})
		e.SetEthTag(0)
		e.IPAddress, e.Prefix, e.GWAddress = netip.MustParseAddr("0.0.0.0"), netip.MustParseAddr("0.0.0.0"), netip.MustParseAddr("0.0.0.0")
		e.SetIPLen(0)
		e.SetPrefixLen(0)
		e.SetLabels(0x001389)
	})
	add("type6", func(e *EVPN) {
		e.SetRouteType(6)
		e.SetRD(rdType0)
		e.SetEthTag(0)
		e.MulticastGroup, e.OriginatorIP = netip.MustParseAddr("239.1.1.1"), netip.MustParseAddr("192.0.2.1")
		e.SetFlags(0)
	})
	add("type8", func(e *EVPN) {
		e.SetRouteType(8)
		e.SetRD(rdType0)
		e.SetESI(esiLACP)
		e.SetEthTag(10)
		e.MulticastSource, e.MulticastGroup, e.OriginatorIP = netip.MustParseAddr("10.1.1.1"), netip.MustParseAddr("239.1.1.1"), netip.MustParseAddr("192.0.2.1")
		e.SetFlags(4)
		e.SetLeaveSynch(0, 10)
	})
	add("type9", func(e *EVPN) {
		e.SetRouteType(9)
		e.SetRD([8]byte{0, 7, 1, 2, 3, 4, 5, 6})
		e.SetEthTag(0)
		e.RegionID = "0002fde900000064"
	})
	add("type11", func(e *EVPN) {
		e.SetRouteType(11)
		e.RouteKey = "0311" + "0000fde900000065" + "00000004" + "20" + "c0000209"
		e.SetRouteKeyType(3)
		e.OriginatorIP = netip.MustParseAddr("192.0.2.7")
	})
	add("type12", func(e *EVPN) {
		e.SetRouteType(12)
		e.NLRI = "0c0101"
	})
	add("eor", func(e *EVPN) {
		e.Action = ActionDel
		e.IsEOR, e.AFI, e.SAFI = true, 25, 70
	})
	return out
}

func TestRoundTripEVPN(t *testing.T) {
	for name, e := range evpnRecords() {
		t.Run(name, func(t *testing.T) {
			var p Parts
			if !e.IsEOR {
				e.SetHash(&p)
			}
			roundTrip(t, e)
		})
	}
}

func TestEVPNJSONFields(t *testing.T) {
	rs := evpnRecords()
	cases := map[string][]string{
		"type1": {`"type":"evpn","action":"add","sequence":11`, `"route_type":1,"vpn_rd":"192.0.2.1:100","vpn_rd_type":1`,
			`"eth_segment_id":"01:00:11:22:33:44:55:01:02:00","esi_type":1,"eth_tag":4294967295`, `"labels":[625],"rawlabels":[10004]`,
			`"nexthop":"192.0.2.2","is_nexthop_ipv4":true`},
		"type2": {`"path_id":0,"route_type":2,"vpn_rd":"65001:101","vpn_rd_type":0,"eth_segment_id":"00:00:00:00:00:00:00:00:00:00","esi_type":0,"eth_tag":0`,
			`"mac":"aa:bb:cc:dd:ee:ff","mac_len":48,"ip_address":"192.168.0.160","ip_len":32`, `"labels":[625,312],"rawlabels":[10004,5001]`,
			`"origin_as":65002`, `"base_attrs":{"base_attr_hash":"88db0000000000000000000000000000","origin":"igp"`},
		"type2-mac-only-withdraw": {`"action":"del"`, `"vpn_rd":"4200000001:7","vpn_rd_type":2`, `"eth_tag":5,"mac":"02:00:00:00:00:99","mac_len":48,"ip_len":0,"labels":[0],"rawlabels":[0]`},
		"type3": {`"is_ipv4":false`, `"route_type":3,"vpn_rd":"65001:101","vpn_rd_type":0,"eth_tag":4,"ip_address":"2001:db8::2","ip_len":128,"originator_ip":"2001:db8::2"`,
			`"pmsi_tunnel":{"flags":0,"tunnel_type":6,"tunnel_type_name":"Ingress Replication","mpls_label":625,"raw_label":10004,"tunnel_identifier":"2001:db8::2"}`},
		"type4":  {`"esi_type":1,"ip_address":"192.0.2.1","ip_len":32,"originator_ip":"192.0.2.1"`},
		"type5":  {`"eth_tag":0,"ip_address":"0.0.0.0","ip_len":0,"gw_address":"0.0.0.0","prefix":"0.0.0.0","prefix_len":0`},
		"type6":  {`"eth_tag":0,"originator_ip":"192.0.2.1","multicast_group":"239.1.1.1","flags":0`},
		"type8":  {`"multicast_source":"10.1.1.1","multicast_group":"239.1.1.1","flags":4,"leave_group_sync":0,"max_response_time":10`},
		"type9":  {`"vpn_rd":"7:010203040506","vpn_rd_type":7,"eth_tag":0`, `"region_id":"0002fde900000064"`},
		"type11": {`"route_type":11,"originator_ip":"192.0.2.7","route_key":"03110000fde90000006500000004` + `20c0000209","route_key_type":3`},
		"type12": {`"route_type":12,"nlri":"0c0101"`},
		"eor":    {`"action":"del"`, `"is_eor":true,"afi":25,"safi":70,"is_adj_rib_in_post_policy":true`},
	}
	for name, wants := range cases {
		out := string(rs[name].AppendJSON(nil))
		for _, w := range wants {
			if !strings.Contains(out, w) {
				t.Errorf("%s: missing %s in\n%s", name, w, out)
			}
		}
	}
	// Fields a route type does not carry are absent.
	absent := map[string][]string{
		"type3":                   {`"eth_segment_id"`, `"mac"`, `"labels"`, `"prefix"`, `"base_attrs"`, `"hash"`},
		"type11":                  {`"vpn_rd"`, `"eth_tag"`, `"ip_address"`},
		"eor":                     {`"route_type"`, `"vpn_rd"`, `"nexthop"`, `"base_attrs"`},
		"type2-mac-only-withdraw": {`"ip_address"`, `"base_attrs"`, `"nexthop"`, `"origin_as"`},
	}
	for name, nos := range absent {
		out := string(rs[name].AppendJSON(nil))
		for _, n := range nos {
			if strings.Contains(out, n) {
				t.Errorf("%s: unexpected %s in\n%s", name, n, out)
			}
		}
	}
}

// TestEVPNHashRecipe checks SetHash against the documented recipe computed by hand.
func TestEVPNHashRecipe(t *testing.T) {
	rs := evpnRecords()
	const rh, ph = "d0f88d6c87767262ba8e93d6acccd784", "f12cfb7950a4c1a9c4e2f8fb50a0bbfb"
	parts := func(ps ...string) string {
		var b []byte
		for _, p := range append([]string{"evpn", rh, ph}, ps...) {
			b = append(append(b, p...), 0)
		}
		s := md5.Sum(b)
		return hex.EncodeToString(s[:])
	}
	cases := map[string]string{
		//                     type rd           rdtype esi  tag  mac                  ip               iplen orig mcast   extra path
		"type2":                   parts("2", "65001:101", "0", "", "0", "aa:bb:cc:dd:ee:ff", "192.168.0.160", "32", "", "", "", "", "0"),
		"type2-mac-only-withdraw": parts("2", "4200000001:7", "2", "", "5", "02:00:00:00:00:99", "", "0", "", "", "", "", "0"),
		"type1":                   parts("1", "192.0.2.1:100", "1", "01:00:11:22:33:44:55:01:02:00", "4294967295", "", "", "", "", "", "", "", "0"),
		"type3":                   parts("3", "65001:101", "0", "", "4", "", "2001:db8::2", "128", "", "", "", "", "0"),
		"type4":                   parts("4", "192.0.2.1:100", "1", "01:00:11:22:33:44:55:01:02:00", "", "", "192.0.2.1", "32", "", "", "", "", "0"),
		"type5":                   parts("5", "65001:101", "0", "", "0", "", "0.0.0.0", "0", "", "", "", "", "0"),
		"type6":                   parts("6", "65001:101", "0", "", "0", "", "", "", "192.0.2.1", "", "239.1.1.1", "", "0"),
		"type8":                   parts("8", "65001:101", "0", "01:00:11:22:33:44:55:01:02:00", "10", "", "", "", "192.0.2.1", "10.1.1.1", "239.1.1.1", "0", "0"),
		"type9":                   parts("9", "7:010203040506", "7", "", "0", "", "", "", "", "", "", "0002fde900000064", "0"),
		"type11":                  parts("11", "", "", "", "", "", "", "", "192.0.2.7", "", "", "03110000fde9000000650000000420c0000209", "0"),
		"type12":                  parts("12", "", "", "", "", "", "", "", "", "", "", "0c0101", "0"),
	}
	var p Parts
	for name, want := range cases {
		e := rs[name]
		e.SetHash(&p)
		if got := e.Hash.String(); got != want {
			t.Errorf("%s: hash %s, want %s", name, got, want)
		}
	}
	// A withdrawal whose non-key fields differ (ESI, labels, no attributes) hashes like
	// the announcement.
	a, w := rs["type2"], evpnRecords()["type2"]
	w.Action, w.BaseAttrs, w.OriginAS = ActionDel, nil, nil
	w.SetESI(esiLACP)
	w.SetLabels(0)
	a.SetHash(&p)
	w.SetHash(&p)
	if a.Hash != w.Hash {
		t.Fatal("withdrawal hashes differently from its announcement")
	}
	// The path identifier is part of the key.
	w.SetPathID(2)
	w.SetHash(&p)
	if a.Hash == w.Hash {
		t.Fatal("path_id not hashed")
	}
}

func TestEVPNTextTypes(t *testing.T) {
	for _, c := range []struct {
		rd   [8]byte
		text string
	}{
		{rdType0, "65001:101"}, {rdType1, "192.0.2.1:100"}, {rdType2, "4200000001:7"},
		{[8]byte{}, "0:0"}, {[8]byte{0, 9, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff}, "9:aabbccddeeff"},
		{[8]byte{0, 0, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff}, "65535:4294967295"},
	} {
		got, _ := EVPNRD(c.rd).MarshalText()
		if string(got) != c.text {
			t.Errorf("RD %x: %s, want %s", c.rd, got, c.text)
		}
		var back EVPNRD
		if err := back.UnmarshalText(got); err != nil || back != EVPNRD(c.rd) {
			t.Errorf("RD %s: parsed %x %v", c.text, back, err)
		}
	}
	var rd EVPNRD
	for _, bad := range []string{"", "1", "a:b", "70000:70000", "1.2.3.4:70000"} {
		if rd.UnmarshalText([]byte(bad)) == nil {
			t.Errorf("RD %q accepted", bad)
		}
	}
	var esi EVPNESI
	var mac EVPNMAC
	if esi.UnmarshalText([]byte("00:11:22")) == nil || mac.UnmarshalText([]byte("aa-bb-cc-dd-ee-ff")) == nil || mac.UnmarshalText([]byte("aa:bb:cc:dd:ee:fg")) == nil {
		t.Error("bad ESI/MAC accepted")
	}
	if err := mac.UnmarshalText([]byte("AA:bb:cc:dd:ee:ff")); err != nil || mac != (EVPNMAC{0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff}) {
		t.Errorf("MAC %x %v", mac, err)
	}
}

func TestAllocsEVPN(t *testing.T) {
	e := evpnRecords()["type2"]
	e.BaseAttrs.Encode()
	var p Parts
	buf := make([]byte, 0, 4096)
	n := testing.AllocsPerRun(100, func() {
		e.SetHash(&p)
		buf = e.AppendJSON(buf[:0])
	})
	if n != 0 {
		t.Fatalf("SetHash + AppendJSON allocate %.1f times per record", n)
	}
}
