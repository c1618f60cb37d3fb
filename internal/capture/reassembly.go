package capture

import (
	"sort"
)

// segment is one TCP payload, positioned by its sequence number relative to the first
// sequence number seen in its direction (unwrapped to 64 bits).
type segment struct {
	rel  int64
	data []byte
	syn  bool // carried by a SYN: see halfStream.assemble
}

// halfStream collects the payload of one direction of a TCP connection. Segments are kept
// as captured and ordered only when the connection is complete (the capture is finite),
// so arbitrary reordering is handled and the first sequence number seen need not be the
// lowest.
type halfStream struct {
	seen    bool   // any packet seen in this direction
	lastSeq uint32 // raw sequence number of the last packet seen
	lastRel int64  // lastSeq unwrapped, relative to the first packet's sequence number
	syn     bool   // a SYN was seen; synRel is its unwrapped sequence number
	synSeq  uint32
	synRel  int64
	segs    []segment
	bytes   int  // sum of len(segs[i].data)
	data    bool // a segment without SYN carried payload: the connection is under way
}

// rel unwraps seq relative to the previous packet of the direction. TCP sequence numbers
// wrap at 2^32; consecutive packets are never 2^31 apart, so the signed 32-bit difference
// to the previous packet is the true distance.
func (h *halfStream) rel(seq uint32) int64 {
	if !h.seen {
		h.seen = true
		h.lastSeq = seq
		h.lastRel = 0
		return 0
	}
	r := h.lastRel + int64(int32(seq-h.lastSeq))
	h.lastSeq, h.lastRel = seq, r
	return r
}

// add records one TCP packet of this direction. payload is copied.
func (h *halfStream) add(seq uint32, syn bool, payload []byte) {
	r := h.rel(seq)
	if syn {
		if !h.syn {
			h.syn, h.synSeq, h.synRel = true, seq, r
		}
		r++ // SYN occupies one sequence number; data (TCP Fast Open) follows it
	}
	if len(payload) == 0 {
		return
	}
	h.data = h.data || !syn
	h.segs = append(h.segs, segment{rel: r, data: append([]byte(nil), payload...), syn: syn})
	h.bytes += len(payload)
}

// assemble returns the payload in sequence order, dropping retransmitted and overlapping
// bytes (the first copy captured wins) and counting each hole as one gap. The stream
// starts at the byte after the SYN when a SYN was seen, else at the lowest sequence number
// captured (pre-processed captures have no handshake).
//
// Data on a SYN belongs after the SYN's own sequence number (RFC 9293, TCP Fast Open).
// Captures rewritten by traffic-reproducer instead set SYN on the first data segment
// without counting it, so the next segment follows the SYN's data directly at the SYN's
// sequence number; when the captured segments say so, that placement is used.
func (h *halfStream) assemble() (data []byte, gaps int) {
	if len(h.segs) == 0 {
		return nil, 0
	}
	segs := h.segs
	start := h.synRel + 1
	for i := range segs {
		if !segs[i].syn {
			continue
		}
		s := &segs[i]
		rfcNext, rewrittenNext := s.rel+int64(len(s.data)), s.rel-1+int64(len(s.data))
		var rfc, rewritten bool
		for _, o := range segs {
			rfc = rfc || o.rel == rfcNext
			rewritten = rewritten || o.rel == rewrittenNext
		}
		if rewritten && !rfc {
			s.rel--
			start = h.synRel
		}
		break
	}
	if !sort.SliceIsSorted(segs, func(i, j int) bool { return segs[i].rel < segs[j].rel }) {
		sort.SliceStable(segs, func(i, j int) bool { return segs[i].rel < segs[j].rel })
	}
	var cursor int64
	if h.syn {
		cursor = start
	} else {
		cursor = segs[0].rel
	}
	data = make([]byte, 0, h.bytes)
	for _, s := range segs {
		end := s.rel + int64(len(s.data))
		if end <= cursor {
			continue // retransmission or keep-alive probe: already have these bytes
		}
		if s.rel > cursor {
			gaps++
			cursor = s.rel
		}
		data = append(data, s.data[cursor-s.rel:]...)
		cursor = end
	}
	h.segs = nil // the copies are no longer needed
	return data, gaps
}
