package record

// MirroredMessage is one BGP PDU carried by a Route Mirroring message, in hex.
type MirroredMessage struct {
	BGPType uint8  `json:"bgp_type"`
	Data    string `json:"data"`
}

// RouteMirror is a Route Mirroring message (RFC 7854 4.7): the verbatim BGP PDUs a peer
// sent, plus the information codes (0 errored PDU, 1 messages lost).
type RouteMirror struct {
	Head
	RouterFields
	PeerFields
	Messages  []MirroredMessage `json:"bgp_messages,omitempty"`
	InfoCodes []uint16          `json:"info_codes,omitempty"`
	Other     []TLV             `json:"other_tlvs,omitempty"`
}

// AppendJSON appends the record as one JSON object.
func (m *RouteMirror) AppendJSON(dst []byte) []byte {
	o := openObj(dst)
	m.Head.appendTo(&o, TypeRouteMirror)
	m.RouterFields.appendTo(&o)
	m.PeerFields.appendTo(&o)
	if len(m.Messages) > 0 {
		o.key("bgp_messages")
		o.b = append(o.b, '[')
		for i := range m.Messages {
			if i > 0 {
				o.b = append(o.b, ',')
			}
			mm := openObj(o.b)
			mm.u64("bgp_type", uint64(m.Messages[i].BGPType))
			mm.str("data", m.Messages[i].Data)
			o.b = mm.close()
		}
		o.b = append(o.b, ']')
	}
	if len(m.InfoCodes) > 0 {
		o.key("info_codes")
		o.b = append(o.b, '[')
		for i, c := range m.InfoCodes {
			if i > 0 {
				o.b = append(o.b, ',')
			}
			o.b = appendUint(o.b, uint64(c))
		}
		o.b = append(o.b, ']')
	}
	appendTLVs(&o, "other_tlvs", m.Other)
	return o.close()
}
