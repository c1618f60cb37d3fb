package bench

import (
	"encoding/binary"
	"fmt"

	"github.com/bmpstream/bmpstream/pkg/record"
)

// writeProto consumes a stream of length-delimited bmpstream.v1.Record messages (the
// collector's --dump-format=proto output); messages may be split across calls. Without
// Verify it only counts them (Lines: messages, Bytes: their bytes with the length
// prefixes). With Verify it decodes each one (envelope and record, as "bmpstream decode"
// does), renders its JSON line and checks that line as Line does: the session, sequence,
// order and type checks then apply to what the protobuf output carried.
func (t *Tally) writeProto(p []byte) {
	if len(t.partial) > 0 {
		t.partial = append(t.partial, p...)
		p = t.partial
	}
	for {
		size, k := binary.Uvarint(p)
		if k == 0 || (k > 0 && uint64(len(p)-k) < size) {
			break // incomplete length or message: wait for more bytes
		}
		if k < 0 || size > 1<<28 {
			t.badLine(p[:min(len(p), 16)], "bad length prefix")
			p = nil // the stream cannot be resynchronised
			break
		}
		msg := p[k : k+int(size)]
		if t.Verify {
			t.protoRecord(msg)
		}
		t.Lines++
		t.Bytes += int64(k) + int64(size)
		p = p[k+int(size):]
	}
	// Keep the incomplete tail (copying it: p may alias t.partial).
	t.partial = append(t.partial[:0], p...)
}

// protoRecord decodes one record and checks its JSON rendering.
func (t *Tally) protoRecord(msg []byte) {
	typ, body, _, err := record.ParseProtoRecord(msg)
	if err != nil {
		t.badLine(msg, fmt.Sprintf("envelope: %v", err))
		return
	}
	v := record.NewValue(typ)
	if v == nil {
		t.badLine(msg, "no record in the envelope")
		return
	}
	if err := v.UnmarshalProto(body); err != nil {
		t.badLine(msg, fmt.Sprintf("%s record: %v", typ, err))
		return
	}
	t.jsonBuf = v.AppendJSON(t.jsonBuf[:0])
	t.line(t.jsonBuf)
}
