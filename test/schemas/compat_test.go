package schemas

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protodesc"
	"google.golang.org/protobuf/types/descriptorpb"

	"github.com/bmpstream/bmpstream/internal/protocompat"
	"github.com/bmpstream/bmpstream/internal/testutil"
	bmpstreamv1 "github.com/bmpstream/bmpstream/schemas/bmpstream/v1"
)

var updateBaseline = flag.Bool("update-baseline", false, "write the current schema as the compatibility baseline (a release step: make schema-baseline)")

// baselinePath is the descriptor set of the schema consumers were last given.
func baselinePath() string {
	return filepath.Join(testutil.RepoRoot(), "schemas", "compat", "bmpstream.v1.binpb")
}

func currentSet() *descriptorpb.FileDescriptorSet {
	return &descriptorpb.FileDescriptorSet{File: []*descriptorpb.FileDescriptorProto{
		protodesc.ToFileDescriptorProto(bmpstreamv1.File_bmpstream_v1_bmpstream_proto)}}
}

// TestProtoCompatibleWithBaseline is the `buf breaking` of CI: the schema in
// schemas/bmpstream/v1 breaks nothing that the committed baseline
// (schemas/compat/bmpstream.v1.binpb) promised, and passes the lint rules.
func TestProtoCompatibleWithBaseline(t *testing.T) {
	cur := currentSet()
	if *updateBaseline {
		data, err := proto.MarshalOptions{Deterministic: true}.Marshal(cur)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.MkdirAll(filepath.Dir(baselinePath()), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(baselinePath(), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	data, err := os.ReadFile(baselinePath())
	if err != nil {
		t.Fatal(err)
	}
	var old descriptorpb.FileDescriptorSet
	if err := proto.Unmarshal(data, &old); err != nil {
		t.Fatal(err)
	}
	breaks, err := protocompat.Breaking(&old, cur)
	if err != nil {
		t.Fatal(err)
	}
	for _, b := range breaks {
		t.Errorf("breaking change: %s", b)
	}
	lint, err := protocompat.Lint(cur)
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range lint {
		t.Errorf("lint: %s", l)
	}
}

// TestProtocompatFindsBreaks: the checker reports each kind of breaking change made to a
// copy of the current schema, and accepts additions.
func TestProtocompatFindsBreaks(t *testing.T) {
	base := currentSet()
	msg := func(s *descriptorpb.FileDescriptorSet, name string) *descriptorpb.DescriptorProto {
		for _, m := range s.File[0].MessageType {
			if m.GetName() == name {
				return m
			}
		}
		t.Fatalf("no message %s", name)
		return nil
	}
	field := func(m *descriptorpb.DescriptorProto, name string) *descriptorpb.FieldDescriptorProto {
		for _, f := range m.Field {
			if f.GetName() == name {
				return f
			}
		}
		t.Fatalf("no field %s", name)
		return nil
	}
	for _, c := range []struct {
		name   string
		mutate func(s *descriptorpb.FileDescriptorSet)
		want   string // "" means compatible
	}{
		{"add field", func(s *descriptorpb.FileDescriptorSet) {
			m := msg(s, "Peer")
			m.Field = append(m.Field, &descriptorpb.FieldDescriptorProto{Name: proto.String("new_field"), Number: proto.Int32(999),
				Type: descriptorpb.FieldDescriptorProto_TYPE_STRING.Enum(), Label: descriptorpb.FieldDescriptorProto_LABEL_OPTIONAL.Enum(), JsonName: proto.String("newField")})
		}, ""},
		{"add message", func(s *descriptorpb.FileDescriptorSet) {
			s.File[0].MessageType = append(s.File[0].MessageType, &descriptorpb.DescriptorProto{Name: proto.String("Extra")})
		}, ""},
		{"delete field", func(s *descriptorpb.FileDescriptorSet) {
			m := msg(s, "Peer")
			m.Field = m.Field[1:]
		}, "deleted without reserving"},
		{"rename field", func(s *descriptorpb.FileDescriptorSet) {
			field(msg(s, "Peer"), "peer_hash").Name = proto.String("peer_md5")
		}, "renamed to peer_md5"},
		{"change type", func(s *descriptorpb.FileDescriptorSet) {
			field(msg(s, "Peer"), "remote_asn").Type = descriptorpb.FieldDescriptorProto_TYPE_UINT64.Enum()
		}, "type uint32 changed to uint64"},
		{"make repeated", func(s *descriptorpb.FileDescriptorSet) {
			field(msg(s, "Peer"), "remote_asn").Label = descriptorpb.FieldDescriptorProto_LABEL_REPEATED.Enum()
		}, "cardinality"},
		{"delete message", func(s *descriptorpb.FileDescriptorSet) {
			ms := s.File[0].MessageType
			for i, m := range ms {
				if m.GetName() == "LargeCommunity" {
					s.File[0].MessageType = append(ms[:i:i], ms[i+1:]...)
				}
			}
			// and the field that used it, so that the set still links
			m := msg(s, "BaseAttrs")
			for i, f := range m.Field {
				if f.GetName() == "large_community_list" {
					m.Field = append(m.Field[:i:i], m.Field[i+1:]...)
					break
				}
			}
		}, "message bmpstream.v1.LargeCommunity: removed"},
		{"change package", func(s *descriptorpb.FileDescriptorSet) {
			s.File[0].Options.GoPackage = proto.String("example.com/other;other")
		}, "go_package"},
	} {
		t.Run(c.name, func(t *testing.T) {
			cur := proto.Clone(base).(*descriptorpb.FileDescriptorSet)
			c.mutate(cur)
			breaks, err := protocompat.Breaking(base, cur)
			if err != nil {
				t.Fatal(err)
			}
			got := strings.Join(breaks, "\n")
			if c.want == "" && len(breaks) > 0 || c.want != "" && !strings.Contains(got, c.want) {
				t.Fatalf("findings %q, want %q", got, c.want)
			}
		})
	}
}
