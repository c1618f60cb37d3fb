package bgp

import (
	"fmt"
	"net/netip"
	"slices"
	"testing"
)

func segs(ss ...ASPathSegment) []ASPathSegment {
	if ss == nil {
		return []ASPathSegment{}
	}
	return ss
}
func sq(asns ...uint32) ASPathSegment  { return ASPathSegment{ASSequence, asns} }
func set(asns ...uint32) ASPathSegment { return ASPathSegment{ASSet, asns} }
func csq(asns ...uint32) ASPathSegment { return ASPathSegment{ASConfedSequence, asns} }
func cst(asns ...uint32) ASPathSegment { return ASPathSegment{ASConfedSet, asns} }

func segString(ss []ASPathSegment) string {
	if ss == nil {
		return "nil"
	}
	return fmt.Sprint(ss)
}

func TestASPathDecode(t *testing.T) {
	tests := []struct {
		name string
		as4  bool
		v    []byte
		want []ASPathSegment
	}{
		{"4-octet sequence", true, seg(ASSequence, 4, 65001, 4200000000, 65100), segs(sq(65001, 4200000000, 65100))},
		{"2-octet sequence", false, seg(ASSequence, 2, 65001, 23456, 65100), segs(sq(65001, 23456, 65100))},
		{"all segment types", true, cat(seg(ASConfedSequence, 4, 64512, 64513), seg(ASConfedSet, 4, 64514), seg(ASSequence, 4, 1, 2), seg(ASSet, 4, 3, 4)),
			segs(csq(64512, 64513), cst(64514), sq(1, 2), set(3, 4))},
		{"empty path (iBGP origin)", true, nil, segs()},
		{"255 AS numbers", true, seg(ASSequence, 4, make([]uint32, 255)...), segs(sq(make([]uint32, 255)...))},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var u Update
			if err := ParseUpdate(attrsOnly(attr(0x40, AttrASPath, tt.v)), &DecodeOptions{AS4: tt.as4}, &u); err != nil {
				t.Fatal(err)
			}
			a := &u.Attrs
			if !a.HasASPath || segString(a.ASPath) != segString(tt.want) || a.AS4Merged || a.AS4Path != nil {
				t.Errorf("got %v %s merged %v as4 %v, want %s", a.HasASPath, segString(a.ASPath), a.AS4Merged, a.AS4Path, segString(tt.want))
			}
		})
	}
}

func TestASPathErrors(t *testing.T) {
	tests := []struct {
		name string
		as4  bool
		typ  uint8
		v    []byte
		off  int
		text string
	}{
		{"segment header truncated", true, AttrASPath, cat(seg(ASSequence, 4, 1), []byte{2}), 26 + 6, "AS_PATH: segment header needs 2 bytes, have 1"},
		{"unknown segment type", true, AttrASPath, []byte{5, 1, 0, 0, 0, 1}, 26, "AS_PATH: unknown segment type 5"},
		{"segment type 0", true, AttrASPath, []byte{0, 1, 0, 0, 0, 1}, 26, "AS_PATH: unknown segment type 0"},
		{"zero-length segment", true, AttrASPath, []byte{2, 0}, 27, "AS_PATH: segment with zero AS numbers"},
		{"segment overruns", false, AttrASPath, []byte{2, 3, 0, 1, 0, 2}, 27, "AS_PATH: segment of 3 2-byte AS numbers needs 6 bytes, have 4"},
		{"AS4_PATH overruns", false, AttrAS4Path, []byte{2, 2, 0, 0, 0, 1}, 27, "AS4_PATH: segment of 2 4-byte AS numbers needs 8 bytes, have 4"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			flags := uint8(0x40)
			if tt.typ == AttrAS4Path {
				flags = 0xc0
			}
			var u Update
			wantError(t, ParseUpdate(attrsOnly(attr(flags, tt.typ, tt.v)), &DecodeOptions{AS4: tt.as4}, &u), tt.off, tt.text)
		})
	}
}

