package replay

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bmpstream/bmpstream/internal/capture"
	sender "github.com/bmpstream/bmpstream/internal/replay"
	"github.com/bmpstream/bmpstream/internal/server"
	"github.com/bmpstream/bmpstream/internal/session"
	"github.com/bmpstream/bmpstream/internal/testutil"
	"github.com/bmpstream/bmpstream/internal/testutil/sinktest"
	"github.com/bmpstream/bmpstream/pkg/publisher"
	"github.com/bmpstream/bmpstream/pkg/record"
)

// waitLimit bounds every wait for the collector (the machine is shared and slow under
// -race: generous, and never a timing assertion).
const waitLimit = 60 * time.Second

// collector is an in-process bmpstream: BMP server on 127.0.0.1:0, a blocking queue and
// the memory sink.
type collector struct {
	srv      *server.Server
	q        *publisher.Queue
	sink     *sinktest.MemSink
	counters *session.Counters
	addr     string
}

func startCollector(t *testing.T) *collector {
	t.Helper()
	c := &collector{sink: sinktest.New(), counters: &session.Counters{}}
	c.q = publisher.NewQueue(c.sink, 8, publisher.Block)
	c.srv = server.New(server.Config{Listen: "127.0.0.1:0", Publisher: c.q,
		Session: session.Config{Counters: c.counters}})
	if err := c.srv.Listen(); err != nil {
		c.q.Close()
		t.Fatal(err)
	}
	c.addr = c.srv.Addr().String()
	served := make(chan error, 1)
	go func() { served <- c.srv.Serve() }()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := c.srv.Shutdown(ctx); err != nil {
			t.Errorf("collector shutdown: %v", err)
		}
		if err := <-served; err != nil {
			t.Errorf("collector Serve: %v", err)
		}
		c.q.Close()
	})
	return c
}

// snapshot is the collector's cumulative state between two sessions.
type snapshot struct {
	messages [8]uint64
	records  uint64
	errors   map[string]uint64
	addPath  uint64
	asWidth  uint64
	ended    map[string]uint64
	lines    int
}

func (c *collector) snapshot() snapshot {
	s := snapshot{errors: map[string]uint64{}, ended: map[string]uint64{}}
	for i := range s.messages {
		s.messages[i] = c.counters.Messages[i].Load()
	}
	for _, t := range record.Types() {
		s.records += c.counters.RecordCount(t)
	}
	for _, k := range session.ErrorKinds() {
		s.errors[k.String()] = c.counters.DecodeErrors[k].Load()
	}
	s.addPath = c.counters.AddPathMismatches.Load()
	s.asWidth = c.counters.ASWidthMismatches.Load()
	for _, r := range server.EndReasons {
		s.ended[r] = c.srv.Stats.Ended(r)
	}
	s.lines = c.sink.Len()
	return s
}

func (s snapshot) endedTotal() uint64 {
	var n uint64
	for _, v := range s.ended {
		n += v
	}
	return n
}

// bmpTypeNames name the collector's message counters (index 7 counts every other type).
var bmpTypeNames = [8]string{"route_monitoring", "statistics_report", "peer_down", "peer_up",
	"initiation", "termination", "route_mirroring", "other"}

// sessionSummary is what one replayed BMP session produced.
type sessionSummary struct {
	// Stream is the capture stream's name, Bytes its length, Gaps the holes in its TCP
	// sequence space.
	Stream string `json:"stream"`
	Bytes  int    `json:"bytes"`
	Gaps   int    `json:"gaps,omitempty"`
	// TornBytes is the length of a final partial message (0 when the stream ends on a
	// message boundary).
	TornBytes int `json:"torn_bytes,omitempty"`
	// End is the server's end reason for the session.
	End string `json:"end"`
	// Messages are the collector's BMP message counters, by type.
	Messages map[string]uint64 `json:"messages"`
	// Records counts records by "type/family/action" (see recordKey).
	Records map[string]uint64 `json:"records"`
	// Views counts route records by "view key" (see viewOf).
	Views map[string]uint64 `json:"views,omitempty"`
	// PeerDownReasons counts peer down records by BMP reason code; StatTypes counts the
	// statistics carried by the statistics records, by statistics type (one per TLV: a
	// per-AFI/SAFI type counts once per AFI/SAFI).
	PeerDownReasons map[string]uint64 `json:"peer_down_reasons,omitempty"`
	StatTypes       map[string]uint64 `json:"stat_types,omitempty"`
	// DecodeErrors by kind, AddPathMismatches as counted by the collector.
	DecodeErrors      map[string]uint64 `json:"decode_errors,omitempty"`
	AddPathMismatches uint64            `json:"add_path_mismatches,omitempty"`
	// ASWidthMismatches counts UPDATEs whose AS_PATH/AGGREGATOR used the other AS width.
	ASWidthMismatches uint64 `json:"as_width_mismatches,omitempty"`
}

