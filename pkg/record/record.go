// Package record defines bmpstream's output records (the JSON schema consumers rely on),
// their allocation-free JSON encoders, the goBMP-compatible hash recipes, the topic name of
// each record, and the Batch that carries encoded records from a router session to the
// publishers.
//
// Field names follow goBMP's (see the README's "Output format" section); every record also
// carries a top-level "type" and, where it has one, an "action". Encoding is done once per
// record, by appending to a reused buffer; publishers never re-encode.
//
// # What a sink gets
//
// A sink reads a Batch. For every record i, b.Recs[i] is its Meta: Type, Action (ActAdd,
// ActDel, ActUp, ActDown, ActInit, ActTerm, or ActNone), AFI and SAFI (route records,
// End-of-RIB included), IPv4, RIB (a RIBView: PrePolicy/PostPolicy, AdjRIBIn/AdjRIBOut,
// LocRIB, Filtered), RouterHash and PeerHash, Session and Seq. No sink needs to look
// inside an encoding for any of these.
//
// The encodings a batch carries are the union of what its sinks declare through
// publisher.Needer (Needs() Encodings; a sink without it gets EncJSON): the session
// produces each of them once per record, and only those:
//
//   - EncJSON: b.Buf (JSON Lines) and b.Record(i);
//   - EncTyped: b.Value(i), a Value (*Router, *Peer, *UnicastPrefix, *Stats, …, the
//     record's own Go type, see Value) that is a deep copy owned by the batch, immutable
//     once published and safe to keep after Write returns; the route records of one
//     UPDATE share one *BaseAttrs;
//   - EncProto: b.Proto(i), the record's protobuf message (schemas/bmpstream/v1).
package record

// Type names a record type. Its String is the value of the "type" field and the base of
// the topic name.
type Type uint8

const (
	TypeRouter Type = 1 + iota
	TypePeer
	TypeUnicastPrefix
	TypeStatistics
	TypeRouteMirror
	TypeL3VPN
	TypeEVPN
	TypeLSNode
	TypeLSLink
	TypeLSPrefix
	TypeLSSRv6SID
	TypeSRPolicy
	TypeFlowspec
	TypeVPLS
	TypeMulticastPrefix
	TypeRTC
	TypeMVPN
	TypeUnknownNLRI
	TypeRaw
	numTypes
)

var typeNames = [numTypes]string{
	TypeRouter:          "router",
	TypePeer:            "peer",
	TypeUnicastPrefix:   "unicast_prefix",
	TypeStatistics:      "statistics",
	TypeRouteMirror:     "route_mirror",
	TypeL3VPN:           "l3vpn",
	TypeEVPN:            "evpn",
	TypeLSNode:          "ls_node",
	TypeLSLink:          "ls_link",
	TypeLSPrefix:        "ls_prefix",
	TypeLSSRv6SID:       "ls_srv6_sid",
	TypeSRPolicy:        "sr_policy",
	TypeFlowspec:        "flowspec",
	TypeVPLS:            "vpls",
	TypeMulticastPrefix: "multicast_prefix",
	TypeRTC:             "rtc",
	TypeMVPN:            "mvpn",
	TypeUnknownNLRI:     "unknown_nlri",
	TypeRaw:             "raw",
}

func (t Type) String() string {
	if t < numTypes && typeNames[t] != "" {
		return typeNames[t]
	}
	return "unknown"
}

// Types returns every record type, in declaration order.
func Types() []Type {
	out := make([]Type, 0, numTypes-1)
	for t := TypeRouter; t < numTypes; t++ {
		out = append(out, t)
	}
	return out
}

// ParseType returns the Type named s.
func ParseType(s string) (Type, bool) {
	for t := TypeRouter; t < numTypes; t++ {
		if typeNames[t] == s {
			return t, true
		}
	}
	return 0, false
}

// splitByAF lists the record types whose topic is split into _v4 and _v6 when split-af is
// on (goBMP: unicast, L3VPN, SR Policy, FlowSpec; multicast, RTC and MVPN always split).
func splitByAF(t Type, split bool) bool {
	switch t {
	case TypeUnicastPrefix, TypeL3VPN, TypeSRPolicy, TypeFlowspec:
		return split
	case TypeMulticastPrefix, TypeRTC, TypeMVPN:
		return true
	}
	return false
}

// Topic returns the topic (Kafka) or subject (NATS) name of a record:
// "<prefix>.parsed.<type>[_v4|_v6]", or "<prefix>.raw" for raw BMP. The default prefix is
// "gobmp", which gives goBMP's topic names.
func Topic(prefix string, t Type, ipv4, split bool) string {
	if t == TypeRaw {
		return prefix + ".raw"
	}
	name := prefix + ".parsed." + t.String()
	if splitByAF(t, split) {
		if ipv4 {
			return name + "_v4"
		}
		return name + "_v6"
	}
	return name
}

// Action values.
const (
	ActionAdd  = "add"
	ActionDel  = "del"
	ActionUp   = "up"
	ActionDown = "down"
	ActionInit = "init"
	ActionTerm = "term"
	// ActionPeerUpGoBMP is goBMP's action for a Peer Up (selected by --gobmp-peer-action).
	ActionPeerUpGoBMP = "add"
)
