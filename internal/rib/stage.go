package rib

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"sync"
	"sync/atomic"
	"time"

	"github.com/bmpstream/bmpstream/pkg/publisher"
	"github.com/bmpstream/bmpstream/pkg/record"
)

// Stage applies every batch to the table in the session's goroutine, before the batch
// goes on to the sinks (Next), so that what the table decides can change what the sinks
// get, in the session's order:
//   - with Synthesize, each path a Peer Down or Termination removed is published as a
//     synthesized "del" record right after the record that removed it;
//   - with the table's SuppressDuplicates, an announcement identical to the stored path
//     is not published (counted in Suppressed), and the stale paths an End-of-RIB sweeps
//     are published as synthesized "del" records after it.
//
// A batch that needs no change is passed on as it is; one that does is rebuilt in the
// same encodings.
type Stage struct {
	T          *Table
	Next       publisher.Publisher
	Synthesize bool

	Suppressed  atomic.Uint64 // announcements not published
	Synthesized atomic.Uint64 // synthesized withdrawals published

	results sync.Pool
	stop    chan struct{}
	done    chan struct{}
}

// Needs is what the sinks need plus the typed records the table reads.
func (s *Stage) Needs() record.Encodings { return publisher.Needs(s.Next) | record.EncTyped }

// collect reports whether Apply must list removed paths.
func (s *Stage) collect() bool { return s.Synthesize || s.T.cfg.SuppressDuplicates }

func (s *Stage) Publish(ctx context.Context, b *record.Batch) error {
	res, _ := s.results.Get().(*Result)
	if res == nil {
		res = &Result{}
	}
	defer s.results.Put(res)
	res.Collect = s.collect()
	var nb *record.Batch
	for i := range b.Recs {
		t := b.Recs[i].Type
		if !Keeps(t) {
			if nb != nil {
				copyRecord(nb, b, i)
			}
			continue
		}
		v := b.Value(i)
		if v == nil {
			if nb != nil {
				copyRecord(nb, b, i)
			}
			continue
		}
		s.T.ApplyResult(v, res)
		drop := res.Duplicate && s.T.cfg.SuppressDuplicates
		if !drop && len(res.Removed) == 0 {
			if nb != nil {
				copyRecord(nb, b, i)
			}
			continue
		}
		if nb == nil {
			nb = record.NewBatch()
			nb.Enc = b.Enc
			nb.Messages = b.Messages
			for j := 0; j < i; j++ {
				copyRecord(nb, b, j)
			}
		}
		if drop {
			s.Suppressed.Add(1)
			continue
		}
		copyRecord(nb, b, i)
		meta := b.Recs[i]
		for j := range res.Removed {
			addSynthesized(nb, &res.Removed[j], meta)
			s.Synthesized.Add(1)
		}
	}
	if nb == nil {
		return s.Next.Publish(ctx, b)
	}
	b.Release()
	if nb.Len() == 0 {
		nb.Release()
		return nil
	}
	return s.Next.Publish(ctx, nb)
}

func copyRecord(nb, b *record.Batch, i int) {
	meta := b.Recs[i]
	if v := b.Value(i); v != nil {
		nb.Add(v, meta)
		return
	}
	raw := b.Record(i)
	nb.AddRaw(func(dst []byte) []byte { return append(dst, raw...) }, meta)
}

