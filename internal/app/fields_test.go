package app

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/bmpstream/bmpstream/internal/capture"
	"github.com/bmpstream/bmpstream/internal/testutil"
	"github.com/bmpstream/bmpstream/pkg/publisher/file"
)

// fieldName matches a backticked JSON field name, possibly nested (base_attrs.as_path).
var fieldName = regexp.MustCompile("`([a-z][a-z0-9_]*(?:\\.[a-z][a-z0-9_]*)?)`")

// readmeFieldTable parses the README's field reference (between the fields:begin and
// fields:end markers): record type → fields seen in the captures, and fields the captures
// do not exercise.
func readmeFieldTable(t *testing.T) (seen, other map[string][]string) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(testutil.RepoRoot(), "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	_, rest, ok := strings.Cut(string(b), "<!-- fields:begin -->")
	table, _, ok2 := strings.Cut(rest, "<!-- fields:end -->")
	if !ok || !ok2 {
		t.Fatal("README.md has no <!-- fields:begin --> … <!-- fields:end --> table")
	}
	seen, other = map[string][]string{}, map[string][]string{}
	for _, line := range strings.Split(table, "\n") {
		cells := strings.Split(line, "|")
		if len(cells) != 5 || strings.HasPrefix(strings.TrimSpace(cells[1]), "---") {
			continue
		}
		typ := strings.Trim(strings.TrimSpace(cells[1]), "`")
		if typ == "type" {
			continue // header
		}
		for _, m := range fieldName.FindAllStringSubmatch(cells[2], -1) {
			seen[typ] = append(seen[typ], m[1])
		}
		for _, m := range fieldName.FindAllStringSubmatch(cells[3], -1) {
			other[typ] = append(other[typ], m[1])
		}
	}
	if len(seen) < 5 {
		t.Fatalf("README field table: only %d record types parsed", len(seen))
	}
	return seen, other
}

// docFieldTables returns the backticked names of the first column of every table in docs/
// whose first header cell is "field" or "json" (the documents' field tables), by file.
func docFieldTables(t *testing.T) map[string][]string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(testutil.RepoRoot(), "docs", "*.md"))
	if err != nil || len(files) == 0 {
		t.Fatalf("docs: %v", err)
	}
	out := map[string][]string{}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		in := false
		for _, line := range strings.Split(string(b), "\n") {
			if !strings.HasPrefix(line, "|") {
				in = false
				continue
			}
			cells := strings.Split(line, "|")
			first := strings.TrimSpace(cells[1])
			switch {
			case !in && (first == "field" || first == "json"):
				in = true
			case in && !strings.HasPrefix(first, "---"):
				for _, m := range fieldName.FindAllStringSubmatch(first, -1) {
					out[filepath.Base(f)] = append(out[filepath.Base(f)], m[1])
				}
			}
		}
	}
	return out
}

// captureFields decodes every capture of $BMP_TESTDATA (public and lab) and returns, per
// record type, every field name of its records: top-level keys, and base_attrs.<key>.
func captureFields(t *testing.T) (byType map[string]map[string]bool, all map[string]bool) {
	t.Helper()
	dir := testutil.TestdataDir(t)
	paths, err := capture.Expand([]string{filepath.Join(dir, "public"), filepath.Join(dir, "lab")})
	if err != nil {
		t.Fatal(err)
	}
	byType, all = map[string]map[string]bool{}, map[string]bool{}
	var walk func(prefix string, v any, typ string)
	walk = func(prefix string, v any, typ string) {
		switch x := v.(type) {
		case map[string]any:
			for k, val := range x {
				if prefix == "" || prefix == "base_attrs." {
					byType[typ][prefix+k] = true
				}
				all[k] = true
				next := k + "."
				if prefix != "" {
					next = prefix + k + "."
				}
				walk(next, val, typ)
			}
		case []any:
			for _, e := range x {
				walk(prefix, e, typ)
			}
		}
	}
	for _, p := range paths {
		var out bytes.Buffer
		if _, err := Inspect(p, &out, file.JSONL, capture.Options{Ports: capture.DefaultPorts}, 1<<20); err != nil {
			continue // unreadable captures are test/replay's business
		}
		dec := json.NewDecoder(&out)
		for dec.More() {
			var r map[string]any
			if err := dec.Decode(&r); err != nil {
				t.Fatalf("%s: %v", p, err)
			}
			typ, _ := r["type"].(string)
			if byType[typ] == nil {
				byType[typ] = map[string]bool{}
			}
			walk("", r, typ)
		}
	}
	return byType, all
}

// encoderKeys returns every quoted lower-case identifier of pkg/record's Go source: the
// JSON keys its encoders and struct tags can write.
func encoderKeys(t *testing.T) map[string]bool {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(testutil.RepoRoot(), "pkg", "record", "*.go"))
	if err != nil {
		t.Fatal(err)
	}
	keys := map[string]bool{}
	quoted := regexp.MustCompile(`"([a-z][a-z0-9_]*)[",]`)
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range quoted.FindAllStringSubmatch(string(b), -1) {
			keys[m[1]] = true
		}
	}
	return keys
}

// TestREADMEFieldsInCaptures: every field the README's field reference promises for a
// record type occurs in the records of that type decoded from the shared captures (the
// README is the test's input, so it cannot drift from the output); the fields it lists as
// not in the captures are at least written by pkg/record's encoders. The field tables of
// docs/ are checked the same way: each name occurs in the captures' records or in the
// encoders.
func TestREADMEFieldsInCaptures(t *testing.T) {
	seen, other := readmeFieldTable(t)
	byType, anyType := captureFields(t)
	keys := encoderKeys(t)
	types := make([]string, 0, len(seen))
	for typ := range seen {
		types = append(types, typ)
	}
	sort.Strings(types)
	for _, typ := range types {
		got := byType[typ]
		if got == nil {
			t.Errorf("README: no %q record in the captures", typ)
			continue
		}
		for _, f := range seen[typ] {
			if !got[f] {
				t.Errorf("README promises %q on %q records; the captures' %q records have no such field", f, typ, typ)
			}
		}
		for _, f := range other[typ] {
			if got[f] {
				t.Errorf("README lists %q on %q as not in the captures, but it is: move it to the second column", f, typ)
			}
			if name := f[strings.LastIndexByte(f, '.')+1:]; !keys[name] {
				t.Errorf("README promises %q on %q records; pkg/record never writes %q", f, typ, name)
			}
		}
	}
	for doc, names := range docFieldTables(t) {
		for _, f := range names {
			name := f[strings.LastIndexByte(f, '.')+1:]
			if !anyType[name] && !keys[name] {
				t.Errorf("docs/%s documents field %q: neither in the captures' records nor written by pkg/record", doc, f)
			}
		}
	}
}
