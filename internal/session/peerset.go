package session

import "github.com/bmpstream/bmpstream/pkg/bmp"

// PeerSet follows which peers of one BMP session are up, from the raw messages, with the
// session's notion of a peer (peer type, distinguisher and address; the flags, which vary
// between the views of one peer, are not part of it): a Peer Up makes its peer up (a
// repeated one changes nothing), a Peer Down makes it down (a repeated one, or one for a
// peer never seen up, changes nothing). The metrics' bmpstream_peers_up is its Len.
type PeerSet struct {
	up map[peerKey]struct{}
}

// Message updates the set with one complete BMP message and returns the change of Len
// (-1, 0 or 1).
func (ps *PeerSet) Message(msg []byte) int {
	const hdr = bmp.CommonHeaderLen
	if len(msg) < hdr+bmp.PeerHeaderLen {
		return 0
	}
	typ := msg[5]
	if typ != bmp.MsgPeerUp && typ != bmp.MsgPeerDown {
		return 0
	}
	var k peerKey
	k[0] = msg[hdr]
	copy(k[1:], msg[hdr+2:hdr+26])
	_, up := ps.up[k]
	switch {
	case typ == bmp.MsgPeerUp && !up:
		if ps.up == nil {
			ps.up = make(map[peerKey]struct{})
		}
		ps.up[k] = struct{}{}
		return 1
	case typ == bmp.MsgPeerDown && up:
		delete(ps.up, k)
		return -1
	}
	return 0
}

// Len returns the number of peers up.
func (ps *PeerSet) Len() int { return len(ps.up) }
