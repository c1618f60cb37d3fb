package app

import (
	"bytes"
	"context"
	"crypto/md5"
	"encoding/json"
	"io"
	"net/netip"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/spf13/pflag"

	"github.com/bmpstream/bmpstream/internal/gen"
	"github.com/bmpstream/bmpstream/internal/server"
	"github.com/bmpstream/bmpstream/internal/session"
	"github.com/bmpstream/bmpstream/internal/testutil"
	"github.com/bmpstream/bmpstream/pkg/openbmp"
	"github.com/bmpstream/bmpstream/pkg/record"
)

func startRaw(t *testing.T, args ...string) (*rawFeature, *Runtime, error) {
	t.Helper()
	f := &rawFeature{hashRecipe: "openbmp"}
	fs := pflag.NewFlagSet("t", pflag.ContinueOnError)
	fs.SetOutput(io.Discard)
	f.AddFlags(fs)
	if err := fs.Parse(args); err != nil {
		t.Fatal(err)
	}
	o := defaultOptions()
	rt := &Runtime{Options: &o, Server: &server.Config{}}
	return f, rt, f.Start(context.Background(), rt)
}

func TestRawFeatureFrames(t *testing.T) {
	_, rt, err := startRaw(t, "--bmp-raw", "--admin-id=collector-01",
		"--router-group=core=10.0.0.0/8,2001:db8::/32", "--router-group=edge=10.9.0.0/16", "--router-group=other")
	if err != nil {
		t.Fatal(err)
	}
	raw := rt.Server.Session.Raw
	if raw == nil {
		t.Fatal("Session.Raw not set")
	}
	msg := gen.Initiation("r1", "descr")
	recv := time.Date(2026, 3, 4, 5, 6, 7, 891234000, time.UTC)
	cases := []struct {
		router, group string
		hashed        []byte
	}{
		{"10.1.2.3:40000", "core", []byte{10, 1, 2, 3}},
		{"10.9.0.1:40000", "edge", []byte{10, 9}},
		{"[::ffff:192.0.2.1]:1", "other", []byte{192}},
		{"[2001:db8::7]:179", "core", []byte{0x20, 0x01, 0x0d, 0xb8}},
	}
	for _, c := range cases {
		ap := netip.MustParseAddrPort(c.router)
		prefix := []byte("keep")
		frame := raw(prefix, ap, msg, recv)
		if !bytes.HasPrefix(frame, []byte("keep")) {
			t.Fatal("Raw did not append to dst")
		}
		h, m, n, err := openbmp.Decode(frame[4:])
		if err != nil {
			t.Fatalf("%s: %v", c.router, err)
		}
		ip := ap.Addr().Unmap()
		flags := uint8(0x80)
		if ip.Is6() {
			flags |= 0x40
		}
		want := openbmp.Header{Major: 1, Minor: 7, HeaderLen: uint16(78 + 12 + len(c.group)), MsgLen: uint32(len(msg)),
			Flags: flags, ObjectType: 12, Time: recv, CollectorHash: md5.Sum([]byte("collector-01")), AdminID: "collector-01",
			RouterHash: md5.Sum(c.hashed), RouterIP: ip, RouterGroup: c.group, RowCount: 1}
		if h != want {
			t.Fatalf("%s:\n got %+v\nwant %+v", c.router, h, want)
		}
		if n != len(frame)-4 || !bytes.Equal(m, msg) {
			t.Fatalf("%s: message not carried verbatim", c.router)
		}
	}
}

func TestRawFeatureFlags(t *testing.T) {
	if _, rt, err := startRaw(t); err != nil || rt.Server.Session.Raw != nil {
		t.Fatalf("disabled feature: err=%v raw set=%v", err, rt.Server.Session.Raw != nil)
	}
	bad := [][]string{
		{"--bmp-raw", "--bmp-raw-router-hash=sha1"},
		{"--bmp-raw", "--router-group=a", "--router-group=b"},
		{"--bmp-raw", "--router-group=a=10.0.0.0/33"},
		{"--bmp-raw", "--router-group==10.0.0.0/8"},
		{"--bmp-raw", "--admin-id=" + string(bytes.Repeat([]byte("x"), 256))},
	}
	for _, args := range bad {
		if _, _, err := startRaw(t, args...); err == nil {
			t.Errorf("%q accepted", args)
		}
	}
	// goBMP-compatible router hash, host name as admin id.
	f, rt, err := startRaw(t, "--bmp-raw", "--bmp-raw-router-hash=gobmp")
	if err != nil || f.adminID == "" {
		t.Fatalf("err=%v admin id %q", err, f.adminID)
	}
	frame := rt.Server.Session.Raw(nil, netip.MustParseAddrPort("192.0.2.1:5"), gen.Termination(0), time.Unix(1, 0))
	h, _, _, err := openbmp.Decode(frame)
	if err != nil || h.RouterHash != md5.Sum([]byte("192.0.2.1")) || h.RouterGroup != "" {
		t.Fatalf("gobmp recipe: %+v %v", h, err)
	}
}

