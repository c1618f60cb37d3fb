package main

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

const (
	docsBegin = "<!-- BEGIN GENERATED REFERENCE (make generate) -->"
	docsEnd   = "<!-- END GENERATED REFERENCE -->"
)

// fieldDocs reads the doc comments of the struct fields of the Go files in dir:
// type name -> field name -> comment (one line).
func fieldDocs(dir string) map[string]map[string]string {
	out := map[string]map[string]string{}
	fset := token.NewFileSet()
	matches, _ := filepath.Glob(filepath.Join(dir, "*.go"))
	for _, path := range matches {
		if strings.HasSuffix(path, "_test.go") || strings.HasPrefix(filepath.Base(path), "zz_") {
			continue
		}
		f, err := parser.ParseFile(fset, path, nil, parser.ParseComments)
		if err != nil {
			fail("%s: %v", path, err)
		}
		ast.Inspect(f, func(n ast.Node) bool {
			ts, ok := n.(*ast.TypeSpec)
			if !ok {
				return true
			}
			st, ok := ts.Type.(*ast.StructType)
			if !ok {
				return true
			}
			m := map[string]string{}
			for _, fl := range st.Fields.List {
				text := ""
				if fl.Doc != nil {
					text = fl.Doc.Text()
				} else if fl.Comment != nil {
					text = fl.Comment.Text()
				}
				text = strings.Join(strings.Fields(text), " ")
				for _, name := range fl.Names {
					m[name.Name] = text
				}
			}
			out[ts.Name.Name] = m
			return true
		})
	}
	return out
}

// commonDocs describe the fields shared by many records whose Go fields have no doc
// comment of their own.
var commonDocs = map[string]string{
	"type":                       "Record type (the `record.Type` name; also tells unicast_prefix from multicast_prefix).",
	"action":                     "add, del (routes); up, down (peers; add with --gobmp-peer-action); init, term (router); absent for statistics and route_mirror.",
	"sequence":                   "Per BMP session, from 1, +1 per record: a gap means loss.",
	"router_hash":                "MD5 of the router address (goBMP's recipe), hex.",
	"router_ip":                  "The BMP session's TCP remote address.",
	"router_name":                "The router's sysName from its Initiation, once known.",
	"peer_hash":                  "MD5 identifying the peer (goBMP's recipe), hex.",
	"peer_ip":                    "Peer address from the per-peer header.",
	"peer_type":                  "Per-peer header peer type (0 global, 1 RD, 2 local, 3 Loc-RIB).",
	"peer_asn":                   "Peer AS from the per-peer header.",
	"is_adj_rib_in_post_policy":  "Adj-RIB-In, post-policy (L flag).",
	"is_adj_rib_out_post_policy": "Adj-RIB-Out, post-policy (O and L flags).",
	"is_adj_rib_out":             "Adj-RIB-Out (O flag, RFC 8671).",
	"is_loc_rib":                 "Loc-RIB peer (RFC 9069).",
	"is_loc_rib_filtered":        "Loc-RIB F flag.",
	"table_name":                 "Loc-RIB table name (RFC 9069 TLV), when sent.",
	"origin_as":                  "Origin AS of the AS path, when it has one.",
	"path_id":                    "ADD-PATH path identifier (RFC 7911).",
	"is_eor":                     "End-of-RIB marker (with afi and safi).",
	"afi":                        "AFI of an End-of-RIB marker.",
	"safi":                       "SAFI of an End-of-RIB marker.",
	"base_attrs":                 "The UPDATE's path attributes (announcements only), shared by its routes.",
	"nexthop":                    "Next hop.",
	"is_nexthop_ipv4":            "Whether the next hop is IPv4.",
	"is_ipv4":                    "Address family of the record (topic _v4/_v6).",
	"hash":                       "MD5 identifying the route (same for its add and del), hex.",
	"timestamp":                  "The router's per-peer header time.",
	"collector_timestamp":        "When the collector received the message.",
}

