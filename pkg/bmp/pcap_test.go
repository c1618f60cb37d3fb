package bmp

import (
	"encoding/binary"
	"fmt"
	"os"
)

// tcpPayload reassembles the payload of the TCP segments sent to dstPort in a classic
// pcap file (Ethernet or Linux cooked link types, IPv4/IPv6, optional VLAN tags), in
// capture order, one stream per source address/port. Retransmitted segments (sequence
// numbers already seen) are dropped. Good enough for the small test captures.
func tcpPayload(path string, dstPort uint16) (map[string][]byte, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	if len(data) < 24 {
		return nil, fmt.Errorf("%s: short pcap", path)
	}
	var bo binary.ByteOrder
	switch binary.LittleEndian.Uint32(data) {
	case 0xa1b2c3d4, 0xa1b23c4d:
		bo = binary.LittleEndian
	case 0xd4c3b2a1, 0x4d3cb2a1:
		bo = binary.BigEndian
	default:
		return nil, fmt.Errorf("%s: not a classic pcap", path)
	}
	link := bo.Uint32(data[20:])
	streams := map[string][]byte{}
	next := map[string]uint32{}
	for off := 24; off+16 <= len(data); {
		incl := int(bo.Uint32(data[off+8:]))
		start := off + 16
		if start+incl > len(data) {
			break
		}
		pkt := data[start : start+incl]
		off = start + incl
		var l3 []byte
		var etype uint16
		switch link {
		case 1: // Ethernet
			if len(pkt) < 14 {
				continue
			}
			etype, l3 = binary.BigEndian.Uint16(pkt[12:]), pkt[14:]
		case 113: // Linux cooked
			if len(pkt) < 16 {
				continue
			}
			etype, l3 = binary.BigEndian.Uint16(pkt[14:]), pkt[16:]
		default:
			return nil, fmt.Errorf("%s: link type %d", path, link)
		}
		for (etype == 0x8100 || etype == 0x88a8) && len(l3) >= 4 {
			etype, l3 = binary.BigEndian.Uint16(l3[2:]), l3[4:]
		}
		var src string
		var tcp []byte
		switch {
		case etype == 0x0800 && len(l3) >= 20 && l3[9] == 6:
			ihl := int(l3[0]&0x0f) * 4
			total := int(binary.BigEndian.Uint16(l3[2:]))
			if total > len(l3) || ihl > total {
				continue
			}
			src, tcp = fmt.Sprintf("%v", l3[12:16]), l3[ihl:total]
		case etype == 0x86dd && len(l3) >= 40 && l3[6] == 6:
			plen := int(binary.BigEndian.Uint16(l3[4:]))
			if 40+plen > len(l3) {
				continue
			}
			src, tcp = fmt.Sprintf("%v", l3[8:24]), l3[40:40+plen]
		default:
			continue
		}
		if len(tcp) < 20 || binary.BigEndian.Uint16(tcp[2:]) != dstPort {
			continue
		}
		key := fmt.Sprintf("%s:%d", src, binary.BigEndian.Uint16(tcp[0:]))
		seq := binary.BigEndian.Uint32(tcp[4:])
		payload := tcp[int(tcp[12]>>4)*4:]
		if len(payload) == 0 {
			continue
		}
		if exp, ok := next[key]; ok && int32(seq-exp) < 0 {
			continue // retransmission
		}
		streams[key] = append(streams[key], payload...)
		next[key] = seq + uint32(len(payload))
	}
	return streams, nil
}
