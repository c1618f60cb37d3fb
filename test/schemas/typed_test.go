package schemas

import (
	"bytes"
	"encoding/json"
	"path/filepath"
	"testing"

	"github.com/bmpstream/bmpstream/pkg/record"
)

// TestTypedValuesAndMetaMatchJSON: for every record of every capture, the typed copy
// (Batch.Value) encodes to the same JSON as the record, has the record's type, and the
// typed metadata (action, AFI/SAFI, RIB view) says what the JSON says; JSON-only and
// JSON+typed batches hold the same JSON.
func TestTypedValuesAndMetaMatchJSON(t *testing.T) {
	total := 0
	shared := 0
	for _, path := range capturePaths(t) {
		t.Run(filepath.Base(path), func(t *testing.T) {
			plain := jsonLines(t, path, record.EncJSON)
			n := 0
			var buf []byte
			decode(t, path, record.EncJSON|record.EncTyped, func(b *record.Batch) {
				var prevAttrs *record.BaseAttrs
				var prevHash record.MD5
				for i := range b.Recs {
					m := &b.Recs[i]
					line := b.Record(i)
					if n >= len(plain) || !bytes.Equal(line, plain[n]) {
						t.Fatalf("record %d: JSON differs with EncTyped", n)
					}
					n++
					v := b.Value(i)
					if m.Type == record.TypeRaw {
						continue
					}
					if v == nil {
						t.Fatalf("record %d (%s): no typed value", n, m.Type)
					}
					if v.RecordType() != m.Type {
						t.Fatalf("record %d: RecordType %s, meta %s", n, v.RecordType(), m.Type)
					}
					buf = v.AppendJSON(buf[:0])
					if !bytes.Equal(buf, line) {
						t.Fatalf("record %d: typed copy encodes to\n%s\nrecord is\n%s", n, buf, line)
					}
					checkMeta(t, n, m, line)
					// Prefixes of one UPDATE share one BaseAttrs copy.
					// (Consecutive announcements, as the cache holds one set.)
					if up, ok := v.(*record.UnicastPrefix); !ok && bytes.Contains(line, []byte(`"base_attrs"`)) {
						prevAttrs = nil
					} else if ok && up.BaseAttrs != nil {
						if prevAttrs != nil && prevHash == up.BaseAttrs.BaseAttrHash && prevAttrs != up.BaseAttrs {
							t.Fatalf("record %d: same attribute set, different copies: %s", n, line)
						}
						if prevAttrs == up.BaseAttrs {
							shared++
						}
						prevAttrs, prevHash = up.BaseAttrs, up.BaseAttrs.BaseAttrHash
					}
				}
			})
			if n != len(plain) {
				t.Fatalf("%d records with EncTyped, %d without", n, len(plain))
			}
			total += n
		})
	}
	if shared == 0 {
		t.Fatal("no record shared its BaseAttrs copy")
	}
	t.Logf("%d records checked, %d shared the previous record's BaseAttrs copy", total, shared)
}

func checkMeta(t *testing.T, n int, m *record.Meta, line []byte) {
	t.Helper()
	var js struct {
		Type                  string
		Action                string
		AFI                   *uint16
		SAFI                  *uint8
		IsEOR                 bool `json:"is_eor"`
		IsAdjRIBInPostPolicy  bool `json:"is_adj_rib_in_post_policy"`
		IsAdjRIBOutPostPolicy bool `json:"is_adj_rib_out_post_policy"`
		IsAdjRIBOut           bool `json:"is_adj_rib_out"`
		IsLocRIB              bool `json:"is_loc_rib"`
		IsLocRIBFiltered      bool `json:"is_loc_rib_filtered"`
	}
	if err := json.Unmarshal(line, &js); err != nil {
		t.Fatalf("record %d: %v", n, err)
	}
	want := record.ParseAction(js.Action)
	if m.Type == record.TypePeer && want == record.ActAdd {
		want = record.ActUp
	}
	if m.Action != want || m.Action.String() != js.Action && !(m.Type == record.TypePeer && js.Action == "add") {
		t.Fatalf("record %d: meta action %q, JSON %q", n, m.Action, js.Action)
	}
	if js.AFI != nil && m.AFI != *js.AFI && m.Type != record.TypeStatistics {
		t.Fatalf("record %d: meta AFI %d, JSON %d: %s", n, m.AFI, *js.AFI, line)
	}
	if js.SAFI != nil && m.SAFI != *js.SAFI && m.Type != record.TypeStatistics {
		t.Fatalf("record %d: meta SAFI %d, JSON %d: %s", n, m.SAFI, *js.SAFI, line)
	}
	switch m.Type {
	case record.TypeRouter, record.TypePeer, record.TypeStatistics, record.TypeRouteMirror:
		if m.AFI != 0 || m.SAFI != 0 {
			t.Fatalf("record %d: %s with AFI/SAFI %d/%d", n, m.Type, m.AFI, m.SAFI)
		}
	default:
		if m.AFI == 0 || m.SAFI == 0 {
			t.Fatalf("record %d: route record without AFI/SAFI: %s", n, line)
		}
	}
	f := record.RIBFlags{IsAdjRIBInPostPolicy: js.IsAdjRIBInPostPolicy, IsAdjRIBOutPostPolicy: js.IsAdjRIBOutPostPolicy,
		IsAdjRIBOut: js.IsAdjRIBOut, IsLocRIB: js.IsLocRIB, IsLocRIBFiltered: js.IsLocRIBFiltered}
	if m.RIB != f.View() {
		t.Fatalf("record %d: meta RIB view %b, JSON %+v", n, m.RIB, f)
	}
}
