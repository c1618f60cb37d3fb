package bmp

import (
	"errors"
	"net/netip"
	"testing"
	"time"
)

func TestParseCommonHeader(t *testing.T) {
	tests := []struct {
		name    string
		in      []byte
		want    CommonHeader
		wantErr error  // sentinel, when the error has one
		wantMsg string // exact error text; "" means no error
	}{
		{name: "v3", in: []byte{3, 0, 0, 0, 48, 0}, want: CommonHeader{Version: 3, Length: 48, Type: 0}},
		{name: "v4 large", in: []byte{4, 0, 1, 0, 0, 6, 0xaa}, want: CommonHeader{Version: 4, Length: 65536, Type: 6}},
		{name: "min length", in: []byte{3, 0, 0, 0, 6, 4}, want: CommonHeader{Version: 3, Length: 6, Type: 4}},
		{name: "short", in: []byte{3, 0, 0}, wantMsg: "bmp: offset 0: common header: need 6 bytes, have 3"},
		{name: "empty", in: nil, wantMsg: "bmp: offset 0: common header: need 6 bytes, have 0"},
		{name: "version 1", in: []byte{1, 0, 0, 0, 6, 4}, wantErr: ErrBadVersion,
			wantMsg: "bmp: offset 0: common header: version 1 not supported (want 3 or 4)"},
		{name: "version 5", in: []byte{5, 0, 0, 0, 6, 4}, wantErr: ErrBadVersion,
			wantMsg: "bmp: offset 0: common header: version 5 not supported (want 3 or 4)"},
		{name: "length 5", in: []byte{3, 0, 0, 0, 5, 4}, wantErr: ErrTooShort,
			wantMsg: "bmp: offset 1: common header: length 5 below 6"},
		{name: "length 0", in: []byte{3, 0, 0, 0, 0, 4}, wantErr: ErrTooShort,
			wantMsg: "bmp: offset 1: common header: length 0 below 6"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h, err := ParseCommonHeader(tc.in)
			if tc.wantMsg == "" {
				if err != nil {
					t.Fatalf("unexpected error %v", err)
				}
				if h != tc.want {
					t.Fatalf("got %+v, want %+v", h, tc.want)
				}
				return
			}
			if err == nil || err.Error() != tc.wantMsg {
				t.Fatalf("error %v, want %q", err, tc.wantMsg)
			}
			if tc.wantErr != nil && !errors.Is(err, tc.wantErr) {
				t.Fatalf("error %v does not wrap %v", err, tc.wantErr)
			}
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("error %T is not *Error", err)
			}
		})
	}
}

func TestParsePeerHeader(t *testing.T) {
	p := peerSpec{typ: PeerTypeRD, flags: FlagV | FlagL, rd: [8]byte{0, 1, 192, 0, 2, 9, 0, 7},
		addr: addr16("2001:db8::1"), as: 4200000001, bgpID: [4]byte{10, 0, 0, 1}, sec: 1700000000, usec: 250000}
	raw := p.bytes()
	var h PeerHeader
	if err := ParsePeerHeader(raw, &h); err != nil {
		t.Fatal(err)
	}
	if h.Type != PeerTypeRD || h.Flags != 0xc0 || h.AS != 4200000001 || h.BGPID != [4]byte{10, 0, 0, 1} ||
		h.TimestampSec != 1700000000 || h.TimestampUsec != 250000 {
		t.Fatalf("fields: %+v", h)
	}
	if h.Address != netip.MustParseAddr("2001:db8::1") {
		t.Fatalf("address %v", h.Address)
	}
	if !h.IsIPv6() || !h.IsPostPolicy() || h.IsAS2() || h.IsAdjRIBOut() || h.IsFiltered() {
		t.Fatalf("flags: v6=%v L=%v A=%v O=%v F=%v", h.IsIPv6(), h.IsPostPolicy(), h.IsAS2(), h.IsAdjRIBOut(), h.IsFiltered())
	}
	if got := h.RDString(); got != "192.0.2.9:7" {
		t.Fatalf("RD %q", got)
	}
	if h.RDType() != 1 {
		t.Fatalf("RD type %d", h.RDType())
	}
	if want := time.Date(2023, 11, 14, 22, 13, 20, 250000000, time.UTC); !h.Time().Equal(want) || h.Time().Location() != time.UTC {
		t.Fatalf("time %v, want %v", h.Time(), want)
	}
	if !within(raw, h.Raw) || len(h.Raw) != PeerHeaderLen {
		t.Fatal("Raw does not alias the input")
	}
	err := ParsePeerHeader(raw[:30], &h)
	if err == nil || err.Error() != "bmp: offset 0: peer header: need 42 bytes, have 30" {
		t.Fatalf("truncated: %v", err)
	}
}

