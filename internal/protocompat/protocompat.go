// Package protocompat checks that a protobuf schema stays compatible with the version
// consumers were built against, and lints it: the rules of `buf breaking` (wire and JSON
// compatibility) and of a few `buf lint` checks that matter for bmpstream's schemas,
// written over protobuf descriptors so that CI needs no other tool (see docs/schemas.md
// for why buf itself is not used).
//
// Breaking, for a message that existed in the baseline: the message is gone; a field
// (by number) is gone, renamed, or changed type, cardinality (repeated or not), presence
// (optional, message or oneof member versus implicit) or oneof; the package or go_package
// changed. Adding messages, fields and oneof cases is compatible. bmpstream's rule for v1
// is additive-only: even a deleted field that is reserved is reported, as consumers would
// lose data; a breaking change means a new package (bmpstream.v2) published side by side.
package protocompat

import (
	"fmt"
	"regexp"
	"sort"
	"strings"

	"google.golang.org/protobuf/reflect/protodesc"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/descriptorpb"
)

// Breaking returns the changes from old to cur that break consumers of old, sorted.
func Breaking(old, cur *descriptorpb.FileDescriptorSet) ([]string, error) {
	of, err := protodesc.NewFiles(old)
	if err != nil {
		return nil, fmt.Errorf("baseline: %w", err)
	}
	cf, err := protodesc.NewFiles(cur)
	if err != nil {
		return nil, fmt.Errorf("current: %w", err)
	}
	var out []string
	add := func(format string, args ...any) { out = append(out, fmt.Sprintf(format, args...)) }
	of.RangeFiles(func(ofd protoreflect.FileDescriptor) bool {
		cfd, err := cf.FindFileByPath(ofd.Path())
		if err != nil {
			add("file %s: removed", ofd.Path())
			return true
		}
		if ofd.Package() != cfd.Package() {
			add("file %s: package %s changed to %s", ofd.Path(), ofd.Package(), cfd.Package())
		}
		if a, b := goPackage(ofd), goPackage(cfd); a != b {
			add("file %s: go_package %q changed to %q", ofd.Path(), a, b)
		}
		msgs := ofd.Messages()
		for i := 0; i < msgs.Len(); i++ {
			om := msgs.Get(i)
			d, err := cf.FindDescriptorByName(om.FullName())
			cm, ok := d.(protoreflect.MessageDescriptor)
			if err != nil || !ok {
				add("message %s: removed", om.FullName())
				continue
			}
			checkMessage(om, cm, add)
		}
		return true
	})
	sort.Strings(out)
	return out, nil
}

func goPackage(fd protoreflect.FileDescriptor) string {
	if o, ok := fd.Options().(*descriptorpb.FileOptions); ok && o != nil {
		return o.GetGoPackage()
	}
	return ""
}

func checkMessage(om, cm protoreflect.MessageDescriptor, add func(string, ...any)) {
	ofs, cfs := om.Fields(), cm.Fields()
	for i := 0; i < ofs.Len(); i++ {
		of := ofs.Get(i)
		cf := cfs.ByNumber(of.Number())
		where := fmt.Sprintf("%s.%s (%d)", om.FullName(), of.Name(), of.Number())
		if cf == nil {
			reserved := cm.ReservedRanges().Has(of.Number()) && cm.ReservedNames().Has(of.Name())
			if reserved {
				add("%s: deleted (reserved; v1 is additive-only, make a v2)", where)
			} else {
				add("%s: deleted without reserving its number and name", where)
			}
			continue
		}
		if of.Name() != cf.Name() {
			add("%s: renamed to %s (breaks JSON and generated code)", where, cf.Name())
		}
		if a, b := typeOf(of), typeOf(cf); a != b {
			add("%s: type %s changed to %s", where, a, b)
		}
		if of.Cardinality() == protoreflect.Repeated != (cf.Cardinality() == protoreflect.Repeated) {
			add("%s: cardinality %s changed to %s", where, of.Cardinality(), cf.Cardinality())
		}
		if of.HasPresence() != cf.HasPresence() {
			add("%s: presence changed (optional: %t to %t)", where, of.HasPresence(), cf.HasPresence())
		}
		if a, b := oneofOf(of), oneofOf(cf); a != b {
			add("%s: oneof %q changed to %q", where, a, b)
		}
	}
	nested := om.Messages()
	for i := 0; i < nested.Len(); i++ {
		on := nested.Get(i)
		cn := cm.Messages().ByName(on.Name())
		if cn == nil {
			add("message %s: removed", on.FullName())
			continue
		}
		checkMessage(on, cn, add)
	}
}

func typeOf(f protoreflect.FieldDescriptor) string {
	switch f.Kind() {
	case protoreflect.MessageKind, protoreflect.GroupKind:
		return string(f.Message().FullName())
	case protoreflect.EnumKind:
		return string(f.Enum().FullName())
	}
	return f.Kind().String()
}

func oneofOf(f protoreflect.FieldDescriptor) string {
	if o := f.ContainingOneof(); o != nil && !o.IsSynthetic() {
		return string(o.Name())
	}
	return ""
}

var (
	snakeRE  = regexp.MustCompile(`^[a-z][a-z0-9]*(_[a-z0-9]+)*$`)
	pascalRE = regexp.MustCompile(`^[A-Z][A-Za-z0-9]*$`)
	pkgRE    = regexp.MustCompile(`^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)*\.v[0-9]+$`)
)

// Lint returns the lint findings of the files of set: the package ends in a version
// (".v1"), messages are PascalCase, fields lower_snake_case, no field uses the numbers
// reserved by protobuf (19000-19999).
func Lint(set *descriptorpb.FileDescriptorSet) ([]string, error) {
	files, err := protodesc.NewFiles(set)
	if err != nil {
		return nil, err
	}
	var out []string
	files.RangeFiles(func(fd protoreflect.FileDescriptor) bool {
		if strings.HasPrefix(string(fd.Package()), "google.") {
			return true
		}
		if !pkgRE.MatchString(string(fd.Package())) {
			out = append(out, fmt.Sprintf("file %s: package %s does not end in a version (.v1)", fd.Path(), fd.Package()))
		}
		var walk func(ms protoreflect.MessageDescriptors)
		walk = func(ms protoreflect.MessageDescriptors) {
			for i := 0; i < ms.Len(); i++ {
				m := ms.Get(i)
				if !pascalRE.MatchString(string(m.Name())) {
					out = append(out, fmt.Sprintf("message %s: name is not PascalCase", m.FullName()))
				}
				for j := 0; j < m.Fields().Len(); j++ {
					f := m.Fields().Get(j)
					if !snakeRE.MatchString(string(f.Name())) {
						out = append(out, fmt.Sprintf("field %s: name is not lower_snake_case", f.FullName()))
					}
					if n := f.Number(); n >= 19000 && n <= 19999 {
						out = append(out, fmt.Sprintf("field %s: number %d is reserved by protobuf", f.FullName(), n))
					}
				}
				walk(m.Messages())
			}
		}
		walk(fd.Messages())
		return true
	})
	sort.Strings(out)
	return out, nil
}
