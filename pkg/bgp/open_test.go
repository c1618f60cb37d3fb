package bgp

import (
	"bytes"
	"slices"
	"testing"
)

func capab(code uint8, v ...byte) []byte { return cat([]byte{code, byte(len(v))}, v) }
func capParam(caps ...[]byte) []byte {
	v := cat(caps...)
	return cat([]byte{OptParamCapabilities, byte(len(v))}, v)
}
func mpCap(afi uint16, safi uint8) []byte {
	return capab(CapMultiprotocol, byte(afi>>8), byte(afi), 0, safi)
}

// openMsg builds an OPEN with the RFC 4271 optional parameter encoding.
func openMsg(myAS, hold uint16, id [4]byte, params ...[]byte) []byte {
	p := cat(params...)
	return bgpMsg(MsgOpen, []byte{4}, u16(myAS), u16(hold), id[:], []byte{byte(len(p))}, p)
}

// openMsgExt builds an OPEN with the RFC 9072 encoding; params are (type, value) pairs
// given as already-encoded [type, len(2), value] by extParam.
func openMsgExt(myAS, hold uint16, id [4]byte, params ...[]byte) []byte {
	p := cat(params...)
	return bgpMsg(MsgOpen, []byte{4}, u16(myAS), u16(hold), id[:], []byte{255, 255}, u16(uint16(len(p))), p)
}
func extParam(typ uint8, v []byte) []byte { return cat([]byte{typ}, u16(uint16(len(v))), v) }

