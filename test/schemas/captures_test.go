// Package schemas tests the record model against every capture in $BMP_TESTDATA: the
// typed copies (record.Batch.Value) and metadata (record.Meta) agree with the JSON output.
package schemas

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/netip"
	"path/filepath"
	"sort"
	"testing"
	"time"

	"github.com/bmpstream/bmpstream/internal/capture"
	"github.com/bmpstream/bmpstream/internal/session"
	"github.com/bmpstream/bmpstream/internal/testutil"
	"github.com/bmpstream/bmpstream/pkg/bmp"
	"github.com/bmpstream/bmpstream/pkg/record"
)

// capturePaths lists every capture under $BMP_TESTDATA/public and /lab (pcap, pcapng
// and raw BMP; the OpenBMP-framed .bin files are test/replay's).
func capturePaths(t *testing.T) []string {
	t.Helper()
	root := testutil.TestdataDir(t)
	var out []string
	for _, sub := range []string{"public", "lab"} {
		dir := filepath.Join(root, sub)
		found, err := capture.Discover(dir)
		if err != nil {
			t.Fatalf("discover %s: %v", dir, err)
		}
		out = append(out, found...)
	}
	sort.Strings(out)
	if len(out) == 0 {
		t.Fatalf("no captures under %s", root)
	}
	return out
}

// recvTime is the collector time of every record, so that runs compare byte for byte.
var recvTime = time.Date(2026, 12, 8, 1, 0, 0, 0, time.UTC)

// decode runs every stream of the capture at path through a session whose batches carry
// enc, and calls f with each batch (released afterwards).
func decode(t *testing.T, path string, enc record.Encodings, f func(b *record.Batch)) {
	t.Helper()
	streams, err := capture.ReadFile(path, capture.Options{})
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	for _, st := range streams {
		out := func(_ context.Context, b *record.Batch) error {
			f(b)
			b.Release()
			return nil
		}
		remote := st.Src
		if !remote.IsValid() {
			remote = netip.AddrPortFrom(netip.IPv4Unspecified(), 0)
		}
		s := session.New(context.Background(), session.Config{Encodings: enc, MaxBatchRecords: 500}, remote, out)
		r := bmp.NewReader(bytes.NewReader(st.Data), 1<<24)
		for {
			_, msg, err := r.Next()
			if err != nil {
				if !errors.Is(err, io.EOF) && !errors.Is(err, io.ErrUnexpectedEOF) {
					t.Logf("%s %s: %v", path, st.Name, err)
				}
				break
			}
			if err := s.Handle(msg, recvTime); err != nil {
				t.Fatal(err)
			}
		}
		if err := s.Flush(); err != nil {
			t.Fatal(err)
		}
	}
}

// jsonLines returns the JSON output of a capture (every record, in order).
func jsonLines(t *testing.T, path string, enc record.Encodings) [][]byte {
	var out [][]byte
	decode(t, path, enc, func(b *record.Batch) {
		for i := range b.Recs {
			out = append(out, bytes.Clone(b.Record(i)))
		}
	})
	return out
}