// TestAS4Merge follows RFC 6793 section 4.2.3 case by case (2-octet session).
func TestAS4Merge(t *testing.T) {
	agg := func(as uint32, a string) []byte {
		if as > 0xffff {
			panic("2-octet AGGREGATOR")
		}
		return attr(0xc0, AttrAggregator, cat(u16(uint16(as)), addr(a)))
	}
	as4agg := func(as uint32, a string) []byte { return attr(0xc0, AttrAS4Aggregator, cat(u32(as), addr(a))) }
	p2 := func(ss ...[]byte) []byte { return aASPath(ss...) }
	s2 := func(typ uint8, asns ...uint32) []byte { return seg(typ, 2, asns...) }
	s4 := func(typ uint8, asns ...uint32) []byte { return seg(typ, 4, asns...) }
	const T = 23456
	tests := []struct {
		name       string
		opts       DecodeOptions
		attrs      [][]byte
		wantPath   []ASPathSegment
		wantMerged bool
		wantAS4    []ASPathSegment
		wantAgg    *Aggregator
	}{
		{"no AS4_PATH", DecodeOptions{}, [][]byte{p2(s2(ASSequence, 65001, 65002))}, segs(sq(65001, 65002)), false, nil, nil},
		{"AS4_PATH shorter: leading part of AS_PATH prepended, sequences joined", DecodeOptions{},
			[][]byte{p2(s2(ASSequence, 65001, T, T, 65100)), aAS4Path(s4(ASSequence, 4200000000, 4200000001, 65100))},
			segs(sq(65001, 4200000000, 4200000001, 65100)), true, segs(sq(4200000000, 4200000001, 65100)), nil},
		{"same count: AS4_PATH replaces", DecodeOptions{},
			[][]byte{p2(s2(ASSequence, T, T)), aAS4Path(s4(ASSequence, 4200000000, 4200000001))},
			segs(sq(4200000000, 4200000001)), true, segs(sq(4200000000, 4200000001)), nil},
		{"AS4_PATH longer: ignored", DecodeOptions{},
			[][]byte{p2(s2(ASSequence, 1, 2)), aAS4Path(s4(ASSequence, 3, 4, 5))},
			segs(sq(1, 2)), false, segs(sq(3, 4, 5)), nil},
		{"AS_SET counts 1", DecodeOptions{},
			[][]byte{p2(s2(ASSequence, 65001, T), s2(ASSet, 1, 2, 3)), aAS4Path(s4(ASSequence, 4200000000), s4(ASSet, 1, 2, 3))},
			segs(sq(65001, 4200000000), set(1, 2, 3)), true, segs(sq(4200000000), set(1, 2, 3)), nil},
		{"AS_SET in the leading part", DecodeOptions{},
			[][]byte{p2(s2(ASSet, 7, 8), s2(ASSequence, T)), aAS4Path(s4(ASSequence, 4200000000))},
			segs(set(7, 8), sq(4200000000)), true, segs(sq(4200000000)), nil},
		{"cut inside a sequence followed by more segments", DecodeOptions{},
			[][]byte{p2(s2(ASSequence, 1, 2, 3), s2(ASSequence, 4, 5)), aAS4Path(s4(ASSequence, 40, 50, 60))},
			segs(sq(1, 2, 40, 50, 60)), true, segs(sq(40, 50, 60)), nil},
		{"AS4_PATH starting with a set", DecodeOptions{},
			[][]byte{p2(s2(ASSequence, 1, T, T)), aAS4Path(s4(ASSet, 7, 8))},
			segs(sq(1, T), set(7, 8)), true, segs(set(7, 8)), nil},
		{"confederation segments count 0 and lead", DecodeOptions{},
			[][]byte{p2(s2(ASConfedSequence, 64512, 64513), s2(ASSequence, 65001, T)), aAS4Path(s4(ASSequence, 4200000000))},
			segs(csq(64512, 64513), sq(65001, 4200000000)), true, segs(sq(4200000000)), nil},
		{"leading confederation segment kept when nothing else is taken", DecodeOptions{},
			[][]byte{p2(s2(ASConfedSet, 64512), s2(ASSequence, T)), aAS4Path(s4(ASSequence, 4200000000))},
			segs(cst(64512), sq(4200000000)), true, segs(sq(4200000000)), nil},
		{"confederation segments of AS4_PATH dropped from the merge", DecodeOptions{},
			[][]byte{p2(s2(ASSequence, 65001, T)), aAS4Path(s4(ASConfedSequence, 9), s4(ASSequence, 4200000000))},
			segs(sq(65001, 4200000000)), true, segs(csq(9), sq(4200000000)), nil},
		{"AS4_PATH before AS_PATH on the wire", DecodeOptions{},
			[][]byte{aAS4Path(s4(ASSequence, 4200000000)), p2(s2(ASSequence, 65001, T))},
			segs(sq(65001, 4200000000)), true, segs(sq(4200000000)), nil},
		{"AGGREGATOR AS_TRANS: AS4_AGGREGATOR effective, path merged", DecodeOptions{},
			[][]byte{p2(s2(ASSequence, 65001, T)), aAS4Path(s4(ASSequence, 4200000000)), agg(T, "192.0.2.1"), as4agg(4200000000, "192.0.2.1")},
			segs(sq(65001, 4200000000)), true, segs(sq(4200000000)), &Aggregator{4200000000, netip.MustParseAddr("192.0.2.1")}},
		{"AGGREGATOR not AS_TRANS: AS4_AGGREGATOR and AS4_PATH ignored", DecodeOptions{},
			[][]byte{p2(s2(ASSequence, 65001, T)), aAS4Path(s4(ASSequence, 4200000000)), agg(65010, "192.0.2.1"), as4agg(4200000000, "192.0.2.2")},
			segs(sq(65001, T)), false, segs(sq(4200000000)), &Aggregator{65010, netip.MustParseAddr("192.0.2.1")}},
		{"AGGREGATOR not AS_TRANS without AS4_AGGREGATOR: path merged", DecodeOptions{},
			[][]byte{p2(s2(ASSequence, 65001, T)), aAS4Path(s4(ASSequence, 4200000000)), agg(65010, "192.0.2.1")},
			segs(sq(65001, 4200000000)), true, segs(sq(4200000000)), &Aggregator{65010, netip.MustParseAddr("192.0.2.1")}},
		{"AS4_AGGREGATOR without AGGREGATOR", DecodeOptions{},
			[][]byte{p2(s2(ASSequence, 65001, T)), aAS4Path(s4(ASSequence, 4200000000)), as4agg(4200000000, "192.0.2.1")},
			segs(sq(65001, 4200000000)), true, segs(sq(4200000000)), nil},
		{"AS4_PATH without AS_PATH: ignored", DecodeOptions{},
			[][]byte{aAS4Path(s4(ASSequence, 4200000000))},
			nil, false, segs(sq(4200000000)), nil},
		{"4-octet session: AS4_PATH and AS4_AGGREGATOR kept, not merged", DecodeOptions{AS4: true},
			[][]byte{aASPath(s4(ASSequence, 65001, T)), aAS4Path(s4(ASSequence, 4200000000)),
				attr(0xc0, AttrAggregator, cat(u32(T), addr("192.0.2.1"))), as4agg(4200000000, "192.0.2.1")},
			segs(sq(65001, T)), false, segs(sq(4200000000)), &Aggregator{T, netip.MustParseAddr("192.0.2.1")}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			opts := tt.opts
			var u Update
			if err := ParseUpdate(attrsOnly(tt.attrs...), &opts, &u); err != nil {
				t.Fatal(err)
			}
			a := &u.Attrs
			if segString(a.ASPath) != segString(tt.wantPath) && !(len(a.ASPath) == 0 && len(tt.wantPath) == 0) {
				t.Errorf("ASPath %s, want %s", segString(a.ASPath), segString(tt.wantPath))
			}
			if a.AS4Merged != tt.wantMerged {
				t.Errorf("AS4Merged %v, want %v", a.AS4Merged, tt.wantMerged)
			}
			if segString(a.AS4Path) != segString(tt.wantAS4) {
				t.Errorf("AS4Path %s, want %s", segString(a.AS4Path), segString(tt.wantAS4))
			}
			if (a.Aggregator == nil) != (tt.wantAgg == nil) || (a.Aggregator != nil && *a.Aggregator != *tt.wantAgg) {
				t.Errorf("Aggregator %+v, want %+v", a.Aggregator, tt.wantAgg)
			}
			if a.AS4Merged && PathLength(a.ASPath) != PathLength(segsOfASPathAttr(t, tt.attrs)) {
				t.Errorf("merged path length %d differs from AS_PATH's", PathLength(a.ASPath))
			}
		})
	}
}

