package bmp

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/bmpstream/bmpstream/internal/testutil"
)

func benchDecode(b *testing.B, in []byte) {
	var m Message
	if err := m.Decode(in); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.SetBytes(int64(len(in)))
	b.ResetTimer()
	for range b.N {
		if err := m.Decode(in); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkDecodeRouteMonitoring decodes one Route Monitoring message repeatedly into
// the same Message: 0 allocs/op expected.
func BenchmarkDecodeRouteMonitoring(b *testing.B) {
	b.Run("v3", func(b *testing.B) {
		benchDecode(b, msg(3, MsgRouteMonitoring, v4peer.bytes(), update()))
	})
	b.Run("v4-tlvs", func(b *testing.B) {
		benchDecode(b, msg(4, MsgRouteMonitoring, v4peer.bytes(), itlv(RMTLVStatelessParsing, 0, []byte{69, 4, 0, 1, 1, 3}),
			itlv(RMTLVGroup, 0x8001, cat(be16(1), be16(2))), itlv(RMTLVVRFTableName, 0, []byte("global")),
			itlv(RMTLVBGPMessage, 0, update()), itlv(RMTLVPathStatus, 1, be32(0x8a))))
	})
	if dir := seedDir(); dir != "" {
		stream, err := os.ReadFile(filepath.Join(dir, "lab", "frr84-mixed.bmp"))
		if err == nil {
			msgs, _ := testutil.SplitBMP(stream)
			for _, m := range msgs {
				if m[5] == MsgRouteMonitoring {
					b.Run("frr84-lab", func(b *testing.B) { benchDecode(b, m) })
					break
				}
			}
		}
	}
}

// BenchmarkReaderDecode frames and decodes a replayed mixed stream.
func BenchmarkReaderDecode(b *testing.B) {
	_, stream := testStream()
	r := NewReader(&loopReader{data: stream}, 0)
	var m Message
	b.ReportAllocs()
	b.SetBytes(int64(len(stream)) / 3)
	for range b.N {
		_, msg, err := r.Next()
		if err != nil {
			b.Fatal(err)
		}
		if err := m.Decode(msg); err != nil {
			b.Fatal(err)
		}
	}
}