func TestParseOpenCapabilities(t *testing.T) {
	id := [4]byte{192, 0, 2, 1}
	msg := openMsg(23456, 90, id,
		capParam(
			mpCap(AFIIPv4, SAFIUnicast), mpCap(AFIIPv6, SAFIUnicast), mpCap(AFIIPv4, SAFILabeled),
			capab(CapRouteRefresh), capab(CapRouteRefreshCisco), capab(CapEnhancedRefresh), capab(CapExtendedMessage),
			capab(CapFourOctetAS, 0xfa, 0x56, 0xea, 0x00), // 4200000000
			capab(CapAddPath, 0, 1, 1, 3, 0, 2, 1, 1, 0, 1, 4, 2),
			capab(CapExtendedNextHop, 0, 1, 0, 1, 0, 2, 0, 1, 0, 128, 0, 2),
			capab(CapGracefulRestart, 0x80|0x01, 0x2c, 0, 1, 1, 0x80, 0, 2, 1, 0), // R bit, 300 s
			capab(CapFQDN, 3, 'r', 't', 'r', 11, 'e', 'x', 'a', 'm', 'p', 'l', 'e', '.', 'n', 'e', 't'),
			capab(CapLongLivedGR, 0, 1, 1, 0x80, 0, 0, 10),
			capab(200, 1, 2, 3),
		),
		[]byte{1, 2, 0xaa, 0xbb}, // type 1 (deprecated authentication), kept raw
	)
	o, err := ParseOpen(msg)
	if err != nil {
		t.Fatal(err)
	}
	if o.Version != 4 || o.MyAS != 23456 || o.HoldTime != 90 || o.BGPID != id || o.ExtendedOptParams {
		t.Errorf("header fields %+v", o)
	}
	if !o.HasAS4 || o.AS4 != 4200000000 || o.AS() != 4200000000 {
		t.Errorf("AS4 %v %d AS() %d", o.HasAS4, o.AS4, o.AS())
	}
	var codes []uint8
	for _, c := range o.Caps {
		codes = append(codes, c.Code)
	}
	if want := []uint8{1, 1, 1, 2, 128, 70, 6, 65, 69, 5, 64, 73, 71, 200}; !bytes.Equal(codes, want) {
		t.Errorf("codes %v, want %v", codes, want)
	}
	if !bytes.Equal(o.Caps[13].Value, []byte{1, 2, 3}) || !bytes.Equal(o.Caps[12].Value, []byte{0, 1, 1, 0x80, 0, 0, 10}) {
		t.Errorf("raw values %x %x", o.Caps[13].Value, o.Caps[12].Value)
	}
	if want := []Family{FamilyIPv4Unicast, FamilyIPv6Unicast, {AFIIPv4, SAFILabeled}}; !slices.Equal(o.Multiprotocol, want) {
		t.Errorf("MP %v", o.Multiprotocol)
	}
	if !o.RouteRefresh || !o.RouteRefreshCisco || !o.EnhancedRefresh || !o.ExtendedMessage {
		t.Errorf("flags rr %v cisco %v enh %v ext %v", o.RouteRefresh, o.RouteRefreshCisco, o.EnhancedRefresh, o.ExtendedMessage)
	}
	wantAP := []AddPathFamily{{FamilyIPv4Unicast, AddPathBoth}, {FamilyIPv6Unicast, AddPathReceive}, {Family{AFIIPv4, SAFILabeled}, AddPathSend}}
	if !slices.Equal(o.AddPath, wantAP) {
		t.Errorf("ADD-PATH %+v", o.AddPath)
	}
	wantNH := []ExtNextHop{{FamilyIPv4Unicast, AFIIPv6}, {Family{AFIIPv4, SAFIVPN}, AFIIPv6}}
	if !slices.Equal(o.ExtNextHop, wantNH) {
		t.Errorf("ext next hop %+v", o.ExtNextHop)
	}
	gr := o.GracefulRestart
	if gr == nil || gr.Flags != 0x80 || gr.Time != 300 || !slices.Equal(gr.Families, []GRFamily{{FamilyIPv4Unicast, 0x80}, {FamilyIPv6Unicast, 0}}) {
		t.Errorf("graceful restart %+v", gr)
	}
	if o.FQDNHost != "rtr" || o.FQDNDomain != "example.net" {
		t.Errorf("FQDN %q %q", o.FQDNHost, o.FQDNDomain)
	}
	if len(o.OtherParams) != 1 || o.OtherParams[0].Type != 1 || !bytes.Equal(o.OtherParams[0].Value, []byte{0xaa, 0xbb}) {
		t.Errorf("other params %+v", o.OtherParams)
	}
	// Methods.
	for f, mode := range map[Family]uint8{FamilyIPv4Unicast: 3, FamilyIPv6Unicast: 1, {AFIIPv4, SAFILabeled}: 2, {AFIIPv6, SAFILabeled}: 0} {
		if got := o.AddPathMode(f); got != mode {
			t.Errorf("AddPathMode(%v) = %d, want %d", f, got, mode)
		}
	}
	if !o.HasFamily(FamilyIPv6Unicast) || o.HasFamily(Family{AFIIPv6, SAFILabeled}) {
		t.Error("HasFamily")
	}
	// Values alias the message.
	msg[len(msg)-7] = 0x99 // first byte of capability 200's value
	if o.Caps[13].Value[0] != 0x99 {
		t.Error("capability values do not alias the message")
	}
}

func TestParseOpenCapabilityPerParameter(t *testing.T) {
	// FRR style: one capability per optional parameter.
	o, err := ParseOpen(openMsg(65000, 180, [4]byte{127, 0, 0, 1},
		capParam(mpCap(AFIIPv4, SAFIUnicast)), capParam(mpCap(AFIL2VPN, SAFIEVPN)),
		capParam(capab(CapFourOctetAS, 0, 0, 0xfd, 0xe8)), capParam(), capParam(capab(CapRouteRefresh))))
	if err != nil {
		t.Fatal(err)
	}
	if len(o.Caps) != 4 || !slices.Equal(o.Multiprotocol, []Family{FamilyIPv4Unicast, {AFIL2VPN, SAFIEVPN}}) || o.AS() != 65000 || !o.RouteRefresh {
		t.Errorf("%+v", o)
	}
}

