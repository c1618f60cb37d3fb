package bench

import (
	"encoding/binary"
	"net/netip"
	"strings"
	"testing"

	"github.com/bmpstream/bmpstream/pkg/record"
)

// protoRecords is the protobuf counterpart of linesOf: length-delimited
// bmpstream.v1.Record messages, a unicast_prefix record for every third sequence number
// and a peer record otherwise.
func protoRecords(router string, seqs ...int) []byte {
	ip := netip.MustParseAddr(router)
	var out, msg []byte
	for _, s := range seqs {
		var t record.Type
		if s%3 == 0 {
			r := record.UnicastPrefix{Head: record.Head{Action: "add", Sequence: uint64(s)}}
			r.RouterIP = ip
			t, msg = record.TypeUnicastPrefix, r.AppendProto(msg[:0])
		} else {
			r := record.Peer{Head: record.Head{Action: "add", Sequence: uint64(s)}}
			r.RouterIP = ip
			t, msg = record.TypePeer, r.AppendProto(msg[:0])
		}
		env := record.AppendProtoRecord(nil, t, msg)
		out = binary.AppendUvarint(out, uint64(len(env)))
		out = append(out, env...)
	}
	return out
}

// TestTallyProto: the protobuf output is decoded and verified like JSON Lines: count,
// sessions, order, unicast_prefix records, and a torn or garbled stream fails.
func TestTallyProto(t *testing.T) {
	one := protoRecords("127.0.0.1", seq(1, 9)...)
	two := append(protoRecords("127.0.0.1", seq(1, 9)...), protoRecords("127.0.0.2", seq(1, 9)...)...)
	cases := []struct {
		name     string
		in       []byte
		sessions int
		err      string
	}{
		{"one session", one, 1, ""},
		{"two sessions", two, 2, ""},
		{"missing record", protoRecords("127.0.0.1", 1, 2, 3, 4, 6, 7, 8, 9), 1, "out of order"},
		{"swapped", protoRecords("127.0.0.1", 1, 2, 3, 5, 4, 6, 7, 8, 9), 1, "sequence 5 after 3"},
		{"duplicate", protoRecords("127.0.0.1", 1, 2, 3, 4, 5, 5, 6, 7, 8, 9), 1, "10 lines, want 9"},
		{"torn last message", one[:len(one)-3], 1, "unterminated line or message"},
		{"garbled message", append(append([]byte{}, one...), 3, 0xff, 0xff, 0xff), 1, "malformed"},
	}
	for _, c := range cases {
		for _, chunk := range []int{1, 5, 1 << 20} {
			tl := &Tally{Verify: true, Proto: true}
			for in := c.in; len(in) > 0; {
				n := min(chunk, len(in))
				tl.Write(in[:n])
				in = in[n:]
			}
			err := tl.Check(9, 3, c.sessions)
			switch {
			case c.err == "" && err != nil:
				t.Errorf("%s (chunk %d): %v", c.name, chunk, err)
			case c.err != "" && (err == nil || !strings.Contains(err.Error(), c.err)):
				t.Errorf("%s (chunk %d): error %v, want %q", c.name, chunk, err, c.err)
			}
		}
	}
	// Counting only: messages and bytes.
	fast := &Tally{Proto: true}
	fast.Write(two[:7])
	fast.Write(two[7:])
	if fast.Lines != 18 || fast.Bytes != int64(len(two)) {
		t.Fatalf("count-only tally: %d records %d bytes, want 18 and %d", fast.Lines, fast.Bytes, len(two))
	}
}
