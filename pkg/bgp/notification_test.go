package bgp

import (
	"bytes"
	"testing"
)

func TestParseNotification(t *testing.T) {
	shutdown := func(sub uint8, text string, extra ...byte) []byte {
		return bgpMsg(MsgNotification, []byte{NotifCease, sub, byte(len(text))}, []byte(text), extra)
	}
	tests := []struct {
		name     string
		in       []byte
		code     uint8
		sub      uint8
		data     []byte
		codeName string
		subName  string
		shutdown string
		hasShut  bool
	}{
		{name: "peer deconfigured (lab)", in: bgpMsg(MsgNotification, []byte{6, 3}), code: 6, sub: 3, data: []byte{}, codeName: "Cease", subName: "Peer De-configured"},
		{name: "hold timer expired", in: bgpMsg(MsgNotification, []byte{4, 0}), code: 4, sub: 0, data: []byte{}, codeName: "Hold Timer Expired"},
		{name: "bad peer AS with data", in: bgpMsg(MsgNotification, []byte{2, 2, 0xfd, 0xe8}), code: 2, sub: 2, data: []byte{0xfd, 0xe8}, codeName: "OPEN Message Error", subName: "Bad Peer AS"},
		{name: "malformed AS_PATH", in: bgpMsg(MsgNotification, []byte{3, 11}), code: 3, sub: 11, data: []byte{}, codeName: "UPDATE Message Error", subName: "Malformed AS_PATH"},
		{name: "admin shutdown with message", in: shutdown(2, "maintenance, back at 10:00 UTC"), code: 6, sub: 2, data: cat([]byte{30}, []byte("maintenance, back at 10:00 UTC")), codeName: "Cease", subName: "Administrative Shutdown", shutdown: "maintenance, back at 10:00 UTC", hasShut: true},
		{name: "admin reset with UTF-8 and trailing data", in: shutdown(4, "Wartung – Ø", 0xde, 0xad), code: 6, sub: 4, data: cat([]byte{byte(len("Wartung – Ø"))}, []byte("Wartung – Ø"), []byte{0xde, 0xad}), codeName: "Cease", subName: "Administrative Reset", shutdown: "Wartung – Ø", hasShut: true},
		{name: "admin shutdown length zero", in: shutdown(2, ""), code: 6, sub: 2, data: []byte{0}, codeName: "Cease", subName: "Administrative Shutdown"},
		{name: "admin shutdown no data", in: bgpMsg(MsgNotification, []byte{6, 2}), code: 6, sub: 2, data: []byte{}, codeName: "Cease", subName: "Administrative Shutdown"},
		{name: "admin shutdown length overruns", in: bgpMsg(MsgNotification, []byte{6, 2, 10, 'a', 'b'}), code: 6, sub: 2, data: []byte{10, 'a', 'b'}, codeName: "Cease", subName: "Administrative Shutdown"},
		{name: "admin shutdown invalid UTF-8", in: bgpMsg(MsgNotification, []byte{6, 2, 2, 0xff, 0xfe}), code: 6, sub: 2, data: []byte{2, 0xff, 0xfe}, codeName: "Cease", subName: "Administrative Shutdown"},
		{name: "255-byte communication (RFC 9003)", in: shutdown(2, string(bytes.Repeat([]byte{'x'}, 255))), code: 6, sub: 2, data: cat([]byte{255}, bytes.Repeat([]byte{'x'}, 255)), codeName: "Cease", subName: "Administrative Shutdown", shutdown: string(bytes.Repeat([]byte{'x'}, 255)), hasShut: true},
		{name: "max prefixes is not a shutdown", in: bgpMsg(MsgNotification, []byte{6, 1, 2, 'h', 'i'}), code: 6, sub: 1, data: []byte{2, 'h', 'i'}, codeName: "Cease", subName: "Maximum Number of Prefixes Reached"},
		{name: "unknown code", in: bgpMsg(MsgNotification, []byte{99, 1}), code: 99, sub: 1, data: []byte{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n, err := ParseNotification(tt.in)
			if err != nil {
				t.Fatal(err)
			}
			if n.Code != tt.code || n.Subcode != tt.sub || !bytes.Equal(n.Data, tt.data) {
				t.Errorf("got %d/%d %x, want %d/%d %x", n.Code, n.Subcode, n.Data, tt.code, tt.sub, tt.data)
			}
			if got := NotificationCodeName(n.Code); got != tt.codeName {
				t.Errorf("code name %q, want %q", got, tt.codeName)
			}
			if got := NotificationSubcodeName(n.Code, n.Subcode); got != tt.subName {
				t.Errorf("subcode name %q, want %q", got, tt.subName)
			}
			msg, ok := n.ShutdownMessage()
			if msg != tt.shutdown || ok != tt.hasShut {
				t.Errorf("ShutdownMessage %q %v, want %q %v", msg, ok, tt.shutdown, tt.hasShut)
			}
		})
	}
}

