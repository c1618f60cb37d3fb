package bgp

import (
	"encoding/binary"
	"slices"
)

// decodeASPath decodes an AS_PATH or AS4_PATH value (RFC 4271 section 4.3, RFC 5065,
// RFC 6793) with size-byte AS numbers, appending segments to dst. The AS numbers go to
// a.asnBuf. voff is the value's offset in the message. A segment of an unknown type, with
// zero AS numbers (RFC 7606 section 7.2) or running past the value is an error.
func (a *Attributes) decodeASPath(dst []ASPathSegment, v []byte, size, voff int, typ uint8) ([]ASPathSegment, error) {
	a.asnBuf = slices.Grow(a.asnBuf, len(v)/size)
	pos := 0
	for pos < len(v) {
		if len(v)-pos < 2 {
			return dst, errorf(voff+pos, "%s: segment header needs 2 bytes, have %d", attrLabel(typ), len(v)-pos)
		}
		st, n := v[pos], int(v[pos+1])
		if st < ASSet || st > ASConfedSet {
			return dst, errorf(voff+pos, "%s: unknown segment type %d", attrLabel(typ), st)
		}
		if n == 0 {
			return dst, errorf(voff+pos+1, "%s: segment with zero AS numbers", attrLabel(typ))
		}
		if need := n * size; need > len(v)-pos-2 {
			return dst, errorf(voff+pos+1, "%s: segment of %d %d-byte AS numbers needs %d bytes, have %d", attrLabel(typ), n, size, need, len(v)-pos-2)
		}
		pos += 2
		start := len(a.asnBuf)
		for i := 0; i < n; i++ {
			if size == 4 {
				a.asnBuf = append(a.asnBuf, binary.BigEndian.Uint32(v[pos:]))
			} else {
				a.asnBuf = append(a.asnBuf, uint32(binary.BigEndian.Uint16(v[pos:])))
			}
			pos += size
		}
		end := len(a.asnBuf)
		dst = append(dst, ASPathSegment{Type: st, ASNs: a.asnBuf[start:end:end]})
	}
	if dst == nil {
		dst = []ASPathSegment{}
	}
	return dst, nil
}

func isConfed(t uint8) bool { return t == ASConfedSequence || t == ASConfedSet }

// PathLength returns the AS path length as counted for route selection (RFC 4271
// section 9.1.2.2, RFC 5065 section 5.3): an AS_SET counts as 1, an AS_SEQUENCE as its
// number of AS numbers, confederation segments as 0.
func PathLength(segs []ASPathSegment) int {
	n := 0
	for _, s := range segs {
		switch s.Type {
		case ASSet:
			n++
		case ASSequence:
			n += len(s.ASNs)
		}
	}
	return n
}

// applyAS4 applies RFC 6793 section 4.2.3 for a session without the 4-octet AS capability:
//
//   - AGGREGATOR and AS4_AGGREGATOR both present and AGGREGATOR's AS is not AS_TRANS:
//     AS4_AGGREGATOR and AS4_PATH are ignored (the effective values are AGGREGATOR and
//     AS_PATH).
//   - AGGREGATOR's AS is AS_TRANS and AS4_AGGREGATOR is present: the effective Aggregator
//     is AS4_AGGREGATOR's.
//   - Then, when AS4_PATH is present: if it counts more AS numbers than AS_PATH it is
//     ignored; otherwise the effective path is the leading part of AS_PATH (as many AS
//     numbers as AS_PATH has more than AS4_PATH) followed by AS4_PATH.
//
// Counting follows PathLength. Confederation segments of AS4_PATH, which RFC 6793
// forbids, are dropped from the merge (AS4Path keeps them as received). Confederation
// segments at the head of AS_PATH (before the cut point) are kept, since an old speaker
// inside a confederation adds them to AS_PATH only. When the last segment taken from
// AS_PATH and the first of AS4_PATH are both AS_SEQUENCE, they are joined into one.
func (a *Attributes) applyAS4() {
	if a.Aggregator != nil && a.AS4Aggregator != nil {
		if a.Aggregator.AS != ASTrans {
			return
		}
		a.Aggregator = a.AS4Aggregator
	}
	if a.AS4Path == nil || !a.HasASPath {
		return
	}
	n2, n4 := PathLength(a.ASPath), PathLength(a.AS4Path)
	if n2 < n4 {
		return
	}
	need := n2 - n4
	// Room for every AS number of both paths, so that the appends below never move
	// asnBuf while segments refer to it (they would stay valid, but this keeps one
	// allocation at most).
	total := 0
	for _, s := range a.ASPath {
		total += len(s.ASNs)
	}
	for _, s := range a.AS4Path {
		total += len(s.ASNs)
	}
	a.asnBuf = slices.Grow(a.asnBuf, total)
	merged := a.mergeSpare[:0]
	for _, s := range a.ASPath {
		if need == 0 && !isConfed(s.Type) {
			break
		}
		switch s.Type {
		case ASSet:
			need--
		case ASSequence:
			if len(s.ASNs) > need {
				s.ASNs = s.ASNs[:need:need]
			}
			need -= len(s.ASNs)
		}
		merged = append(merged, s)
	}
	for _, s := range a.AS4Path {
		if isConfed(s.Type) {
			continue
		}
		if last := len(merged) - 1; last >= 0 && s.Type == ASSequence && merged[last].Type == ASSequence {
			start := len(a.asnBuf)
			a.asnBuf = append(a.asnBuf, merged[last].ASNs...)
			a.asnBuf = append(a.asnBuf, s.ASNs...)
			end := len(a.asnBuf)
			merged[last].ASNs = a.asnBuf[start:end:end]
			continue
		}
		merged = append(merged, s)
	}
	a.mergeSpare, a.ASPath = a.ASPath, merged
	a.AS4Merged = true
}

// FlatASPath appends every AS number of the effective AS path to dst, in wire order, and
// returns the extended slice. All segments are inlined: AS_SET members in their received
// order and confederation segments too, as goBMP's as_path does, so that the result is
// compatible with it. Use ASPath for segment-aware processing and OriginAS for the
// origin.
func (a *Attributes) FlatASPath(dst []uint32) []uint32 {
	for _, s := range a.ASPath {
		dst = append(dst, s.ASNs...)
	}
	return dst
}

// OriginAS returns the origin AS of the effective AS path: the last AS number of the
// path's last segment when that segment is an AS_SEQUENCE. Confederation segments are
// skipped (they are never the origin). When the path ends in an AS_SET the origin is
// undefined (RFC 6811 section 2, "NONE") and OriginAS returns false, as it does for an
// empty or absent path (a route originated inside the local AS).
func (a *Attributes) OriginAS() (uint32, bool) {
	for i := len(a.ASPath) - 1; i >= 0; i-- {
		s := a.ASPath[i]
		switch s.Type {
		case ASSequence:
			if len(s.ASNs) == 0 {
				return 0, false
			}
			return s.ASNs[len(s.ASNs)-1], true
		case ASSet:
			return 0, false
		}
	}
	return 0, false
}

// ASPathSegmentTypeName returns "AS_SET", "AS_SEQUENCE", "AS_CONFED_SEQUENCE" or
// "AS_CONFED_SET", or "" for another value.
func ASPathSegmentTypeName(t uint8) string {
	switch t {
	case ASSet:
		return "AS_SET"
	case ASSequence:
		return "AS_SEQUENCE"
	case ASConfedSequence:
		return "AS_CONFED_SEQUENCE"
	case ASConfedSet:
		return "AS_CONFED_SET"
	}
	return ""
}
