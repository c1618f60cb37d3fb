//go:build !schemagen

package record

// appendProtoCached appends b's message fields, from a cache kept as long as the JSON
// cache (Encode): the prefixes of one UPDATE share one BaseAttrs, encoded once.
func (b *BaseAttrs) appendProtoCached(dst []byte) []byte {
	if !b.encodedValid {
		return b.appendProto(dst)
	}
	if !b.protoValid {
		b.protoEnc = b.appendProto(b.protoEnc[:0])
		b.protoValid = true
	}
	return append(dst, b.protoEnc...)
}
