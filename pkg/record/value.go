package record

// Value is a typed record: one of *Router, *Peer, *UnicastPrefix (unicast_prefix and
// multicast_prefix), *Stats, *RouteMirror, *L3VPNPrefix, *EVPN, *LSNode, *LSLink,
// *LSPrefix, *LSSRv6SID, *SRPolicy, *Flowspec, *VPLSPrefix, *RTCPrefix, *MVPNPrefix or
// *UnknownNLRI. Sinks that asked for EncTyped get one per record from Batch.Value and
// switch on its dynamic type (or on RecordType).
type Value interface {
	// AppendJSON appends the record's JSON object (the bytes Batch.Record holds).
	AppendJSON(dst []byte) []byte
	// RecordType is the record's type (the "type" field).
	RecordType() Type
}

// Encoder is the former name of Value's encoding half; every Value is one.
type Encoder interface {
	AppendJSON(dst []byte) []byte
}

// Encodings is a set of encodings of the records of a batch. A sink declares what it
// reads (publisher.Needer); the session computes the union of its sinks' needs once and
// encodes each record in each of those forms exactly once, and in no other.
type Encodings uint8

const (
	// EncJSON: Batch.Buf holds the JSON Lines, Batch.Record(i) the JSON of record i.
	EncJSON Encodings = 1 << iota
	// EncProto: Batch.Proto(i) holds the protobuf encoding of record i (a message of
	// package bmpstream.v1, see schemas/).
	EncProto
	// EncTyped: Batch.Value(i) holds a deep copy of record i, owned by the batch.
	EncTyped
)

// Has reports whether every encoding of x is in e. The zero set means EncJSON.
func (e Encodings) Has(x Encodings) bool {
	if e == 0 {
		e = EncJSON
	}
	return e&x == x
}

func (e Encodings) String() string {
	if e == 0 {
		e = EncJSON
	}
	s := ""
	for _, x := range [...]struct {
		e Encodings
		n string
	}{{EncJSON, "json"}, {EncProto, "proto"}, {EncTyped, "typed"}} {
		if e&x.e != 0 {
			if s != "" {
				s += "+"
			}
			s += x.n
		}
	}
	return s
}

// Action is a record's action as a number (Meta.Action). Its String is the JSON "action"
// of route, router and peer-down records; a Peer Up is ActUp even when its JSON says
// goBMP's "add" (--gobmp-peer-action).
type Action uint8

const (
	// ActNone: the record has no action (statistics, route_mirror).
	ActNone Action = iota
	ActAdd
	ActDel
	ActUp
	ActDown
	ActInit
	ActTerm
)

var actionNames = [...]string{ActNone: "", ActAdd: ActionAdd, ActDel: ActionDel, ActUp: ActionUp,
	ActDown: ActionDown, ActInit: ActionInit, ActTerm: ActionTerm}

func (a Action) String() string {
	if int(a) < len(actionNames) {
		return actionNames[a]
	}
	return "unknown"
}

// ParseAction returns the Action of a JSON "action" value (ActNone for "" or unknown).
func ParseAction(s string) Action {
	switch s {
	case ActionAdd:
		return ActAdd
	case ActionDel:
		return ActDel
	case ActionUp:
		return ActUp
	case ActionDown:
		return ActDown
	case ActionInit:
		return ActInit
	case ActionTerm:
		return ActTerm
	}
	return ActNone
}

// RIBView is the RIB view of a route or peer record (Meta.RIB), from the per-peer header's
// flags: the bits of RIBFlags as a number.
type RIBView uint8

const (
	// ViewPostPolicy: the L flag (RFC 7854): post-policy Adj-RIB-In, or with ViewAdjRIBOut
	// post-policy Adj-RIB-Out.
	ViewPostPolicy RIBView = 1 << iota
	// ViewAdjRIBOut: the O flag (RFC 8671).
	ViewAdjRIBOut
	// ViewLocRIB: a Loc-RIB peer (RFC 9069).
	ViewLocRIB
	// ViewLocRIBFiltered: the F flag of a Loc-RIB peer.
	ViewLocRIBFiltered
)

