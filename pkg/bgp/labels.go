package bgp

// Label stacks of labelled NLRI (RFC 8277 section 2, RFC 3107): 3-byte entries, the last
// one with the bottom-of-stack (BoS) bit. Some senders never set that bit, and then the
// decoder cannot tell where the stack ends by the rule alone:
//
//   - FRR 8.4 announces VPN-IPv4 routes whose single label entry is 0x000000 without the
//     BoS bit. Read by the rule, the prefix becomes a label and the route distinguisher
//     garbage. Wireshark and GoBGP end the stack at an entry 0x000000 in announcements
//     too (as RFC 8277 section 2.4 does in withdrawals): so does labelStack, when the
//     route distinguisher (for VPN routes) and the prefix then fit the NLRI length.
//   - For VPN routes, in lenient mode (DecodeVPNLenient, only tried once the strict rules
//     failed with both ADD-PATH settings), a stack that runs past what the NLRI length
//     allows ends at the first entry after which the rest parses as a valid route
//     distinguisher (type 0, 1 or 2) and a prefix of at most the family's length.
//     Labelled unicast has no route distinguisher to check that against: it gets only
//     the first rule.
//
// Both are quirks: the decoders report them (VPNRoute.LabelQuirk, MPReach.LabelQuirks
// and MPUnreach.LabelQuirks) so that the collector can count and log them.

// labelEndZero is the entry value that ends an announced stack without the BoS bit.
const labelEndZero = WithdrawLabelZero

// labelStack finds the end of the label stack at the start of body, the bits (NLRI length
// field) of one NLRI: label stack, then rdBits of route distinguisher (64 for VPN routes,
// 0 for labelled unicast), then a prefix of at most maxBits. It returns the stack's length
// in bytes and whether a quirk rule (see above) ended it, or n = -1 with the index of the
// entry that did not fit. A stack ended by its BoS bit is returned as is when nothing
// fits better: the caller reports what does not fit after it.
func labelStack(body []byte, bits, rdBits, maxBits int, withdraw, lenient bool) (n int, quirk bool, bad int) {
	fits := func(n int, checkRD bool) bool {
		rest := bits - 8*n
		if rest < rdBits || rest-rdBits > maxBits {
			return false
		}
		return !checkRD || rdBits == 0 || validRDType(body[n:])
	}
	strict := -1
	for i := 0; ; i++ {
		if bits-24*i < 24 || len(body) < 3*(i+1) {
			bad = i
			break
		}
		raw := uint32(body[3*i])<<16 | uint32(body[3*i+1])<<8 | uint32(body[3*i+2])
		if raw&1 == 1 || (withdraw && i == 0 && (raw == WithdrawLabel || raw == WithdrawLabelZero)) {
			strict = 3 * (i + 1)
			break
		}
		if !withdraw && raw == labelEndZero && fits(3*(i+1), true) {
			return 3 * (i + 1), true, 0
		}
	}
	if !lenient || rdBits == 0 || (strict > 0 && fits(strict, true)) {
		return strict, false, bad // the caller checks what follows a strict stack
	}
	for j := 3; j <= len(body) && 8*j <= bits; j += 3 {
		if fits(j, true) {
			return j, true, 0
		}
	}
	return strict, false, bad
}

// validRDType reports whether b starts with a route distinguisher type defined by RFC 4364
// (0, 1 or 2).
func validRDType(b []byte) bool {
	return len(b) >= 2 && b[0] == 0 && b[1] <= 2
}
