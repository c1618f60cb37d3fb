package session

import (
	"bytes"
	"path/filepath"
	"sync"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/bmpstream/bmpstream/internal/testutil"
	"github.com/bmpstream/bmpstream/pkg/record"
)

// The records of the session tests cover the families the captures do not have (BGP-LS,
// SR Policy, FlowSpec, VPLS, RTC, MVPN, multicast, unknown NLRI): run checks each of
// them against its JSON Schema (schemas/json), through protobuf and through its typed
// copy, as test/schemas does for the captures.
var (
	schemaOnce    sync.Once
	schemaByType  map[record.Type]*jsonschema.Schema
	schemaErr     error
	schemaCountMu sync.Mutex
	schemaCounts  = map[record.Type]int{}
)

// schemaEncodings are the encodings run asks for when the test leaves them unset.
const schemaEncodings = record.EncJSON | record.EncProto | record.EncTyped

func checkRecordSchemas(t *testing.T, b *record.Batch, i int) {
	t.Helper()
	m := &b.Recs[i]
	if m.Type == record.TypeRaw || b.Enc != schemaEncodings || b.Value(i) == nil {
		return // raw, or a test family's own encoder (not a record type)
	}
	schemaOnce.Do(func() {
		c := jsonschema.NewCompiler()
		schemaByType = map[record.Type]*jsonschema.Schema{}
		for _, typ := range record.Types() {
			if typ == record.TypeRaw {
				continue
			}
			s, err := c.Compile(filepath.Join(testutil.RepoRoot(), "schemas", "json", typ.String()+".schema.json"))
			if err != nil {
				schemaErr = err
				return
			}
			schemaByType[typ] = s
		}
	})
	if schemaErr != nil {
		t.Fatal(schemaErr)
	}
	line := b.Record(i)
	v, err := jsonschema.UnmarshalJSON(bytes.NewReader(line))
	if err != nil {
		t.Fatal(err)
	}
	if err := schemaByType[m.Type].Validate(v); err != nil {
		t.Fatalf("%s record does not match its JSON Schema: %v\n%s", m.Type, err, line)
	}
	pv := record.NewValue(m.Type)
	if err := pv.UnmarshalProto(b.Proto(i)); err != nil {
		t.Fatalf("%s: protobuf: %v", m.Type, err)
	}
	if got := pv.AppendJSON(nil); !bytes.Equal(got, line) {
		t.Fatalf("%s: through protobuf\n%s\nwant\n%s", m.Type, got, line)
	}
	if got := b.Value(i).AppendJSON(nil); !bytes.Equal(got, line) {
		t.Fatalf("%s: typed copy\n%s\nwant\n%s", m.Type, got, line)
	}
	schemaCountMu.Lock()
	schemaCounts[m.Type]++
	schemaCountMu.Unlock()
}

// TestSchemaCheckedTypes logs which record types the session tests run before it
// checked (go test -v).
func TestSchemaCheckedTypes(t *testing.T) {
	schemaCountMu.Lock()
	defer schemaCountMu.Unlock()
	t.Logf("records checked against schemas, protobuf and typed copies so far: %v", schemaCounts)
}
