package file

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/bmpstream/bmpstream/pkg/record"
)

// batch holds a router termination, an IPv6 unicast record and a raw (binary) record.
func batch() *record.Batch {
	b := record.NewBatch()
	rh := [16]byte{0xd0, 0xf8}
	b.Add(&record.Router{Head: record.Head{Action: record.ActionTerm, Sequence: 1}}, record.Meta{Type: record.TypeRouter, IPv4: true, RouterHash: rh})
	b.Add(&record.UnicastPrefix{Head: record.Head{Action: record.ActionAdd, Sequence: 2}}, record.Meta{Type: record.TypeUnicastPrefix, RouterHash: rh})
	b.AddRaw(func(dst []byte) []byte { return append(dst, 0, 1, 2, '\n', 3) }, record.Meta{Type: record.TypeRaw, RouterHash: rh})
	return b
}

func lines(s string) []string { return strings.Split(strings.TrimSuffix(s, "\n"), "\n") }

func TestJSONLSkipsRawRecords(t *testing.T) {
	var out bytes.Buffer
	s := New("test", &out, Options{})
	b := batch()
	if err := s.Write(b); err != nil {
		t.Fatal(err)
	}
	b.Release()
	if err := s.Flush(); err != nil {
		t.Fatal(err)
	}
	ls := lines(out.String())
	if len(ls) != 2 || !strings.HasPrefix(ls[0], `{"type":"router","action":"term"`) || !strings.HasPrefix(ls[1], `{"type":"unicast_prefix"`) {
		t.Fatalf("output %q", out.String())
	}
}

func TestGoBMPEnvelope(t *testing.T) {
	var out bytes.Buffer
	s := New("test", &out, Options{Format: GoBMP, SplitAF: true})
	b := batch()
	if err := s.Write(b); err != nil {
		t.Fatal(err)
	}
	b.Release()
	s.Flush()
	ls := lines(out.String())
	if len(ls) != 2 {
		t.Fatalf("output %q", out.String())
	}
	want := []float64{5, 76} // termination, IPv6 unicast with split-af
	for i, l := range ls {
		var env struct {
			MsgType float64         `json:"msg_type"`
			MsgHash string          `json:"msg_hash"`
			MsgData json.RawMessage `json:"msg_data"`
		}
		if err := json.Unmarshal([]byte(l), &env); err != nil {
			t.Fatalf("%s: %v", l, err)
		}
		if env.MsgType != want[i] || env.MsgHash != "d0f80000000000000000000000000000" || !json.Valid(env.MsgData) {
			t.Fatalf("envelope %d: %+v", i, env)
		}
	}
	if _, err := ParseFormat("xml"); err == nil {
		t.Fatal("bad format accepted")
	}
}

