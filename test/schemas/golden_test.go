package schemas

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/bmpstream/bmpstream/internal/testutil"
	"github.com/bmpstream/bmpstream/pkg/record"
)

var updateGolden = flag.Bool("update-golden", false, "rewrite testdata/golden/*.jsonl from the current output")

// goldenCaptures are small captures whose full JSON output is kept in testdata/golden:
// BMPv4 path status TLVs, VPNv4 with withdrawals, EVPN, peer ups with capabilities,
// statistics and Loc-RIB.
var goldenCaptures = []string{
	"public/NetGauze_NetGauze/bmp__path-status__ipv4_unicast_path_marking.pcap",
	"public/NetGauze_NetGauze/bmp__vpnv4-stateless-with-withdraw__vpnv4-stateless-with-withdraw.pcap",
	"public/NetGauze_NetGauze/bmp__evpn__evpn.pcap",
	"public/network-analytics_traffic-reproducer/pcaps__ipfix-bmp-scenario-PART1-bmp-init-and-peer-ups.pcap",
	"public/pmacct_pmacct/202-BMP-CISCO-HUAWEI-multiple-sources__traffic-02.pcap",
	"public/pmacct_pmacct/200-BMP-HUAWEI-locrib_instance__traffic-00.pcap",
}

// TestGoldenJSON: the JSON output of each golden capture is byte for byte the committed
// one, whatever other encodings the batches carry (proto, typed copies).
func TestGoldenJSON(t *testing.T) {
	root := testutil.TestdataDir(t)
	for _, rel := range goldenCaptures {
		name := strings.TrimSuffix(filepath.Base(rel), filepath.Ext(rel))
		t.Run(name, func(t *testing.T) {
			golden := filepath.Join("testdata", "golden", name+".jsonl")
			for _, enc := range []record.Encodings{record.EncJSON, record.EncJSON | record.EncProto | record.EncTyped} {
				var got bytes.Buffer
				for _, l := range jsonLines(t, filepath.Join(root, rel), enc) {
					got.Write(l)
					got.WriteByte('\n')
				}
				if *updateGolden && enc == record.EncJSON {
					if err := os.MkdirAll(filepath.Dir(golden), 0o755); err != nil {
						t.Fatal(err)
					}
					if err := os.WriteFile(golden, got.Bytes(), 0o644); err != nil {
						t.Fatal(err)
					}
				}
				want, err := os.ReadFile(golden)
				if err != nil {
					t.Fatal(err)
				}
				if got.Len() == 0 || !bytes.Equal(got.Bytes(), want) {
					t.Fatalf("%v: output (%d bytes) differs from %s (%d bytes): %s", enc, got.Len(), golden, len(want), firstDiff(got.Bytes(), want))
				}
			}
		})
	}
}
