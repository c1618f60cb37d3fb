package record

import (
	"encoding/hex"
	"net/netip"
	"strconv"
	"time"
	"unicode/utf8"
)

// The helpers below append JSON tokens to a byte slice without reflection. They are the
// only JSON writers on the hot path; every record's AppendJSON is built from them.

// obj is a small writer for one JSON object: it tracks whether a comma is needed.
type obj struct {
	b     []byte
	first bool
}

func openObj(dst []byte) obj { return obj{b: append(dst, '{'), first: true} }

func (o *obj) close() []byte { return append(o.b, '}') }

func (o *obj) key(k string) {
	if o.first {
		o.first = false
	} else {
		o.b = append(o.b, ',')
	}
	o.b = append(o.b, '"')
	o.b = append(o.b, k...)
	o.b = append(o.b, '"', ':')
}

func (o *obj) str(k, v string) {
	o.key(k)
	o.b = appendString(o.b, v)
}

// strNE writes a string field only when it is not empty.
func (o *obj) strNE(k, v string) {
	if v != "" {
		o.str(k, v)
	}
}

func (o *obj) boolean(k string, v bool) {
	o.key(k)
	o.b = strconv.AppendBool(o.b, v)
}

func (o *obj) u64(k string, v uint64) {
	o.key(k)
	o.b = strconv.AppendUint(o.b, v, 10)
}

func (o *obj) i64(k string, v int64) {
	o.key(k)
	o.b = strconv.AppendInt(o.b, v, 10)
}

func (o *obj) addr(k string, a netip.Addr) {
	o.key(k)
	o.b = append(o.b, '"')
	o.b = appendAddr(o.b, a)
	o.b = append(o.b, '"')
}

// addrOK writes an address field only when the address is valid.
func (o *obj) addrOK(k string, a netip.Addr) {
	if a.IsValid() {
		o.addr(k, a)
	}
}

func (o *obj) time(k string, t time.Time) {
	o.key(k)
	o.b = append(o.b, '"')
	o.b = t.UTC().AppendFormat(o.b, time.RFC3339Nano)
	o.b = append(o.b, '"')
}

func (o *obj) timeOK(k string, t time.Time) {
	if !t.IsZero() {
		o.time(k, t)
	}
}

func (o *obj) strs(k string, v []string) {
	o.key(k)
	o.b = append(o.b, '[')
	for i, s := range v {
		if i > 0 {
			o.b = append(o.b, ',')
		}
		o.b = appendString(o.b, s)
	}
	o.b = append(o.b, ']')
}

func (o *obj) strsNE(k string, v []string) {
	if len(v) > 0 {
		o.strs(k, v)
	}
}

func (o *obj) u32s(k string, v []uint32) {
	o.key(k)
	o.b = append(o.b, '[')
	for i, n := range v {
		if i > 0 {
			o.b = append(o.b, ',')
		}
		o.b = strconv.AppendUint(o.b, uint64(n), 10)
	}
	o.b = append(o.b, ']')
}

func (o *obj) hexBytes(k string, v []byte) {
	o.key(k)
	o.b = append(o.b, '"')
	o.b = hex.AppendEncode(o.b, v)
	o.b = append(o.b, '"')
}

// fields appends pre-encoded members (`"k":v,"k2":v2`, as produced by another obj without
// its braces) to the object.
func (o *obj) fields(b []byte) {
	if len(b) == 0 {
		return
	}
	if o.first {
		o.first = false
	} else {
		o.b = append(o.b, ',')
	}
	o.b = append(o.b, b...)
}

// members returns an obj that writes bare members (no braces) to dst, for fragments that
// are cached and spliced into records with fields.
func members(dst []byte) obj { return obj{b: dst, first: true} }

// raw appends pre-encoded JSON as the value of k.
func (o *obj) raw(k string, v []byte) {
	o.key(k)
	o.b = append(o.b, v...)
}

const hexDigits = "0123456789abcdef"

// appendString appends s as a JSON string, escaping what RFC 8259 requires and replacing
// invalid UTF-8 with U+FFFD (router-supplied strings are not trusted to be UTF-8).
func appendString(dst []byte, s string) []byte {
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' && c != 0x7f {
				i++
				continue
			}
			dst = append(dst, s[start:i]...)
			switch c {
			case '"':
				dst = append(dst, '\\', '"')
			case '\\':
				dst = append(dst, '\\', '\\')
			case '\n':
				dst = append(dst, '\\', 'n')
			case '\r':
				dst = append(dst, '\\', 'r')
			case '\t':
				dst = append(dst, '\\', 't')
			default:
				dst = append(dst, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			dst = append(dst, s[start:i]...)
			dst = append(dst, `\ufffd`...)
			i += size
			start = i
			continue
		}
		// U+2028 and U+2029 are valid JSON but break JavaScript consumers: escape them.
		if r == '\u2028' || r == '\u2029' {
			dst = append(dst, s[start:i]...)
			dst = append(dst, '\\', 'u', '2', '0', '2', hexDigits[r&0xf])
			i += size
			start = i
			continue
		}
		i += size
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}

func appendUint(dst []byte, v uint64) []byte { return strconv.AppendUint(dst, v, 10) }

// timeCache formats RFC 3339 UTC times with nanoseconds like time.RFC3339Nano, keeping
// the "2006-01-02T15:04:05" part of the last second it formatted: consecutive messages of
// a session mostly fall in the same second, and then only the fraction is written.
type timeCache struct {
	sec    int64
	ok     bool
	prefix [19]byte
}

func (c *timeCache) appendTime(dst []byte, t time.Time) []byte {
	t = t.UTC()
	if y := t.Year(); y < 0 || y > 9999 {
		return t.AppendFormat(dst, time.RFC3339Nano)
	}
	if sec := t.Unix(); !c.ok || sec != c.sec {
		t.AppendFormat(c.prefix[:0], "2006-01-02T15:04:05")
		c.sec, c.ok = sec, true
	}
	dst = append(dst, c.prefix[:]...)
	if ns := t.Nanosecond(); ns != 0 {
		var frac [10]byte
		frac[0] = '.'
		for i := 9; i >= 1; i-- {
			frac[i] = byte('0' + ns%10)
			ns /= 10
		}
		n := 10
		for frac[n-1] == '0' {
			n--
		}
		dst = append(dst, frac[:n]...)
	}
	return append(dst, 'Z')
}

func (o *obj) timeC(k string, t time.Time, c *timeCache) {
	o.key(k)
	o.b = append(o.b, '"')
	o.b = c.appendTime(o.b, t)
	o.b = append(o.b, '"')
}