func jsonTypeDoc(m *model, f *field) string {
	var t string
	switch f.Kind {
	case kBool:
		t = "boolean"
	case kUint32, kUint64, kInt64:
		t = "integer"
	case kFloat:
		t = "number"
	case kTime:
		t = "string (RFC 3339)"
	case kMsg:
		if customSchema(m, f.Go, map[string]any{}) != nil {
			t = "object (see the JSON Schema)"
		} else {
			t = "object"
		}
	default:
		t = "string"
	}
	if f.Rep {
		if f.Orig.Name() == "Capabilities" || f.Orig.Name() == "SRv6SubTLVs" || f.Orig.Name() == "SRv6SubSubTLVs" {
			return "object of arrays by code"
		}
		return "array of " + t
	}
	return t
}

// genDocs replaces the generated reference of docs/schemas.md: every message with its
// fields (number, protobuf type, JSON type, description from the Go doc comment).
func genDocs(m *model, docPath, recordDir string) string {
	old, err := os.ReadFile(docPath)
	if err != nil {
		fail("%v", err)
	}
	i, j := strings.Index(string(old), docsBegin), strings.Index(string(old), docsEnd)
	if i < 0 || j < i {
		fail("%s: no %q ... %q markers", docPath, docsBegin, docsEnd)
	}
	docs := fieldDocs(recordDir)
	var b strings.Builder
	b.WriteString(docsBegin + "\n\n")
	usedBy := map[string][]string{}
	for _, c := range oneofCases() {
		if c.Msg != "" {
			usedBy[c.Msg] = append(usedBy[c.Msg], "`"+c.Name+"`")
		}
	}
	b.WriteString("### Record types\n\n| Record type (`type`, topic `<prefix>.parsed.<type>`) | Message | Record field |\n|---|---|---|\n")
	for _, c := range oneofCases() {
		msg := "`bytes` (raw BMP)"
		if c.Msg != "" {
			msg = "[`bmpstream.v1." + c.Msg + "`](#" + strings.ToLower(c.Msg) + ")"
		}
		fmt.Fprintf(&b, "| `%s` | %s | `Record.%s = %d` |\n", c.Name, msg, c.Name, c.Num)
	}
	b.WriteString("\n")
	for _, msg := range m.Msgs {
		fmt.Fprintf(&b, "### %s\n\n", msg.Name)
		if u := usedBy[msg.Name]; len(u) > 0 {
			sort.Strings(u)
			fmt.Fprintf(&b, "Record type %s; Go type `record.%s`.\n\n", strings.Join(u, ", "), msg.Name)
		} else {
			fmt.Fprintf(&b, "Go type `record.%s`.\n\n", msg.Name)
		}
		if msg.Name == "LargeCommunity" {
			b.WriteString("| Field | # | Protobuf | JSON | Description |\n|---|---|---|---|---|\n")
			b.WriteString("| `global_admin` | 1 | `uint32` | (part of the text) | JSON renders the community as one string `\"a:b:c\"` |\n")
			b.WriteString("| `local_data1` | 2 | `uint32` | | |\n| `local_data2` | 3 | `uint32` | | |\n\n")
			continue
		}
		b.WriteString("| Field | # | Protobuf | JSON | Description |\n|---|---|---|---|---|\n")
		for i := range msg.Fields {
			f := &msg.Fields[i]
			d := docs[f.Decl][f.GoName]
			if d == "" {
				d = commonDocs[f.Name]
			}
			d = strings.ReplaceAll(d, "|", `\|`)
			fmt.Fprintf(&b, "| `%s` | %d | `%s%s` | %s | %s |\n", f.Name, f.Num, protoLabel(f), protoType(f), jsonTypeDoc(m, f), d)
		}
		if len(msg.Reserved) > 0 {
			var r []string
			for _, x := range msg.Reserved {
				r = append(r, fmt.Sprintf("%d (`%s`)", x.Num, x.Name))
			}
			fmt.Fprintf(&b, "\nReserved: %s.\n", strings.Join(r, ", "))
		}
		b.WriteString("\n")
	}
	return string(old[:i]) + b.String() + string(old[j:])
}
