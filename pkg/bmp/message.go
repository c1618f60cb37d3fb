package bmp

import (
	"encoding/binary"
)

// bodyOff is the offset of the body of messages that carry a per-peer header.
const bodyOff = CommonHeaderLen + PeerHeaderLen

// Decode decodes the whole BMP message b (common header first; len(b) must equal the
// declared length). It fills m.Header, m.Body, m.Peer for the message types that carry a
// per-peer header (0, 1, 2, 3, 6), and the field matching the type; every slice aliases
// b. Unknown message types are not an error: Header and Body (everything after the common
// header) are set and Decode returns nil, so the caller can count and skip them.
// m's slices are recycled, so decoding into the same Message does not allocate once they
// have grown. Malformed input gives an *Error with the offset of the offending field.
func (m *Message) Decode(b []byte) error {
	h, err := ParseCommonHeader(b)
	if err != nil {
		return err
	}
	if uint64(h.Length) != uint64(len(b)) {
		return errf(1, "common header: length %d, but the message buffer has %d bytes", h.Length, len(b))
	}
	m.Header = h
	m.Body = b[CommonHeaderLen:]
	switch h.Type {
	case MsgRouteMonitoring, MsgStatisticsReport, MsgPeerDown, MsgPeerUp, MsgRouteMirroring:
		if err := parsePeerHeader(b[CommonHeaderLen:], CommonHeaderLen, &m.Peer); err != nil {
			return err
		}
		m.Body = b[bodyOff:]
	}
	switch h.Type {
	case MsgRouteMonitoring:
		return m.decodeRouteMonitoring(b)
	case MsgStatisticsReport:
		return m.decodeStats(b)
	case MsgPeerDown:
		return m.decodePeerDown(b)
	case MsgPeerUp:
		return m.decodePeerUp(b)
	case MsgInitiation:
		m.Initiation.TLVs, err = decodeTLVs(m.Initiation.TLVs[:0], b[CommonHeaderLen:], CommonHeaderLen, false, "initiation TLV")
		return err
	case MsgTermination:
		m.Termination.TLVs, err = decodeTLVs(m.Termination.TLVs[:0], b[CommonHeaderLen:], CommonHeaderLen, false, "termination TLV")
		return err
	case MsgRouteMirroring:
		m.Mirroring.TLVs, err = decodeTLVs(m.Mirroring.TLVs[:0], b[bodyOff:], bodyOff, false, "route mirroring TLV")
		return err
	}
	return nil
}

// decodeRouteMonitoring decodes a Route Monitoring body.
//
// BMPv3: the body is one BGP UPDATE; bytes after it (not allowed by RFC 7854, sent by
// Huawei VRP 8.2) go to Trailing and, when they parse as information TLVs, TrailingTLVs.
// BMPv4 (draft-ietf-grow-bmp-tlv): the body is
// a list of indexed TLVs, one of which carries the BGP UPDATE; that one goes to Update
// and the others to TLVs. A BMPv4 body that starts with a BGP marker is taken as the
// early-draft layout (UPDATE first, then indexed TLVs).
func (m *Message) decodeRouteMonitoring(b []byte) error {
	rm := &m.RouteMonitoring
	rm.Update = nil
	rm.TLVs = rm.TLVs[:0]
	rm.Trailing = nil
	rm.TrailingTLVs = rm.TrailingTLVs[:0]
	body := b[bodyOff:]
	if m.Header.Version == 4 && !hasBGPMarker(body) {
		return m.decodeRouteMonitoringV4(body)
	}
	n, err := bgpMessageLen(body, bodyOff, "route monitoring: BGP UPDATE")
	if err != nil {
		return err
	}
	rm.Update = body[:n:n]
	if n == len(body) {
		return nil
	}
	if m.Header.Version == 4 {
		rm.TLVs, err = decodeTLVs(rm.TLVs, body[n:], bodyOff+n, true, "route monitoring TLV")
		return err
	}
	// BMPv3 with bytes after the UPDATE (a vendor quirk): keep them, as TLVs when they
	// parse as such.
	rm.Trailing = body[n:len(body):len(body)]
	if tlvs, err := decodeTLVs(rm.TrailingTLVs, rm.Trailing, bodyOff+n, false, ""); err == nil {
		rm.TrailingTLVs = tlvs
	} else {
		clear(tlvs)
		rm.TrailingTLVs = tlvs[:0]
	}
	return nil
}

