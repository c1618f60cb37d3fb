package record

import (
	"crypto/md5"
	"encoding"
	"encoding/hex"
	"fmt"
	"hash"
	"net/netip"
	"strconv"
)

// MD5 is a 16-byte digest rendered as 32 lowercase hex characters.
type MD5 [16]byte

func (h MD5) IsZero() bool { return h == MD5{} }

func (h MD5) String() string { return hex.EncodeToString(h[:]) }

func (h MD5) AppendText(b []byte) ([]byte, error) { return hex.AppendEncode(b, h[:]), nil }

func (h MD5) MarshalText() ([]byte, error) { return h.AppendText(nil) }

func (h *MD5) UnmarshalText(b []byte) error {
	if len(b) == 0 { // an unset hash is rendered empty by some encoders
		*h = MD5{}
		return nil
	}
	if len(b) != 32 {
		return fmt.Errorf("record: md5 hash %q: want 32 hex characters", b)
	}
	_, err := hex.Decode(h[:], b)
	return err
}

// The hash recipes are goBMP's (see the README), so records join with goBMP's.

// RouterHash is MD5 of the router address as text.
func RouterHash(ip netip.Addr) MD5 {
	var buf [64]byte
	return md5.Sum(ip.AppendTo(buf[:0]))
}

// PeerHash is MD5(distinguisher ‖ 16-byte peer address ‖ peer AS as decimal text ‖ BGP ID),
// computed from the raw per-peer header fields.
func PeerHash(distinguisher [8]byte, address [16]byte, as uint32, bgpID [4]byte) MD5 {
	var buf [64]byte
	b := append(buf[:0], distinguisher[:]...)
	b = append(b, address[:]...)
	b = strconv.AppendUint(b, uint64(as), 10)
	b = append(b, bgpID[:]...)
	return md5.Sum(b)
}

// Parts hashes strings and numbers the goBMP way: each part followed by one 0x00 byte.
// Use it through its Str/Uint/Bool methods, then Sum.
type Parts struct {
	buf [256]byte
	b   []byte
}

func (p *Parts) Reset() *Parts { p.b = p.buf[:0]; return p }

func (p *Parts) Str(s string) *Parts { p.b = append(append(p.b, s...), 0); return p }

func (p *Parts) Bytes(s []byte) *Parts { p.b = append(append(p.b, s...), 0); return p }

func (p *Parts) Addr(a netip.Addr) *Parts {
	if a.IsValid() {
		p.b = appendAddr(p.b, a)
	}
	p.b = append(p.b, 0)
	return p
}

func (p *Parts) Hex(h MD5) *Parts { p.b = append(hex.AppendEncode(p.b, h[:]), 0); return p }

func (p *Parts) Uint(v uint64) *Parts { p.b = append(strconv.AppendUint(p.b, v, 10), 0); return p }

func (p *Parts) Bool(v bool) *Parts { p.b = append(strconv.AppendBool(p.b, v), 0); return p }

// Labels appends comma-joined decimal labels as one part.
func (p *Parts) Labels(ls []uint32) *Parts {
	for i, l := range ls {
		if i > 0 {
			p.b = append(p.b, ',')
		}
		p.b = strconv.AppendUint(p.b, uint64(l), 10)
	}
	p.b = append(p.b, 0)
	return p
}

func (p *Parts) Sum() MD5 { return md5.Sum(p.b) }

// PrefixedMD5 computes MD5 digests of inputs that share a constant beginning (goBMP's
// route hashes start with the record kind, the router hash and the peer hash: 74 bytes,
// more than one MD5 block). It keeps the MD5 state after the whole blocks of that
// beginning, so each digest compresses only the blocks that differ.
type PrefixedMD5 struct {
	h     hash.Hash
	base  []byte // the constant beginning
	state []byte // MD5 state after base's whole blocks
	tail  []byte // base's bytes after its whole blocks
	buf   []byte
	out   [md5.Size]byte
}

// SetBase sets the constant beginning; it is a no-op when it did not change.
func (p *PrefixedMD5) SetBase(base []byte) {
	if p.h != nil && string(p.base) == string(base) {
		return
	}
	if p.h == nil {
		p.h = md5.New()
	}
	p.base = append(p.base[:0], base...)
	n := len(base) / md5.BlockSize * md5.BlockSize
	p.h.Reset()
	p.h.Write(base[:n])
	p.state, _ = p.h.(encoding.BinaryAppender).AppendBinary(p.state[:0])
	p.tail = append(p.tail[:0], base[n:]...)
}

// Sum returns MD5(base ‖ rest).
func (p *PrefixedMD5) Sum(rest []byte) MD5 {
	if err := p.h.(encoding.BinaryUnmarshaler).UnmarshalBinary(p.state); err != nil {
		// Cannot happen (the state was produced by the same implementation): fall back.
		p.buf = append(append(p.buf[:0], p.base...), rest...)
		return md5.Sum(p.buf)
	}
	p.buf = append(append(p.buf[:0], p.tail...), rest...)
	p.h.Write(p.buf)
	p.h.Sum(p.out[:0])
	return MD5(p.out)
}

// Written returns the parts written so far (e.g. as a PrefixedMD5 base or rest).
func (p *Parts) Written() []byte { return p.b }

// FlowspecSpecHash is goBMP's FlowSpec key (spec_hash): MD5(AF byte ‖ component bytes) for
// SAFI 133 and MD5(RD text ‖ AF byte ‖ component bytes) for SAFI 134, the AF byte being 1
// for IPv4 and 2 for IPv6. rd is the RD's text ("65000:100"), empty for SAFI 133;
// components are the NLRI's component bytes.
func FlowspecSpecHash(rd []byte, ipv6 bool, components []byte) [16]byte {
	var buf [64]byte
	b := append(buf[:0], rd...)
	af := byte(1)
	if ipv6 {
		af = 2
	}
	b = append(b, af)
	b = append(b, components...)
	return md5.Sum(b)
}

// FlowspecWithdrawAllKey is goBMP's spec_hash of a withdraw-all (an MP_UNREACH_NLRI
// without NLRI): the text "withdraw-all:<peer address>:<peer distinguisher>", prefixed
// with "ipv6:" for an IPv6 family. It is a plain string, not a digest.
func FlowspecWithdrawAllKey(ipv6 bool, peer netip.Addr, peerRD string) string {
	b := make([]byte, 0, 64)
	if ipv6 {
		b = append(b, "ipv6:"...)
	}
	b = append(b, "withdraw-all:"...)
	if peer.IsValid() {
		b = peer.AppendTo(b)
	}
	b = append(b, ':')
	b = append(b, peerRD...)
	return string(b)
}