// addSynthesized adds the "del" record of a removed path; meta is the metadata of the
// record that removed it (same session and sequence number).
func addSynthesized(nb *record.Batch, c *Change, meta record.Meta) {
	rf := record.RouterFields{RouterHash: c.RouterHash, RouterIP: c.RouterIP}
	p := c.Peer
	pf := record.PeerFields{PeerHash: p.Hash, PeerIP: p.IP, PeerType: p.Type, PeerASN: p.ASN, PeerBGPID: p.BGPID, CollectorTimestamp: c.Time}
	if p.RD != "0:0" {
		pf.PeerRD = p.RD
	}
	ph, _ := hex.DecodeString(p.Hash)
	copy(meta.PeerHash[:], ph)
	rh, _ := hex.DecodeString(c.RouterHash)
	copy(meta.RouterHash[:], rh)
	flags := ribFlags(c.View, c.Table)
	// The JSON sequence is the causing record's (consumers' gap detection sees no new
	// numbers); the metadata's Session (high bit set) and Seq (a process-wide counter)
	// make the record's own id (NATS Nats-Msg-Id) unique.
	head := record.Head{Action: record.ActionDel, Sequence: meta.Seq}
	meta.Session |= 1 << 63
	meta.Seq = synthSeq.Add(1)
	meta.IPv4 = c.Family.AFI == 1
	meta.AFI, meta.SAFI = c.Family.AFI, c.Family.SAFI
	switch {
	case c.Family == EVPNFamily:
		e := &record.EVPN{Head: head, RouterFields: rf, PeerFields: pf, RIBFlags: flags, Synthesized: true}
		_ = json.Unmarshal([]byte(c.EVPN), e)
		e.IsIPv4 = !c.Prefix.IsValid() || c.Prefix.Addr().Is4()
		if c.PathID != 0 {
			e.SetPathID(c.PathID)
		}
		meta.Type = record.TypeEVPN
		nb.Add(e, meta)
	case c.Family.SAFI == 128:
		v := &record.L3VPNPrefix{Head: head, RouterFields: rf, PeerFields: pf, RIBFlags: flags, Synthesized: true, IsIPv4: meta.IPv4, VPNRD: c.RD}
		v.SetPrefix(c.Prefix)
		if c.PathID != 0 {
			v.SetPathID(c.PathID)
		}
		meta.Type = record.TypeL3VPN
		nb.Add(v, meta)
	default:
		u := &record.UnicastPrefix{Head: head, RouterFields: rf, PeerFields: pf, RIBFlags: flags, Synthesized: true, IsIPv4: meta.IPv4}
		u.SetPrefix(c.Prefix)
		if c.PathID != 0 {
			u.SetPathID(c.PathID)
		}
		meta.Type = record.TypeUnicastPrefix
		if c.Family.SAFI == 2 {
			u.Kind = record.TypeMulticastPrefix
			meta.Type = record.TypeMulticastPrefix
		}
		nb.Add(u, meta)
	}
}

var synthSeq atomic.Uint64

func ribFlags(v View, table string) record.RIBFlags {
	f := record.RIBFlags{TableName: table}
	switch v {
	case AdjInPost:
		f.IsAdjRIBInPostPolicy = true
	case AdjOutPre:
		f.IsAdjRIBOut = true
	case AdjOutPost:
		f.IsAdjRIBOut, f.IsAdjRIBOutPostPolicy = true, true
	case LocRIB:
		f.IsLocRIB = true
	}
	return f
}

// StartSweeper sweeps expired stale paths every interval (the End-of-RIB timer fallback)
// and publishes their synthesized withdrawals, one batch per sweep.
func (s *Stage) StartSweeper(interval time.Duration) {
	s.stop, s.done = make(chan struct{}), make(chan struct{})
	go func() {
		defer close(s.done)
		tk := time.NewTicker(interval)
		defer tk.Stop()
		res := &Result{Collect: true}
		for {
			select {
			case <-s.stop:
				return
			case now := <-tk.C:
				res.Removed = res.Removed[:0]
				s.T.SweepExpired(now, res)
				if len(res.Removed) == 0 {
					continue
				}
				nb := record.NewBatch()
				nb.Enc = s.Needs()
				for i := range res.Removed {
					addSynthesized(nb, &res.Removed[i], record.Meta{})
					s.Synthesized.Add(1)
				}
				if err := s.Next.Publish(context.Background(), nb); err != nil {
					return
				}
			}
		}
	}()
}

// StopSweeper stops the sweeper (if started); idempotent.
func (s *Stage) StopSweeper() {
	if s.stop != nil {
		close(s.stop)
		<-s.done
		s.stop = nil
	}
}

// Close stops the sweeper and closes Next.
func (s *Stage) Close() error {
	s.StopSweeper()
	return s.Next.Close()
}