func TestParseOpenNoCapabilities(t *testing.T) {
	o, err := ParseOpen(openMsg(64512, 0, [4]byte{10, 0, 0, 1}))
	if err != nil {
		t.Fatal(err)
	}
	if len(o.Caps) != 0 || o.HasAS4 || o.AS() != 64512 || o.HoldTime != 0 {
		t.Errorf("%+v", o)
	}
	// RFC 4760 section 7: without multiprotocol capabilities only IPv4 unicast.
	if !o.HasFamily(FamilyIPv4Unicast) || o.HasFamily(FamilyIPv6Unicast) {
		t.Error("HasFamily without MP capability")
	}
	if o.AddPathMode(FamilyIPv4Unicast) != 0 {
		t.Error("AddPathMode")
	}
}

func TestParseOpenExtendedOptParams(t *testing.T) {
	// RFC 9072: a capabilities parameter longer than 255 bytes (70 MP capabilities).
	var caps [][]byte
	for i := 0; i < 70; i++ {
		caps = append(caps, mpCap(uint16(100+i), SAFIUnicast))
	}
	caps = append(caps, capab(CapFourOctetAS, 0, 1, 0, 0))
	v := cat(caps...)
	msg := openMsgExt(ASTransUint16(), 90, [4]byte{1, 2, 3, 4}, extParam(OptParamCapabilities, v), extParam(1, []byte{7}))
	o, err := ParseOpen(msg)
	if err != nil {
		t.Fatal(err)
	}
	if !o.ExtendedOptParams || len(o.Caps) != 71 || len(o.Multiprotocol) != 70 || o.Multiprotocol[69].AFI != 169 || o.AS() != 65536 {
		t.Errorf("ext %v caps %d mp %d as %d", o.ExtendedOptParams, len(o.Caps), len(o.Multiprotocol), o.AS())
	}
	if len(o.OtherParams) != 1 || o.OtherParams[0].Type != 1 || !bytes.Equal(o.OtherParams[0].Value, []byte{7}) {
		t.Errorf("other params %+v", o.OtherParams)
	}
	// An extended encoding with no parameters at all.
	o, err = ParseOpen(openMsgExt(1, 90, [4]byte{1, 2, 3, 4}))
	if err != nil || !o.ExtendedOptParams || len(o.Caps) != 0 {
		t.Errorf("empty extended: %+v %v", o, err)
	}
}

func ASTransUint16() uint16 { return uint16(ASTrans) }

func TestParseOpenMalformedCapabilitiesKeptRaw(t *testing.T) {
	o, err := ParseOpen(openMsg(65001, 90, [4]byte{1, 1, 1, 1}, capParam(
		capab(CapFourOctetAS, 0, 1, 0),              // 3 bytes
		capab(CapMultiprotocol, 0, 1, 0, 1, 0),      // 5 bytes
		capab(CapAddPath, 0, 1, 1, 3, 0),            // 5 bytes
		capab(CapGracefulRestart, 0x80),             // 1 byte
		capab(CapGracefulRestart, 0, 10, 0, 1),      // 4 bytes: partial family entry
		capab(CapExtendedNextHop, 0, 1, 0, 1),       // 4 bytes
		capab(CapExtendedNextHop, 0, 1, 1, 1, 0, 2), // SAFI 257 does not fit a Family
		capab(CapFQDN, 5, 'a', 'b'),                 // host length overruns
		capab(CapFQDN, 1, 'a', 4, 'b'),              // domain length overruns
		capab(CapFQDN),                              // empty
		capab(CapRouteRefresh, 1),                   // must be empty
		capab(CapExtendedMessage, 0),                // must be empty
		capab(CapEnhancedRefresh, 0, 0),             // must be empty
		capab(CapRouteRefreshCisco, 9),              // must be empty
	)))
	if err != nil {
		t.Fatal(err)
	}
	if len(o.Caps) != 14 {
		t.Fatalf("%d caps, want 14", len(o.Caps))
	}
	if o.HasAS4 || o.AS() != 65001 || o.Multiprotocol != nil || o.AddPath != nil || o.GracefulRestart != nil || o.ExtNextHop != nil || o.FQDNHost != "" ||
		o.RouteRefresh || o.ExtendedMessage || o.EnhancedRefresh || o.RouteRefreshCisco {
		t.Errorf("malformed capabilities decoded: %+v", o)
	}
}