// captureSummary is the golden content of one capture file.
type captureSummary struct {
	// Capture is the path relative to $BMP_TESTDATA.
	Capture string `json:"capture"`
	// ReadError is capture.ReadFile's error, for files that are not captures at all.
	ReadError string `json:"read_error,omitempty"`
	// Streams is the number of BMP streams found (0 for plain BGP/IPFIX captures).
	Streams  int              `json:"streams"`
	Sessions []sessionSummary `json:"sessions"`
	// Totals sum the sessions' Messages, Records and DecodeErrors, and count torn ends.
	Totals totals `json:"totals"`
}

type totals struct {
	Messages          map[string]uint64 `json:"messages"`
	Records           map[string]uint64 `json:"records"`
	Views             map[string]uint64 `json:"views,omitempty"`
	PeerDownReasons   map[string]uint64 `json:"peer_down_reasons,omitempty"`
	StatTypes         map[string]uint64 `json:"stat_types,omitempty"`
	DecodeErrors      map[string]uint64 `json:"decode_errors,omitempty"`
	AddPathMismatches uint64            `json:"add_path_mismatches,omitempty"`
	ASWidthMismatches uint64            `json:"as_width_mismatches,omitempty"`
	TornSessions      int               `json:"torn_sessions,omitempty"`
}

func addAll(dst *map[string]uint64, src map[string]uint64) {
	for k, v := range src {
		if *dst == nil {
			*dst = map[string]uint64{}
		}
		(*dst)[k] += v
	}
}

func (c *captureSummary) computeTotals() {
	c.Totals = totals{Messages: map[string]uint64{}, Records: map[string]uint64{}}
	for _, s := range c.Sessions {
		addAll(&c.Totals.Messages, s.Messages)
		addAll(&c.Totals.Records, s.Records)
		addAll(&c.Totals.Views, s.Views)
		addAll(&c.Totals.PeerDownReasons, s.PeerDownReasons)
		addAll(&c.Totals.StatTypes, s.StatTypes)
		addAll(&c.Totals.DecodeErrors, s.DecodeErrors)
		c.Totals.AddPathMismatches += s.AddPathMismatches
		c.Totals.ASWidthMismatches += s.ASWidthMismatches
		if s.End == server.EndTorn {
			c.Totals.TornSessions++
		}
	}
}

// rec is the part of an output record the summary looks at.
type rec struct {
	Type         string   `json:"type"`
	Action       string   `json:"action"`
	Sequence     uint64   `json:"sequence"`
	IsIPv4       bool     `json:"is_ipv4"`
	IsEOR        bool     `json:"is_eor"`
	Labels       []uint32 `json:"labels"`
	AFI          uint16   `json:"afi"`
	SAFI         uint8    `json:"safi"`
	NLRI         *string  `json:"nlri"`
	RouteType    *uint8   `json:"route_type"`
	PeerType     uint8    `json:"peer_type"`
	BMPReason    *uint8   `json:"bmp_reason"`
	PostPolicy   bool     `json:"is_adj_rib_in_post_policy"`
	OutPost      bool     `json:"is_adj_rib_out_post_policy"`
	AdjRIBOut    bool     `json:"is_adj_rib_out"`
	LocRIB       bool     `json:"is_loc_rib"`
	LocRIBFilter bool     `json:"is_loc_rib_filtered"`
	Synthesized  bool     `json:"synthesized"`
}

// familyNames name the families bmpstream emits as unknown_nlri (AFI/SAFI otherwise).
var familyNames = map[[2]uint16]string{
	{1, 128}: "vpnv4", {2, 128}: "vpnv6", {25, 70}: "evpn", {16388, 71}: "bgp-ls",
	{1, 133}: "flowspec-v4", {2, 133}: "flowspec-v6", {1, 132}: "rtc",
}