// View returns the flags as a RIBView.
func (f *RIBFlags) View() RIBView {
	var v RIBView
	if f.IsAdjRIBInPostPolicy || f.IsAdjRIBOutPostPolicy {
		v |= ViewPostPolicy
	}
	if f.IsAdjRIBOut {
		v |= ViewAdjRIBOut
	}
	if f.IsLocRIB {
		v |= ViewLocRIB
	}
	if f.IsLocRIBFiltered {
		v |= ViewLocRIBFiltered
	}
	return v
}

// PrePolicy, PostPolicy, AdjRIBIn, AdjRIBOut, LocRIB and Filtered name the view.
func (v RIBView) PostPolicy() bool { return v&ViewPostPolicy != 0 }
func (v RIBView) PrePolicy() bool  { return v&(ViewPostPolicy|ViewLocRIB) == 0 }
func (v RIBView) AdjRIBIn() bool   { return v&(ViewAdjRIBOut|ViewLocRIB) == 0 }
func (v RIBView) AdjRIBOut() bool  { return v&ViewAdjRIBOut != 0 }
func (v RIBView) LocRIB() bool     { return v&ViewLocRIB != 0 }
func (v RIBView) Filtered() bool   { return v&ViewLocRIBFiltered != 0 }

// headed and ribbed find the Head and RIBFlags embedded in a record (methods promoted
// from the embedded structs; no reflection).
type headed interface{ head() *Head }
type ribbed interface{ ribFlags() *RIBFlags }

func (h *Head) head() *Head             { return h }
func (f *RIBFlags) ribFlags() *RIBFlags { return f }

// RecordType methods (UnicastPrefix's is in unicast.go).
func (*Router) RecordType() Type      { return TypeRouter }
func (*Peer) RecordType() Type        { return TypePeer }
func (*Stats) RecordType() Type       { return TypeStatistics }
func (*RouteMirror) RecordType() Type { return TypeRouteMirror }
func (*L3VPNPrefix) RecordType() Type { return TypeL3VPN }
func (*EVPN) RecordType() Type        { return TypeEVPN }
func (*LSNode) RecordType() Type      { return TypeLSNode }
func (*LSLink) RecordType() Type      { return TypeLSLink }
func (*LSPrefix) RecordType() Type    { return TypeLSPrefix }
func (*LSSRv6SID) RecordType() Type   { return TypeLSSRv6SID }
func (*SRPolicy) RecordType() Type    { return TypeSRPolicy }
func (*Flowspec) RecordType() Type    { return TypeFlowspec }
func (*VPLSPrefix) RecordType() Type  { return TypeVPLS }
func (*RTCPrefix) RecordType() Type   { return TypeRTC }
func (*MVPNPrefix) RecordType() Type  { return TypeMVPN }
func (*UnknownNLRI) RecordType() Type { return TypeUnknownNLRI }

// RecordType is TypeUnicastPrefix or TypeMulticastPrefix (Kind).
func (u *UnicastPrefix) RecordType() Type {
	if u.Kind == 0 {
		return TypeUnicastPrefix
	}
	return u.Kind
}

// cloner makes the typed copies of one batch: the route records of one UPDATE share one
// copy of their BaseAttrs (same source and same attribute hash).
type cloner struct {
	attrSrc  *BaseAttrs
	attrHash MD5
	attrDst  *BaseAttrs
}

func (c *cloner) baseAttrs(src *BaseAttrs) *BaseAttrs {
	if src == nil {
		return nil
	}
	if c != nil && c.attrSrc == src && c.attrHash == src.BaseAttrHash && !src.BaseAttrHash.IsZero() {
		return c.attrDst
	}
	d := new(BaseAttrs)
	cloneBaseAttrs(d, src, c)
	if c != nil {
		c.attrSrc, c.attrHash, c.attrDst = src, src.BaseAttrHash, d
	}
	return d
}

func zero[T any](p *T) {
	var z T
	*p = z
}
