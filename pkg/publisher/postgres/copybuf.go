package postgres

import (
	"encoding/binary"
	"net/netip"
	"time"
)

// copyBuf builds the body of a binary COPY (PostgreSQL's "PGCOPY" format) in memory, so
// that rows are encoded without boxing every value in an interface: one append per field.
// The caller writes a row with row(n) followed by exactly n field appends.
type copyBuf struct {
	b    []byte
	rows int
}

var copyHeader = []byte("PGCOPY\n\xff\r\n\x00\x00\x00\x00\x00\x00\x00\x00\x00")

// pgEpoch is 2000-01-01 UTC, the zero of PostgreSQL's binary timestamps.
var pgEpoch = time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)

func (c *copyBuf) reset() {
	c.b = append(c.b[:0], copyHeader...)
	c.rows = 0
}

// bytes returns the complete COPY body (header, rows, trailer). Appending after bytes is
// not allowed until reset.
func (c *copyBuf) bytes() []byte {
	return binary.BigEndian.AppendUint16(c.b, 0xffff)
}

func (c *copyBuf) row(fields int) {
	c.b = binary.BigEndian.AppendUint16(c.b, uint16(fields))
	c.rows++
}

func (c *copyBuf) null() { c.b = binary.BigEndian.AppendUint32(c.b, 0xffffffff) }

func (c *copyBuf) int8(v int64) {
	c.b = binary.BigEndian.AppendUint32(c.b, 8)
	c.b = binary.BigEndian.AppendUint64(c.b, uint64(v))
}

func (c *copyBuf) int4(v int32) {
	c.b = binary.BigEndian.AppendUint32(c.b, 4)
	c.b = binary.BigEndian.AppendUint32(c.b, uint32(v))
}

func (c *copyBuf) int2(v int16) {
	c.b = binary.BigEndian.AppendUint32(c.b, 2)
	c.b = binary.BigEndian.AppendUint16(c.b, uint16(v))
}

// optInt8 writes v, or NULL when ok is false.
func (c *copyBuf) optInt8(v int64, ok bool) {
	if !ok {
		c.null()
		return
	}
	c.int8(v)
}

func (c *copyBuf) boolean(v bool) {
	c.b = binary.BigEndian.AppendUint32(c.b, 1)
	if v {
		c.b = append(c.b, 1)
	} else {
		c.b = append(c.b, 0)
	}
}

// text writes s as text (NULL when s is empty and nullEmpty is set).
func (c *copyBuf) text(s string, nullEmpty bool) {
	if s == "" && nullEmpty {
		c.null()
		return
	}
	c.b = binary.BigEndian.AppendUint32(c.b, uint32(len(s)))
	c.b = append(c.b, s...)
}

// jsonb writes raw JSON as jsonb (binary jsonb is a version byte then the text).
func (c *copyBuf) jsonb(js []byte) {
	c.b = binary.BigEndian.AppendUint32(c.b, uint32(len(js)+1))
	c.b = append(c.b, 1)
	c.b = append(c.b, js...)
}

// uuid writes a 16-byte hash as uuid; the zero hash is NULL.
func (c *copyBuf) uuid(h [16]byte) {
	if h == ([16]byte{}) {
		c.null()
		return
	}
	c.b = binary.BigEndian.AppendUint32(c.b, 16)
	c.b = append(c.b, h[:]...)
}

// timestamptz writes t; the zero time is NULL.
func (c *copyBuf) timestamptz(t time.Time) {
	if t.IsZero() {
		c.null()
		return
	}
	us := t.Sub(pgEpoch).Microseconds()
	if t.Before(pgEpoch.AddDate(-200, 0, 0)) || t.After(pgEpoch.AddDate(200, 0, 0)) {
		// Outside what time.Duration holds: compute from Unix time instead.
		us = (t.Unix()-pgEpoch.Unix())*1e6 + int64(t.Nanosecond()/1e3)
	}
	c.int8(us)
}

// inet writes an address with a prefix length as inet; an invalid prefix is NULL.
func (c *copyBuf) inet(p netip.Prefix) {
	if !p.IsValid() {
		c.null()
		return
	}
	a := p.Addr()
	if a.Is4() {
		c.b = binary.BigEndian.AppendUint32(c.b, 8)
		c.b = append(c.b, 2, byte(p.Bits()), 0, 4)
		v4 := a.As4()
		c.b = append(c.b, v4[:]...)
		return
	}
	c.b = binary.BigEndian.AppendUint32(c.b, 20)
	c.b = append(c.b, 3, byte(p.Bits()), 0, 16)
	v6 := a.As16()
	c.b = append(c.b, v6[:]...)
}

// addr writes a host address as inet; the zero address is NULL.
func (c *copyBuf) addr(a netip.Addr) {
	if !a.IsValid() {
		c.null()
		return
	}
	a = a.Unmap()
	c.inet(netip.PrefixFrom(a, a.BitLen()))
}

// Array element type OIDs.
const (
	oidInt8 = 20
	oidText = 25
)

// int8Array writes vs as bigint[] (NULL when nullEmpty and vs is empty).
func (c *copyBuf) int8Array(vs []uint32, nullEmpty bool) {
	if len(vs) == 0 && nullEmpty {
		c.null()
		return
	}
	c.arrayHeader(len(vs), 12*len(vs), oidInt8)
	for _, v := range vs {
		c.int8(int64(v))
	}
}

// textArray writes n elements produced by elem (each appends its text to dst) as text[];
// NULL when n is 0.
func (c *copyBuf) textArray(n int, elem func(dst []byte, i int) []byte) {
	if n == 0 {
		c.null()
		return
	}
	start := len(c.b)
	c.arrayHeader(n, 0, oidText)
	for i := range n {
		at := len(c.b)
		c.b = append(c.b, 0, 0, 0, 0)
		c.b = elem(c.b, i)
		binary.BigEndian.PutUint32(c.b[at:], uint32(len(c.b)-at-4))
	}
	binary.BigEndian.PutUint32(c.b[start:], uint32(len(c.b)-start-4))
}

// arrayHeader writes the field length placeholder (fixed when size>0) and the one-
// dimensional array header.
func (c *copyBuf) arrayHeader(n, size int, oid uint32) {
	c.b = binary.BigEndian.AppendUint32(c.b, uint32(20+size))
	c.b = binary.BigEndian.AppendUint32(c.b, 1) // ndim
	c.b = binary.BigEndian.AppendUint32(c.b, 0) // no NULLs
	c.b = binary.BigEndian.AppendUint32(c.b, oid)
	c.b = binary.BigEndian.AppendUint32(c.b, uint32(n))
	c.b = binary.BigEndian.AppendUint32(c.b, 1) // lower bound
}