// recordKey is "type/family/action" for route records and "type/action" (or "type") for
// the others; records the collector synthesized at the session's end are
// "peer/down-synthesized" and "router/term-synthesized". Families: v4, v6, v4-labeled, v6-labeled (a unicast record that carries a
// label stack), for evpn the route type ("type2"; "all" for End-of-RIB), v4-129/v6-129
// (mvpn records of SAFI 129), l2vpn (vpls), and for
// unknown_nlri the family name or "afiA-safiS". End-of-RIB markers have the action
// "eor-<action>" (unknown_nlri: a record with empty NLRI).
func recordKey(r *rec) string {
	switch r.Type {
	case "unicast_prefix", "multicast_prefix":
		fam := "v6"
		if r.IsIPv4 {
			fam = "v4"
		}
		if len(r.Labels) > 0 {
			fam += "-labeled"
		}
		action := r.Action
		if r.IsEOR {
			action = "eor-" + action
		}
		return r.Type + "/" + fam + "/" + action
	case "evpn":
		if r.IsEOR || r.RouteType == nil {
			return r.Type + "/all/eor-" + r.Action
		}
		return fmt.Sprintf("%s/type%d/%s", r.Type, *r.RouteType, r.Action)
	case "l3vpn", "rtc", "mvpn", "vpls":
		// One record per route; mvpn records of SAFI 129 (VPN multicast prefixes) are
		// "v4-129"/"v6-129", VPLS (AFI 25) is "l2vpn".
		fam := "v6"
		switch {
		case r.Type == "vpls":
			fam = "l2vpn"
		case r.IsIPv4:
			fam = "v4"
		}
		if r.Type == "mvpn" && r.SAFI == 129 {
			fam += "-129"
		}
		action := r.Action
		if r.IsEOR {
			action = "eor-" + action
		}
		return r.Type + "/" + fam + "/" + action
	case "unknown_nlri":
		fam, ok := familyNames[[2]uint16{r.AFI, uint16(r.SAFI)}]
		if !ok {
			fam = fmt.Sprintf("afi%d-safi%d", r.AFI, r.SAFI)
		}
		action := r.Action
		if r.NLRI != nil && *r.NLRI == "" {
			action = "eor-" + action
		}
		return r.Type + "/" + fam + "/" + action
	}
	if r.Synthesized { // made by the collector at the session's end (session.End)
		return r.Type + "/" + r.Action + "-synthesized"
	}
	if r.Action != "" {
		return r.Type + "/" + r.Action
	}
	return r.Type
}

// isRoute reports the record types that carry a RIB view.
func isRoute(r *rec) bool {
	switch r.Type {
	case "unicast_prefix", "multicast_prefix", "unknown_nlri", "evpn", "l3vpn", "rtc", "mvpn", "vpls":
		return true
	}
	return false
}

// viewOf names the RIB view of a route record from its flags and peer type:
// "global/pre", "global/post", "rd/pre", "global/out-pre", "loc-rib", "loc-rib/filtered"…
func viewOf(r *rec) string {
	if r.LocRIB {
		if r.LocRIBFilter {
			return "loc-rib/filtered"
		}
		return "loc-rib"
	}
	var pt string
	switch r.PeerType {
	case 0:
		pt = "global"
	case 1:
		pt = "rd"
	case 2:
		pt = "local"
	default:
		pt = fmt.Sprintf("peer-type-%d", r.PeerType)
	}
	switch {
	case r.AdjRIBOut && r.OutPost:
		return pt + "/out-post"
	case r.AdjRIBOut:
		return pt + "/out-pre"
	case r.PostPolicy:
		return pt + "/post"
	}
	return pt + "/pre"
}

// capturePaths lists every capture of $BMP_TESTDATA/public and /lab: capture.Discover
// (pcap, pcapng, cap, bmp) plus the single-message .bin files.
func capturePaths(t *testing.T) (root string, rel []string) {
	t.Helper()
	root = testutil.TestdataDir(t)
	for _, sub := range []string{"public", "lab"} {
		dir := filepath.Join(root, sub)
		found, err := capture.Discover(dir)
		if err != nil {
			t.Fatalf("discover %s: %v", dir, err)
		}
		err = filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
			if err == nil && !d.IsDir() && strings.EqualFold(filepath.Ext(p), ".bin") {
				found = append(found, p)
			}
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range found {
			r, err := filepath.Rel(root, p)
			if err != nil {
				t.Fatal(err)
			}
			rel = append(rel, filepath.ToSlash(r))
		}
	}
	sort.Strings(rel)
	if len(rel) == 0 {
		t.Fatalf("no captures under %s/public and %s/lab", root, root)
	}
	return root, rel
}

