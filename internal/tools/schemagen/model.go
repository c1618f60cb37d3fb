package main

import (
	"encoding/json"
	"fmt"
	"net/netip"
	"os"
	"reflect"
	"regexp"
	"sort"
	"strings"
	"time"
	"unicode"
)

// kind is how a Go value maps to protobuf.
type kind int

const (
	kBool kind = iota
	kUint32
	kUint64
	kInt64
	kString
	kAddr      // netip.Addr: its text ("" when invalid)
	kTime      // time.Time: Unix nanoseconds, absent when zero
	kByteArray // [N]byte: bytes, absent when all zero (or when its pointer is nil)
	kBytes     // []byte
	kMsg       // a struct: a message
	kLarge     // LargeCommunity [3]uint32: message LargeCommunity
	kFloat     // float32
)

// field is one protobuf field of a message: an exported Go field, reached through the
// embedded structs of path (JSON flattens them).
type field struct {
	Name   string // JSON and protobuf name
	Num    int
	GoPath string // "Head.Sequence"
	Kind   kind
	Go     reflect.Type // the element type (after pointer/slice)
	Orig   reflect.Type // the type after pointer, before slice (a named slice type)
	Decl   string       // the struct type that declares the Go field (for its doc comment)
	// Via is the embedded pointer struct the field is reached through ("SRPolicyCandidatePath"
	// for SRPolicy.PolicyName), "" for none; ViaType is its type. Such fields have explicit
	// presence (present exactly when the pointer is not nil), so that nil and a zero struct
	// stay apart.
	Via     string
	ViaType reflect.Type
	GoName  string // the Go field's name
	Ptr     bool   // *T: explicit presence
	Rep     bool   // []T
	Doc     string
}

type message struct {
	Name   string
	Go     reflect.Type
	Fields []field
	// Reserved are numbers and names of removed fields (never reused).
	Reserved []reservedField
}

type reservedField struct {
	Name string
	Num  int
}

var (
	addrType    = reflect.TypeFor[netip.Addr]()
	timeType    = reflect.TypeFor[time.Time]()
	protoNameRE = regexp.MustCompile(`^[a-z][a-z0-9_]*$`)
)

// protoOnly are fields tagged json:"-" whose value a custom JSON encoder still renders
// (Capability.Code is the key of the "adv_cap"/"recv_cap" objects): they are fields of
// the protobuf message, under this name.
var protoOnly = map[string]string{"Capability.Code": "code"}

// model is the messages derived from the record types, with their field numbers from the
// lock file (new fields get the next free number; removed ones are reserved).
type model struct {
	Msgs  []*message // roots first, then nested types by name
	ByGo  map[reflect.Type]*message
	Roots []*message
	lock  map[string]map[string]int
}

func buildModel(roots []reflect.Type, lockPath string) *model {
	m := &model{ByGo: map[reflect.Type]*message{}, lock: map[string]map[string]int{}}
	if data, err := os.ReadFile(lockPath); err == nil {
		if err := json.Unmarshal(data, &m.lock); err != nil {
			fail("%s: %v", lockPath, err)
		}
	}
	for _, t := range roots {
		m.Roots = append(m.Roots, m.message(t))
	}
	var nested []*message
	for _, msg := range m.ByGo {
		if !isRoot(msg, m.Roots) {
			nested = append(nested, msg)
		}
	}
	sort.Slice(nested, func(i, j int) bool { return nested[i].Name < nested[j].Name })
	m.Msgs = append(append([]*message{}, m.Roots...), nested...)
	for _, msg := range m.Msgs {
		m.number(msg)
	}
	return m
}

func isRoot(msg *message, roots []*message) bool {
	for _, r := range roots {
		if r == msg {
			return true
		}
	}
	return false
}