func (m *Message) decodeRouteMonitoringV4(body []byte) error {
	rm := &m.RouteMonitoring
	tlvs, err := decodeTLVs(rm.TLVs, body, bodyOff, true, "route monitoring TLV")
	rm.TLVs = tlvs
	if err != nil {
		return err
	}
	for i := range tlvs {
		if isWholeBGPUpdate(tlvs[i].Value) {
			rm.Update = tlvs[i].Value
			copy(tlvs[i:], tlvs[i+1:])
			tlvs[len(tlvs)-1] = InfoTLV{}
			rm.TLVs = tlvs[:len(tlvs)-1]
			return nil
		}
	}
	// No TLV holds a well-formed UPDATE: report the most telling problem.
	for i := 0; i < len(body); {
		t, next, _ := readTLV(body, i, bodyOff, true, "") // cannot fail: decoded above
		v, off := t.Value, bodyOff+i+indexedTLVHeaderLen
		if hasBGPMarker(v) {
			n, err := bgpMessageLen(v, off, "route monitoring: BGP PDU TLV")
			if err != nil {
				return err
			}
			if n != len(v) {
				return errf(off+16, "route monitoring: BGP PDU TLV of %d bytes holds a %d-byte BGP message", len(v), n)
			}
			return errf(off+18, "route monitoring: BGP PDU TLV holds BGP message type %d, want UPDATE (2)", v[18])
		}
		i = next
	}
	return errf(bodyOff, "route monitoring: none of the %d BMPv4 TLVs carries a BGP UPDATE", len(tlvs))
}

// decodeStats decodes a Statistics Report body: a 4-byte count and stat TLVs (BMPv3), or
// for BMPv4 (draft-ietf-grow-bmp-tlv-20) possibly a Stats TLV (type 1) wrapping count
// and stats, followed by optional TLVs.
func (m *Message) decodeStats(b []byte) error {
	s := &m.Stats
	s.Stats = s.Stats[:0]
	s.TLVs = s.TLVs[:0]
	s.Count = 0
	body := b[bodyOff:]
	if m.Header.Version == 4 && len(body) >= tlvHeaderLen+4 && binary.BigEndian.Uint16(body) == 1 {
		// A BMPv3-style count would have to exceed 65535 to start with 0x0001.
		l := int(binary.BigEndian.Uint16(body[2:]))
		if l >= 4 && tlvHeaderLen+l <= len(body) {
			if err := decodeStatsList(s, body[tlvHeaderLen:tlvHeaderLen+l], bodyOff+tlvHeaderLen); err == nil {
				var err error
				s.TLVs, err = decodeTLVs(s.TLVs, body[tlvHeaderLen+l:], bodyOff+tlvHeaderLen+l, false, "stats report TLV")
				return err
			}
			s.Stats = s.Stats[:0]
		}
	}
	return decodeStatsList(s, body, bodyOff)
}

// decodeStatsList decodes a stats count and the stat TLVs that follow, at offset off. The
// count is recorded but the TLVs actually present are what is decoded: a count that
// disagrees is tolerated as long as the TLVs fit exactly.
func decodeStatsList(s *StatsReport, b []byte, off int) error {
	if len(b) < 4 {
		return errShort(off, "stats report: count", 4, len(b))
	}
	s.Count = binary.BigEndian.Uint32(b)
	for i := 4; i < len(b); {
		t, next, err := readTLV(b, i, off, false, "stats report: stat")
		if err != nil {
			return err
		}
		s.Stats = append(s.Stats, decodeStat(t.Type, t.Value))
		i = next
	}
	return nil
}

// decodeStat interprets one stat TLV value.
func decodeStat(typ uint16, v []byte) Stat {
	st := Stat{Type: typ, Raw: v}
	switch typ {
	case StatPerAFIAdjRIBIn, StatPerAFILocRIB, StatPerAFIPrePolicyAdjRIBOut, StatPerAFIPostPolicyAdjRIBOut:
		if len(v) == 11 || len(v) == 7 {
			st.Known, st.PerAFI = true, true
			st.AFI = binary.BigEndian.Uint16(v)
			st.SAFI = v[2]
			st.Value = uintN(v[3:])
		}
	default:
		if typ <= StatPerAFIPostPolicyAdjRIBOut && (len(v) == 4 || len(v) == 8) {
			st.Known = true
			st.Value = uintN(v)
		}
	}
	return st
}