// Summaries are computed once per capture and shared by the tests of the package.
var (
	summaryMu    sync.Mutex
	summaryCache = map[string]*captureSummary{}
)

// summaryOf replays the capture at root/rel (once per test binary) and returns its
// summary.
func summaryOf(t *testing.T, root, rel string) *captureSummary {
	t.Helper()
	summaryMu.Lock()
	s, ok := summaryCache[rel]
	summaryMu.Unlock()
	if ok {
		return s
	}
	s = replayCapture(t, root, rel)
	if !t.Failed() {
		summaryMu.Lock()
		summaryCache[rel] = s
		summaryMu.Unlock()
	}
	return s
}

// replayCapture reads the capture's BMP streams and replays them to a fresh collector, one
// session after the other, so that counters and records can be attributed to sessions.
func replayCapture(t *testing.T, root, rel string) *captureSummary {
	t.Helper()
	sum := &captureSummary{Capture: rel, Sessions: []sessionSummary{}}
	streams, err := capture.ReadFile(filepath.Join(root, filepath.FromSlash(rel)), capture.Options{})
	if err != nil {
		sum.ReadError = strings.TrimPrefix(err.Error(), filepath.Join(root, filepath.FromSlash(rel))+": ")
		sum.computeTotals()
		return sum
	}
	sum.Streams = len(streams)
	if len(streams) == 0 {
		sum.computeTotals()
		return sum
	}
	c := startCollector(t)
	for _, st := range streams {
		s := c.replaySession(t, st)
		if s == nil {
			return sum
		}
		sum.Sessions = append(sum.Sessions, *s)
	}
	sum.computeTotals()
	return sum
}

// replaySession sends one stream over its own TCP connection, waits until the collector
// ended the session and delivered all of its records, and summarises them. It also checks
// the invariants every session must satisfy (sequence numbers, no loss).
func (c *collector) replaySession(t *testing.T, st capture.Stream) *sessionSummary {
	t.Helper()
	before := c.snapshot()
	walk := capture.Count(st.Data)
	ctx, cancel := context.WithTimeout(context.Background(), waitLimit)
	defer cancel()
	sent, err := sender.Run(ctx, []capture.Stream{st}, sender.Options{Addr: c.addr})
	if err != nil {
		t.Errorf("%s: replay: %v", st.Name, err)
		return nil
	}
	if sent.Sessions != 1 || sent.Messages != uint64(walk.Messages) || sent.Bytes != uint64(len(st.Data)) {
		t.Errorf("%s: replay sent %d sessions, %d messages, %d bytes; want 1, %d, %d",
			st.Name, sent.Sessions, sent.Messages, sent.Bytes, walk.Messages, len(st.Data))
	}
	testutil.WaitFor(t, st.Name+": session end", func() bool { return c.endedTotal() > before.endedTotal() })
	// Every record of the session was handed to the queue before the session ended; wait
	// until the sink has them all.
	testutil.WaitFor(t, st.Name+": records delivered", func() bool {
		var want uint64
		for _, ty := range record.Types() {
			want += c.counters.RecordCount(ty)
		}
		return c.q.Stats.Records.Load() >= want
	})
	after := c.snapshot()
	if d, f := c.q.Stats.Dropped.Load(), c.q.Stats.Failed.Load(); d != 0 || f != 0 {
		t.Errorf("%s: queue dropped %d and failed %d records", st.Name, d, f)
	}
	if after.endedTotal() != before.endedTotal()+1 {
		t.Fatalf("%s: %d sessions ended, want 1", st.Name, after.endedTotal()-before.endedTotal())
	}
	s := &sessionSummary{Stream: st.Name, Bytes: len(st.Data), Gaps: st.Gaps, Messages: map[string]uint64{}, Records: map[string]uint64{}}
	if walk.Torn {
		s.TornBytes = walk.TornPresent
	}
	for r, n := range after.ended {
		if n != before.ended[r] {
			s.End = r
		}
	}
	for i, n := range after.messages {
		if d := n - before.messages[i]; d > 0 {
			s.Messages[bmpTypeNames[i]] = d
		}
	}
	for k, n := range after.errors {
		if d := n - before.errors[k]; d > 0 {
			if s.DecodeErrors == nil {
				s.DecodeErrors = map[string]uint64{}
			}
			s.DecodeErrors[k] = d
		}
	}
	s.AddPathMismatches = after.addPath - before.addPath
	s.ASWidthMismatches = after.asWidth - before.asWidth

	lines := c.sink.Lines(before.lines, after.lines)
	if uint64(len(lines)) != after.records-before.records {
		t.Errorf("%s: sink received %d records, collector counted %d", st.Name, len(lines), after.records-before.records)
	}
	var r rec
	for i, l := range lines {
		r = rec{}
		if err := json.Unmarshal(l, &r); err != nil {
			t.Fatalf("%s: record %d is not JSON: %v\n%s", st.Name, i, err, l)
		}
		// Sequence numbers run 1..N per session, in delivery order, without a gap.
		if r.Sequence != uint64(i+1) {
			t.Fatalf("%s: record %d has sequence %d, want %d: %s", st.Name, i, r.Sequence, i+1, l)
		}
		k := recordKey(&r)
		s.Records[k]++
		if r.Type == "peer" && r.Action == "down" && !r.Synthesized {
			reason := "none"
			if r.BMPReason != nil {
				reason = fmt.Sprint(*r.BMPReason)
			}
			inc(&s.PeerDownReasons, reason, 1)
		}
		if r.Type == "statistics" {
			if err := countStatTypes(l, &s.StatTypes); err != nil {
				t.Fatalf("%s: statistics record %d: %v\n%s", st.Name, i, err, l)
			}
		}
		if isRoute(&r) {
			if s.Views == nil {
				s.Views = map[string]uint64{}
			}
			s.Views[viewOf(&r)+" "+k]++
		}
	}
	return s
}