// TestCreateAppendsAndCloseSyncs: an existing file is appended to (a restart of the
// collector keeps what it wrote before), a missing one is created.
func TestCreateAppendsAndCloseSyncs(t *testing.T) {
	path := filepath.Join(t.TempDir(), "out.json")
	if err := os.WriteFile(path, []byte("{\"old\":1}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for run := 1; run <= 2; run++ {
		s, err := Create(path, Options{})
		if err != nil {
			t.Fatal(err)
		}
		b := batch()
		s.Write(b)
		b.Release()
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
	}
	got, _ := os.ReadFile(path)
	ls := lines(string(got))
	if len(ls) != 5 || ls[0] != `{"old":1}` || !strings.Contains(ls[1], `"type":"router"`) || !strings.Contains(ls[4], `"type":"unicast_prefix"`) {
		t.Fatalf("file after two runs: %q", got)
	}
	missing := filepath.Join(t.TempDir(), "new.json")
	s, err := Create(missing, Options{})
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	if st, err := os.Stat(missing); err != nil || st.Size() != 0 {
		t.Fatalf("created file: %v %v", st, err)
	}
}

// TestReopen: the rotation sequence of logrotate — rename the file, then Reopen (SIGHUP)
// — sends the records written before the reopen (buffered ones included) to the renamed
// file and the later ones to a new file at the path; nothing is lost or duplicated.
func TestReopen(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "out.json")
	s, err := Create(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	b := batch()
	s.Write(b) // buffered, not yet flushed
	b.Release()
	if err := os.Rename(path, path+".1"); err != nil {
		t.Fatal(err)
	}
	if err := s.Reopen(); err != nil {
		t.Fatal(err)
	}
	b = batch()
	s.Write(b)
	b.Release()
	b = batch()
	s.Write(b)
	b.Release()
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	old, _ := os.ReadFile(path + ".1")
	cur, _ := os.ReadFile(path)
	if n := len(lines(string(old))); n != 2 {
		t.Fatalf("rotated file has %d lines, want 2: %q", n, old)
	}
	if n := len(lines(string(cur))); n != 4 {
		t.Fatalf("new file has %d lines, want 4: %q", n, cur)
	}
	// A path that cannot be opened any more: the sink keeps its file and says why.
	s, err = Create(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(path); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(path, 0o755); err != nil { // the path is now a directory
		t.Fatal(err)
	}
	if err := s.Reopen(); err == nil {
		t.Fatal("reopen onto a directory succeeded")
	}
	b = batch()
	if err := s.Write(b); err != nil {
		t.Fatal(err)
	}
	b.Release()
	if err := s.Close(); err != nil {
		t.Fatalf("close after a failed reopen: %v", err)
	}
	// The console and New sinks have no path: Reopen does nothing.
	var buf bytes.Buffer
	if err := New("x", &buf, Options{}).Reopen(); err != nil {
		t.Fatal(err)
	}
}

// TestCloseOnFIFO: a FIFO cannot be synced; Close must still succeed.
func TestCloseOnFIFO(t *testing.T) {
	path := filepath.Join(t.TempDir(), "fifo")
	if err := syscall.Mkfifo(path, 0o600); err != nil {
		t.Skipf("mkfifo: %v", err)
	}
	done := make(chan []byte)
	go func() {
		r, err := os.Open(path)
		if err != nil {
			done <- nil
			return
		}
		defer r.Close()
		var buf bytes.Buffer
		buf.ReadFrom(r)
		done <- buf.Bytes()
	}()
	s, err := Create(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	b := batch()
	s.Write(b)
	b.Release()
	if err := s.Close(); err != nil {
		t.Fatalf("close on a FIFO: %v", err)
	}
	if got := <-done; len(lines(string(got))) != 2 {
		t.Fatalf("read %q", got)
	}
}

// TestGoBMPEnvelopeMVPN: goBMP numbers MCAST-VPN (SAFI 5) 204/206 and MVPN (SAFI 129)
// 208/210, told apart by Meta.SAFI (not by the JSON text).
func TestGoBMPEnvelopeMVPN(t *testing.T) {
	var out bytes.Buffer
	s := New("test", &out, Options{Format: GoBMP, SplitAF: true})
	b := record.NewBatch()
	b.Add(&record.MVPNPrefix{Head: record.Head{Action: record.ActionAdd, Sequence: 1}, AFI: 1, SAFI: 5, IsIPv4: true}, record.Meta{Type: record.TypeMVPN, IPv4: true, AFI: 1, SAFI: 5})
	b.Add(&record.MVPNPrefix{Head: record.Head{Action: record.ActionAdd, Sequence: 2}, AFI: 2, SAFI: 129}, record.Meta{Type: record.TypeMVPN, AFI: 2, SAFI: 129})
	if err := s.Write(b); err != nil {
		t.Fatal(err)
	}
	b.Release()
	s.Flush()
	ls := lines(out.String())
	if len(ls) != 2 || !strings.HasPrefix(ls[0], `{"msg_type":204,`) || !strings.HasPrefix(ls[1], `{"msg_type":210,`) {
		t.Fatalf("envelopes %q", ls)
	}
}
