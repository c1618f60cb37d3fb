package record

import "net/netip"

// appendAddr appends a's text exactly as netip.Addr.AppendTo does (RFC 5952 for IPv6:
// lower-case hexadecimal without leading zeros, the leftmost longest run of two or more
// zero groups as "::"), with a faster path for plain IPv6 addresses, which every IPv6
// route record formats two or three times (prefix, route hash, next hop). IPv4,
// IPv4-mapped and zoned addresses take netip's own path.
func appendAddr(b []byte, a netip.Addr) []byte {
	if !a.Is6() || a.Is4In6() || a.Zone() != "" {
		return a.AppendTo(b)
	}
	x := a.As16()
	var g [8]uint16
	for i := range g {
		g[i] = uint16(x[2*i])<<8 | uint16(x[2*i+1])
	}
	// The leftmost longest run of at least two zero groups.
	zs, zl := 8, 1
	for i := 0; i < 8; {
		if g[i] != 0 {
			i++
			continue
		}
		j := i + 1
		for j < 8 && g[j] == 0 {
			j++
		}
		if j-i > zl {
			zs, zl = i, j-i
		}
		i = j
	}
	for i := 0; i < 8; i++ {
		if i == zs {
			b = append(b, ':', ':')
			i += zl - 1
			continue
		}
		if i > 0 && i != zs+zl {
			b = append(b, ':')
		}
		b = appendHex16(b, g[i])
	}
	return b
}

// appendHex16 appends v in lower-case hexadecimal without leading zeros.
func appendHex16(b []byte, v uint16) []byte {
	switch {
	case v >= 0x1000:
		return append(b, hexDigits[v>>12], hexDigits[v>>8&0xf], hexDigits[v>>4&0xf], hexDigits[v&0xf])
	case v >= 0x100:
		return append(b, hexDigits[v>>8], hexDigits[v>>4&0xf], hexDigits[v&0xf])
	case v >= 0x10:
		return append(b, hexDigits[v>>4], hexDigits[v&0xf])
	}
	return append(b, hexDigits[v])
}
