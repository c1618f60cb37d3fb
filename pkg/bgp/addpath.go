package bgp

// AddPathFamilies returns the families for which the NLRI sent by sender to receiver
// carry ADD-PATH path identifiers (RFC 7911 section 4): sender's mode for the family
// includes Send (2 or 3) and receiver's mode includes Receive (1 or 3). The result
// follows the order of sender's ADD-PATH capability, without duplicates, and is nil when
// there is none.
//
// For BMP: Adj-RIB-In (pre- and post-policy) carries what the peer sent, so use
// AddPathFamilies(receivedOpen, sentOpen); Adj-RIB-Out (RFC 8671) carries what the
// monitored router sends, so use AddPathFamilies(sentOpen, receivedOpen). Either OPEN
// may be nil (no ADD-PATH).
func AddPathFamilies(sender, receiver *Open) []Family {
	if sender == nil || receiver == nil {
		return nil
	}
	var out []Family
	for i, e := range sender.AddPath {
		if !firstAddPathEntry(sender.AddPath, i) {
			continue // the first entry for a family decides, as in AddPathMode
		}
		if canSend(e.Mode) && canReceive(receiver.AddPathMode(e.Family)) {
			out = append(out, e.Family)
		}
	}
	return out
}

func canSend(mode uint8) bool    { return mode == AddPathSend || mode == AddPathBoth }
func canReceive(mode uint8) bool { return mode == AddPathReceive || mode == AddPathBoth }

func firstAddPathEntry(es []AddPathFamily, i int) bool {
	for j := 0; j < i; j++ {
		if es[j].Family == es[i].Family {
			return false
		}
	}
	return true
}

// AS4Negotiated reports whether both OPENs carry the 4-octet AS capability (RFC 6793),
// i.e. whether AS_PATH and AGGREGATOR on the session use 4-octet AS numbers.
func AS4Negotiated(a, b *Open) bool {
	return a != nil && b != nil && a.HasAS4 && b.HasAS4
}
