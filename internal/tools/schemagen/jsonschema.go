package main

import (
	"encoding"
	"encoding/json"
	"reflect"
	"sort"

	"github.com/bmpstream/bmpstream/pkg/record"
)

// genJSONSchemas returns one JSON Schema (draft 2020-12) per record type, keyed by file
// name. Properties follow the same model as the protobuf messages (one field, one
// property); the types follow the JSON rendering, which for a few Go types is custom
// (see customSchema). Every object has additionalProperties: false.
func genJSONSchemas(m *model) map[string]string {
	out := map[string]string{}
	for _, c := range oneofCases() {
		if c.Msg == "" {
			continue // raw records are binary
		}
		var root *message
		for _, r := range m.Roots {
			if r.Name == c.Msg {
				root = r
			}
		}
		defs := map[string]any{}
		s := objectSchema(m, root, defs)
		s["properties"].(map[string]any)["type"] = map[string]any{"const": c.Name}
		doc := map[string]any{
			"$schema":     "https://json-schema.org/draft/2020-12/schema",
			"$id":         "https://github.com/bmpstream/bmpstream/schemas/json/" + c.Name + ".schema.json",
			"title":       c.Name,
			"description": "bmpstream " + record.SchemaVersion + " " + c.Name + " record (JSON Lines output; protobuf message bmpstream.v1." + c.Msg + "). Generated from pkg/record; see docs/schemas.md.",
		}
		for k, v := range s {
			doc[k] = v
		}
		if len(defs) > 0 {
			doc["$defs"] = defs
		}
		data, err := json.MarshalIndent(doc, "", "  ")
		if err != nil {
			fail("%v", err)
		}
		out[c.Name+".schema.json"] = string(data) + "\n"
	}
	return out
}

func objectSchema(m *model, msg *message, defs map[string]any) map[string]any {
	props := map[string]any{}
	for i := range msg.Fields {
		f := &msg.Fields[i]
		props[f.Name] = fieldSchema(m, f, defs)
	}
	return map[string]any{"type": "object", "additionalProperties": false, "properties": props}
}

func ref(m *model, t reflect.Type, defs map[string]any) map[string]any {
	name := t.Name()
	if _, ok := defs[name]; !ok {
		defs[name] = true // placeholder against recursion
		if c := customSchema(m, t, defs); c != nil {
			defs[name] = c
		} else {
			defs[name] = objectSchema(m, m.ByGo[t], defs)
		}
	}
	return map[string]any{"$ref": "#/$defs/" + name}
}

var textMarshaler = reflect.TypeFor[encoding.TextMarshaler]()

// customSchema is the schema of a Go type whose JSON is not its fields' (nil otherwise).
func customSchema(m *model, t reflect.Type, defs map[string]any) map[string]any {
	if t.Implements(textMarshaler) {
		return map[string]any{"type": "string"}
	}
	grouped := func(item map[string]any) map[string]any {
		return map[string]any{"type": "object", "additionalProperties": false,
			"patternProperties": map[string]any{"^[0-9]+$": map[string]any{"type": "array", "items": item}}}
	}
	switch t.Name() {
	case "Capabilities":
		return grouped(map[string]any{"type": "object", "additionalProperties": false, "properties": map[string]any{
			"capability_value": map[string]any{"type": "string"}, "capability_descr": map[string]any{"type": "string"}}})
	case "SRv6SubTLVs":
		return grouped(map[string]any{"oneOf": []any{ref(m, reflect.TypeFor[record.SRv6SIDInfo](), defs), map[string]any{"type": "string"}}})
	case "SRv6SubSubTLVs":
		return grouped(map[string]any{"oneOf": []any{ref(m, reflect.TypeFor[record.SRv6SIDStructure](), defs), map[string]any{"type": "string"}}})
	case "BMPTLV":
		return map[string]any{"type": "object", "additionalProperties": false, "required": []string{"type", "value"},
			"properties": map[string]any{"type": intSchema(), "index": intSchema(), "pen": intSchema(), "value": map[string]any{"type": "string"}}}
	case "FlagSet":
		props := map[string]any{"flags": intSchema()}
		for _, name := range flagNames() {
			props[name] = map[string]any{"type": "boolean"}
		}
		return map[string]any{"type": "object", "additionalProperties": false, "properties": props}
	}
	return nil
}

// flagNames are the names FlagSet renders, over every layout (read from its encoder).
func flagNames() []string {
	seen := map[string]bool{}
	for l := record.FlagLayout(0); l < 64; l++ {
		data, _ := record.FlagSet{Layout: l, Value: 0xff}.MarshalJSON()
		var obj map[string]any
		if json.Unmarshal(data, &obj) == nil {
			for k := range obj {
				seen[k] = true
			}
		}
	}
	var out []string
	for k := range seen {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func intSchema() map[string]any { return map[string]any{"type": "integer"} }

func fieldSchema(m *model, f *field, defs map[string]any) map[string]any {
	if f.Rep {
		if c := customSchema(m, f.Orig, defs); c != nil && f.Orig.Name() != "" {
			defs[f.Orig.Name()] = c
			return map[string]any{"$ref": "#/$defs/" + f.Orig.Name()}
		}
		single := *f
		single.Rep = false
		return map[string]any{"type": "array", "items": fieldSchema(m, &single, defs)}
	}
	if f.Go.Name() != "" && f.Go.PkgPath() == recordPkg {
		if f.Kind == kMsg || f.Kind == kLarge || f.Go.Implements(textMarshaler) || customSchema(m, f.Go, defs) != nil {
			return ref(m, f.Go, defs)
		}
	}
	switch f.Kind {
	case kBool:
		return map[string]any{"type": "boolean"}
	case kUint32, kUint64:
		return map[string]any{"type": "integer", "minimum": 0}
	case kInt64:
		return intSchema()
	case kFloat:
		return map[string]any{"type": "number"}
	case kTime:
		return map[string]any{"type": "string", "format": "date-time"}
	case kMsg:
		return ref(m, f.Go, defs)
	}
	return map[string]any{"type": "string"}
}
