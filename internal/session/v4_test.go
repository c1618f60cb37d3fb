package session

import (
	"context"
	"fmt"
	"net/netip"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/bmpstream/bmpstream/internal/capture"
	"github.com/bmpstream/bmpstream/internal/testutil"
	"github.com/bmpstream/bmpstream/pkg/bgp"
	"github.com/bmpstream/bmpstream/pkg/bmp"
	"github.com/bmpstream/bmpstream/pkg/record"
)

// captureMessages returns the BMP messages of a NetGauze capture (one TCP stream).
func captureMessages(t *testing.T, name string) [][]byte {
	t.Helper()
	streams, err := capture.ReadFile(filepath.Join(testutil.TestdataDir(t), "public", "NetGauze_NetGauze", name), capture.Options{})
	if err != nil || len(streams) != 1 {
		t.Fatalf("%s: %d streams, %v", name, len(streams), err)
	}
	msgs, rest := testutil.SplitBMP(streams[0].Data)
	if len(rest) != 0 {
		t.Fatalf("%s: %d bytes left over", name, len(rest))
	}
	return msgs
}

// v4view renders the BMPv4 fields of a route record:
// "prefix/len status=a,b reason=name(code) tlvs=[…] table=name".
func v4view(r rec) string {
	s := fmt.Sprintf("%v/%v", r["prefix"], r["prefix_len"])
	if r["is_eor"] == true {
		s = "eor"
	}
	if st, ok := r["path_status"]; ok {
		var names []string
		for _, n := range st.([]any) {
			names = append(names, n.(string))
		}
		s += fmt.Sprintf(" status=%s(%v)", strings.Join(names, ","), r["path_status_code"])
	}
	if rs, ok := r["path_status_reason"]; ok {
		s += fmt.Sprintf(" reason=%v(%v)", rs, r["path_status_reason_code"])
	}
	if tl, ok := r["bmp_tlvs"]; ok {
		var parts []string
		for _, x := range tl.([]any) {
			m := x.(map[string]any)
			p := fmt.Sprintf("%v", m["type"])
			if i, ok := m["index"]; ok {
				p += fmt.Sprintf("@%v", i)
			}
			if pen, ok := m["pen"]; ok {
				p += fmt.Sprintf("/pen%v", pen)
			}
			parts = append(parts, p+":"+m["value"].(string))
		}
		s += " tlvs=" + strings.Join(parts, ",")
	}
	if tn, ok := r["table_name"]; ok {
		s += fmt.Sprintf(" table=%v", tn)
	}
	return s
}

func routeViews(rs []rec) []string {
	var out []string
	for _, r := range rs {
		if t := r["type"]; t == "unicast_prefix" || t == "v4test" {
			out = append(out, fmt.Sprintf("%v:%v %s", t, r["action"], v4view(r)))
		}
	}
	return out
}

// TestV4PathStatusCapture: NetGauze's path-status capture. NetGauze's own decode
// (assets/pcaps/bmp/path-status/ipv4_unicast_path_marking-bmp.json) gives, per Route
// Monitoring message, the UPDATE's NLRI and the TLVs with their indexes:
//
//	message 1: nlri 111.1.1.1/32, 111.1.1.2/32; tlvs {index 32769: GroupTlv [1,2]},
//	           {index 0: VrfTableName "global"},
//	           {index 1: PathMarking path_status "BEST | PRIMARY | ADD_PATH", reason null}
//	message 2: nlri 112.1.1.1/32; tlvs {index 0: VrfTableName "global"},
//	           {index 1: PathMarking "BEST | PRIMARY | ADD_PATH", reason null}
//	message 3: empty UPDATE (End-of-RIB); tlvs {index 0: VrfTableName "global"}
//
// Index 1 is the first NLRI of the UPDATE (draft-ietf-grow-bmp-tlv: "index starting at
// one (1) to refer to the first NLRI"), without the G-bit: the path status applies to
// 111.1.1.1/32 and to 112.1.1.1/32. The Group TLV 0x8001 (NLRI 1 and 2) is defined
// but no TLV references it (a reference would carry index 0x8001), so 111.1.1.2/32 has
// no path status. No reason code: no reason fields.
func TestV4PathStatusCapture(t *testing.T) {
	netgauze := func(s string) string { // "BEST | PRIMARY | ADD_PATH" -> "best,primary,add_path"
		return strings.ToLower(strings.ReplaceAll(s, " | ", ","))
	}
	status := netgauze("BEST | PRIMARY | ADD_PATH")
	want := []string{
		"unicast_prefix:add 111.1.1.1/32 status=" + status + "(138) table=global",
		"unicast_prefix:add 111.1.1.2/32 table=global",
		"unicast_prefix:add 112.1.1.1/32 status=" + status + "(138) table=global",
		"unicast_prefix:add eor table=global",
	}
	rs, c := run(t, Config{}, captureMessages(t, "bmp__path-status__ipv4_unicast_path_marking.pcap")...)
	if got := routeViews(rs); !reflect.DeepEqual(got, want) {
		t.Fatalf("records:\n got  %q\n want %q", got, want)
	}
	if n := c.DecodeErrors[ErrUpdate].Load() + c.DecodeErrors[ErrBMP].Load(); n != 0 {
		t.Fatalf("%d decode errors", n)
	}
	// The peer records carry the VRF/Table Name TLV as table_name and no other TLV.
	for _, r := range rs[:2] {
		if r["type"] != "peer" || r["table_name"] != "global" || r["bmp_tlvs"] != nil {
			t.Fatalf("peer record: %v", r)
		}
	}
}

