package replay

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
)

// This file reads the independent sources the summaries are verified against:
// PROVENANCE.md, the oracle JSON decodes and the lab .summary.txt files.

// provEntry is what PROVENANCE.md says about one capture.
type provEntry struct {
	// Walk is set when a "BMP (stream walk)" line exists (message counts from walking the
	// BMP headers of the reassembled TCP streams); otherwise Messages come from the
	// "tshark bmp.type" line (single-message .bin files).
	Walk     bool
	Sessions int
	Messages map[string]uint64
	// Torn counts the streams whose last message is incomplete.
	Torn int
	// MPReach / MPUnreach count MP_REACH_NLRI / MP_UNREACH_NLRI attributes per "afi/safi".
	MPReach, MPUnreach map[string]uint64
	// Classic counts the IPv4 prefixes in the UPDATEs' NLRI and withdrawn routes fields
	// (nil when not given).
	Classic *[2]uint64
	// PeerDownReasons counts Peer Down messages by reason; StatTypes lists the statistics
	// types seen.
	PeerDownReasons map[string]uint64
	StatTypes       []string
}

// provMessageNames maps PROVENANCE.md's message abbreviations to the collector's counter
// names.
var provMessageNames = map[string]string{
	"RM": "route_monitoring", "Stats": "statistics_report", "PeerDown": "peer_down",
	"PeerUp": "peer_up", "Init": "initiation", "Term": "termination",
	"Mirror": "route_mirroring", "RoutePolicyTrace": "other",
}

var (
	provSection = regexp.MustCompile("^### `([^`]+)`")
	provCount   = regexp.MustCompile(`^(\w+)=(\d+)$`)
	provFamily  = regexp.MustCompile(`^(\d+/\d+)×(\d+)$`)
	provReason  = regexp.MustCompile(`'(\d+)': (\d+)`)
)

