package main

import (
	"fmt"
	"reflect"
	"sort"
	"strings"
)

// genClone writes pkg/record's deep-copy functions: for each struct type reachable from a
// record type, a cloneT(dst, src *T, c *cloner) that copies src into dst so that dst
// shares no memory that the session reuses. Exported pointers and slices get their own
// storage, unexported fields (encoding caches, storage the pointers point into) are
// zeroed, strings (immutable) are shared. A *BaseAttrs goes through c.baseAttrs so that
// the prefixes of one UPDATE share one copy.
func genClone(roots []reflect.Type) string {
	var b strings.Builder
	b.WriteString(header)
	b.WriteString("package record\n\n")
	seen := map[reflect.Type]bool{}
	var order []reflect.Type
	var visit func(t reflect.Type)
	visit = func(t reflect.Type) {
		for t.Kind() == reflect.Pointer || t.Kind() == reflect.Slice || t.Kind() == reflect.Array {
			t = t.Elem()
		}
		if t.Kind() != reflect.Struct || t.PkgPath() != recordPkg || seen[t] {
			return
		}
		seen[t] = true
		order = append(order, t)
		for i := 0; i < t.NumField(); i++ {
			if f := t.Field(i); f.IsExported() {
				visit(f.Type)
			}
		}
	}
	for _, t := range roots {
		visit(t)
	}
	sort.Slice(order, func(i, j int) bool { return order[i].Name() < order[j].Name() })

	// cloneValue: the type switch over record types.
	b.WriteString("// cloneValue returns a deep copy of v (nil when v is not a record type).\n")
	b.WriteString("func cloneValue(v Value, c *cloner) Value {\n\tswitch x := v.(type) {\n")
	for _, t := range roots {
		fmt.Fprintf(&b, "\tcase *%s:\n\t\td := new(%s)\n\t\tclone%s(d, x, c)\n\t\treturn d\n", t.Name(), t.Name(), t.Name())
	}
	b.WriteString("\t}\n\treturn nil\n}\n\n")
	for _, t := range roots {
		fmt.Fprintf(&b, "// Clone returns a deep copy of x that shares no memory with it except strings.\n")
		fmt.Fprintf(&b, "func (x *%s) Clone() *%s {\n\td := new(%s)\n\tclone%s(d, x, nil)\n\treturn d\n}\n\n", t.Name(), t.Name(), t.Name(), t.Name())
	}
	for _, t := range order {
		fmt.Fprintf(&b, "func clone%s(dst, src *%s, c *cloner) {\n", t.Name(), t.Name())
		b.WriteString("\t*dst = *src\n")
		for i := 0; i < t.NumField(); i++ {
			f := t.Field(i)
			if !f.IsExported() {
				fmt.Fprintf(&b, "\tzero(&dst.%s)\n", f.Name)
				continue
			}
			cloneField(&b, "dst."+f.Name, "src."+f.Name, f.Type, 1)
		}
		b.WriteString("}\n\n")
	}
	return b.String()
}

// needsDeep reports whether a value of t holds memory that a plain copy would share.
func needsDeep(t reflect.Type) bool {
	switch t.Kind() {
	case reflect.Pointer, reflect.Slice, reflect.Map, reflect.Interface:
		return true
	case reflect.Array:
		return needsDeep(t.Elem())
	case reflect.Struct:
		if t.PkgPath() != recordPkg {
			return false // netip.Addr, time.Time: values
		}
		for i := 0; i < t.NumField(); i++ {
			f := t.Field(i)
			if !f.IsExported() || needsDeep(f.Type) {
				return true
			}
		}
	}
	return false
}

func typeName(t reflect.Type) string {
	switch t.Kind() {
	case reflect.Pointer:
		return "*" + typeName(t.Elem())
	case reflect.Slice:
		if t.Name() != "" {
			break
		}
		return "[]" + typeName(t.Elem())
	}
	if t.PkgPath() == recordPkg {
		return t.Name()
	}
	return t.String()
}

func cloneField(b *strings.Builder, dst, src string, t reflect.Type, depth int) {
	ind := strings.Repeat("\t", depth)
	switch t.Kind() {
	case reflect.Pointer:
		e := t.Elem()
		if e.PkgPath() == recordPkg && e.Name() == "BaseAttrs" {
			fmt.Fprintf(b, "%s%s = c.baseAttrs(%s)\n", ind, dst, src)
			return
		}
		fmt.Fprintf(b, "%sif %s != nil {\n", ind, src)
		fmt.Fprintf(b, "%s\tp := new(%s)\n", ind, typeName(e))
		if e.Kind() == reflect.Struct && e.PkgPath() == recordPkg {
			fmt.Fprintf(b, "%s\tclone%s(p, %s, c)\n", ind, e.Name(), src)
		} else if needsDeep(e) {
			panic("unsupported pointer element " + e.String())
		} else {
			fmt.Fprintf(b, "%s\t*p = *%s\n", ind, src)
		}
		fmt.Fprintf(b, "%s\t%s = p\n%s}\n", ind, dst, ind)
	case reflect.Slice:
		e := t.Elem()
		fmt.Fprintf(b, "%sif %s != nil {\n", ind, src)
		fmt.Fprintf(b, "%s\ts := make(%s, len(%s))\n", ind, typeName(t), src)
		if !needsDeep(e) {
			fmt.Fprintf(b, "%s\tcopy(s, %s)\n", ind, src)
		} else if e.Kind() == reflect.Struct && e.PkgPath() == recordPkg {
			fmt.Fprintf(b, "%s\tfor i := range s {\n%s\t\tclone%s(&s[i], &%s[i], c)\n%s\t}\n", ind, ind, e.Name(), src, ind)
		} else if e.Kind() == reflect.Slice && !needsDeep(e.Elem()) {
			fmt.Fprintf(b, "%s\tfor i := range s {\n%s\t\ts[i] = append(%s(nil), %s[i]...)\n%s\t}\n", ind, ind, typeName(e), src, ind)
		} else {
			panic("unsupported slice element " + e.String())
		}
		fmt.Fprintf(b, "%s\t%s = s\n%s}\n", ind, dst, ind)
	case reflect.Struct:
		if t.PkgPath() == recordPkg && needsDeep(t) {
			fmt.Fprintf(b, "%sclone%s(&%s, &%s, c)\n", ind, t.Name(), dst, src)
		}
	case reflect.Array:
		if needsDeep(t.Elem()) {
			panic("unsupported array element " + t.Elem().String())
		}
	case reflect.Map, reflect.Interface, reflect.Func, reflect.Chan:
		panic("unsupported field kind " + t.String())
	}
}
