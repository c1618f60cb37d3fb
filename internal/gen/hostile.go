package gen

// FloodUpdate builds a BGP UPDATE of exactly size bytes (at most 65535: RFC 8654 extended
// message) carrying attrs and, for the rest, 1-byte NLRI (prefix length 0: 0.0.0.0/0
// repeated): the most records per byte an UPDATE can carry, the input shape that once
// made one message into a 57 MB batch.
func FloodUpdate(attrs []byte, size int) []byte {
	n := size - 19 - 4 - len(attrs)
	if n < 0 || size > 65535 {
		panic("gen: FloodUpdate size out of range")
	}
	return Update(nil, attrs, make([]byte, n))
}
