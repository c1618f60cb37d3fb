package bmp

import (
	"errors"
	"testing"
)

// setLen rewrites the declared length of a framed message.
func setLen(b []byte, n uint32) []byte {
	b = append([]byte(nil), b...)
	copy(b[1:5], be32(n))
	return b
}

// withBGPLen returns a copy of a BGP message with its length field set to n.
func withBGPLen(b []byte, n uint16) []byte {
	b = append([]byte(nil), b...)
	copy(b[16:18], be16(n))
	return b
}

func TestDecodeMalformed(t *testing.T) {
	upd, opn, notif := update(), open(65001, [4]byte{192, 0, 2, 1}), notification()
	ph := v4peer.bytes()
	tests := []struct {
		name     string
		in       []byte
		wantOff  int
		wantMsg  string // exact error text
		sentinel error
	}{
		{name: "short common header", in: []byte{3, 0, 0, 0},
			wantOff: 0, wantMsg: "bmp: offset 0: common header: need 6 bytes, have 4"},
		{name: "bad version", in: []byte{2, 0, 0, 0, 6, 4}, sentinel: ErrBadVersion,
			wantOff: 0, wantMsg: "bmp: offset 0: common header: version 2 not supported (want 3 or 4)"},
		{name: "declared length below 6", in: []byte{3, 0, 0, 0, 2, 4, 0, 0}, sentinel: ErrTooShort,
			wantOff: 1, wantMsg: "bmp: offset 1: common header: length 2 below 6"},
		{name: "declared length overruns buffer", in: setLen(msg(3, MsgInitiation, tlv(0, []byte("abc"))), 100),
			wantOff: 1, wantMsg: "bmp: offset 1: common header: length 100, but the message buffer has 13 bytes"},
		{name: "declared length shorter than buffer", in: setLen(msg(3, MsgInitiation, tlv(0, []byte("abc"))), 10),
			wantOff: 1, wantMsg: "bmp: offset 1: common header: length 10, but the message buffer has 13 bytes"},
		{name: "per-peer header truncated", in: msg(3, MsgRouteMonitoring, ph[:30]),
			wantOff: 6, wantMsg: "bmp: offset 6: peer header: need 42 bytes, have 30"},
		{name: "per-peer header missing (stats)", in: msg(3, MsgStatisticsReport),
			wantOff: 6, wantMsg: "bmp: offset 6: peer header: need 42 bytes, have 0"},
		{name: "RM BGP header truncated", in: msg(3, MsgRouteMonitoring, ph, upd[:10]),
			wantOff: 48, wantMsg: "bmp: offset 48: route monitoring: BGP UPDATE: BGP header: need 19 bytes, have 10"},
		{name: "RM BGP length overrun", in: msg(3, MsgRouteMonitoring, ph, withBGPLen(upd, 200)),
			wantOff: 64, wantMsg: "bmp: offset 64: route monitoring: BGP UPDATE: BGP length 200 overruns the 41 bytes left"},
		{name: "RM BGP length below header", in: msg(3, MsgRouteMonitoring, ph, withBGPLen(upd, 18)),
			wantOff: 64, wantMsg: "bmp: offset 64: route monitoring: BGP UPDATE: BGP length 18 below the 19-byte header"},
		{name: "RM v3 empty body", in: msg(3, MsgRouteMonitoring, ph),
			wantOff: 48, wantMsg: "bmp: offset 48: route monitoring: BGP UPDATE: BGP header: need 19 bytes, have 0"},
		{name: "RM v4 TLV overrun", in: msg(4, MsgRouteMonitoring, ph, itlv(4, 0, upd)[:30]),
			wantOff: 50, wantMsg: "bmp: offset 50: route monitoring TLV type 4: length 41 overruns the 24 bytes left"},
		{name: "RM v4 TLV header truncated", in: msg(4, MsgRouteMonitoring, ph, itlv(4, 0, upd), []byte{0, 5, 0}),
			wantOff: 95, wantMsg: "bmp: offset 95: route monitoring TLV header: need 6 bytes, have 3"},
		{name: "RM v4 no BGP PDU TLV", in: msg(4, MsgRouteMonitoring, ph, itlv(3, 0, []byte("global"))),
			wantOff: 48, wantMsg: "bmp: offset 48: route monitoring: none of the 1 BMPv4 TLVs carries a BGP UPDATE"},
		{name: "RM v4 empty", in: msg(4, MsgRouteMonitoring, ph),
			wantOff: 48, wantMsg: "bmp: offset 48: route monitoring: none of the 0 BMPv4 TLVs carries a BGP UPDATE"},
		{name: "RM v4 BGP PDU shorter than TLV", in: msg(4, MsgRouteMonitoring, ph, itlv(3, 0, []byte("x")), itlv(4, 0, cat(upd, []byte{0}))),
			wantOff: 77, wantMsg: "bmp: offset 77: route monitoring: BGP PDU TLV of 42 bytes holds a 41-byte BGP message"},
		{name: "RM v4 BGP PDU overruns TLV", in: msg(4, MsgRouteMonitoring, ph, itlv(4, 0, withBGPLen(upd, 60))),
			wantOff: 70, wantMsg: "bmp: offset 70: route monitoring: BGP PDU TLV: BGP length 60 overruns the 41 bytes left"},
		{name: "RM v4 BGP PDU not an UPDATE", in: msg(4, MsgRouteMonitoring, ph, itlv(4, 0, notif)),
			wantOff: 72, wantMsg: "bmp: offset 72: route monitoring: BGP PDU TLV holds BGP message type 3, want UPDATE (2)"},
		{name: "stats count truncated", in: msg(3, MsgStatisticsReport, ph, []byte{0, 0}),
			wantOff: 48, wantMsg: "bmp: offset 48: stats report: count: need 4 bytes, have 2"},
		{name: "stats TLV overrun", in: msg(3, MsgStatisticsReport, ph, be32(2), stat(0, be32(1)), be16(7), be16(8), be32(0)),
			wantOff: 62, wantMsg: "bmp: offset 62: stats report: stat type 7: length 8 overruns the 4 bytes left"},
		{name: "stats TLV header truncated", in: msg(3, MsgStatisticsReport, ph, be32(1), stat(0, be32(1)), []byte{0}),
			wantOff: 60, wantMsg: "bmp: offset 60: stats report: stat header: need 4 bytes, have 1"},
		{name: "stats v4 trailing TLV overrun", in: msg(4, MsgStatisticsReport, ph, tlv(1, cat(be32(1), stat(8, be64(1)))), be16(3), be16(9)),
			wantOff: 70, wantMsg: "bmp: offset 70: stats report TLV type 3: length 9 overruns the 0 bytes left"},
		{name: "peer down no reason", in: msg(3, MsgPeerDown, ph),
			wantOff: 48, wantMsg: "bmp: offset 48: peer down: reason: need 1 bytes, have 0"},
		{name: "peer down reason 1 truncated NOTIFICATION", in: msg(3, MsgPeerDown, ph, []byte{1}, notif[:10]),
			wantOff: 49, wantMsg: "bmp: offset 49: peer down: NOTIFICATION: BGP header: need 19 bytes, have 10"},
		{name: "peer down reason 3 NOTIFICATION length overrun", in: msg(3, MsgPeerDown, ph, []byte{3}, withBGPLen(notif, 30)),
			wantOff: 65, wantMsg: "bmp: offset 65: peer down: NOTIFICATION: BGP length 30 overruns the 21 bytes left"},
		{name: "peer down reason 2 short FSM event", in: msg(3, MsgPeerDown, ph, []byte{2, 1}),
			wantOff: 49, wantMsg: "bmp: offset 49: peer down: FSM event: need 2 bytes, have 1"},
		{name: "peer down reason 6 TLV overrun", in: msg(3, MsgPeerDown, ph, []byte{6}, be16(3), be16(10), []byte("abc")),
			wantOff: 51, wantMsg: "bmp: offset 51: peer down TLV type 3: length 10 overruns the 3 bytes left"},
		{name: "peer down v4 reason 3 trailing TLV overrun", in: msg(4, MsgPeerDown, ph, []byte{3}, notif, []byte{0, 3, 0}),
			wantOff: 70, wantMsg: "bmp: offset 70: peer down TLV header: need 4 bytes, have 3"},
		{name: "peer up too short", in: msg(3, MsgPeerUp, ph, make([]byte, 10)),
			wantOff: 48, wantMsg: "bmp: offset 48: peer up: local address and ports: need 20 bytes, have 10"},
		{name: "peer up sent OPEN length overrun", in: msg(3, MsgPeerUp, ph, make([]byte, 20), withBGPLen(opn, 400), opn),
			wantOff: 84, wantMsg: "bmp: offset 84: peer up: sent OPEN: BGP length 400 overruns the 58 bytes left"},
		{name: "peer up received OPEN length overrun", in: msg(3, MsgPeerUp, ph, make([]byte, 20), opn, withBGPLen(opn, 30)),
			wantOff: 113, wantMsg: "bmp: offset 113: peer up: received OPEN: BGP length 30 overruns the 29 bytes left"},
		{name: "peer up received OPEN missing", in: msg(3, MsgPeerUp, ph, make([]byte, 20), opn),
			wantOff: 97, wantMsg: "bmp: offset 97: peer up: received OPEN: BGP header: need 19 bytes, have 0"},
		{name: "peer up OPEN length below header", in: msg(3, MsgPeerUp, ph, make([]byte, 20), withBGPLen(opn, 0), opn),
			wantOff: 84, wantMsg: "bmp: offset 84: peer up: sent OPEN: BGP length 0 below the 19-byte header"},
		{name: "peer up info TLV overrun", in: msg(3, MsgPeerUp, ph, make([]byte, 20), opn, opn, be16(0), be16(5), []byte("ab")),
			wantOff: 128, wantMsg: "bmp: offset 128: peer up TLV type 0: length 5 overruns the 2 bytes left"},
		{name: "initiation TLV overrun", in: msg(3, MsgInitiation, tlv(2, []byte("r1")), be16(1), be16(50), []byte("x")),
			wantOff: 14, wantMsg: "bmp: offset 14: initiation TLV type 1: length 50 overruns the 1 bytes left"},
		{name: "termination TLV header truncated", in: msg(3, MsgTermination, []byte{0, 1}),
			wantOff: 6, wantMsg: "bmp: offset 6: termination TLV header: need 4 bytes, have 2"},
		{name: "mirroring TLV overrun", in: msg(3, MsgRouteMirroring, ph, be16(0), be16(41), upd[:20]),
			wantOff: 50, wantMsg: "bmp: offset 50: route mirroring TLV type 0: length 41 overruns the 20 bytes left"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var m Message
			err := m.Decode(tc.in)
			if err == nil {
				t.Fatal("Decode succeeded")
			}
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("error %T %v is not *Error", err, err)
			}
			if e.Offset != tc.wantOff || err.Error() != tc.wantMsg {
				t.Fatalf("error %q (offset %d)\nwant  %q (offset %d)", err, e.Offset, tc.wantMsg, tc.wantOff)
			}
			if tc.sentinel != nil && !errors.Is(err, tc.sentinel) {
				t.Fatalf("error does not wrap %v", tc.sentinel)
			}
		})
	}
}

