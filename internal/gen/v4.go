package gen

// BMPv4 (draft-ietf-grow-bmp-tlv) builders.

// IndexedTLV builds a BMPv4 indexed TLV: type, length of the value, index, value.
func IndexedTLV(typ, index uint16, v []byte) []byte {
	b := u16(nil, typ)
	b = u16(b, uint16(len(v)))
	b = u16(b, index)
	return append(b, v...)
}

// EnterpriseValue prefixes v with a 4-byte Private Enterprise Number, for TLVs whose type
// has the E-bit (0x8000) set.
func EnterpriseValue(pen uint32, v []byte) []byte { return append(u32(nil, pen), v...) }

// RouteMonitoringV4 builds a BMPv4 Route Monitoring message: the per-peer header then the
// TLVs as given (one of them must carry the BGP UPDATE, e.g. IndexedTLV(4, 0, update)).
func RouteMonitoringV4(p Peer, tlvs ...[]byte) []byte {
	return BMPv(4, 0, append([][]byte{p.Header()}, tlvs...)...)
}

// PathStatusValue builds a Path Status TLV value: the 4-byte status and, when reason is
// not nil, the 2-byte reason code.
func PathStatusValue(status uint32, reason *uint16) []byte {
	b := u32(nil, status)
	if reason != nil {
		b = u16(b, *reason)
	}
	return b
}

// GroupValue builds a Group TLV value from NLRI indexes.
func GroupValue(idx ...uint16) []byte {
	var b []byte
	for _, i := range idx {
		b = u16(b, i)
	}
	return b
}
