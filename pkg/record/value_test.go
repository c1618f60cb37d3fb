package record

import (
	"net/netip"
	"testing"
)

func TestEncodings(t *testing.T) {
	var zero Encodings
	if !zero.Has(EncJSON) || zero.Has(EncTyped) || zero.String() != "json" {
		t.Fatalf("zero set: %v", zero)
	}
	e := EncJSON | EncTyped
	if !e.Has(EncTyped) || !e.Has(EncJSON|EncTyped) || e.Has(EncProto) || e.String() != "json+typed" {
		t.Fatalf("%v", e)
	}
}

func TestActionAndRIBView(t *testing.T) {
	for a := ActNone; a <= ActTerm; a++ {
		if ParseAction(a.String()) != a {
			t.Fatalf("%d: %q parses to %d", a, a, ParseAction(a.String()))
		}
	}
	if ParseAction("bogus") != ActNone {
		t.Fatal("unknown action")
	}
	for _, c := range []struct {
		f                                  RIBFlags
		pre, post, in, out, locRIB, filter bool
	}{
		{RIBFlags{}, true, false, true, false, false, false},
		{RIBFlags{IsAdjRIBInPostPolicy: true}, false, true, true, false, false, false},
		{RIBFlags{IsAdjRIBOut: true}, true, false, false, true, false, false},
		{RIBFlags{IsAdjRIBOut: true, IsAdjRIBOutPostPolicy: true}, false, true, false, true, false, false},
		{RIBFlags{IsLocRIB: true, IsLocRIBFiltered: true}, false, false, false, false, true, true},
	} {
		v := c.f.View()
		if v.PrePolicy() != c.pre || v.PostPolicy() != c.post || v.AdjRIBIn() != c.in || v.AdjRIBOut() != c.out ||
			v.LocRIB() != c.locRIB || v.Filtered() != c.filter {
			t.Fatalf("%+v: view %b", c.f, v)
		}
	}
}

// TestBatchEncodings: a batch encodes exactly the encodings asked for; typed copies are
// deep (changing the session's record afterwards does not change them), fill Meta's
// typed fields, and keep their JSON.
func TestBatchEncodings(t *testing.T) {
	rf := RouterFields{RouterHash: "r", RouterIP: netip.MustParseAddr("192.0.2.1")}
	attrs := &BaseAttrs{Origin: "igp", ASPath: []uint32{65000, 65001}, BaseAttrHash: MD5{1}}
	attrs.SetASPathCount(2)
	attrs.SetMED(10)
	u := &UnicastPrefix{Head: Head{Action: ActionAdd, Sequence: 1}, RouterFields: rf, BaseAttrs: attrs,
		RIBFlags: RIBFlags{IsAdjRIBInPostPolicy: true}, Labels: []uint32{16}}
	u.SetPrefix(netip.MustParsePrefix("10.0.0.0/8"))
	u.SetOriginAS(65001)
	peer := &Peer{Head: Head{Action: ActionAdd, Sequence: 2}, RouterFields: rf}

	for _, enc := range []Encodings{0, EncJSON, EncTyped, EncJSON | EncTyped} {
		b := NewBatch()
		b.Enc = enc
		want1 := string(u.AppendJSON(nil))
		b.Add(u, Meta{Type: TypeUnicastPrefix, AFI: 1, SAFI: 1})
		u2 := *u
		u2.Head.Sequence = 3
		b.Add(&u2, Meta{Type: TypeUnicastPrefix, AFI: 1, SAFI: 1})
		b.Add(peer, Meta{Type: TypePeer})
		b.AddRaw(func(dst []byte) []byte { return append(dst, "raw"...) }, Meta{Type: TypeRaw})
		if b.Len() != 4 {
			t.Fatalf("%v: %d records", enc, b.Len())
		}
		m := b.Recs[0]
		if m.Action != ActAdd || m.RIB != ViewPostPolicy || m.AFI != 1 || b.Recs[2].Action != ActUp {
			t.Fatalf("%v: meta %+v, peer action %v", enc, m, b.Recs[2].Action)
		}
		if enc.Has(EncJSON) != (string(b.Record(0)) == want1) || !enc.Has(EncJSON) && len(b.Record(0)) != 0 {
			t.Fatalf("%v: JSON %q", enc, b.Record(0))
		}
		if !enc.Has(EncTyped) {
			if b.Value(0) != nil {
				t.Fatalf("%v: typed value without EncTyped", enc)
			}
			b.Release()
			continue
		}
		v0, ok := b.Value(0).(*UnicastPrefix)
		v1 := b.Value(1).(*UnicastPrefix)
		if !ok || v0 == u || v0.BaseAttrs == attrs || v0.BaseAttrs != v1.BaseAttrs || b.Value(3) != nil {
			t.Fatalf("%v: values %p %p (source %p), attrs %p %p", enc, v0, v1, u, v0.BaseAttrs, v1.BaseAttrs)
		}
		if _, ok := b.Value(2).(*Peer); !ok || b.Value(2).RecordType() != TypePeer {
			t.Fatalf("%v: value 2 is %T", enc, b.Value(2))
		}
		// The session reuses its records: the copies must not change.
		attrs.ASPath[0] = 1
		attrs.SetMED(99)
		u.Labels[0] = 17
		u.SetPrefix(netip.MustParsePrefix("11.0.0.0/8"))
		if got := string(v0.AppendJSON(nil)); got != want1 {
			t.Fatalf("%v: copy changed with its source:\n%s\nwant\n%s", enc, got, want1)
		}
		attrs.ASPath[0], u.Labels[0] = 65000, 16
		attrs.SetMED(10)
		u.SetPrefix(netip.MustParsePrefix("10.0.0.0/8"))
		b.Release()
	}
}
