package bgp

import "encoding/binary"

// ParseUpdate decodes one UPDATE message (header included, exactly one message: see
// SplitMessage) into u, which the caller owns and should reuse: every slice in u is reset
// to length zero and refilled, so steady-state decoding does not allocate. Everything in
// u (prefixes, label stacks, AS paths, raw attribute values) is valid until the next
// ParseUpdate into the same u or until msg is modified, whichever comes first. Do not
// copy an Update and then parse into both copies: they would share storage.
//
// opts carries the session state: 4-octet AS (RFC 6793) and the families whose NLRI carry
// ADD-PATH path identifiers (RFC 7911). A nil opts is the zero DecodeOptions (2-octet AS,
// no path identifiers).
//
// Sections: classic withdrawn routes and NLRI (IPv4 unicast), the path attributes, and
// for each MP_REACH_NLRI / MP_UNREACH_NLRI (all of them, in order) the IP prefix families
// (IPv4/IPv6 unicast, multicast, labelled unicast) decoded into Prefixes; other families
// are left raw in NLRI. When a section does not parse with its family's ADD-PATH setting
// but parses cleanly and completely with the opposite one, that decoding is used and the
// section's AddPathMismatch is set. On error, an *Error is returned and u holds a partial
// decode that must not be used.
func ParseUpdate(msg []byte, opts *DecodeOptions, u *Update) error {
	if u == nil {
		return &Error{Offset: 0, What: "ParseUpdate: nil *Update"}
	}
	u.reset()
	if err := checkMessage(msg, MsgUpdate); err != nil {
		return err
	}
	// Withdrawn Routes Length (2), Withdrawn Routes, Total Path Attribute Length (2),
	// Path Attributes, NLRI.
	pos := HeaderLen
	wlen := int(binary.BigEndian.Uint16(msg[pos:]))
	pos += 2
	if wlen > len(msg)-pos-2 {
		return errorf(HeaderLen, "withdrawn routes length %d exceeds the message (%d bytes left before the path attribute length)", wlen, len(msg)-pos-2)
	}
	wOff := pos
	withdrawn := msg[pos : pos+wlen]
	pos += wlen
	alen := int(binary.BigEndian.Uint16(msg[pos:]))
	alenOff := pos
	pos += 2
	if alen > len(msg)-pos {
		return errorf(alenOff, "total path attribute length %d exceeds the message (%d bytes left)", alen, len(msg)-pos)
	}
	aOff := pos
	attrs := msg[pos : pos+alen : pos+alen]
	pos += alen
	nOff := pos
	nlri := msg[pos:]

	addPath := opts.hasAddPath(FamilyIPv4Unicast)
	k, _ := ipFamilyKind(FamilyIPv4Unicast)
	var err error
	var wUsed, wMis, nUsed, nMis bool
	u.Withdrawn, wUsed, wMis, err = u.ipSection(u.Withdrawn, withdrawn, wOff, k, addPath, true, sectionCtx{name: "withdrawn routes"})
	if err != nil {
		return err
	}
	nattrs, err := u.parseAttributes(msg, aOff, attrs, opts)
	if err != nil {
		return err
	}
	u.NLRI, nUsed, nMis, err = u.ipSection(u.NLRI, nlri, nOff, k, addPath, false, sectionCtx{name: "NLRI"})
	if err != nil {
		return err
	}
	switch {
	case len(nlri) > 0:
		u.AddPath = nUsed
	case len(withdrawn) > 0:
		u.AddPath = wUsed
	default:
		u.AddPath = addPath
	}
	u.AddPathMismatch = wMis || nMis

	if !(opts != nil && opts.AS4) {
		u.Attrs.applyAS4()
	}

	// End-of-RIB (RFC 4724 section 2).
	if len(withdrawn) == 0 && len(nlri) == 0 {
		switch {
		case len(attrs) == 0:
			u.EndOfRIB, u.EORFamily = true, FamilyIPv4Unicast
		case nattrs == 1 && len(u.MPUnreach) == 1 && len(u.MPUnreach[0].NLRI) == 0:
			u.EndOfRIB, u.EORFamily = true, u.MPUnreach[0].Family
		}
	}
	return nil
}

// reset empties u for a new decode, keeping the capacity of every slice.
func (u *Update) reset() {
	u.Withdrawn = u.Withdrawn[:0]
	u.NLRI = u.NLRI[:0]
	u.AddPath = false
	u.AddPathMismatch = false
	u.Attrs.reset()
	u.MPReach = u.MPReach[:0]
	u.MPUnreach = u.MPUnreach[:0]
	u.EndOfRIB = false
	u.EORFamily = Family{}
	u.MaskedPrefixes = 0
	u.LabelQuirks = 0
	u.labels = u.labels[:0]
	u.rawLabels = u.rawLabels[:0]
}

// nextMPReach appends an MPReach to u, reusing the slices of a previous decode.
func (u *Update) nextMPReach() *MPReach {
	if n := len(u.MPReach); n < cap(u.MPReach) {
		u.MPReach = u.MPReach[:n+1]
		m := &u.MPReach[n]
		*m = MPReach{NextHop: m.NextHop[:0], Prefixes: m.Prefixes[:0]}
		return m
	}
	u.MPReach = append(u.MPReach, MPReach{})
	return &u.MPReach[len(u.MPReach)-1]
}

// nextMPUnreach appends an MPUnreach to u, reusing the slices of a previous decode.
func (u *Update) nextMPUnreach() *MPUnreach {
	if n := len(u.MPUnreach); n < cap(u.MPUnreach) {
		u.MPUnreach = u.MPUnreach[:n+1]
		m := &u.MPUnreach[n]
		*m = MPUnreach{Prefixes: m.Prefixes[:0]}
		return m
	}
	u.MPUnreach = append(u.MPUnreach, MPUnreach{})
	return &u.MPUnreach[len(u.MPUnreach)-1]
}

// HasRoutes reports whether the UPDATE announces or withdraws anything: classic
// withdrawn routes or NLRI, or a non-empty NLRI field in any MP_REACH_NLRI or
// MP_UNREACH_NLRI (whatever the family). An End-of-RIB marker has no routes.
func (u *Update) HasRoutes() bool {
	if len(u.Withdrawn) > 0 || len(u.NLRI) > 0 {
		return true
	}
	for i := range u.MPReach {
		if len(u.MPReach[i].NLRI) > 0 {
			return true
		}
	}
	for i := range u.MPUnreach {
		if len(u.MPUnreach[i].NLRI) > 0 {
			return true
		}
	}
	return false
}
