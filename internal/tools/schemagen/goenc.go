package main

import (
	"fmt"
	"reflect"
	"strings"
)

// genGoProto writes pkg/record/zz_proto.go: for every message, an appendProto method
// (protowire appends, no reflection, no allocation) and an unmarshalProto method; the
// record types get the exported AppendProto and UnmarshalProto.
func genGoProto(m *model) string {
	var b strings.Builder
	b.WriteString(header)
	b.WriteString("package record\n\nimport (\n\t\"fmt\"\n\t\"math\"\n\t\"net/netip\"\n\t\"time\"\n\n\t\"google.golang.org/protobuf/encoding/protowire\"\n)\n\n")
	b.WriteString("var (\n\t_ = math.Float32bits\n\t_ netip.Addr\n\t_ time.Time\n\t_ = fmt.Errorf\n)\n\n")
	for _, msg := range m.Roots {
		n := msg.Name
		fmt.Fprintf(&b, "// AppendProto appends x as a bmpstream.v1.%s message (without a length prefix).\n", n)
		fmt.Fprintf(&b, "func (x *%s) AppendProto(b []byte) []byte { return x.appendProto(b) }\n\n", n)
		fmt.Fprintf(&b, "// UnmarshalProto sets x from a bmpstream.v1.%s message.\n", n)
		fmt.Fprintf(&b, "func (x *%s) UnmarshalProto(b []byte) error {\n\tif err := x.unmarshalProto(b); err != nil {\n\t\treturn err\n\t}\n", n)
		if n == "UnicastPrefix" {
			b.WriteString("\tif t, ok := ParseType(x.Head.Type); ok && t == TypeMulticastPrefix {\n\t\tx.Kind = t\n\t}\n")
		}
		b.WriteString("\treturn nil\n}\n\n")
	}
	for _, msg := range m.Msgs {
		if msg.Name == "LargeCommunity" {
			b.WriteString(largeCommunityCode)
			continue
		}
		genAppend(&b, m, msg)
		genUnmarshal(&b, msg)
	}
	return b.String()
}

const largeCommunityCode = `func (x *LargeCommunity) appendProto(b []byte) []byte {
	b = pUint(b, 1, uint64(x[0]))
	b = pUint(b, 2, uint64(x[1]))
	return pUint(b, 3, uint64(x[2]))
}

func (x *LargeCommunity) unmarshalProto(b []byte) error {
	for len(b) > 0 {
		num, typ, n := protowire.ConsumeTag(b)
		if n < 0 {
			return protowire.ParseError(n)
		}
		b = b[n:]
		if num >= 1 && num <= 3 && typ == protowire.VarintType {
			v, n := protowire.ConsumeVarint(b)
			if n < 0 {
				return protowire.ParseError(n)
			}
			x[num-1] = uint32(v)
			b = b[n:]
			continue
		}
		n = protowire.ConsumeFieldValue(num, typ, b)
		if n < 0 {
			return protowire.ParseError(n)
		}
		b = b[n:]
	}
	return nil
}

`

func isRootMsg(m *model, msg *message) bool { return isRoot(msg, m.Roots) }

