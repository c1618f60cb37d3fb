package rib

import (
	"encoding/json"
	"fmt"
	"sync/atomic"

	"github.com/bmpstream/bmpstream/pkg/record"
)

// Keeps reports whether the table keeps records of type t.
func Keeps(t record.Type) bool {
	switch t {
	case record.TypeRouter, record.TypePeer, record.TypeUnicastPrefix, record.TypeMulticastPrefix, record.TypeL3VPN, record.TypeEVPN:
		return true
	}
	return false
}

// DecodeJSON decodes one JSON record of type t (bmpstream's or goBMP's encoding) into
// the typed record Apply takes.
func DecodeJSON(t record.Type, b []byte) (record.Value, error) {
	var v record.Value
	switch t {
	case record.TypeRouter:
		v = new(record.Router)
	case record.TypePeer:
		v = new(record.Peer)
	case record.TypeUnicastPrefix:
		v = new(record.UnicastPrefix)
	case record.TypeMulticastPrefix:
		v = &record.UnicastPrefix{Kind: record.TypeMulticastPrefix}
	case record.TypeL3VPN:
		v = new(record.L3VPNPrefix)
	case record.TypeEVPN:
		v = new(record.EVPN)
	default:
		return nil, fmt.Errorf("rib: record type %s is not kept", t)
	}
	if err := json.Unmarshal(b, v); err != nil {
		return nil, fmt.Errorf("rib: %s record: %w", t, err)
	}
	if p, ok := v.(*record.Peer); ok && p.Action == record.ActionPeerUpGoBMP {
		p.Action = record.ActionUp // goBMP's peer "add"
	}
	return v, nil
}

// Sink feeds a Table from the record batches of the collector (a publisher.Sink).
type Sink struct {
	T *Table
	// DecodeErrors counts records that could not be decoded (each is also logged once).
	DecodeErrors atomic.Uint64
	Logf         func(format string, args ...any)
}

func (s *Sink) Name() string { return "rib" }

// Needs asks for typed records (Batch.Value): the table decodes no JSON.
func (s *Sink) Needs() record.Encodings { return record.EncTyped }

func (s *Sink) Write(b *record.Batch) error {
	for i := range b.Recs {
		t := b.Recs[i].Type
		if !Keeps(t) {
			continue
		}
		if v := b.Value(i); v != nil {
			s.T.Apply(v)
			continue
		}
		// a batch built without typed records (tests, older producers): decode its JSON
		v, err := DecodeJSON(t, b.Record(i))
		if err != nil {
			if s.DecodeErrors.Add(1) == 1 && s.Logf != nil {
				s.Logf("rib: %v", err)
			}
			continue
		}
		s.T.Apply(v)
	}
	return nil
}

func (s *Sink) Flush() error { return nil }
func (s *Sink) Close() error { return nil }
