package record

// UnknownNLRI is a route of an address family bmpstream does not decode: its AFI/SAFI and
// the raw NLRI bytes in hex, so nothing is silently dropped.
type UnknownNLRI struct {
	Head
	RouterFields
	PeerFields
	AFI    uint16 `json:"afi"`
	SAFI   uint8  `json:"safi"`
	IsIPv4 bool   `json:"is_ipv4"`
	NLRI   string `json:"nlri"`
	IsEOR  bool   `json:"is_eor,omitempty"`
	// Error is the decode error of a section of a decoded family whose NLRI did not
	// decode (the section is then this one record); empty for families bmpstream does not
	// decode.
	Error string `json:"error,omitempty"`
	RIBFlags
}

// AppendJSON appends the record as one JSON object.
func (u *UnknownNLRI) AppendJSON(dst []byte) []byte {
	o := openObj(dst)
	u.Head.appendTo(&o, TypeUnknownNLRI)
	u.RouterFields.appendTo(&o)
	u.PeerFields.appendTo(&o)
	o.u64("afi", uint64(u.AFI))
	o.u64("safi", uint64(u.SAFI))
	o.boolean("is_ipv4", u.IsIPv4)
	o.str("nlri", u.NLRI)
	if u.IsEOR {
		o.boolean("is_eor", true)
	}
	o.strNE("error", u.Error)
	u.RIBFlags.appendTo(&o)
	return o.close()
}
