package app

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/bmpstream/bmpstream/internal/capture"
	"github.com/bmpstream/bmpstream/internal/testutil"
	"github.com/bmpstream/bmpstream/pkg/publisher/file"
)

func TestMainFlags(t *testing.T) {
	var out, errb bytes.Buffer
	if code := Main([]string{"--version"}, &out, &errb); code != 0 || !strings.HasPrefix(out.String(), "bmpstream ") {
		t.Fatalf("--version: code %d, out %q", code, out.String())
	}
	out.Reset()
	errb.Reset()
	if code := Main([]string{"--help"}, &out, &errb); code != 0 || !strings.Contains(out.String(), "--source-port") ||
		!strings.Contains(out.String(), "--max-message-size") || !strings.Contains(out.String(), "bmpstream inspect [flags] FILE|DIR...") || errb.Len() != 0 {
		t.Fatalf("--help: code %d, stdout %q, stderr %q", code, out.String(), errb.String())
	}
	errb.Reset()
	if code := Main([]string{"--no-such-flag"}, &out, &errb); code != 2 || !strings.Contains(errb.String(), "unknown flag: --no-such-flag") {
		t.Fatalf("bad flag: code %d, %q", code, errb.String())
	}
	errb.Reset()
	if code := Main([]string{"--source-port=70000"}, &out, &errb); code != 2 || !strings.Contains(errb.String(), "--source-port: 70000 is out of range") {
		t.Fatalf("bad port: code %d, %q", code, errb.String())
	}
	errb.Reset()
	if code := Main([]string{"--dump=file"}, &out, &errb); code == 0 || !strings.Contains(errb.String(), "--msg-file") {
		t.Fatalf("file without path: code %d, %q", code, errb.String())
	}
}

// goldenRecords sums the records of a capture's golden file (test/replay writes them).
func goldenRecords(t *testing.T, name string) int {
	b, err := os.ReadFile(filepath.Join(testutil.RepoRoot(), "testdata", "golden", name))
	if err != nil {
		t.Fatal(err)
	}
	var g struct {
		Totals struct {
			Records map[string]int `json:"records"`
		} `json:"totals"`
	}
	if err := json.Unmarshal(b, &g); err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, v := range g.Totals.Records {
		n += v
	}
	return n
}

func TestInspect(t *testing.T) {
	dir := testutil.TestdataDir(t)
	var out bytes.Buffer
	res, err := Inspect(filepath.Join(dir, "lab", "frr84-mixed.bmp"), &out, file.JSONL, capture.Options{}, 1<<20)
	if err != nil {
		t.Fatal(err)
	}
	want := goldenRecords(t, "lab__frr84-mixed.bmp.json")
	if len(res) != 1 || res[0].Messages != 5774 || res[0].Records != want || res[0].Err != nil {
		t.Fatalf("results %+v, want 5774 messages and %d records", res, want)
	}
	lines := strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n")
	if len(lines) != want {
		t.Fatalf("%d lines, want %d", len(lines), want)
	}
	var first map[string]any
	if err := json.Unmarshal([]byte(lines[0]), &first); err != nil || first["type"] != "router" || first["sys_name"] != "frr-dut" {
		t.Fatalf("first record %s (%v)", lines[0], err)
	}

	// goBMP envelope, and a pcap with a torn final message.
	out.Reset()
	res, err = Inspect(filepath.Join(dir, "public", "pmacct_pmacct", "202-BMP-CISCO-HUAWEI-multiple-sources__traffic-02.pcap"), &out, file.GoBMP, capture.Options{}, 1<<20)
	if err != nil || len(res) != 1 || res[0].Messages != 66 || res[0].Err == nil {
		t.Fatalf("torn capture: %+v %v", res, err)
	}
	seen := map[float64]int{}
	for _, l := range strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n") {
		var env struct {
			MsgType float64         `json:"msg_type"`
			MsgHash string          `json:"msg_hash"`
			MsgData json.RawMessage `json:"msg_data"`
		}
		if err := json.Unmarshal([]byte(l), &env); err != nil || len(env.MsgHash) != 32 || len(env.MsgData) == 0 {
			t.Fatalf("bad envelope %s: %v", l, err)
		}
		seen[env.MsgType]++
	}
	// 12 Peer Ups, and the 12 downs and the router term synthesized at the torn end (no
	// Termination).
	if seen[4] != 1 || seen[10] != 24 || seen[5] != 1 {
		t.Fatalf("msg_type counts %v: want 1 router init (4), 24 peers (10), 1 router term (5)", seen)
	}
	if !strings.Contains(out.String(), `"synthesized":true,"end_reason":"framing_error"`) {
		t.Fatal("no synthesized record with end_reason framing_error")
	}
}

func TestInspectMain(t *testing.T) {
	dir := testutil.TestdataDir(t)
	var out, errb bytes.Buffer
	// The Initiation's record and the router term synthesized at the end of the file.
	code := Main([]string{"inspect", filepath.Join(dir, "public", "NLnetLabs_routecore", "bmp_message_rs__initiation_message.bin")}, &out, &errb)
	if code != 0 || !strings.Contains(out.String(), `"sys_name":"xr3"`) || !strings.Contains(errb.String(), "1 messages, 2 records, 0 decode errors: ok") {
		t.Fatalf("code %d out %q err %q", code, out.String(), errb.String())
	}
	if code := Main([]string{"inspect"}, &out, &errb); code != 2 {
		t.Fatalf("inspect without file: code %d", code)
	}
}