func genAppend(b *strings.Builder, m *model, msg *message) {
	fmt.Fprintf(b, "func (x *%s) appendProto(b []byte) []byte {\n", msg.Name)
	open := ""
	for i := range msg.Fields {
		f := &msg.Fields[i]
		if f.Via != open {
			if open != "" {
				b.WriteString("\t}\n")
			}
			if f.Via != "" {
				fmt.Fprintf(b, "\tif x.%s != nil {\n", f.Via)
			}
			open = f.Via
		}
		v := "x." + f.GoPath
		num := f.Num
		if f.Via != "" && !f.Ptr && !f.Rep && f.Kind != kMsg && f.Kind != kLarge {
			// Present exactly when the embedded struct is: written even when zero.
			switch f.Kind {
			case kBool:
				fmt.Fprintf(b, "\tb = pBoolAlways(b, %d, %s)\n", num, v)
			case kUint32, kUint64:
				fmt.Fprintf(b, "\tb = pUintAlways(b, %d, uint64(%s))\n", num, v)
			case kInt64:
				fmt.Fprintf(b, "\tb = pUintAlways(b, %d, uint64(int64(%s)))\n", num, v)
			case kFloat:
				fmt.Fprintf(b, "\tb = pFloatAlways(b, %d, float32(%s))\n", num, v)
			case kString:
				fmt.Fprintf(b, "\tb = pStringAlways(b, %d, string(%s))\n", num, v)
			case kAddr:
				fmt.Fprintf(b, "\tb = pAddrAlways(b, %d, %s)\n", num, v)
			case kTime:
				fmt.Fprintf(b, "\tb = pTime(b, %d, %s)\n", num, v)
			case kByteArray:
				fmt.Fprintf(b, "\tb = pBytesAlways(b, %d, %s[:])\n", num, v)
			case kBytes:
				fmt.Fprintf(b, "\tb = pBytesAlways(b, %d, %s)\n", num, v)
			}
			continue
		}
		if f.GoPath == "Head.Type" && isRootMsg(m, msg) {
			fmt.Fprintf(b, "\tb = pString(b, %d, x.RecordType().String())\n", num)
			continue
		}
		if f.Rep {
			switch f.Kind {
			case kUint32, kUint64:
				fmt.Fprintf(b, "\tb = pPacked(b, %d, %s)\n", num, v)
			case kInt64:
				fmt.Fprintf(b, "\tb = pPackedInt(b, %d, %s)\n", num, v)
			case kBool:
				fmt.Fprintf(b, "\tb = pPackedBool(b, %d, %s)\n", num, v)
			case kString:
				fmt.Fprintf(b, "\tfor _, s := range %s {\n\t\tb = pStringAlways(b, %d, string(s))\n\t}\n", v, num)
			case kAddr:
				fmt.Fprintf(b, "\tfor _, a := range %s {\n\t\tb = pAddrAlways(b, %d, a)\n\t}\n", v, num)
			case kBytes:
				fmt.Fprintf(b, "\tfor _, s := range %s {\n\t\tb = pBytesAlways(b, %d, s)\n\t}\n", v, num)
			case kMsg, kLarge:
				fmt.Fprintf(b, "\tfor i := range %s {\n\t\tvar pos int\n\t\tb, pos = pBegin(b, %d)\n\t\tb = %s[i].appendProto(b)\n\t\tb = pEnd(b, pos)\n\t}\n", v, num, v)
			default:
				fail("%s.%s: repeated %v unsupported", msg.Name, f.Name, f.Go)
			}
			continue
		}
		if f.Ptr && f.Kind != kMsg && f.Kind != kLarge {
			fmt.Fprintf(b, "\tif %s != nil {\n", v)
			switch f.Kind {
			case kBool:
				fmt.Fprintf(b, "\t\tb = pBoolAlways(b, %d, *%s)\n", num, v)
			case kUint32, kUint64:
				fmt.Fprintf(b, "\t\tb = pUintAlways(b, %d, uint64(*%s))\n", num, v)
			case kInt64:
				fmt.Fprintf(b, "\t\tb = pUintAlways(b, %d, uint64(int64(*%s)))\n", num, v)
			case kString:
				fmt.Fprintf(b, "\t\tb = pStringAlways(b, %d, string(*%s))\n", num, v)
			case kByteArray:
				fmt.Fprintf(b, "\t\tb = pBytesAlways(b, %d, %s[:])\n", num, v)
			case kFloat:
				fmt.Fprintf(b, "\t\tb = pFloatAlways(b, %d, float32(*%s))\n", num, v)
			default:
				fail("%s.%s: pointer to %v unsupported", msg.Name, f.Name, f.Go)
			}
			b.WriteString("\t}\n")
			continue
		}
		switch f.Kind {
		case kBool:
			fmt.Fprintf(b, "\tb = pBool(b, %d, %s)\n", num, v)
		case kUint32, kUint64:
			fmt.Fprintf(b, "\tb = pUint(b, %d, uint64(%s))\n", num, v)
		case kInt64:
			fmt.Fprintf(b, "\tb = pUint(b, %d, uint64(int64(%s)))\n", num, v)
		case kFloat:
			fmt.Fprintf(b, "\tb = pFloat(b, %d, float32(%s))\n", num, v)
		case kString:
			fmt.Fprintf(b, "\tb = pString(b, %d, string(%s))\n", num, v)
		case kAddr:
			fmt.Fprintf(b, "\tb = pAddr(b, %d, %s)\n", num, v)
		case kTime:
			fmt.Fprintf(b, "\tb = pTime(b, %d, %s)\n", num, v)
		case kByteArray:
			fmt.Fprintf(b, "\tif %s != (%s{}) {\n\t\tb = pBytesAlways(b, %d, %s[:])\n\t}\n", v, typeName(f.Go), num, v)
		case kBytes:
			fmt.Fprintf(b, "\tb = pBytes(b, %d, %s)\n", num, v)
		case kMsg, kLarge:
			method := "appendProto"
			if f.Go.Name() == "BaseAttrs" {
				method = "appendProtoCached"
			}
			if f.Ptr {
				fmt.Fprintf(b, "\tif %s != nil {\n\t\tvar pos int\n\t\tb, pos = pBegin(b, %d)\n\t\tb = %s.%s(b)\n\t\tb = pEnd(b, pos)\n\t}\n", v, num, v, method)
			} else {
				fmt.Fprintf(b, "\t{\n\t\tvar pos int\n\t\tb, pos = pBegin(b, %d)\n\t\tb = %s.appendProto(b)\n\t\tb = pEnd(b, pos)\n\t}\n", num, v)
			}
		}
	}
	if open != "" {
		b.WriteString("\t}\n")
	}
	b.WriteString("\treturn b\n}\n\n")
}

