package replay

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/bmpstream/bmpstream/internal/capture"
	"github.com/bmpstream/bmpstream/internal/server"
	"github.com/bmpstream/bmpstream/internal/testutil"
)

// TestReplayGolden replays every capture and compares its summary with the golden file.
// With -update the golden files are rewritten instead (verify them with TestCrossCheck).
func TestReplayGolden(t *testing.T) {
	root, rels := capturePaths(t)
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