// uintN reads a 4- or 8-byte big-endian unsigned integer.
func uintN(v []byte) uint64 {
	if len(v) == 8 {
		return binary.BigEndian.Uint64(v)
	}
	return uint64(binary.BigEndian.Uint32(v))
}

// decodePeerDown decodes a Peer Down body: the reason byte and its data.
func (m *Message) decodePeerDown(b []byte) error {
	pd := &m.PeerDown
	pd.Notification = nil
	pd.FSMEvent, pd.HasFSMEvent = 0, false
	pd.TLVs = pd.TLVs[:0]
	pd.Data = nil
	body := b[bodyOff:]
	if len(body) < 1 {
		return errShort(bodyOff, "peer down: reason", 1, 0)
	}
	pd.Reason = body[0]
	data := body[1:]
	pd.Data = data
	const dataOff = bodyOff + 1
	v4 := m.Header.Version == 4
	rest, restOff := data[:0], dataOff // bytes after the reason-specific data (TLVs in BMPv4)
	switch pd.Reason {
	case PeerDownLocalNotification, PeerDownRemoteNotification:
		// Some exporters send these reasons with no NOTIFICATION at all: tolerated.
		if len(data) == 0 {
			return nil
		}
		n, err := bgpMessageLen(data, dataOff, "peer down: NOTIFICATION")
		if err != nil {
			return err
		}
		pd.Notification = data[:n:n]
		rest, restOff = data[n:], dataOff+n
	case PeerDownLocalNoNotification:
		if len(data) == 0 {
			return nil
		}
		if len(data) < 2 {
			return errShort(dataOff, "peer down: FSM event", 2, len(data))
		}
		pd.FSMEvent, pd.HasFSMEvent = binary.BigEndian.Uint16(data), true
		rest, restOff = data[2:], dataOff+2
	case PeerDownRemoteNoData, PeerDownDeconfigured:
		rest = data
	case PeerDownLocRIBSessionDown:
		var err error
		pd.TLVs, err = decodeTLVs(pd.TLVs, data, dataOff, false, "peer down TLV")
		return err
	default:
		return nil
	}
	if !v4 || len(rest) == 0 {
		return nil // BMPv3: trailing bytes stay visible in Data only
	}
	var err error
	pd.TLVs, err = decodeTLVs(pd.TLVs, rest, restOff, false, "peer down TLV")
	return err
}

// decodePeerUp decodes a Peer Up body: local address and ports, the sent and received
// OPENs (each framed by its own BGP length), then information TLVs.
func (m *Message) decodePeerUp(b []byte) error {
	pu := &m.PeerUp
	pu.SentOpen, pu.ReceivedOpen = nil, nil
	pu.Info = pu.Info[:0]
	body := b[bodyOff:]
	if len(body) < 20 {
		return errShort(bodyOff, "peer up: local address and ports", 20, len(body))
	}
	pu.LocalAddress = decodeAddr(body[:16], m.Peer.addrIsIPv6(body[:16]))
	pu.LocalPort = binary.BigEndian.Uint16(body[16:])
	pu.RemotePort = binary.BigEndian.Uint16(body[18:])
	i := 20
	n, err := bgpMessageLen(body[i:], bodyOff+i, "peer up: sent OPEN")
	if err != nil {
		return err
	}
	pu.SentOpen = body[i : i+n : i+n]
	i += n
	n, err = bgpMessageLen(body[i:], bodyOff+i, "peer up: received OPEN")
	if err != nil {
		return err
	}
	pu.ReceivedOpen = body[i : i+n : i+n]
	i += n
	pu.Info, err = decodeTLVs(pu.Info, body[i:], bodyOff+i, false, "peer up TLV")
	return err
}

// Reason returns the Termination reason code (TLV type 1, 2 bytes), if present.
func (t *Termination) Reason() (uint16, bool) {
	v, ok := LookupTLV(t.TLVs, TermInfoReason)
	if !ok || len(v) != 2 {
		return 0, false
	}
	return binary.BigEndian.Uint16(v), true
}

// Code returns the 2-byte information code of a Route Mirroring Information TLV (0
// errored PDU, 1 messages lost), if the first such TLV is well formed.
func (r *RouteMirroring) Code() (uint16, bool) {
	v, ok := LookupTLV(r.TLVs, MirrorInformation)
	if !ok || len(v) != 2 {
		return 0, false
	}
	return binary.BigEndian.Uint16(v), true
}