// segsOfASPathAttr decodes the AS_PATH among attrs alone, with 2-octet AS numbers.
func segsOfASPathAttr(t *testing.T, attrs [][]byte) []ASPathSegment {
	for _, a := range attrs {
		if a[1] == AttrASPath {
			var u Update
			if err := ParseUpdate(attrsOnly(a), nil, &u); err != nil {
				t.Fatal(err)
			}
			return u.Attrs.ASPath
		}
	}
	return nil
}

func TestFlatASPathAndOriginAS(t *testing.T) {
	tests := []struct {
		path   []ASPathSegment
		flat   []uint32
		origin uint32
		ok     bool
	}{
		{segs(sq(65001, 64500, 4200000000)), []uint32{65001, 64500, 4200000000}, 4200000000, true},
		{segs(sq(1, 2), set(3, 4)), []uint32{1, 2, 3, 4}, 0, false},
		{segs(set(3, 4), sq(1, 2)), []uint32{3, 4, 1, 2}, 2, true},
		{segs(csq(9, 10), sq(1, 2)), []uint32{9, 10, 1, 2}, 2, true},
		{segs(sq(1, 2), cst(9)), []uint32{1, 2, 9}, 2, true},
		{segs(csq(9)), []uint32{9}, 0, false},
		{segs(), nil, 0, false},
		{nil, nil, 0, false},
	}
	for _, tt := range tests {
		a := &Attributes{ASPath: tt.path}
		if got := a.FlatASPath(nil); !slices.Equal(got, tt.flat) {
			t.Errorf("%v: FlatASPath %v, want %v", tt.path, got, tt.flat)
		}
		if got := a.FlatASPath([]uint32{7}); !slices.Equal(got, append([]uint32{7}, tt.flat...)) {
			t.Errorf("%v: FlatASPath does not append: %v", tt.path, got)
		}
		if o, ok := a.OriginAS(); o != tt.origin || ok != tt.ok {
			t.Errorf("%v: OriginAS %d %v, want %d %v", tt.path, o, ok, tt.origin, tt.ok)
		}
	}
	if PathLength(segs(csq(1, 2), set(3, 4, 5), sq(6, 7), cst(8))) != 3 {
		t.Error("PathLength")
	}
	for typ, name := range map[uint8]string{1: "AS_SET", 2: "AS_SEQUENCE", 3: "AS_CONFED_SEQUENCE", 4: "AS_CONFED_SET", 5: ""} {
		if ASPathSegmentTypeName(typ) != name {
			t.Errorf("ASPathSegmentTypeName(%d)", typ)
		}
	}
}

