package record

// GoBMPMsgType returns goBMP's msg_type number for a record, used by the goBMP dump
// envelope ({"msg_type":N,"msg_hash":"…","msg_data":{…}}). Record types goBMP never
// publishes get the number of the BMP message they come from (router init 4, term 5,
// route_mirror 6) or 253 (unknown_nlri).
func GoBMPMsgType(t Type, action string, ipv4, split bool) int {
	af := func(combined, v4, v6 int) int {
		if !split {
			return combined
		}
		if ipv4 {
			return v4
		}
		return v6
	}
	always := func(v4, v6 int) int {
		if ipv4 {
			return v4
		}
		return v6
	}
	switch t {
	case TypeStatistics:
		return 1
	case TypeUnicastPrefix:
		return af(7, 74, 76)
	case TypeLSNode:
		return 8
	case TypeLSLink:
		return 9
	case TypePeer:
		return 10
	case TypeL3VPN:
		return af(11, 114, 116)
	case TypeLSPrefix:
		return 12
	case TypeLSSRv6SID:
		return 13
	case TypeEVPN:
		return 14
	case TypeSRPolicy:
		return af(15, 154, 156)
	case TypeFlowspec:
		return af(16, 164, 166)
	case TypeVPLS:
		return 17
	case TypeMulticastPrefix:
		return always(184, 186)
	case TypeRTC:
		return always(194, 196)
	case TypeMVPN:
		return always(208, 210) // SAFI 129; SAFI 5 (MCAST-VPN) is GoBMPMsgTypeMcastVPN

	case TypeRaw:
		return 255
	case TypeRouter:
		if action == ActionTerm {
			return 5
		}
		return 4
	case TypeRouteMirror:
		return 6
	}
	return 253
}

// GoBMPMsgTypeMcastVPN is goBMP's msg_type of an mvpn record of SAFI 5 (MCAST-VPN, RFC
// 6514): 204 for IPv4, 206 for IPv6 (SAFI 129 records are 208/210, GoBMPMsgType's).
func GoBMPMsgTypeMcastVPN(ipv4 bool) int {
	if ipv4 {
		return 204
	}
	return 206
}