func TestParseOpenErrors(t *testing.T) {
	id := [4]byte{1, 1, 1, 1}
	good := openMsg(1, 90, id, capParam(mpCap(1, 1)))
	optLenPlus := bytes.Clone(good)
	optLenPlus[28]++
	optLenMinus := bytes.Clone(good)
	optLenMinus[28]--
	tests := []struct {
		name string
		in   []byte
		off  int
		text string
	}{
		{"too short", bgpMsg(MsgOpen, make([]byte, 9)), 16, "below the minimum 29"},
		{"opt len too long", optLenPlus, 28, "optional parameters length 9, but 8 bytes follow"},
		{"opt len too short", optLenMinus, 28, "optional parameters length 7, but 8 bytes follow"},
		{"capability overruns parameter", openMsg(1, 90, id, []byte{2, 4, 1, 4, 0, 1}), 31, "capability 1: length 4 exceeds the optional parameter (2 bytes left)"},
		{"capability header truncated", openMsg(1, 90, id, []byte{2, 3, 2, 0, 65}), 33, "capability header: need 2 bytes, have 1"},
		{"parameter overruns message", bgpMsg(MsgOpen, []byte{4, 0, 1, 0, 90, 1, 1, 1, 1, 3, 2, 5, 1}), 29, "optional parameter type 2: length 5 exceeds the message (1 bytes left)"},
		{"parameter header truncated", bgpMsg(MsgOpen, []byte{4, 0, 1, 0, 90, 1, 1, 1, 1, 3, 2, 0, 2}), 31, "optional parameter header: need 2 bytes, have 1"},
		{"extended length truncated", bgpMsg(MsgOpen, []byte{4, 0, 1, 0, 90, 1, 1, 1, 1, 255, 255, 0}), 29, "need 3 bytes, have 2"},
		{"extended length mismatch", bgpMsg(MsgOpen, []byte{4, 0, 1, 0, 90, 1, 1, 1, 1, 255, 255, 0, 9, 2, 0, 0}), 30, "optional parameters length 9, but 3 bytes follow"},
		{"extended parameter header truncated", bgpMsg(MsgOpen, []byte{4, 0, 1, 0, 90, 1, 1, 1, 1, 255, 255, 0, 2, 2, 0}), 32, "optional parameter header: need 3 bytes, have 2"},
		{"extended parameter overruns", bgpMsg(MsgOpen, []byte{4, 0, 1, 0, 90, 1, 1, 1, 1, 255, 255, 0, 4, 2, 1, 0, 0}), 32, "optional parameter type 2: length 256 exceeds the message (1 bytes left)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o, err := ParseOpen(tt.in)
			if o != nil {
				t.Errorf("got an Open with an error")
			}
			wantError(t, err, tt.off, tt.text)
		})
	}
	if _, err := ParseOpen(good); err != nil {
		t.Fatal(err)
	}
}

func TestCapabilityName(t *testing.T) {
	want := map[uint8]string{
		1: "Multiprotocol Extensions for BGP-4", 2: "Route Refresh Capability for BGP-4",
		3: "Outbound Route Filtering Capability", 4: "Multiple routes to a destination capability (deprecated)",
		5: "Extended Next Hop Encoding", 6: "BGP Extended Message", 7: "BGPsec Capability",
		8: "Multiple Labels Capability", 9: "BGP Role", 10: "", 63: "",
		64: "Graceful Restart Capability", 65: "Support for 4-octet AS number capability",
		66: "Deprecated (2003-03-06)", 67: "Support for Dynamic Capability (capability specific)",
		68: "Multisession BGP Capability", 69: "ADD-PATH Capability", 70: "Enhanced Route Refresh Capability",
		71: "Long-Lived Graceful Restart (LLGR) Capability", 72: "Routing Policy Distribution",
		73: "FQDN Capability", 74: "BFD Capability", 75: "Software Version Capability", 76: "PATHS-LIMIT Capability", 77: "",
		128: "Prestandard Route Refresh (deprecated)", 130: "Prestandard Outbound Route Filtering (deprecated)",
		131: "Prestandard Multisession (deprecated)", 132: "", 184: "Prestandard FQDN (deprecated)",
		185: "Prestandard OPERATIONAL message (deprecated)", 200: "",
	}
	for code, name := range want {
		if got := CapabilityName(code); got != name {
			t.Errorf("CapabilityName(%d) = %q, want %q", code, got, name)
		}
	}
}

