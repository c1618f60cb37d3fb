package rib

import (
	"context"
	"encoding/json"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/bmpstream/bmpstream/internal/capture"
	"github.com/bmpstream/bmpstream/internal/session"
	"github.com/bmpstream/bmpstream/internal/testutil"
	"github.com/bmpstream/bmpstream/pkg/record"
)

// line is one record of a replay: its type and JSON.
type line struct {
	t  record.Type
	js []byte
}

// replayStream feeds one BMP stream through a session whose batches carry JSON and typed
// records, hands each batch to sink (when not nil) and returns the JSON records, in order.
func replayStream(t testing.TB, data []byte, port int, sink *Sink) []line {
	t.Helper()
	msgs, _ := testutil.SplitBMP(data)
	var out []line
	collect := func(_ context.Context, b *record.Batch) error {
		for i := range b.Recs {
			out = append(out, line{b.Recs[i].Type, append([]byte(nil), b.Record(i)...)})
		}
		if sink != nil {
			if err := sink.Write(b); err != nil {
				t.Error(err)
			}
		}
		b.Release()
		return nil
	}
	s := session.New(context.Background(), session.Config{Counters: &session.Counters{}, Encodings: record.EncJSON | record.EncTyped},
		netip.AddrPortFrom(netip.MustParseAddr("127.0.0.1"), uint16(port)), collect)
	recv := time.Date(2026, 11, 22, 1, 0, 0, 0, time.UTC)
	for _, m := range msgs {
		_ = s.Handle(m, recv) // malformed messages are the session's business
	}
	if err := s.Flush(); err != nil {
		t.Fatal(err)
	}
	return out
}

// captureStreams returns every BMP stream of the shared captures (lab raw files and the
// public packet captures).
func captureStreams(t testing.TB) map[string][]byte {
	dir := testutil.TestdataDir(t)
	var files []string
	lab, _ := filepath.Glob(filepath.Join(dir, "lab", "*.bmp"))
	files = append(files, lab...)
	_ = filepath.Walk(filepath.Join(dir, "public"), func(p string, fi os.FileInfo, err error) error {
		if err == nil && !fi.IsDir() && (strings.HasSuffix(p, ".pcap") || strings.HasSuffix(p, ".pcapng")) && strings.Contains(strings.ToLower(p), "bmp") {
			files = append(files, p)
		}
		return nil
	})
	out := map[string][]byte{}
	for _, f := range files {
		ss, err := capture.ReadFile(f, capture.Options{})
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		for _, s := range ss {
			rel, _ := filepath.Rel(dir, f)
			out[rel+"#"+s.Name] = s.Data
		}
	}
	if len(out) < 20 {
		t.Fatalf("only %d BMP streams found under %s", len(out), dir)
	}
	return out
}

// oracle is the route state computed from the JSON records alone: key → attributes.
type oracle map[string]oracleRoute

type oracleRoute struct {
	nexthop string
	base    map[string]any
}

func viewOfJSON(m map[string]any) string {
	switch {
	case m["is_loc_rib"] == true:
		return "loc-rib"
	case m["is_adj_rib_out"] == true && m["is_adj_rib_out_post_policy"] == true:
		return "adj-out-post"
	case m["is_adj_rib_out"] == true:
		return "adj-out-pre"
	case m["is_adj_rib_in_post_policy"] == true:
		return "adj-in-post"
	}
	return "adj-in-pre"
}

func str(v any) string {
	if v == nil {
		return ""
	}
	if f, ok := v.(float64); ok {
		return fmt.Sprint(uint64(f))
	}
	return fmt.Sprint(v)
}

// apply applies one JSON record to the oracle.
func (o oracle) apply(t testing.TB, l line) {
	var m map[string]any
	if err := json.Unmarshal(l.js, &m); err != nil {
		t.Fatal(err)
	}
	rh := str(m["router_hash"])
	switch l.t {
	case record.TypeRouter:
		if m["action"] == "term" {
			for k := range o {
				if strings.HasPrefix(k, rh+"|") {
					delete(o, k)
				}
			}
		}
		return
	case record.TypePeer:
		if m["action"] == "down" {
			for k := range o {
				if strings.HasPrefix(k, rh+"|"+str(m["peer_hash"])+"|") {
					delete(o, k)
				}
			}
		}
		return
	case record.TypeUnicastPrefix, record.TypeMulticastPrefix, record.TypeL3VPN:
	default:
		return
	}
	if m["is_eor"] == true {
		return
	}
	afi := "2"
	if m["is_ipv4"] == true {
		afi = "1"
	}
	safi := "1"
	switch {
	case l.t == record.TypeMulticastPrefix:
		safi = "2"
	case l.t == record.TypeL3VPN:
		safi = "128"
	case m["labels"] != nil:
		safi = "4"
	}
	pfx := netip.MustParsePrefix(str(m["prefix"]) + "/" + str(m["prefix_len"])).Masked()
	key := strings.Join([]string{rh, str(m["peer_hash"]), viewOfJSON(m), str(m["table_name"]), afi + "/" + safi, str(m["vpn_rd"]), pfx.String(), pathOf(m)}, "|")
	if m["action"] == "del" {
		if _, ok := o[key]; !ok && (safi == "1" || safi == "4") {
			other := map[string]string{"1": "4", "4": "1"}[safi]
			key = strings.Replace(key, "|"+afi+"/"+safi+"|", "|"+afi+"/"+other+"|", 1)
		}
		delete(o, key)
		return
	}
	base, _ := m["base_attrs"].(map[string]any)
	delete(base, "base_attr_hash")
	o[key] = oracleRoute{nexthop: str(m["nexthop"]), base: base}
}