// TestASWidthFallback: an AS_PATH or AGGREGATOR in the other AS number width than the
// session's (seen from old FRR releases, pmacct capture 205) is accepted and flagged.
func TestASWidthFallback(t *testing.T) {
	tests := []struct {
		name  string
		as4   bool
		attrs []byte
		path  []uint32
		aggAS uint32
	}{
		{"4-octet path on a 2-octet session", false, attr(0x40, AttrASPath, seg(ASSequence, 4, 65001)), []uint32{65001}, 0},
		{"2-octet path on a 4-octet session", true, attr(0x40, AttrASPath, seg(ASSequence, 2, 65001, 65002)), []uint32{65001, 65002}, 0},
		{"6-byte AGGREGATOR on a 4-octet session", true, attr(0xc0, AttrAggregator, []byte{0xfd, 0xe9, 192, 0, 2, 1}), nil, 65001},
		{"8-byte AGGREGATOR on a 2-octet session", false, attr(0xc0, AttrAggregator, []byte{0, 1, 0, 1, 192, 0, 2, 1}), nil, 65537},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var u Update
			if err := ParseUpdate(attrsOnly(tt.attrs), &DecodeOptions{AS4: tt.as4}, &u); err != nil {
				t.Fatal(err)
			}
			if !u.Attrs.ASWidthMismatch {
				t.Fatal("ASWidthMismatch not set")
			}
			if tt.path != nil {
				if got := u.Attrs.FlatASPath(nil); !slices.Equal(got, tt.path) {
					t.Fatalf("path %v, want %v", got, tt.path)
				}
			} else if u.Attrs.Aggregator == nil || u.Attrs.Aggregator.AS != tt.aggAS || u.Attrs.Aggregator.Address.String() != "192.0.2.1" {
				t.Fatalf("aggregator %+v", u.Attrs.Aggregator)
			}
			var again Update
			if err := ParseUpdate(attrsOnly(attr(0x40, AttrOrigin, []byte{0})), &DecodeOptions{AS4: tt.as4}, &again); err != nil || again.Attrs.ASWidthMismatch {
				t.Fatalf("flag set on a clean update: %v", err)
			}
		})
	}
}