func TestAddPathFamilies(t *testing.T) {
	v4, v6, lu := FamilyIPv4Unicast, FamilyIPv6Unicast, Family{AFIIPv4, SAFILabeled}
	vpn := Family{AFIIPv4, SAFIVPN}
	open := func(aps ...AddPathFamily) *Open { return &Open{AddPath: aps} }
	tests := []struct {
		name             string
		sender, receiver *Open
		want             []Family
	}{
		{"both 3", open(AddPathFamily{v4, 3}), open(AddPathFamily{v4, 3}), []Family{v4}},
		{"send-only to receive-only", open(AddPathFamily{v4, 2}), open(AddPathFamily{v4, 1}), []Family{v4}},
		{"receive-only sender", open(AddPathFamily{v4, 1}), open(AddPathFamily{v4, 3}), nil},
		{"send-only receiver", open(AddPathFamily{v4, 3}), open(AddPathFamily{v4, 2}), nil},
		{"receiver lacks the family", open(AddPathFamily{v4, 3}, AddPathFamily{v6, 3}), open(AddPathFamily{v6, 1}), []Family{v6}},
		{"several, sender order", open(AddPathFamily{lu, 2}, AddPathFamily{v6, 3}, AddPathFamily{v4, 2}, AddPathFamily{vpn, 1}),
			open(AddPathFamily{v4, 1}, AddPathFamily{vpn, 3}, AddPathFamily{v6, 3}, AddPathFamily{lu, 1}), []Family{lu, v6, v4}},
		{"duplicate entry: first counts", open(AddPathFamily{v4, 2}, AddPathFamily{v4, 1}, AddPathFamily{v4, 3}), open(AddPathFamily{v4, 1}), []Family{v4}},
		{"duplicate entry: first refuses", open(AddPathFamily{v4, 1}, AddPathFamily{v4, 2}), open(AddPathFamily{v4, 1}), nil},
		{"invalid mode", open(AddPathFamily{v4, 7}), open(AddPathFamily{v4, 3}), nil},
		{"no capability", &Open{}, open(AddPathFamily{v4, 3}), nil},
		{"nil sender", nil, open(AddPathFamily{v4, 3}), nil},
		{"nil receiver", open(AddPathFamily{v4, 3}), nil, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := AddPathFamilies(tt.sender, tt.receiver); !slices.Equal(got, tt.want) {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
	// The BMP directions: the peer sends receive+send for v4, the monitored router only
	// receive. Adj-RIB-In (peer -> router) has path IDs, Adj-RIB-Out does not.
	received, sent := open(AddPathFamily{v4, 3}), open(AddPathFamily{v4, 1})
	if got := AddPathFamilies(received, sent); !slices.Equal(got, []Family{v4}) {
		t.Errorf("Adj-RIB-In: %v", got)
	}
	if got := AddPathFamilies(sent, received); got != nil {
		t.Errorf("Adj-RIB-Out: %v", got)
	}
}

func TestAS4Negotiated(t *testing.T) {
	a, b := &Open{HasAS4: true, AS4: 1}, &Open{HasAS4: true, AS4: 2}
	if !AS4Negotiated(a, b) || AS4Negotiated(a, &Open{}) || AS4Negotiated(&Open{}, b) || AS4Negotiated(nil, b) || AS4Negotiated(a, nil) {
		t.Error("AS4Negotiated")
	}
}
