package record

import (
	"math"
	"net/netip"
	"time"

	"google.golang.org/protobuf/encoding/protowire"
)

// The protobuf encoding of the records (package bmpstream.v1, schemas/bmpstream/v1): the
// generated appendProto / unmarshalProto methods (zz_proto.go) are built from these
// helpers. Encoding appends to the caller's buffer with protowire and never allocates once
// the buffer has grown: a nested message's length is written as one byte before its
// fields and, in the rare case the message is 128 bytes or more, the fields are moved to
// make room for a longer varint.

// SchemaVersion is the version of the record schemas (JSON and protobuf): every proto
// Record carries it, and Kafka and NATS messages carry it in a header.
const SchemaVersion = "v1"

// ProtoPackage is the protobuf package of the record messages.
const ProtoPackage = "bmpstream.v1"

// ProtoMessageName returns the protobuf message name of a record type
// ("bmpstream.v1.UnicastPrefix"); raw records have none ("").
func ProtoMessageName(t Type) string {
	if t < numTypes && protoNames[t] != "" {
		return ProtoPackage + "." + protoNames[t]
	}
	return ""
}

var protoNames = [numTypes]string{
	TypeRouter: "Router", TypePeer: "Peer", TypeUnicastPrefix: "UnicastPrefix", TypeStatistics: "Stats",
	TypeRouteMirror: "RouteMirror", TypeL3VPN: "L3VPNPrefix", TypeEVPN: "EVPN", TypeLSNode: "LSNode",
	TypeLSLink: "LSLink", TypeLSPrefix: "LSPrefix", TypeLSSRv6SID: "LSSRv6SID", TypeSRPolicy: "SRPolicy",
	TypeFlowspec: "Flowspec", TypeVPLS: "VPLSPrefix", TypeMulticastPrefix: "UnicastPrefix", TypeRTC: "RTCPrefix",
	TypeMVPN: "MVPNPrefix", TypeUnknownNLRI: "UnknownNLRI",
}

// ProtoValue is implemented by every Value: the record as its bmpstream.v1 message.
type ProtoValue interface {
	Value
	AppendProto(b []byte) []byte
	UnmarshalProto(b []byte) error
}

// NewValue returns an empty record of type t, for UnmarshalProto (nil for raw).
func NewValue(t Type) ProtoValue {
	switch t {
	case TypeRouter:
		return new(Router)
	case TypePeer:
		return new(Peer)
	case TypeUnicastPrefix:
		return new(UnicastPrefix)
	case TypeMulticastPrefix:
		return &UnicastPrefix{Kind: TypeMulticastPrefix}
	case TypeStatistics:
		return new(Stats)
	case TypeRouteMirror:
		return new(RouteMirror)
	case TypeL3VPN:
		return new(L3VPNPrefix)
	case TypeEVPN:
		return new(EVPN)
	case TypeLSNode:
		return new(LSNode)
	case TypeLSLink:
		return new(LSLink)
	case TypeLSPrefix:
		return new(LSPrefix)
	case TypeLSSRv6SID:
		return new(LSSRv6SID)
	case TypeSRPolicy:
		return new(SRPolicy)
	case TypeFlowspec:
		return new(Flowspec)
	case TypeVPLS:
		return new(VPLSPrefix)
	case TypeRTC:
		return new(RTCPrefix)
	case TypeMVPN:
		return new(MVPNPrefix)
	case TypeUnknownNLRI:
		return new(UnknownNLRI)
	}
	return nil
}

// Record envelope field numbers (schemas/bmpstream/v1: Record.<type> = record.Type value).
const protoSchemaVersionField = 100

// AppendProtoRecord appends a bmpstream.v1.Record envelope holding msg (the record's own
// message, as AppendProto wrote it, or the raw bytes of a raw record) of type t, without
// a length prefix.
func AppendProtoRecord(b []byte, t Type, msg []byte) []byte {
	b = pStringAlways(b, protoSchemaVersionField, SchemaVersion)
	return pBytesAlways(b, protowire.Number(t), msg)
}

// ParseProtoRecord splits a bmpstream.v1.Record envelope into its record type and
// message (the last record field wins, as in protobuf).
func ParseProtoRecord(b []byte) (t Type, msg []byte, version string, err error) {
	for len(b) > 0 {
		num, typ, n := protowire.ConsumeTag(b)
		if n < 0 {
			return 0, nil, "", protowire.ParseError(n)
		}
		b = b[n:]
		if typ == protowire.BytesType {
			v, n := protowire.ConsumeBytes(b)
			if n < 0 {
				return 0, nil, "", protowire.ParseError(n)
			}
			switch {
			case num == protoSchemaVersionField:
				version = string(v)
			case num > 0 && num < protowire.Number(numTypes):
				t, msg = Type(num), v
			}
			b = b[n:]
			continue
		}
		n = protowire.ConsumeFieldValue(num, typ, b)
		if n < 0 {
			return 0, nil, "", protowire.ParseError(n)
		}
		b = b[n:]
	}
	return t, msg, version, nil
}

func pBool(b []byte, num protowire.Number, v bool) []byte {
	if !v {
		return b
	}
	return pBoolAlways(b, num, v)
}