// tableState reads every route of the table through the query API, page by page.
func tableState(t testing.TB, tb *Table) oracle {
	got := oracle{}
	for off := 0; ; {
		rs, more, err := tb.Routes(Query{Offset: off, Limit: 1000})
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range rs {
			if r.Family == EVPNFamily {
				continue
			}
			var a struct {
				Nexthop string         `json:"nexthop"`
				Base    map[string]any `json:"base_attrs"`
			}
			if err := json.Unmarshal([]byte(r.Attrs.JSON), &a); err != nil {
				t.Fatalf("attrs %s: %v", r.Attrs.JSON, err)
			}
			if len(a.Base) == 0 {
				a.Base = nil
			}
			fam := fmt.Sprintf("%d/%d", r.Family.AFI, r.Family.SAFI)
			k := strings.Join([]string{r.RouterHash, r.Peer.Hash, r.View.String(), r.Table, fam, r.RD, r.Prefix.String(), pathStr(r)}, "|")
			if _, dup := got[k]; dup {
				t.Fatalf("route %s listed twice", k)
			}
			got[k] = oracleRoute{nexthop: a.Nexthop, base: a.Base}
		}
		off += len(rs)
		if !more {
			return got
		}
	}
}

// pathOf is a record's path id: an absent path_id is path 0 (no ADD-PATH).
func pathOf(m map[string]any) string {
	if m["path_id"] == nil {
		return "0"
	}
	return str(m["path_id"])
}

func pathStr(r Route) string { return fmt.Sprint(r.PathID) }

// TestTableEqualsRecords replays every shared capture, feeds its records to a table and
// checks that the table holds exactly the routes (and attributes) that applying the JSON
// records in order gives; then ends every peer and checks the table is empty.
func TestTableEqualsRecords(t *testing.T) {
	streams := captureStreams(t)
	names := make([]string, 0, len(streams))
	for n := range streams {
		names = append(names, n)
	}
	slices.Sort(names)
	tb := New(Config{})
	want := oracle{}
	total, evpn := 0, 0
	for i, n := range names {
		sink := &Sink{T: tb}
		if i%2 == 1 {
			// every other stream through the JSON decoder (the Kafka feeder's path)
			sink = nil
		}
		recs := replayStream(t, streams[n], 40000+i, sink)
		if sink == nil {
			sink = &Sink{T: tb}
			b := record.NewBatch()
			for _, l := range recs {
				start := len(b.Buf)
				b.Buf = append(b.Buf, l.js...)
				b.Recs = append(b.Recs, record.Meta{Type: l.t, Start: uint32(start), End: uint32(len(b.Buf))})
				b.Buf = append(b.Buf, '\n')
			}
			if err := sink.Write(b); err != nil {
				t.Fatal(err)
			}
			b.Release()
		}
		for _, l := range recs {
			want.apply(t, l)
			if l.t == record.TypeEVPN {
				evpn++
			}
		}
		if sink.DecodeErrors.Load() != 0 {
			t.Fatalf("%s: %d records not decoded", n, sink.DecodeErrors.Load())
		}
		total += len(recs)
	}
	got := tableState(t, tb)
	if len(want) < 1000 {
		t.Fatalf("only %d routes in the oracle after %d records: the captures are not exercised", len(want), total)
	}
	for k, w := range want {
		g, ok := got[k]
		if !ok {
			t.Errorf("missing route %s", k)
			continue
		}
		if g.nexthop != w.nexthop || !reflect.DeepEqual(g.base, w.base) {
			t.Errorf("route %s: table %v, records %v", k, g, w)
		}
	}
	for k := range got {
		if _, ok := want[k]; !ok {
			t.Errorf("extra route %s", k)
		}
	}
	var evpnPaths int
	for _, p := range tb.Peers("") {
		for _, c := range p.Counts {
			if c.Family == EVPNFamily {
				evpnPaths += c.Paths
			}
		}
	}
	n, err := tb.Count(Query{})
	if err != nil || n != len(want)+evpnPaths || int64(n) != tb.Paths() {
		t.Errorf("count %d (%v), paths %d, want %d + %d EVPN", n, err, tb.Paths(), len(want), evpnPaths)
	}
	if evpn > 0 && evpnPaths == 0 {
		t.Errorf("%d EVPN records, no EVPN route kept", evpn)
	}
	sets, _ := tb.AttrSets()
	t.Logf("%d streams, %d records, %d routes (%d EVPN), %d attribute sets", len(names), total, n, evpnPaths, sets)

	// Peer Down for every peer empties the table and frees every attribute set.
	for _, r := range tb.Routers() {
		for _, p := range tb.Peers(r.Hash) {
			tb.Apply(&record.Peer{Head: record.Head{Action: record.ActionDown}, RouterFields: record.RouterFields{RouterHash: r.Hash, RouterIP: r.IP}, PeerHash: p.Hash})
		}
	}
	if n, _ := tb.Count(Query{}); n != 0 || tb.Paths() != 0 {
		t.Errorf("after Peer Down of every peer: %d routes, %d paths", n, tb.Paths())
	}
	if sets, _ := tb.AttrSets(); sets != 0 {
		t.Errorf("%d attribute sets left", sets)
	}
}
