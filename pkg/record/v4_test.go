package record

import (
	"encoding/json"
	"strings"
	"testing"
)

func v4Unicast() *UnicastPrefix {
	u := fullUnicast()
	code, reason := uint32(0x8a), uint16(6)
	u.V4Fields = V4Fields{
		PathStatus: []string{"best", "primary", "add_path"}, PathStatusCode: &code,
		PathStatusReason: "not_preferred_med", PathStatusReasonCode: &reason,
		BMPTLVs: []BMPTLV{
			{Type: 9, Index: 1, HasIndex: true, Value: []byte{1, 2}},
			{Type: 0x8009, Index: 0x8001, HasIndex: true, PEN: 2925, HasPEN: true, Value: []byte{}},
			{Type: 10, HasIndex: true, Value: []byte{0xff}},
		},
	}
	return u
}

func TestRoundTripV4Fields(t *testing.T) {
	u := v4Unicast()
	roundTrip(t, u)
	out := string(u.AppendJSON(nil))
	want := `"table_name":"global","path_status":["best","primary","add_path"],"path_status_code":138,` +
		`"path_status_reason":"not_preferred_med","path_status_reason_code":6,` +
		`"bmp_tlvs":[{"type":9,"index":1,"value":"0102"},{"type":32777,"index":32769,"pen":2925,"value":""},{"type":10,"index":0,"value":"ff"}],"base_attrs":`
	if !strings.Contains(out, want) {
		t.Fatalf("missing\n %s\nin\n %s", want, out)
	}
	// No reason: neither reason field; status 0 is still written.
	zero := uint32(0)
	u.V4Fields = V4Fields{PathStatus: []string{}, PathStatusCode: &zero}
	if out := string(u.AppendJSON(nil)); !strings.Contains(out, `"path_status":[],"path_status_code":0,"base_attrs"`) ||
		strings.Contains(out, "path_status_reason") || strings.Contains(out, "bmp_tlvs") {
		t.Fatalf("status 0: %s", out)
	}
	// The zero value writes nothing.
	u.V4Fields = V4Fields{}
	if !u.V4Fields.IsZero() {
		t.Fatal("IsZero")
	}
	if out := string(u.AppendJSON(nil)); strings.Contains(out, "path_status") || strings.Contains(out, "bmp_tlvs") {
		t.Fatalf("zero V4Fields: %s", out)
	}
}

func TestRoundTripPeerTLVs(t *testing.T) {
	r := uint8(6)
	down := &Peer{Head: Head{Action: ActionDown, Sequence: 3}, Hash: "abcd", PeerRD: "0:0", CollectorTimestamp: ts(), Reason: &r,
		BMPTLVs:  []BMPTLV{{Type: 65, Value: []byte("x")}, {Type: 0x8001, PEN: 1, HasPEN: true, Value: []byte{0}}},
		RIBFlags: RIBFlags{IsLocRIB: true, TableName: "global"}}
	roundTrip(t, down)
	if s := string(down.AppendJSON(nil)); !strings.Contains(s, `"bmp_tlvs":[{"type":65,"value":"78"},{"type":32769,"pen":1,"value":"00"}],"is_adj_rib_in_post_policy"`) {
		t.Fatalf("peer TLVs: %s", s)
	}
}

func TestBMPTLVJSON(t *testing.T) {
	in := BMPTLV{Type: 0x8005, Index: 0, HasIndex: true, PEN: 4294967295, HasPEN: true, Value: []byte{0xde, 0xad}}
	b, err := json.Marshal(in)
	if err != nil || string(b) != `{"type":32773,"index":0,"pen":4294967295,"value":"dead"}` {
		t.Fatalf("%s %v", b, err)
	}
	var back BMPTLV
	if err := json.Unmarshal(b, &back); err != nil || back.String() != in.String() || back.String() != "type=32773 index=0 pen=4294967295 value=dead" {
		t.Fatalf("%+v %v", back, err)
	}
	for _, bad := range []string{`{"type":1,"value":"zz"}`, `{"type":"x"}`} {
		if err := json.Unmarshal([]byte(bad), &back); err == nil {
			t.Fatalf("%s accepted", bad)
		}
	}
}

func TestAllocsUnicastV4(t *testing.T) {
	u := v4Unicast()
	u.BaseAttrs.Encode()
	buf := make([]byte, 0, 4096)
	if n := testing.AllocsPerRun(100, func() { buf = u.AppendJSON(buf[:0]) }); n != 0 {
		t.Fatalf("AppendJSON with BMPv4 fields allocates %.1f times per record", n)
	}
}