func pBoolAlways(b []byte, num protowire.Number, v bool) []byte {
	b = protowire.AppendTag(b, num, protowire.VarintType)
	if v {
		return append(b, 1)
	}
	return append(b, 0)
}

func pUint(b []byte, num protowire.Number, v uint64) []byte {
	if v == 0 {
		return b
	}
	return pUintAlways(b, num, v)
}

func pUintAlways(b []byte, num protowire.Number, v uint64) []byte {
	b = protowire.AppendTag(b, num, protowire.VarintType)
	return protowire.AppendVarint(b, v)
}

func pFloat(b []byte, num protowire.Number, v float32) []byte {
	if v == 0 && !math.Signbit(float64(v)) {
		return b
	}
	return pFloatAlways(b, num, v)
}

func pFloatAlways(b []byte, num protowire.Number, v float32) []byte {
	b = protowire.AppendTag(b, num, protowire.Fixed32Type)
	return protowire.AppendFixed32(b, math.Float32bits(v))
}

func pString(b []byte, num protowire.Number, s string) []byte {
	if s == "" {
		return b
	}
	return pStringAlways(b, num, s)
}

func pStringAlways(b []byte, num protowire.Number, s string) []byte {
	b = protowire.AppendTag(b, num, protowire.BytesType)
	return protowire.AppendString(b, s)
}

func pBytes(b []byte, num protowire.Number, v []byte) []byte {
	if len(v) == 0 {
		return b
	}
	return pBytesAlways(b, num, v)
}

func pBytesAlways(b []byte, num protowire.Number, v []byte) []byte {
	b = protowire.AppendTag(b, num, protowire.BytesType)
	return protowire.AppendBytes(b, v)
}

// pAddr writes an address as text (at most 45 bytes, so one length byte), nothing for an
// invalid one.
func pAddr(b []byte, num protowire.Number, a netip.Addr) []byte {
	if !a.IsValid() {
		return b
	}
	return pAddrAlways(b, num, a)
}

func pAddrAlways(b []byte, num protowire.Number, a netip.Addr) []byte {
	b = protowire.AppendTag(b, num, protowire.BytesType)
	pos := len(b)
	b = append(b, 0)
	if a.IsValid() {
		b = a.AppendTo(b)
	}
	b[pos] = byte(len(b) - pos - 1)
	return b
}

func pParseAddr(v []byte) (netip.Addr, error) {
	if len(v) == 0 {
		return netip.Addr{}, nil
	}
	return netip.ParseAddr(string(v))
}

// pTime writes a time as Unix nanoseconds, nothing for the zero time.
func pTime(b []byte, num protowire.Number, t time.Time) []byte {
	if t.IsZero() {
		return b
	}
	return pUintAlways(b, num, uint64(t.UnixNano()))
}

func pPacked[T ~uint8 | ~uint16 | ~uint32 | ~uint64](b []byte, num protowire.Number, vs []T) []byte {
	if len(vs) == 0 {
		return b
	}
	b, pos := pBegin(b, num)
	for _, v := range vs {
		b = protowire.AppendVarint(b, uint64(v))
	}
	return pEnd(b, pos)
}

func pPackedInt[T ~int | ~int32 | ~int64](b []byte, num protowire.Number, vs []T) []byte {
	if len(vs) == 0 {
		return b
	}
	b, pos := pBegin(b, num)
	for _, v := range vs {
		b = protowire.AppendVarint(b, uint64(int64(v)))
	}
	return pEnd(b, pos)
}

func pPackedBool(b []byte, num protowire.Number, vs []bool) []byte {
	if len(vs) == 0 {
		return b
	}
	b, pos := pBegin(b, num)
	for _, v := range vs {
		b = protowire.AppendVarint(b, protowire.EncodeBool(v))
	}
	return pEnd(b, pos)
}

// pBegin starts a length-delimited field: its tag and one byte for the length, whose
// position it returns for pEnd.
func pBegin(b []byte, num protowire.Number) ([]byte, int) {
	b = protowire.AppendTag(b, num, protowire.BytesType)
	return append(b, 0), len(b)
}

// pEnd writes the length of the field begun at pos, moving its content when the length
// needs more than one byte.
func pEnd(b []byte, pos int) []byte {
	n := len(b) - pos - 1
	if n < 0x80 {
		b[pos] = byte(n)
		return b
	}
	w := protowire.SizeVarint(uint64(n))
	for range w - 1 {
		b = append(b, 0)
	}
	copy(b[pos+w:], b[pos+1:pos+1+n])
	protowire.AppendVarint(b[pos:pos], uint64(n))
	return b
}

// pConsumeRepeated reads one repeated varint field, packed or not.
func pConsumeRepeated(typ protowire.Type, b []byte, add func(uint64)) int {
	switch typ {
	case protowire.VarintType:
		v, n := protowire.ConsumeVarint(b)
		if n >= 0 {
			add(v)
		}
		return n
	case protowire.BytesType:
		v, n := protowire.ConsumeBytes(b)
		if n < 0 {
			return n
		}
		for len(v) > 0 {
			u, m := protowire.ConsumeVarint(v)
			if m < 0 {
				return m
			}
			add(u)
			v = v[m:]
		}
		return n
	}
	return -1
}