// TestRawRecordsInSession: with the feature on, a session emits one raw record (topic
// gobmp.raw, keyed by the router hash) before the parsed records of every message, and
// the raw records of a real capture carry its messages byte for byte. A message that does
// not decode is still published raw.
func TestRawRecordsInSession(t *testing.T) {
	_, rt, err := startRaw(t, "--bmp-raw", "--admin-id=a")
	if err != nil {
		t.Fatal(err)
	}
	data, err := readTestdata(t, "lab/frr84-mixed.bmp")
	if err != nil {
		t.Fatal(err)
	}
	msgs, rest := testutil.SplitBMP(data)
	if len(rest) != 0 || len(msgs) < 100 {
		t.Fatalf("%d messages, %d bytes left", len(msgs), len(rest))
	}
	router := netip.MustParseAddrPort("10.1.2.3:40000")
	var got [][]byte
	var metas []record.Meta
	var parsedSeq uint64
	out := func(_ context.Context, b *record.Batch) error {
		for i := range b.Recs {
			m := b.Recs[i]
			metas = append(metas, m)
			if m.Type == record.TypeRaw {
				got = append(got, bytes.Clone(b.Record(i)))
				continue
			}
			var js struct{ Sequence uint64 }
			if err := json.Unmarshal(b.Record(i), &js); err != nil || js.Sequence != m.Seq {
				t.Errorf("record %d: JSON sequence %d, Meta.Seq %d (%v)", len(metas), js.Sequence, m.Seq, err)
			}
		}
		b.Release()
		return nil
	}
	cfg := session.Config{Raw: rt.Server.Session.Raw, MaxBatchRecords: 64}
	sess := session.New(context.Background(), cfg, router, out)
	for _, m := range msgs {
		if err := sess.Handle(m, time.Now()); err != nil {
			t.Fatal(err)
		}
	}
	if err := sess.Flush(); err != nil {
		t.Fatal(err)
	}
	if len(got) != len(msgs) {
		t.Fatalf("%d raw records for %d messages", len(got), len(msgs))
	}
	for j, m := range msgs {
		_, body, _, err := openbmp.Decode(got[j])
		if err != nil || !bytes.Equal(body, m) {
			t.Fatalf("raw record %d: err=%v, verbatim=%v", j, err, bytes.Equal(body, m))
		}
	}
	wantHash := record.RouterHash(router.Addr())
	sid := metas[0].Session
	var msgNo uint64
	for i, m := range metas {
		if m.RouterHash != wantHash || m.Session != sid || sid == 0 {
			t.Fatalf("record %d: key %x session %d", i, m.RouterHash, m.Session)
		}
		if m.Type == record.TypeRaw {
			if m.Seq != msgNo+1 {
				t.Fatalf("raw record %d: message number %d after %d", i, m.Seq, msgNo)
			}
			msgNo = m.Seq
			if topic := record.Topic("gobmp", m.Type, m.IPv4, true); topic != "gobmp.raw" {
				t.Fatalf("raw topic %q", topic)
			}
			continue
		}
		if m.Seq != parsedSeq+1 {
			t.Fatalf("record %d: seq %d after %d", i, m.Seq, parsedSeq)
		}
		parsedSeq = m.Seq
	}
	if metas[0].Type != record.TypeRaw {
		t.Fatalf("first record is %v, want the raw Initiation", metas[0].Type)
	}
}

func readTestdata(t *testing.T, rel string) ([]byte, error) {
	t.Helper()
	return os.ReadFile(filepath.Join(testutil.TestdataDir(t), rel))
}

func TestRawUndecodableMessage(t *testing.T) {
	_, rt, err := startRaw(t, "--bmp-raw", "--admin-id=a")
	if err != nil {
		t.Fatal(err)
	}
	bad := gen.BMP(2, []byte{1, 2, 3}) // a Peer Down too short for its per-peer header
	var types []record.Type
	sess := session.New(context.Background(), session.Config{Raw: rt.Server.Session.Raw}, netip.MustParseAddrPort("10.0.0.1:1"),
		func(_ context.Context, b *record.Batch) error {
			for i := range b.Recs {
				types = append(types, b.Recs[i].Type)
				if _, m, _, err := openbmp.Decode(b.Record(i)); err != nil || !bytes.Equal(m, bad) {
					t.Errorf("raw record: %v", err)
				}
			}
			b.Release()
			return nil
		})
	if err := sess.Handle(bad, time.Now()); err != nil {
		t.Fatal(err)
	}
	if err := sess.Flush(); err != nil {
		t.Fatal(err)
	}
	if len(types) != 1 || types[0] != record.TypeRaw {
		t.Fatalf("records %v, want one raw record", types)
	}
}
