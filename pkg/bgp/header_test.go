package bgp

import (
	"bytes"
	"testing"
)

func TestParseHeader(t *testing.T) {
	keepalive := bgpMsg(MsgKeepalive)
	update := updateMsg(nil, nil, nil)
	setLen := func(b []byte, n uint16) []byte {
		c := bytes.Clone(b)
		c[16], c[17] = byte(n>>8), byte(n)
		return c
	}
	big := bgpMsg(MsgUpdate, u16(0), u16(uint16(5000-23)), make([]byte, 5000-23))
	tests := []struct {
		name    string
		in      []byte
		length  int
		typ     uint8
		errOff  int
		errText string
	}{
		{name: "keepalive", in: keepalive, length: 19, typ: MsgKeepalive},
		{name: "empty update", in: update, length: 23, typ: MsgUpdate},
		{name: "trailing bytes allowed", in: append(bytes.Clone(keepalive), 1, 2, 3), length: 19, typ: MsgKeepalive},
		{name: "extended message length 5000", in: big, length: 5000, typ: MsgUpdate},
		{name: "marker not checked", in: append(make([]byte, 16), 0, 19, MsgKeepalive), length: 19, typ: MsgKeepalive},
		{name: "unknown type", in: bgpMsg(9, []byte{1, 2}), length: 21, typ: 9},
		{name: "short", in: keepalive[:18], errOff: 0, errText: "need 19 bytes, have 18"},
		{name: "empty", in: nil, errOff: 0, errText: "need 19 bytes, have 0"},
		{name: "length below 19", in: setLen(keepalive, 18), errOff: 16, errText: "length 18 below the minimum 19"},
		{name: "length beyond data", in: setLen(update, 24), errOff: 16, errText: "length 24 exceeds the 23 bytes available"},
		{name: "keepalive too long", in: bgpMsg(MsgKeepalive, []byte{0}), errOff: 16, errText: "KEEPALIVE message length 20, expected 19"},
		{name: "update too short", in: bgpMsg(MsgUpdate, []byte{0, 0}), errOff: 16, errText: "UPDATE message length 21 below the minimum 23"},
		{name: "open too short", in: bgpMsg(MsgOpen, make([]byte, 9)), errOff: 16, errText: "OPEN message length 28 below the minimum 29"},
		{name: "notification too short", in: bgpMsg(MsgNotification, []byte{6}), errOff: 16, errText: "NOTIFICATION message length 20 below the minimum 21"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n, typ, err := ParseHeader(tt.in)
			if tt.errText != "" {
				wantError(t, err, tt.errOff, tt.errText)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if n != tt.length || typ != tt.typ {
				t.Errorf("got length %d type %d, want %d %d", n, typ, tt.length, tt.typ)
			}
		})
	}
}

func TestSplitMessage(t *testing.T) {
	ka := bgpMsg(MsgKeepalive)
	up := updateMsg(nil, nil, pfx("10.0.0.0/8"))
	stream := cat(ka, up, ka[:10])
	msg, rest, err := SplitMessage(stream)
	if err != nil || !bytes.Equal(msg, ka) || len(rest) != len(up)+10 {
		t.Fatalf("first: %x %d %v", msg, len(rest), err)
	}
	if cap(msg) != len(msg) {
		t.Errorf("msg capacity %d exceeds its length %d: appends would clobber the stream", cap(msg), len(msg))
	}
	msg, rest, err = SplitMessage(rest)
	if err != nil || !bytes.Equal(msg, up) || len(rest) != 10 {
		t.Fatalf("second: %x %d %v", msg, len(rest), err)
	}
	msg, rest, err = SplitMessage(rest)
	wantError(t, err, 0, "need 19 bytes, have 10")
	if msg != nil || len(rest) != 10 {
		t.Errorf("torn message: msg %x rest %d", msg, len(rest))
	}
}

func TestParseExactlyOneMessage(t *testing.T) {
	two := cat(updateMsg(nil, nil, nil), bgpMsg(MsgKeepalive))
	var u Update
	wantError(t, ParseUpdate(two, nil, &u), 16, "message length 23 but 42 bytes given")
	_, err := ParseOpen(bgpMsg(MsgKeepalive))
	wantError(t, err, 18, "message type KEEPALIVE, expected OPEN")
	_, err = ParseNotification(updateMsg(nil, nil, nil))
	wantError(t, err, 18, "message type UPDATE, expected NOTIFICATION")
	wantError(t, ParseUpdate(bgpMsg(7, []byte{0, 0, 0, 0}), nil, &u), 18, "message type 7, expected UPDATE")
	if MessageTypeName(MsgRouteRefresh) != "ROUTE-REFRESH" || MessageTypeName(0) != "" {
		t.Error("MessageTypeName")
	}
}