// parseProvenance reads PROVENANCE.md: capture path (relative to $BMP_TESTDATA) -> entry,
// for the captures under public/.
func parseProvenance(t *testing.T, root string) map[string]*provEntry {
	t.Helper()
	f, err := os.Open(filepath.Join(root, "PROVENANCE.md"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	out := map[string]*provEntry{}
	var cur *provEntry
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	counts := func(list string) map[string]uint64 {
		m := map[string]uint64{}
		for _, item := range strings.Split(list, ", ") {
			mm := provCount.FindStringSubmatch(strings.TrimSpace(item))
			if mm == nil {
				t.Fatalf("PROVENANCE.md: cannot parse message count %q", item)
			}
			name, ok := provMessageNames[mm[1]]
			if !ok {
				t.Fatalf("PROVENANCE.md: unknown message abbreviation %q", mm[1])
			}
			n, _ := strconv.ParseUint(mm[2], 10, 64)
			m[name] += n
		}
		return m
	}
	for sc.Scan() {
		line := sc.Text()
		if m := provSection.FindStringSubmatch(line); m != nil {
			cur = &provEntry{}
			out["public/"+m[1]] = cur
			continue
		}
		if cur == nil || !strings.HasPrefix(line, "- ") {
			continue
		}
		line = line[2:]
		switch {
		case strings.HasPrefix(line, "BMP (stream walk): "):
			body := strings.TrimPrefix(line, "BMP (stream walk): ")
			notes := ""
			if i := strings.Index(body, "; notes: "); i >= 0 {
				body, notes = body[:i], body[i+len("; notes: "):]
			}
			cur.Walk = true
			if _, err := fmt.Sscanf(body, "sessions=%d,", &cur.Sessions); err != nil {
				t.Fatalf("PROVENANCE.md: %q: %v", line, err)
			}
			i := strings.Index(body, "msgs: ")
			if i < 0 {
				t.Fatalf("PROVENANCE.md: no msgs in %q", line)
			}
			cur.Messages = counts(body[i+len("msgs: "):])
			cur.Torn = strings.Count(notes, "last message incomplete")
		case strings.HasPrefix(line, "tshark bmp.type: ") && !cur.Walk:
			body := strings.TrimPrefix(line, "tshark bmp.type: ")
			body = body[:strings.Index(body, ";")]
			cur.Sessions = 1
			cur.Messages = counts(body)
		case strings.HasPrefix(line, "AFI/SAFI: "):
			for _, part := range strings.Split(strings.TrimPrefix(line, "AFI/SAFI: "), "; ") {
				var dst *map[string]uint64
				switch {
				case strings.HasPrefix(part, "MP_REACH "):
					dst, part = &cur.MPReach, strings.TrimPrefix(part, "MP_REACH ")
				case strings.HasPrefix(part, "MP_UNREACH "):
					dst, part = &cur.MPUnreach, strings.TrimPrefix(part, "MP_UNREACH ")
				default:
					var nlri, wd uint64
					if _, err := fmt.Sscanf(part, "classic IPv4 NLRI prefixes %d, withdrawn %d", &nlri, &wd); err == nil {
						cur.Classic = &[2]uint64{nlri, wd}
					}
					continue
				}
				for _, item := range strings.Split(part, ", ") {
					mm := provFamily.FindStringSubmatch(item)
					if mm == nil {
						t.Fatalf("PROVENANCE.md: cannot parse family count %q", item)
					}
					n, _ := strconv.ParseUint(mm[2], 10, 64)
					inc(dst, mm[1], n)
				}
			}
		}
		if i := strings.Index(line, "peer-down reasons {"); i >= 0 {
			for _, mm := range provReason.FindAllStringSubmatch(line[i:strings.Index(line[i:], "}")+i], -1) {
				n, _ := strconv.ParseUint(mm[2], 10, 64)
				inc(&cur.PeerDownReasons, mm[1], n)
			}
		}
		if strings.HasPrefix(line, "stat types ") {
			list := strings.TrimPrefix(line, "stat types ")
			if i := strings.Index(list, ";"); i >= 0 {
				list = list[:i]
			}
			cur.StatTypes = strings.Split(list, ",")
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// oracleStats sums the oracle decodes of a capture (one JSON per TCP stream): nil when
// the oracle has none.
func oracleStats(t *testing.T, root, rel string) (map[string]uint64, []string) {
	t.Helper()
	var pattern string
	switch {
	case strings.HasPrefix(rel, "lab/"):
		base := strings.TrimSuffix(filepath.Base(rel), filepath.Ext(rel))
		pattern = filepath.Join(root, "oracle", "lab."+base+".json")
	case strings.HasPrefix(rel, "public/"):
		r := strings.TrimPrefix(rel, "public/")
		r = strings.TrimSuffix(r, filepath.Ext(r))
		pattern = filepath.Join(root, "oracle", filepath.FromSlash(r)) + ".*.json"
	}
	files, _ := filepath.Glob(pattern)
	// "<name>.<n>.json": keep only the files whose middle part is a stream number.
	var keep []string
	for _, f := range files {
		if strings.HasPrefix(rel, "public/") {
			mid := strings.TrimSuffix(strings.TrimPrefix(f, strings.TrimSuffix(pattern, "*.json")), ".json")
			if _, err := strconv.Atoi(mid); err != nil {
				continue
			}
		}
		keep = append(keep, f)
	}
	if len(keep) == 0 {
		return nil, nil
	}
	sort.Strings(keep)
	sum := map[string]uint64{}
	for _, f := range keep {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var d struct {
			Stats map[string]uint64 `json:"stats"`
		}
		if err := json.Unmarshal(b, &d); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		for k, v := range d.Stats {
			sum[k] += v
		}
	}
	return sum, keep
}

// labSummary is what a lab .summary.txt says: tshark's message types and MP_REACH /
// MP_UNREACH families, and the oracle's decode of the raw stream.
type labSummary struct {
	TsharkMessages     map[string]uint64
	MPReach, MPUnreach map[string]uint64
	Oracle             map[string]uint64
}

var (
	labTsharkType = regexp.MustCompile(`^\s*(\d+)\s+.*\((\d+)\)$`)
	labFamily     = regexp.MustCompile(`^\s*(\d+)\s+(MP_REACH|MP_UNREACH) afi/safi=(\d+) (\d+)$`)
	labOracle     = regexp.MustCompile(`^\s*(\d+)  (.+)$`)
)

func parseLabSummary(t *testing.T, path string) *labSummary {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	s := &labSummary{TsharkMessages: map[string]uint64{}, Oracle: map[string]uint64{}}
	section := ""
	for _, line := range strings.Split(string(b), "\n") {
		switch {
		case strings.HasPrefix(line, "== BMP message types"):
			section = "types"
			continue
		case strings.HasPrefix(line, "== AFI/SAFI"):
			section = "families"
			continue
		case strings.HasPrefix(line, "# independent decode"):
			section = "oracle"
			continue
		case strings.HasPrefix(line, "==") || strings.HasPrefix(line, "#"):
			section = ""
			continue
		}
		switch section {
		case "types":
			if m := labTsharkType.FindStringSubmatch(line); m != nil {
				n, _ := strconv.ParseUint(m[1], 10, 64)
				typ, _ := strconv.Atoi(m[2])
				s.TsharkMessages[bmpTypeNames[min(typ, 7)]] += n
			}
		case "families":
			if m := labFamily.FindStringSubmatch(line); m != nil {
				n, _ := strconv.ParseUint(m[1], 10, 64)
				dst := &s.MPReach
				if m[2] == "MP_UNREACH" {
					dst = &s.MPUnreach
				}
				inc(dst, m[3]+"/"+m[4], n)
			}
		case "oracle":
			if m := labOracle.FindStringSubmatch(line); m != nil {
				n, _ := strconv.ParseUint(m[1], 10, 64)
				s.Oracle[m[2]] += n
			}
		}
	}
	if len(s.TsharkMessages) == 0 || len(s.Oracle) == 0 {
		t.Fatalf("%s: no tshark message types or oracle decode found", path)
	}
	return s
}