func inc(m *map[string]uint64, k string, n uint64) {
	if *m == nil {
		*m = map[string]uint64{}
	}
	(*m)[k] += n
}

// statFields maps the statistics record fields to their IANA statistics types.
var statFields = map[string]int{
	"prefixes_rejected_inbound": 0, "duplicate_prefix": 1, "duplicate_withdraws": 2,
	"invalidated_due_cluster": 3, "invalidated_due_aspath": 4, "invalidated_due_originator_id": 5,
	"invalidated_due_asconfed": 6, "ads_rib_in": 7, "local_rib": 8, "per_afi_adj_ribs_in": 9,
	"per_afi_loc_rib": 10, "updates_as_withdraw": 11, "prefixes_as_withdraw": 12,
	"duplicate_updates": 13, "pre_policy_adj_rib_out": 14, "post_policy_adj_rib_out": 15,
	"per_afi_pre_policy_adj_rib_out": 16, "per_afi_post_policy_adj_rib_out": 17,
}

// countStatTypes adds the statistics of one statistics record to m, by type.
func countStatTypes(line []byte, m *map[string]uint64) error {
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(line, &fields); err != nil {
		return err
	}
	for name, v := range fields {
		typ, ok := statFields[name]
		switch {
		case name == "unknown_stats":
			var tlvs []struct {
				Type uint16 `json:"type"`
			}
			if err := json.Unmarshal(v, &tlvs); err != nil {
				return err
			}
			for _, tl := range tlvs {
				inc(m, fmt.Sprint(tl.Type), 1)
			}
		case !ok:
		case bytes.HasPrefix(v, []byte("[")):
			var per []json.RawMessage
			if err := json.Unmarshal(v, &per); err != nil {
				return err
			}
			inc(m, fmt.Sprint(typ), uint64(len(per)))
		default:
			inc(m, fmt.Sprint(typ), 1)
		}
	}
	return nil
}

// endedTotal counts the sessions that ended, for any reason.
func (c *collector) endedTotal() uint64 {
	var n uint64
	for _, r := range server.EndReasons {
		n += c.srv.Stats.Ended(r)
	}
	return n
}

// goldenPath is testdata/golden/<capture path with / replaced by __>.json.
func goldenPath(rel string) string {
	return filepath.Join(testutil.RepoRoot(), "testdata", "golden", strings.ReplaceAll(rel, "/", "__")+".json")
}

func marshalSummary(s *captureSummary) []byte {
	b, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		panic(err)
	}
	return append(b, '\n')
}

func readGolden(t *testing.T, rel string) (*captureSummary, []byte) {
	t.Helper()
	b, err := os.ReadFile(goldenPath(rel))
	if err != nil {
		t.Fatalf("golden file for %s: %v (run go test ./test/replay -update to create it, then verify it with TestCrossCheck)", rel, err)
	}
	var s captureSummary
	if err := json.Unmarshal(b, &s); err != nil {
		t.Fatalf("golden file %s: %v", goldenPath(rel), err)
	}
	return &s, b
}