func TestParseNotificationMalformed(t *testing.T) {
	_, err := ParseNotification(bgpMsg(MsgNotification, []byte{6}))
	wantError(t, err, 16, "NOTIFICATION message length 20 below the minimum 21")
	_, err = ParseNotification(bgpMsg(MsgNotification, []byte{6, 2})[:20])
	wantError(t, err, 16, "exceeds the 20 bytes available")
}

func TestNotificationNames(t *testing.T) {
	codes := map[uint8]string{
		1: "Message Header Error", 2: "OPEN Message Error", 3: "UPDATE Message Error",
		4: "Hold Timer Expired", 5: "Finite State Machine Error", 6: "Cease",
		7: "ROUTE-REFRESH Message Error", 8: "Send Hold Timer Expired", 0: "", 9: "",
	}
	for c, want := range codes {
		if got := NotificationCodeName(c); got != want {
			t.Errorf("code %d: %q, want %q", c, got, want)
		}
	}
	cease := []string{"", "Maximum Number of Prefixes Reached", "Administrative Shutdown", "Peer De-configured",
		"Administrative Reset", "Connection Rejected", "Other Configuration Change",
		"Connection Collision Resolution", "Out of Resources", "Hard Reset", "BFD Down", ""}
	for sub, want := range cease {
		if got := NotificationSubcodeName(NotifCease, uint8(sub)); got != want {
			t.Errorf("cease %d: %q, want %q", sub, got, want)
		}
	}
	subs := []struct {
		code, sub uint8
		want      string
	}{
		{1, 0, "Unspecific"}, {1, 1, "Connection Not Synchronized"}, {1, 2, "Bad Message Length"}, {1, 3, "Bad Message Type"}, {1, 4, ""},
		{2, 1, "Unsupported Version Number"}, {2, 3, "Bad BGP Identifier"}, {2, 4, "Unsupported Optional Parameter"},
		{2, 5, "Deprecated"}, {2, 6, "Unacceptable Hold Time"}, {2, 7, "Unsupported Capability"}, {2, 11, "Role Mismatch"}, {2, 12, ""},
		{3, 1, "Malformed Attribute List"}, {3, 2, "Unrecognized Well-known Attribute"}, {3, 3, "Missing Well-known Attribute"},
		{3, 4, "Attribute Flags Error"}, {3, 5, "Attribute Length Error"}, {3, 6, "Invalid ORIGIN Attribute"},
		{3, 8, "Invalid NEXT_HOP Attribute"}, {3, 9, "Optional Attribute Error"}, {3, 10, "Invalid Network Field"}, {3, 12, ""},
		{4, 0, ""}, {5, 0, "Unspecified Error"}, {5, 1, "Receive Unexpected Message in OpenSent State"},
		{5, 2, "Receive Unexpected Message in OpenConfirm State"}, {5, 3, "Receive Unexpected Message in Established State"},
		{7, 1, "Invalid Message Length"}, {7, 2, ""},
	}
	for _, s := range subs {
		if got := NotificationSubcodeName(s.code, s.sub); got != s.want {
			t.Errorf("%d/%d: %q, want %q", s.code, s.sub, got, s.want)
		}
	}
}