func TestPeerHeaderAddressAndFlags(t *testing.T) {
	tests := []struct {
		name                      string
		typ, flags                uint8
		addr                      string
		wantAddr                  string
		v6, post, as2, out, filtd bool
	}{
		{"global v4", PeerTypeGlobal, 0, "192.0.2.1", "192.0.2.1", false, false, false, false, false},
		{"global v6 L", PeerTypeGlobal, FlagV | FlagL, "2001:db8::2", "2001:db8::2", true, true, false, false, false},
		{"global A O", PeerTypeGlobal, FlagA | FlagO, "192.0.2.3", "192.0.2.3", false, false, true, true, false},
		// V clear: only the last 4 bytes count, even if others are set.
		{"v4 garbage prefix", PeerTypeGlobal, 0, "2001:db8::c000:204", "192.0.2.4", false, false, false, false, false},
		{"local instance v6", PeerTypeLocal, FlagV, "2001:db8::5", "2001:db8::5", true, false, false, false, false},
		// Loc-RIB: 0x80 is F; zero address -> 0.0.0.0; L/A/O bits are not interpreted.
		{"locrib filtered zero", PeerTypeLocRIB, FlagF | FlagL | FlagA | FlagO, "::", "0.0.0.0", false, false, false, false, true},
		{"locrib v4 addr", PeerTypeLocRIB, 0, "192.0.2.6", "192.0.2.6", false, false, false, false, false},
		{"locrib v6 addr no V", PeerTypeLocRIB, 0, "2001:db8::7", "2001:db8::7", true, false, false, false, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := v4peer
			p.typ, p.flags, p.addr = tc.typ, tc.flags, addr16(tc.addr)
			var h PeerHeader
			if err := ParsePeerHeader(p.bytes(), &h); err != nil {
				t.Fatal(err)
			}
			if h.Address != netip.MustParseAddr(tc.wantAddr) {
				t.Errorf("address %v, want %v", h.Address, tc.wantAddr)
			}
			got := [5]bool{h.IsIPv6(), h.IsPostPolicy(), h.IsAS2(), h.IsAdjRIBOut(), h.IsFiltered()}
			want := [5]bool{tc.v6, tc.post, tc.as2, tc.out, tc.filtd}
			if got != want {
				t.Errorf("v6,L,A,O,F = %v, want %v", got, want)
			}
		})
	}
}

func TestRDString(t *testing.T) {
	tests := []struct {
		peerType uint8
		rd       [8]byte
		want     string
		wantType uint16
	}{
		{PeerTypeGlobal, [8]byte{}, "0:0", 0},
		{PeerTypeRD, [8]byte{0, 0, 0xfd, 0xe8, 0, 0, 0, 100}, "65000:100", 0},
		{PeerTypeRD, [8]byte{0, 0, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff}, "65535:4294967295", 0},
		{PeerTypeRD, [8]byte{0, 1, 192, 0, 2, 1, 0x01, 0x00}, "192.0.2.1:256", 1},
		{PeerTypeRD, [8]byte{0, 2, 0xfa, 0x56, 0xea, 0x00, 0, 9}, "4200000000:9", 2},
		{PeerTypeLocRIB, [8]byte{0, 0, 0, 1, 0, 0, 0, 2}, "1:2", 0},
		{PeerTypeRD, [8]byte{0, 5, 1, 2, 3, 4, 5, 6}, "5:010203040506", 5},
		{PeerTypeLocal, [8]byte{0, 0, 0, 0, 0, 0, 1, 0}, "256", 0},
		{PeerTypeLocal, [8]byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff}, "18446744073709551615", 0xffff},
		{PeerTypeLocal, [8]byte{}, "0", 0},
	}
	for _, tc := range tests {
		h := PeerHeader{Type: tc.peerType, Distinguisher: tc.rd}
		if got := h.RDString(); got != tc.want {
			t.Errorf("peer type %d rd %x: got %q, want %q", tc.peerType, tc.rd, got, tc.want)
		}
		if got := h.RDType(); got != tc.wantType {
			t.Errorf("peer type %d rd %x: RDType %d, want %d", tc.peerType, tc.rd, got, tc.wantType)
		}
	}
}

func TestNames(t *testing.T) {
	checks := []struct{ got, want string }{
		{MessageTypeName(0), "Route Monitoring"},
		{MessageTypeName(1), "Statistics Report"},
		{MessageTypeName(2), "Peer Down Notification"},
		{MessageTypeName(3), "Peer Up Notification"},
		{MessageTypeName(4), "Initiation"},
		{MessageTypeName(5), "Termination"},
		{MessageTypeName(6), "Route Mirroring"},
		{MessageTypeName(100), "Unknown(100)"},
		{PeerTypeName(0), "Global Instance Peer"},
		{PeerTypeName(1), "RD Instance Peer"},
		{PeerTypeName(2), "Local Instance Peer"},
		{PeerTypeName(3), "Loc-RIB Instance Peer"},
		{PeerTypeName(4), "Unknown(4)"},
		{PeerDownReasonName(1), "Local system closed, NOTIFICATION PDU follows"},
		{PeerDownReasonName(2), "Local system closed, no NOTIFICATION PDU follows"},
		{PeerDownReasonName(3), "Remote system closed, NOTIFICATION PDU follows"},
		{PeerDownReasonName(4), "Remote system closed, no data"},
		{PeerDownReasonName(5), "Peer de-configured"},
		{PeerDownReasonName(6), "Local system closed, TLV data follows"},
		{PeerDownReasonName(0), "Unknown(0)"},
		{StatTypeName(0), "Number of prefixes rejected by inbound policy"},
		{StatTypeName(7), "Number of routes in Adj-RIBs-In"},
		{StatTypeName(9), "Number of routes in per-AFI/SAFI Adj-RIB-In"},
		{StatTypeName(13), "Number of duplicate update messages received"},
		{StatTypeName(17), "Number of routes in per-AFI/SAFI post-policy Adj-RIB-Out"},
		{StatTypeName(65531), "Unknown(65531)"},
		{TerminationReasonName(0), "Session administratively closed"},
		{TerminationReasonName(1), "Unspecified reason"},
		{TerminationReasonName(2), "Out of resources"},
		{TerminationReasonName(3), "Redundant connection"},
		{TerminationReasonName(4), "Session permanently administratively closed"},
		{TerminationReasonName(9), "Unknown(9)"},
	}
	for i, c := range checks {
		if c.got != c.want {
			t.Errorf("check %d: got %q, want %q", i, c.got, c.want)
		}
	}
	for i := range uint16(18) {
		if StatTypeName(i) == "" || StatTypeName(i)[:6] != "Number" {
			t.Errorf("stat type %d has no name", i)
		}
	}
}