// TestV4StatelessCapture: NetGauze's stateless-with-add-path capture. The path
// identifiers NetGauze decodes (assets/pcaps/bmp/stateless-with-add-path/ipv4_unicast_
// all-bmp.json, "path_id" of each NLRI) must come out the same with and without the Peer
// Up messages: the Stateless Parsing TLVs (ADD-PATH IPv4 unicast, receive for peer
// 1.1.1.1, send for 3.3.3.3) are enough.
func TestV4StatelessCapture(t *testing.T) {
	msgs := captureMessages(t, "bmp__stateless-with-add-path__ipv4_unicast_all.pcap")
	// view, prefix, path_id (-1: none), as NetGauze decodes them, in message order.
	type nlri struct {
		view   string
		prefix string
		pathID int
	}
	netgauze := []nlri{
		{"loc-rib", "111.1.1.1/32", -1}, {"loc-rib", "111.1.1.2/32", -1}, {"loc-rib", "112.1.1.1/32", -1},
		{"1.1.1.1 pre", "111.1.1.1/32", 0}, {"1.1.1.1 pre", "111.1.1.2/32", 0},
		{"1.1.1.1 out-pre", "112.1.1.1/32", -1},
		{"1.1.1.1 post", "111.1.1.1/32", 0}, {"1.1.1.1 post", "111.1.1.2/32", 0},
		{"1.1.1.1 out-post", "112.1.1.1/32", -1},
		{"3.3.3.3 out-pre", "111.1.1.1/32", 0}, {"3.3.3.3 out-pre", "111.1.1.2/32", 0}, {"3.3.3.3 out-pre", "112.1.1.1/32", 0},
		{"3.3.3.3 out-post", "111.1.1.1/32", 0}, {"3.3.3.3 out-post", "111.1.1.2/32", 0}, {"3.3.3.3 out-post", "112.1.1.1/32", 0},
	}
	var noPeerUp [][]byte
	for _, m := range msgs {
		if m[5] != bmp.MsgPeerUp {
			noPeerUp = append(noPeerUp, m)
		}
	}
	if len(noPeerUp) != 21 {
		t.Fatalf("%d Route Monitoring messages", len(noPeerUp))
	}
	for name, in := range map[string][][]byte{"with Peer Up": msgs, "without Peer Up": noPeerUp} {
		t.Run(name, func(t *testing.T) {
			rs, c := run(t, Config{}, in...)
			var got []nlri
			for _, r := range rs {
				if r["type"] != "unicast_prefix" || r["is_eor"] == true {
					continue
				}
				view := "loc-rib"
				if r["is_loc_rib"] != true {
					view = fmt.Sprintf("%v ", r["peer_ip"])
					if r["is_adj_rib_out"] == true {
						view += "out-"
					}
					if r["is_adj_rib_in_post_policy"] == true || r["is_adj_rib_out_post_policy"] == true {
						view += "post"
					} else {
						view += "pre"
					}
				}
				id := -1
				if v, ok := r["path_id"]; ok {
					id = int(v.(float64))
				}
				got = append(got, nlri{view, fmt.Sprintf("%v/%v", r["prefix"], r["prefix_len"]), id})
				if r["table_name"] != "global" {
					t.Fatalf("table_name: %v", r)
				}
			}
			if !reflect.DeepEqual(got, netgauze) {
				t.Fatalf("NLRI:\n got  %v\n want %v", got, netgauze)
			}
			if n := c.AddPathMismatches.Load(); n != 0 {
				t.Fatalf("%d ADD-PATH mismatches", n)
			}
		})
	}
}

// TestV4StatelessVPNv4Capture: the vpnv4-stateless capture has no Peer Up at all; the
// Stateless Parsing TLV (ADD-PATH 1/128 send/receive) sets the VPNv4 sections' ADD-PATH
// for every view but the Loc-RIB message, which has no such TLV and no path identifier.
func TestV4StatelessVPNv4Capture(t *testing.T) {
	msgs := captureMessages(t, "bmp__vpnv4-stateless-with-withdraw__vpnv4-stateless-with-withdraw.pcap")
	s := New(context.Background(), Config{}, netip.MustParseAddrPort("192.0.2.1:40000"), func(_ context.Context, b *record.Batch) error {
		b.Release()
		return nil
	})
	vpnv4 := bgp.Family{AFI: 1, SAFI: 128}
	var got []bool
	for _, m := range msgs {
		if err := s.Handle(m, time.Date(2026, 11, 22, 1, 0, 0, 0, time.UTC)); err != nil {
			t.Fatal(err)
		}
		got = append(got, hasFamily(s.opts.AddPath, vpnv4))
	}
	want := []bool{true, true, true, true, true, true, true, true, true, true, true, true, true, true, false}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("ADD-PATH for VPNv4 per message: %v, want %v", got, want)
	}
}
