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

func TestCreateTruncatesAndCloseSyncs(t *testing.T) {
	path := filepath.Join(t.TempDir(), "out.json")
	if err := os.WriteFile(path, []byte("old content\n"), 0o644); err != nil {
		t.Fatal(err)
	}
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
	got, _ := os.ReadFile(path)
	if strings.Contains(string(got), "old content") || len(lines(string(got))) != 2 {
		t.Fatalf("file %q", got)
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
