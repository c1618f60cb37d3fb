package main

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/netip"
	"path/filepath"
	"testing"
	"time"

	"github.com/bmpstream/bmpstream/internal/capture"
	"github.com/bmpstream/bmpstream/internal/session"
	"github.com/bmpstream/bmpstream/internal/testutil"
	"github.com/bmpstream/bmpstream/pkg/bmp"
	"github.com/bmpstream/bmpstream/pkg/publisher/file"
	"github.com/bmpstream/bmpstream/pkg/record"
	bmpstreamv1 "github.com/bmpstream/bmpstream/schemas/bmpstream/v1"
)

// TestConsumeCapture: the proto dump of a real capture, read with the generated package,
// has the records of the JSON output (counts per type) and their field values.
func TestConsumeCapture(t *testing.T) {
	path := filepath.Join(testutil.TestdataDir(t), "lab", "frr84-mixed.bmp")
	streams, err := capture.ReadFile(path, capture.Options{})
	if err != nil {
		t.Fatal(err)
	}
	var pb bytes.Buffer
	sink := file.New("proto", &pb, file.Options{Format: file.Proto})
	want := map[string]int{}
	var firstPrefix string
	for _, st := range streams {
		s := session.New(context.Background(), session.Config{Encodings: record.EncProto | record.EncTyped},
			netip.MustParseAddrPort("192.0.2.1:1790"), func(_ context.Context, b *record.Batch) error {
				for i := range b.Recs {
					want[b.Recs[i].Type.String()]++
					if u, ok := b.Value(i).(*record.UnicastPrefix); ok && firstPrefix == "" && u.PrefixLen != nil {
						firstPrefix = u.Prefix.String()
					}
				}
				err := sink.Write(b)
				b.Release()
				return err
			})
		rd := bmp.NewReader(bytes.NewReader(st.Data), 1<<20)
		for {
			_, msg, err := rd.Next()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				t.Fatal(err)
			}
			if err := s.Handle(msg, time.Now()); err != nil {
				t.Fatal(err)
			}
		}
		s.Flush()
	}
	sink.Flush()
	var gotPrefix string
	got, err := consume(&pb, func(r *bmpstreamv1.Record) error {
		if u := r.GetUnicastPrefix(); u != nil && gotPrefix == "" && u.PrefixLen != nil {
			gotPrefix = u.GetPrefix()
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(want) || got["unicast_prefix"] == 0 {
		t.Fatalf("per type %v, want %v", got, want)
	}
	for k, n := range want {
		if got[k] != n {
			t.Fatalf("%s: %d records, want %d", k, got[k], n)
		}
	}
	if gotPrefix == "" || gotPrefix != firstPrefix {
		t.Fatalf("first prefix %q, want %q", gotPrefix, firstPrefix)
	}
}