// wireOf is the wire type of a non-repeated field of kind k.
func wireOf(k kind) string {
	switch k {
	case kBool, kUint32, kUint64, kInt64, kTime:
		return "protowire.VarintType"
	case kFloat:
		return "protowire.Fixed32Type"
	}
	return "protowire.BytesType"
}

func genUnmarshal(b *strings.Builder, msg *message) {
	fmt.Fprintf(b, "func (x *%s) unmarshalProto(b []byte) error {\n", msg.Name)
	b.WriteString("\tfor len(b) > 0 {\n\t\tnum, typ, n := protowire.ConsumeTag(b)\n\t\tif n < 0 {\n\t\t\treturn protowire.ParseError(n)\n\t\t}\n\t\tb = b[n:]\n\t\tswitch {\n")
	for i := range msg.Fields {
		f := &msg.Fields[i]
		v := "x." + f.GoPath
		tn := typeName(f.Go)
		if f.Rep && (f.Kind == kUint32 || f.Kind == kUint64 || f.Kind == kInt64 || f.Kind == kBool) {
			conv := fmt.Sprintf("%s(u)", tn)
			if f.Kind == kBool {
				conv = "u != 0"
			} else if f.Kind == kInt64 {
				conv = fmt.Sprintf("%s(int64(u))", tn)
			}
			alloc := ""
			if f.Via != "" {
				alloc = fmt.Sprintf("if x.%s == nil {\n\t\t\t\tx.%s = new(%s)\n\t\t\t}\n\t\t\t", f.Via, f.Via, f.ViaType.Name())
			}
			fmt.Fprintf(b, "\t\tcase num == %d:\n\t\t\t%sn = pConsumeRepeated(typ, b, func(u uint64) { %s = append(%s, %s) })\n", f.Num, alloc, v, v, conv)
			continue
		}
		fmt.Fprintf(b, "\t\tcase num == %d && typ == %s:\n", f.Num, wireOf(f.Kind))
		if f.Via != "" {
			fmt.Fprintf(b, "\t\t\tif x.%s == nil {\n\t\t\t\tx.%s = new(%s)\n\t\t\t}\n", f.Via, f.Via, f.ViaType.Name())
		}
		assign := func(expr string) string {
			switch {
			case f.Rep:
				return fmt.Sprintf("%s = append(%s, %s)", v, v, expr)
			case f.Ptr:
				return fmt.Sprintf("pv := %s\n\t\t\t%s = &pv", expr, v)
			}
			return fmt.Sprintf("%s = %s", v, expr)
		}
		switch f.Kind {
		case kBool, kUint32, kUint64, kInt64, kTime:
			b.WriteString("\t\t\tvar u uint64\n\t\t\tu, n = protowire.ConsumeVarint(b)\n")
			var expr string
			switch f.Kind {
			case kBool:
				expr = "u != 0"
			case kInt64:
				expr = fmt.Sprintf("%s(int64(u))", tn)
			case kTime:
				expr = "time.Unix(0, int64(u)).UTC()"
			default:
				expr = fmt.Sprintf("%s(u)", tn)
			}
			fmt.Fprintf(b, "\t\t\t%s\n", assign(expr))
		case kFloat:
			b.WriteString("\t\t\tvar u uint32\n\t\t\tu, n = protowire.ConsumeFixed32(b)\n")
			fmt.Fprintf(b, "\t\t\t%s\n", assign(fmt.Sprintf("%s(math.Float32frombits(u))", tn)))
		default:
			b.WriteString("\t\t\tvar v []byte\n\t\t\tv, n = protowire.ConsumeBytes(b)\n\t\t\tif n < 0 {\n\t\t\t\treturn protowire.ParseError(n)\n\t\t\t}\n")
			switch f.Kind {
			case kString:
				fmt.Fprintf(b, "\t\t\t%s\n", assign(fmt.Sprintf("%s(v)", tn)))
			case kAddr:
				fmt.Fprintf(b, "\t\t\ta, err := pParseAddr(v)\n\t\t\tif err != nil {\n\t\t\t\treturn fmt.Errorf(\"%s.%s: %%w\", err)\n\t\t\t}\n\t\t\t%s\n", msg.Name, f.Name, assign("a"))
			case kBytes:
				fmt.Fprintf(b, "\t\t\t%s\n", assign("append([]byte{}, v...)"))
			case kByteArray:
				fmt.Fprintf(b, "\t\t\tvar a %s\n\t\t\tif len(v) != len(a) {\n\t\t\t\treturn fmt.Errorf(\"%s.%s: %%d bytes, want %%d\", len(v), len(a))\n\t\t\t}\n\t\t\tcopy(a[:], v)\n\t\t\t%s\n", tn, msg.Name, f.Name, assign("a"))
			case kMsg, kLarge:
				switch {
				case f.Rep:
					fmt.Fprintf(b, "\t\t\t%s = append(%s, %s{})\n\t\t\tif err := %s[len(%s)-1].unmarshalProto(v); err != nil {\n\t\t\t\treturn err\n\t\t\t}\n", v, v, tn, v, v)
				case f.Ptr:
					fmt.Fprintf(b, "\t\t\tp := new(%s)\n\t\t\tif err := p.unmarshalProto(v); err != nil {\n\t\t\t\treturn err\n\t\t\t}\n\t\t\t%s = p\n", tn, v)
				default:
					fmt.Fprintf(b, "\t\t\tif err := %s.unmarshalProto(v); err != nil {\n\t\t\t\treturn err\n\t\t\t}\n", v)
				}
			}
		}
	}
	b.WriteString("\t\tdefault:\n\t\t\tn = protowire.ConsumeFieldValue(num, typ, b)\n\t\t}\n")
	b.WriteString("\t\tif n < 0 {\n\t\t\treturn protowire.ParseError(n)\n\t\t}\n\t\tb = b[n:]\n\t}\n\treturn nil\n}\n\n")
}

var _ = reflect.TypeOf
