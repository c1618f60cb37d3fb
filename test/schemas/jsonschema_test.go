package schemas

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"

	"github.com/bmpstream/bmpstream/internal/testutil"
	"github.com/bmpstream/bmpstream/pkg/record"
	_ "github.com/bmpstream/bmpstream/schemas/bmpstream/v1"
)

// compileSchemas compiles schemas/json/<type>.schema.json of every record type.
func compileSchemas(t *testing.T) map[record.Type]*jsonschema.Schema {
	t.Helper()
	dir := filepath.Join(testutil.RepoRoot(), "schemas", "json")
	c := jsonschema.NewCompiler()
	c.AssertFormat()
	out := map[record.Type]*jsonschema.Schema{}
	for _, typ := range record.Types() {
		if typ == record.TypeRaw {
			continue
		}
		path := filepath.Join(dir, typ.String()+".schema.json")
		s, err := c.Compile(path)
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		out[typ] = s
	}
	return out
}

// TestJSONSchemaEveryRecord validates every JSON line produced from every capture against
// the schema of its type (additionalProperties: false everywhere, so an undocumented
// field fails), and counts the records of each type.
func TestJSONSchemaEveryRecord(t *testing.T) {
	schemas := compileSchemas(t)
	counts := map[record.Type]int{}
	for _, path := range capturePaths(t) {
		t.Run(filepath.Base(path), func(t *testing.T) {
			decode(t, path, record.EncJSON, func(b *record.Batch) {
				for i := range b.Recs {
					m := &b.Recs[i]
					if m.Type == record.TypeRaw {
						continue
					}
					v, err := jsonschema.UnmarshalJSON(bytes.NewReader(b.Record(i)))
					if err != nil {
						t.Fatalf("%s: %v", m.Type, err)
					}
					if err := schemas[m.Type].Validate(v); err != nil {
						t.Fatalf("%s record %d does not match its schema: %v\n%s", m.Type, m.Seq, err, b.Record(i))
					}
					counts[m.Type]++
				}
			})
		})
	}
	for _, typ := range []record.Type{record.TypeRouter, record.TypePeer, record.TypeUnicastPrefix, record.TypeStatistics} {
		if counts[typ] == 0 {
			t.Errorf("no %s record validated", typ)
		}
	}
	t.Logf("records validated per type: %v", counts)
}

// TestJSONSchemaRejectsUndocumentedField: the schemas do fail on a field they do not
// describe, at the top level and inside nested objects.
func TestJSONSchemaRejectsUndocumentedField(t *testing.T) {
	schemas := compileSchemas(t)
	for _, c := range []struct {
		typ  record.Type
		line string
		ok   bool
	}{
		{record.TypeRouter, `{"type":"router","action":"init","sequence":1,"router_hash":"x","router_ip":"192.0.2.1","router_port":1,"bmp_version":3,"collector_timestamp":"2026-01-01T00:00:00Z"}`, true},
		{record.TypeRouter, `{"type":"router","action":"init","sequence":1,"bogus":1}`, false},
		{record.TypeRouter, `{"type":"peer","sequence":1}`, false},
		{record.TypeUnicastPrefix, `{"type":"unicast_prefix","sequence":1,"base_attrs":{"base_attr_hash":"x","origin":"igp"}}`, true},
		{record.TypeUnicastPrefix, `{"type":"unicast_prefix","sequence":1,"base_attrs":{"base_attr_hash":"x","bogus":true}}`, false},
		{record.TypeUnicastPrefix, `{"type":"unicast_prefix","sequence":"1"}`, false},
	} {
		v, err := jsonschema.UnmarshalJSON(strings.NewReader(c.line))
		if err != nil {
			t.Fatal(err)
		}
		if err := schemas[c.typ].Validate(v); (err == nil) != c.ok {
			t.Errorf("%s: valid=%v, want %v (%v)", c.line, err == nil, c.ok, err)
		}
	}
}

// TestFieldSetsAgree: for every record type, the JSON Schema's properties are the
// protobuf message's fields, and every key of every JSON record of every capture is one
// of them (the schema's additionalProperties says the same; this names the difference).
func TestFieldSetsAgree(t *testing.T) {
	dir := filepath.Join(testutil.RepoRoot(), "schemas", "json")
	for _, typ := range record.Types() {
		if typ == record.TypeRaw {
			continue
		}
		data, err := os.ReadFile(filepath.Join(dir, typ.String()+".schema.json"))
		if err != nil {
			t.Fatal(err)
		}
		var s struct {
			Properties map[string]json.RawMessage
			Defs       map[string]struct {
				Properties map[string]json.RawMessage
			} `json:"$defs"`
		}
		if err := json.Unmarshal(data, &s); err != nil {
			t.Fatal(err)
		}
		md, err := protoregistry.GlobalFiles.FindDescriptorByName(protoreflect.FullName(record.ProtoMessageName(typ)))
		if err != nil {
			t.Fatal(err)
		}
		if got, want := keys(s.Properties), protoFields(md.(protoreflect.MessageDescriptor)); got != want {
			t.Errorf("%s: schema properties\n%s\nprotobuf fields\n%s", typ, got, want)
		}
		// Nested objects described by fields (not custom renderings) agree too.
		for name, d := range s.Defs {
			nd, err := protoregistry.GlobalFiles.FindDescriptorByName(protoreflect.FullName(record.ProtoPackage + "." + name))
			if err != nil || len(d.Properties) == 0 {
				continue
			}
			if got, want := keys(d.Properties), protoFields(nd.(protoreflect.MessageDescriptor)); got != want && name != "FlagSet" && name != "BMPTLV" {
				t.Errorf("%s $defs %s: schema properties\n%s\nprotobuf fields\n%s", typ, name, got, want)
			}
		}
	}
}

func keys(m map[string]json.RawMessage) string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return strings.Join(out, " ")
}

func protoFields(md protoreflect.MessageDescriptor) string {
	var out []string
	for i := 0; i < md.Fields().Len(); i++ {
		out = append(out, string(md.Fields().Get(i).Name()))
	}
	sort.Strings(out)
	return strings.Join(out, " ")
}