func (m *model) message(t reflect.Type) *message {
	if msg, ok := m.ByGo[t]; ok {
		return msg
	}
	msg := &message{Name: t.Name(), Go: t}
	m.ByGo[t] = msg
	if t.Name() == "LargeCommunity" {
		return msg // fields written by hand (kLarge)
	}
	seen := map[string]int{} // name -> depth
	var walk func(t reflect.Type, path string, depth int, via string, viaType reflect.Type)
	walk = func(t reflect.Type, path string, depth int, via string, viaType reflect.Type) {
		for i := 0; i < t.NumField(); i++ {
			f := t.Field(i)
			if !f.IsExported() {
				continue
			}
			tag := f.Tag.Get("json")
			name, _, _ := strings.Cut(tag, ",")
			if name == "-" {
				if name = protoOnly[t.Name()+"."+f.Name]; name == "" {
					continue
				}
			}
			if f.Anonymous && name == "" && f.Type.Kind() == reflect.Struct {
				walk(f.Type, path+f.Name+".", depth+1, via, viaType)
				continue
			}
			if f.Anonymous && name == "" && f.Type.Kind() == reflect.Pointer && f.Type.Elem().Kind() == reflect.Struct {
				if via != "" {
					fail("%s.%s: embedded pointer inside an embedded pointer", t, f.Name)
				}
				walk(f.Type.Elem(), path+f.Name+".", depth+1, path+f.Name, f.Type.Elem())
				continue
			}
			if name == "" {
				name = snake(f.Name)
			}
			if d, dup := seen[name]; dup {
				if d <= depth {
					continue // the shallower field wins, as in encoding/json
				}
				fail("%s: field %s at two depths", t, name)
			}
			seen[name] = depth
			fl := field{Name: name, GoPath: path + f.Name, Decl: t.Name(), GoName: f.Name, Via: via, ViaType: viaType}
			m.classify(&fl, f.Type)
			if !protoNameRE.MatchString(name) {
				fail("%s.%s: %q is not a protobuf field name", t, f.Name, name)
			}
			msg.Fields = append(msg.Fields, fl)
		}
	}
	walk(t, "", 0, "", nil)
	// An embedded pointer struct needs a non-repeated field to mark its presence.
	marked := map[string]bool{}
	for _, f := range msg.Fields {
		if f.Via != "" && !f.Rep {
			marked[f.Via] = true
		}
	}
	for _, f := range msg.Fields {
		if f.Via != "" && !marked[f.Via] {
			fail("%s: embedded %s has only repeated fields: its presence would be lost", t, f.Via)
		}
	}
	return msg
}

func (m *model) classify(fl *field, t reflect.Type) {
	if t.Kind() == reflect.Pointer {
		fl.Ptr = true
		t = t.Elem()
	}
	fl.Orig = t
	if t.Kind() == reflect.Slice && t.Elem().Kind() != reflect.Uint8 {
		fl.Rep = true
		t = t.Elem()
	}
	fl.Go = t
	switch {
	case t == addrType:
		fl.Kind = kAddr
	case t == timeType:
		fl.Kind = kTime
	case t.Name() == "LargeCommunity":
		fl.Kind = kLarge
		m.message(t)
	case t.Kind() == reflect.Array && t.Elem().Kind() == reflect.Uint8:
		fl.Kind = kByteArray
	case t.Kind() == reflect.Slice:
		fl.Kind = kBytes
	case t.Kind() == reflect.Struct:
		fl.Kind = kMsg
		m.message(t)
	case t.Kind() == reflect.Bool:
		fl.Kind = kBool
	case t.Kind() == reflect.String:
		fl.Kind = kString
	case t.Kind() == reflect.Uint8, t.Kind() == reflect.Uint16, t.Kind() == reflect.Uint32:
		fl.Kind = kUint32
	case t.Kind() == reflect.Uint64:
		fl.Kind = kUint64
	case t.Kind() == reflect.Int, t.Kind() == reflect.Int64, t.Kind() == reflect.Int32:
		fl.Kind = kInt64
	case t.Kind() == reflect.Float32:
		fl.Kind = kFloat
	default:
		fail("unsupported type %s", t)
	}
	if fl.Ptr && fl.Rep {
		fail("pointer to slice %s", t)
	}
}

// number gives msg's fields their numbers from the lock, new ones the next free number.
func (m *model) number(msg *message) {
	if msg.Name == "LargeCommunity" {
		return
	}
	lk := m.lock[msg.Name]
	if lk == nil {
		lk = map[string]int{}
		m.lock[msg.Name] = lk
	}
	next := 1
	for _, n := range lk {
		next = max(next, n+1)
	}
	present := map[string]bool{}
	for i := range msg.Fields {
		f := &msg.Fields[i]
		present[f.Name] = true
		if n, ok := lk[f.Name]; ok {
			f.Num = n
			continue
		}
		f.Num = next
		lk[f.Name] = next
		next++
	}
	for name, n := range lk {
		if !present[name] {
			msg.Reserved = append(msg.Reserved, reservedField{name, n})
		}
	}
	sort.Slice(msg.Reserved, func(i, j int) bool { return msg.Reserved[i].Num < msg.Reserved[j].Num })
}

func (m *model) lockJSON() string {
	data, err := json.MarshalIndent(m.lock, "", "  ")
	if err != nil {
		fail("%v", err)
	}
	return string(data) + "\n"
}

// snake turns a Go name into snake_case ("HasPEN" -> "has_pen", "SIDInfo" -> "sid_info").
func snake(s string) string {
	r := []rune(s)
	var b strings.Builder
	for i, c := range r {
		if unicode.IsUpper(c) {
			if i > 0 && (unicode.IsLower(r[i-1]) || unicode.IsDigit(r[i-1]) ||
				(i+1 < len(r) && unicode.IsLower(r[i+1]) && unicode.IsUpper(r[i-1]))) {
				b.WriteByte('_')
			}
			b.WriteRune(unicode.ToLower(c))
		} else {
			b.WriteRune(c)
		}
	}
	return b.String()
}

func fail(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "schemagen: "+format+"\n", args...)
	os.Exit(1)
}
