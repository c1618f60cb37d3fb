package replay

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/bmpstream/bmpstream/internal/capture"
	sender "github.com/bmpstream/bmpstream/internal/replay"
	"github.com/bmpstream/bmpstream/internal/server"
	"github.com/bmpstream/bmpstream/internal/testutil"
)

// TestReplayGolden replays every capture and compares its summary with the golden file.
// With -update the golden files are rewritten instead, but only for captures whose summary
// passes the cross-check against the independent sources (see TestCrossCheck).
func TestReplayGolden(t *testing.T) {
	root, rels := capturePaths(t)
	var prov map[string]*provEntry
	if *update {
		prov = parseProvenance(t, root)
	}
	start := time.Now()
	for _, rel := range rels {
		t.Run(strings.ReplaceAll(rel, "/", "__"), func(t *testing.T) {
			got := summaryOf(t, root, rel)
			if t.Failed() {
				return
			}
			checkInvariants(t, got)
			b := marshalSummary(got)
			if *update {
				crossCheck(t, root, rel, got, prov, nil)
				if t.Failed() {
					t.Errorf("golden file %s not written: the summary fails its cross-check", goldenPath(rel))
					return
				}
				if err := os.MkdirAll(filepath.Dir(goldenPath(rel)), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(goldenPath(rel), b, 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, wantBytes := readGolden(t, rel)
			if !bytes.Equal(b, wantBytes) {
				t.Errorf("summary differs from %s (-golden +live):\n%s", goldenPath(rel), diffSummaries(want, got))
			}
		})
	}
	// A golden file whose capture is gone means the test data changed: say so.
	if !*update {
		files, _ := filepath.Glob(filepath.Join(filepath.Dir(goldenPath("x")), "*.json"))
		have := map[string]bool{}
		for _, rel := range rels {
			have[goldenPath(rel)] = true
		}
		for _, f := range files {
			if !have[f] {
				t.Errorf("golden file %s has no capture in $BMP_TESTDATA", f)
			}
		}
	}
	t.Logf("%d captures replayed in %s", len(rels), time.Since(start).Round(time.Millisecond))
}

// checkInvariants asserts what must hold for every capture whatever its content.
func checkInvariants(t *testing.T, s *captureSummary) {
	t.Helper()
	for _, ss := range s.Sessions {
		// A torn final message ends the session as torn_message, anything else at EOF.
		wantEnd := server.EndEOF
		if ss.TornBytes > 0 {
			wantEnd = server.EndTorn
		}
		if ss.End != wantEnd {
			t.Errorf("%s: session ended %q, want %q (torn bytes %d)", ss.Stream, ss.End, wantEnd, ss.TornBytes)
		}
		// Every complete message was decoded: the collector counted exactly the messages
		// of the capture walk (the torn one is not a message).
		walk := map[string]uint64{}
		for typ, n := range walkOf(t, s.Capture, ss.Stream).ByType {
			i := int(typ)
			if i > 7 {
				i = 7
			}
			walk[bmpTypeNames[i]] += uint64(n)
		}
		if !equalCounts(walk, ss.Messages) {
			t.Errorf("%s: collector counted messages %v, the stream walk finds %v", ss.Stream, ss.Messages, walk)
		}
		// A session that ended without Termination ends with one synthesized router term
		// record; one that had a Termination gets none.
		wantSynth := uint64(0)
		if ss.Messages["termination"] == 0 {
			wantSynth = 1
		}
		if got := ss.Records["router/term-synthesized"]; got != wantSynth {
			t.Errorf("%s: %d synthesized router term records, want %d (%d termination messages)", ss.Stream, got, wantSynth, ss.Messages["termination"])
		}
		// Each non-route message gives exactly one record (unless it failed to decode).
		if ss.DecodeErrors["bmp"] == 0 {
			for _, c := range []struct{ msg, rec string }{
				{"initiation", "router/init"}, {"termination", "router/term"}, {"peer_up", "peer/up"},
				{"peer_down", "peer/down"}, {"statistics_report", "statistics"}, {"route_mirroring", "route_mirror"},
			} {
				if ss.Messages[c.msg] != ss.Records[c.rec] {
					t.Errorf("%s: %d %s messages but %d %s records", ss.Stream, ss.Messages[c.msg], c.msg, ss.Records[c.rec], c.rec)
				}
			}
		}
	}
}

// walkCache holds the BMP header walk of each stream (by capture and stream name).
var walkCache = map[string]capture.Counts{}

func walkOf(t *testing.T, rel, stream string) capture.Counts {
	t.Helper()
	summaryMu.Lock()
	defer summaryMu.Unlock()
	if c, ok := walkCache[rel+"|"+stream]; ok {
		return c
	}
	root := filepathFromRoot(t, rel)
	streams, err := capture.ReadFile(root, capture.Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, st := range streams {
		walkCache[rel+"|"+st.Name] = capture.Count(st.Data)
	}
	c, ok := walkCache[rel+"|"+stream]
	if !ok {
		t.Fatalf("%s: no stream %q", rel, stream)
	}
	return c
}

func filepathFromRoot(t *testing.T, rel string) string {
	return filepath.Join(testutil.TestdataDir(t), filepath.FromSlash(rel))
}

func equalCounts(a, b map[string]uint64) bool {
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	for k, v := range b {
		if a[k] != v {
			return false
		}
	}
	return true
}

// diffSummaries lists the differing leaves of two summaries, one per line.
func diffSummaries(want, got *captureSummary) string {
	w, g := flatten(want), flatten(got)
	keys := map[string]bool{}
	for k := range w {
		keys[k] = true
	}
	for k := range g {
		keys[k] = true
	}
	var out []string
	for k := range keys {
		if w[k] != g[k] {
			out = append(out, fmt.Sprintf("  %s: %s -> %s", k, orNone(w[k]), orNone(g[k])))
		}
	}
	sort.Strings(out)
	return strings.Join(out, "\n")
}

func orNone(s string) string {
	if s == "" {
		return "(none)"
	}
	return s
}

// flatten turns a summary into "path" -> "value" leaves.
func flatten(s *captureSummary) map[string]string {
	b, _ := json.Marshal(s)
	var v any
	_ = json.Unmarshal(b, &v)
	out := map[string]string{}
	var walk func(prefix string, v any)
	walk = func(prefix string, v any) {
		switch x := v.(type) {
		case map[string]any:
			for k, e := range x {
				walk(prefix+"."+k, e)
			}
		case []any:
			for i, e := range x {
				walk(fmt.Sprintf("%s[%d]", prefix, i), e)
			}
		default:
			out[prefix] = fmt.Sprint(x)
		}
	}
	walk("", v)
	return out
}

// TestTornCapturesLossless: the captures that end inside a message (pmacct 202-02 cut
// inside a Route Monitoring message, traffic-reproducer bmp-traffic.pcap inside a type-100
// message) end their session as torn_message, and every complete message's records still
// arrive: replaying the same stream cut at its last complete message gives the same
// records, ending at EOF.
func TestTornCapturesLossless(t *testing.T) {
	root, rels := capturePaths(t)
	torn := map[string]struct {
		typ            uint8
		declared, have int
	}{
		"public/pmacct_pmacct/202-BMP-CISCO-HUAWEI-multiple-sources__traffic-02.pcap": {0, 185, 156},
		"public/network-analytics_traffic-reproducer/pcaps__bmp-traffic.pcap":         {100, 765, 211},
	}
	for _, rel := range rels {
		if _, ok := torn[rel]; !ok {
			continue
		}
		want := torn[rel]
		delete(torn, rel)
		t.Run(strings.ReplaceAll(rel, "/", "__"), func(t *testing.T) {
			streams, err := capture.ReadFile(filepath.Join(root, filepath.FromSlash(rel)), capture.Options{})
			if err != nil || len(streams) != 1 {
				t.Fatalf("want 1 stream, got %d (%v)", len(streams), err)
			}
			st := streams[0]
			w := capture.Count(st.Data)
			if !w.Torn || w.TornType != want.typ || w.TornDeclared != want.declared || w.TornPresent != want.have {
				t.Fatalf("stream walk: torn=%t type %d declared %d present %d; want type %d declared %d present %d",
					w.Torn, w.TornType, w.TornDeclared, w.TornPresent, want.typ, want.declared, want.have)
			}
			full := summaryOf(t, root, rel)
			if t.Failed() {
				return
			}
			if len(full.Sessions) != 1 || full.Sessions[0].End != server.EndTorn || full.Sessions[0].TornBytes != want.have {
				t.Fatalf("torn replay: %+v, want one session ended %q with %d torn bytes", full.Sessions, server.EndTorn, want.have)
			}
			c := startCollector(t)
			cut := st
			cut.Data = st.Data[:w.Bytes]
			whole := c.replaySession(t, cut)
			if whole == nil {
				return
			}
			if whole.End != server.EndEOF {
				t.Errorf("cut stream ended %q, want %q", whole.End, server.EndEOF)
			}
			got := full.Sessions[0]
			if !equalCounts(got.Records, whole.Records) || !equalCounts(got.Views, whole.Views) || !equalCounts(got.Messages, whole.Messages) {
				t.Errorf("records of the torn session differ from those of the same stream without its torn tail:\ntorn: %v\ncut:  %v", got.Records, whole.Records)
			}
		})
	}
	for rel := range torn {
		t.Errorf("torn capture %s not found", rel)
	}
}

// The "invalid BMP data" of pmacct 205 (and of 206, a subset of the same FRR 8.0.1
// session) is in two messages: Route Monitoring messages 199 (Loc-RIB) and 200 (global
// post-policy, peer 0.0.0.0) carry a 2-byte AS_PATH (value "02 01 fd e8" at BMP offset 79)
// without the A flag.
// TestFRRTwoOctetASPath: the two UPDATEs of pmacct 205/206 with a 2-byte AS_PATH in a
// 4-byte session are decoded (other width accepted and counted), the rest is clean.
func TestFRRTwoOctetASPath(t *testing.T) {
	root := testutil.TestdataDir(t)
	for _, rel := range []string{
		"public/pmacct_pmacct/205-BMP-6wind-FRR-peer_down__traffic-00.pcap",
		"public/pmacct_pmacct/206-BMP-high-availability__traffic-00.pcap",
	} {
		t.Run(strings.ReplaceAll(rel, "/", "__"), func(t *testing.T) {
			streams, err := capture.ReadFile(filepath.Join(root, filepath.FromSlash(rel)), capture.Options{})
			if err != nil || len(streams) != 1 {
				t.Fatalf("want 1 stream, got %d (%v)", len(streams), err)
			}
			msgs, rest := testutil.SplitBMP(streams[0].Data)
			if len(rest) != 0 || len(msgs) <= 200 {
				t.Fatalf("%d messages, %d trailing bytes", len(msgs), len(rest))
			}
			var bad, good []byte
			for i, m := range msgs {
				if i == 199 || i == 200 {
					if m[5] != 0 || len(m) < 84 || !bytes.Equal(m[79:83], []byte{0x02, 0x01, 0xfd, 0xe8}) || m[7]&0x20 != 0 {
						t.Fatalf("message %d: type %d, bytes 79..83 % x, peer flags %#x: not the known 2-byte AS_PATH", i, m[5], m[79:83], m[7])
					}
					bad = append(bad, m...)
					continue
				}
				good = append(good, m...)
			}
			c := startCollector(t)
			st := streams[0]
			st.Name, st.Data = "messages 199 and 200", bad
			s := c.replaySession(t, st)
			if s == nil {
				return
			}
			if len(s.DecodeErrors) != 0 || s.ASWidthMismatches != 2 || s.Records["l3vpn/v4/add"] != 2 || s.Messages["route_monitoring"] != 2 {
				t.Errorf("messages 199 and 200: decode errors %v, as-width mismatches %d, records %v, messages %v; want no error, 2 mismatches, 2 l3vpn/v4 records",
					s.DecodeErrors, s.ASWidthMismatches, s.Records, s.Messages)
			}
			st.Name, st.Data = "the other messages", good
			s = c.replaySession(t, st)
			if s != nil && (len(s.DecodeErrors) != 0 || s.ASWidthMismatches != 0) {
				t.Errorf("the other %d messages: decode errors %v, want none", len(msgs)-2, s.DecodeErrors)
			}
		})
	}
}

// TestConcurrentSessions replays the sessions of each multi-session capture all at once
// (and the largest lab capture as 3 simultaneous copies) to one collector: the totals must
// equal those of the one-after-the-other replay, and every session's sequence numbers
// must still be 1..N (checked as a multiset, since records do not carry the TCP port).
func TestConcurrentSessions(t *testing.T) {
	root, rels := capturePaths(t)
	for _, rel := range rels {
		copies := 1
		if rel == "lab/gobgp310deb-mixed.bmp" {
			copies = 3
		}
		seq := summaryOf(t, root, rel)
		if t.Failed() {
			return
		}
		if len(seq.Sessions)*copies < 2 {
			continue
		}
		t.Run(strings.ReplaceAll(rel, "/", "__"), func(t *testing.T) {
			streams, err := capture.ReadFile(filepath.Join(root, filepath.FromSlash(rel)), capture.Options{})
			if err != nil {
				t.Fatal(err)
			}
			c := startCollector(t)
			ctx, cancel := context.WithTimeout(context.Background(), waitLimit)
			defer cancel()
			sent, err := sender.Run(ctx, streams, sender.Options{Addr: c.addr, Parallel: copies})
			if err != nil || sent.Sessions != len(streams)*copies {
				t.Fatalf("replay: %d sessions (%v), want %d", sent.Sessions, err, len(streams)*copies)
			}
			n := uint64(len(streams) * copies)
			testutil.WaitFor(t, "sessions end", func() bool { return c.endedTotal() >= n })
			var want uint64
			for _, k := range seq.Totals.Records {
				want += k
			}
			want *= uint64(copies)
			testutil.WaitFor(t, "records delivered", func() bool { return c.q.Stats.Records.Load() >= want })
			got := map[string]uint64{}
			seqs := map[uint64]int{}
			var r rec
			for _, l := range c.sink.Lines(0, c.sink.Len()) {
				r = rec{}
				if err := json.Unmarshal(l, &r); err != nil {
					t.Fatal(err)
				}
				got[recordKey(&r)]++
				seqs[r.Sequence]++
			}
			wantRecs := map[string]uint64{}
			for k, v := range seq.Totals.Records {
				wantRecs[k] = v * uint64(copies)
			}
			if !equalCounts(got, wantRecs) {
				t.Errorf("concurrent replay records %v, want %v", got, wantRecs)
			}
			// Sequence value v appears once per session with at least v records.
			wantSeqs := map[uint64]int{}
			for _, s := range seq.Sessions {
				var total uint64
				for _, v := range s.Records {
					total += v
				}
				for v := uint64(1); v <= total; v++ {
					wantSeqs[v] += copies
				}
			}
			if len(seqs) != len(wantSeqs) {
				t.Errorf("%d distinct sequence numbers, want %d", len(seqs), len(wantSeqs))
			}
			for v, k := range wantSeqs {
				if seqs[v] != k {
					t.Errorf("sequence number %d seen %d times, want %d", v, seqs[v], k)
					break
				}
			}
			for i, name := range bmpTypeNames {
				if got, want := c.counters.Messages[i].Load(), seq.Totals.Messages[name]*uint64(copies); got != want {
					t.Errorf("%s messages: %d, want %d", name, got, want)
				}
			}
			if ended := c.srv.Stats.Ended(server.EndTorn); ended != uint64(seq.Totals.TornSessions*copies) {
				t.Errorf("%d torn sessions, want %d", ended, seq.Totals.TornSessions*copies)
			}
		})
	}
}
