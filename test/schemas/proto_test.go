package schemas

import (
	"bytes"
	"fmt"
	"path/filepath"
	"testing"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"

	"github.com/bmpstream/bmpstream/pkg/record"
	bmpstreamv1 "github.com/bmpstream/bmpstream/schemas/bmpstream/v1"
)

// TestProtoRoundTripEveryRecord: every record of every capture, encoded to protobuf by
// the session (Batch.Proto), decodes (UnmarshalProto) to a record whose JSON is the
// collector's JSON byte for byte; the message also parses with the protoc-gen-go code of
// schemas/bmpstream/v1 without unknown fields (the .proto declares every field the
// encoder writes) and survives its re-encoding unchanged.
func TestProtoRoundTripEveryRecord(t *testing.T) {
	_ = bmpstreamv1.File_bmpstream_v1_bmpstream_proto
	total, protoBytes, jsonBytes := 0, 0, 0
	for _, path := range capturePaths(t) {
		t.Run(filepath.Base(path), func(t *testing.T) {
			var buf []byte
			decode(t, path, record.EncJSON|record.EncProto, func(b *record.Batch) {
				for i := range b.Recs {
					m := &b.Recs[i]
					if m.Type == record.TypeRaw {
						continue
					}
					line, pb := b.Record(i), b.Proto(i)
					total++
					protoBytes += len(pb)
					jsonBytes += len(line)
					v := record.NewValue(m.Type)
					if err := v.UnmarshalProto(pb); err != nil {
						t.Fatalf("record %d (%s): %v", total, m.Type, err)
					}
					buf = v.AppendJSON(buf[:0])
					if !bytes.Equal(buf, line) {
						t.Fatalf("record %d: proto round trip gives\n%s\nwant\n%s", total, firstDiff(buf, line), firstDiff(line, buf))
					}
					// The generated Go code reads the same message.
					name := protoreflect.FullName(record.ProtoMessageName(m.Type))
					mt, err := protoregistry.GlobalTypes.FindMessageByName(name)
					if err != nil {
						t.Fatalf("%s: %v", name, err)
					}
					msg := mt.New().Interface()
					if err := proto.Unmarshal(pb, msg); err != nil {
						t.Fatalf("record %d: %s: %v", total, name, err)
					}
					if path := unknownFields(msg.ProtoReflect()); path != "" {
						t.Fatalf("record %d: %s has unknown fields at %s", total, name, path)
					}
					again, err := proto.Marshal(msg)
					if err != nil {
						t.Fatal(err)
					}
					w := record.NewValue(m.Type)
					if err := w.UnmarshalProto(again); err != nil {
						t.Fatal(err)
					}
					if buf = w.AppendJSON(buf[:0]); !bytes.Equal(buf, line) {
						t.Fatalf("record %d: through protoc-gen-go:\n%s\nwant\n%s", total, firstDiff(buf, line), firstDiff(line, buf))
					}
				}
			})
		})
	}
	if total == 0 {
		t.Fatal("no records")
	}
	t.Logf("%d records: %d bytes of protobuf, %d of JSON", total, protoBytes, jsonBytes)
}

// unknownFields returns the path of the first message holding unknown fields.
func unknownFields(m protoreflect.Message) string {
	if len(m.GetUnknown()) > 0 {
		return string(m.Descriptor().FullName())
	}
	var found string
	m.Range(func(fd protoreflect.FieldDescriptor, v protoreflect.Value) bool {
		if fd.Message() == nil {
			return true
		}
		switch {
		case fd.IsList():
			l := v.List()
			for i := 0; i < l.Len() && found == ""; i++ {
				found = unknownFields(l.Get(i).Message())
			}
		case fd.IsMap():
		default:
			found = unknownFields(v.Message())
		}
		if found != "" {
			found = string(fd.Name()) + "." + found
		}
		return found == ""
	})
	return found
}

// firstDiff returns a's text around the first byte where it differs from b.
func firstDiff(a, b []byte) string {
	i := 0
	for i < len(a) && i < len(b) && a[i] == b[i] {
		i++
	}
	lo, hi := max(0, i-200), min(len(a), i+200)
	return fmt.Sprintf("…%s… (at byte %d of %d)", a[lo:hi], i, len(a))
}