// TestDecodeTruncations decodes every prefix of every good message, re-framed with the
// prefix length: no panic, and either an *Error or a result whose slices lie in the input.
func TestDecodeTruncations(t *testing.T) {
	var m Message
	for _, tc := range goodCases() {
		for n := 0; n < len(tc.in); n++ {
			in := append([]byte(nil), tc.in[:n]...)
			if n >= 5 {
				copy(in[1:5], be32(uint32(n)))
			}
			if err := m.Decode(in); err != nil {
				var e *Error
				if !errors.As(err, &e) {
					t.Fatalf("%s[:%d]: error %T", tc.name, n, err)
				}
				continue
			}
			for i, s := range slicesOf(&m) {
				if !within(in, s) {
					t.Fatalf("%s[:%d]: slice %d outside input", tc.name, n, i)
				}
			}
		}
	}
}

func TestInfoTLVHelpers(t *testing.T) {
	b := cat(tlv(2, []byte("r1")), tlv(0, nil))
	got, err := DecodeInfoTLVs(nil, b)
	if err != nil || len(got) != 2 || got[0].Type != 2 || string(got[0].Value) != "r1" || got[1].Type != 0 || len(got[1].Value) != 0 || got[0].HasIndex {
		t.Fatalf("DecodeInfoTLVs = %+v, %v", got, err)
	}
	if cap(got[0].Value) != 2 {
		t.Fatalf("value capacity %d not capped", cap(got[0].Value))
	}
	_, err = DecodeInfoTLVs(nil, b[:5])
	if err == nil || err.Error() != "bmp: offset 2: information TLV type 2: length 2 overruns the 1 bytes left" {
		t.Fatalf("overrun: %v", err)
	}
	ib := cat(itlv(2, 0x8001, cat(be16(1), be16(2))), itlv(5, 3, be32(1)))
	igot, err := DecodeIndexedTLVs(nil, ib)
	if err != nil || len(igot) != 2 || igot[0].Index != 0x8001 || !igot[0].HasIndex || igot[0].Index&TLVIndexGroupBit == 0 ||
		igot[1].Type != 5 || igot[1].Index != 3 || len(igot[1].Value) != 4 {
		t.Fatalf("DecodeIndexedTLVs = %+v, %v", igot, err)
	}
	if _, ok := LookupTLV(igot, 9); ok {
		t.Fatal("LookupTLV found a missing type")
	}
	var term Termination
	term.TLVs = []InfoTLV{{Type: TermInfoReason, Value: []byte{0}}}
	if _, ok := term.Reason(); ok {
		t.Fatal("1-byte termination reason accepted")
	}
}
