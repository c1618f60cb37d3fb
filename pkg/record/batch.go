package record

import (
	"sync"
	"sync/atomic"
)

// Meta describes one encoded record inside a Batch.
type Meta struct {
	Type Type
	// IPv4 is the record's address family, for split-af topics.
	IPv4 bool
	// Start and End delimit the record's JSON object in Batch.Buf; Buf[End] is the '\n'
	// that terminates the line.
	Start, End uint32
	// RouterHash and PeerHash (raw MD5) make the partition key: one peer's records stay in
	// order within one partition. PeerHash is zero for router-level records.
	RouterHash [16]byte
	PeerHash   [16]byte
	// Session identifies the router session the record comes from: unique within the
	// collector process and, being derived from the session's start time, across
	// restarts. Seq numbers the record within the session: its JSON "sequence" for parsed
	// records, the BMP message number for raw records. With RouterHash and Type they make
	// a stable per-record id (NATS JetStream's Nats-Msg-Id, for deduplication).
	Session uint64
	Seq     uint64
	// Typed metadata, so that no sink looks inside an encoding: the record's action
	// (ActNone for statistics and route_mirror), its address family for route records
	// (AFI/SAFI of the NLRI, End-of-RIB included; zero for router, peer, statistics and
	// route_mirror records) and its RIB view (route and peer records).
	Action Action
	SAFI   uint8
	AFI    uint16
	RIB    RIBView
}

// Batch is a run of consecutive encoded records of one router session, in stream order.
// Buf holds the records as JSON Lines (each object followed by '\n'), so a file or console
// sink writes Buf as is. A Batch is shared read-only by every sink it is published to and
// returns to its pool when the last one releases it.
type Batch struct {
	Buf  []byte
	Recs []Meta
	// Messages is the number of BMP messages whose records are in this batch.
	Messages int
	// Enc are the encodings Add produces (zero: EncJSON only). Set it on an empty batch.
	Enc Encodings

	vals []Value // EncTyped: vals[i] is record i's copy (nil for raw records)
	// EncProto: the records' messages, record i in pbuf[poff[i]:poff[i+1]].
	pbuf []byte
	poff []uint32
	cl   cloner
	refs atomic.Int32
}

var batchPool = sync.Pool{New: func() any { return &Batch{Buf: make([]byte, 0, 64<<10)} }}

// NewBatch returns an empty batch from the pool with one reference held by the caller.
func NewBatch() *Batch {
	b := batchPool.Get().(*Batch)
	b.Buf = b.Buf[:0]
	b.Recs = b.Recs[:0]
	b.Messages = 0
	b.Enc = 0
	b.pbuf = b.pbuf[:0]
	b.poff = append(b.poff[:0], 0)
	b.refs.Store(1)
	return b
}

// Retain adds n references (one per additional sink the batch is handed to).
func (b *Batch) Retain(n int) { b.refs.Add(int32(n)) }

// Release drops one reference; the last one returns the batch to the pool. A batch must
// not be touched after its Release.
func (b *Batch) Release() {
	switch n := b.refs.Add(-1); {
	case n == 0:
		if cap(b.Buf) > 4<<20 { // do not keep huge buffers alive
			b.Buf = make([]byte, 0, 64<<10)
		}
		if cap(b.pbuf) > 4<<20 {
			b.pbuf = nil
		}
		if len(b.vals) > 0 {
			clear(b.vals) // let the typed copies go
			b.vals = b.vals[:0]
		}
		b.cl = cloner{}
		batchPool.Put(b)
	case n < 0:
		panic("record: Batch released more times than retained")
	}
}

// Len is the number of records in the batch.
func (b *Batch) Len() int { return len(b.Recs) }

// Record returns the JSON of record i (without the trailing newline).
func (b *Batch) Record(i int) []byte {
	m := &b.Recs[i]
	return b.Buf[m.Start:m.End]
}

// Value returns the typed copy of record i: one of the pointer types Value lists, owned
// by the batch and shared by every sink it is published to (read it, never change it; it
// stays valid until the sink's Write returns, or as long as the sink keeps a reference to
// it, which does not hold the batch). It is nil for raw records and when the batch was
// built without EncTyped. The route records of one UPDATE share one *BaseAttrs.
func (b *Batch) Value(i int) Value {
	if i < len(b.vals) {
		return b.vals[i]
	}
	return nil
}

// Add encodes r into the batch in the encodings of b.Enc and records its metadata;
// meta.Action and meta.RIB are filled in from r.
func (b *Batch) Add(r Encoder, meta Meta) {
	if h, ok := r.(headed); ok {
		meta.Action = ParseAction(h.head().Action)
		if meta.Action == ActAdd && meta.Type == TypePeer {
			meta.Action = ActUp // goBMP's Peer Up action
		}
	}
	if f, ok := r.(ribbed); ok {
		meta.RIB = f.ribFlags().View()
	}
	enc := b.Enc
	if enc == 0 || enc&EncJSON != 0 {
		start := len(b.Buf)
		b.Buf = r.AppendJSON(b.Buf)
		meta.Start, meta.End = uint32(start), uint32(len(b.Buf))
		b.Buf = append(b.Buf, '\n')
	} else {
		meta.Start, meta.End = uint32(len(b.Buf)), uint32(len(b.Buf))
	}
	if enc&EncProto != 0 {
		if p, ok := r.(interface{ AppendProto([]byte) []byte }); ok {
			b.pbuf = p.AppendProto(b.pbuf)
		}
		b.addProto()
	}
	if enc&EncTyped != 0 {
		var v Value
		if rv, ok := r.(Value); ok {
			v = cloneValue(rv, &b.cl)
		}
		b.addValue(v)
	}
	b.Recs = append(b.Recs, meta)
}

// Proto returns the protobuf encoding of record i: its bmpstream.v1 message (for
// example bmpstream.v1.UnicastPrefix; ProtoMessageName names it), without a length
// prefix; for a raw record, the raw bytes. Nil when the batch was built without EncProto.
func (b *Batch) Proto(i int) []byte {
	if i+1 < len(b.poff) {
		return b.pbuf[b.poff[i]:b.poff[i+1]]
	}
	return nil
}

// addProto ends the protobuf encoding of the record about to be appended.
func (b *Batch) addProto() {
	for len(b.poff) <= len(b.Recs) { // records added before Enc had EncProto
		b.poff = append(b.poff, b.poff[len(b.poff)-1])
	}
	b.poff = append(b.poff, uint32(len(b.pbuf)))
}

// addValue sets the typed copy of the record about to be appended.
func (b *Batch) addValue(v Value) {
	for len(b.vals) < len(b.Recs) {
		b.vals = append(b.vals, nil)
	}
	b.vals = append(b.vals, v)
}

// AddRaw appends a binary record (for example a raw BMP message with its OpenBMP header,
// Type TypeRaw) produced by encode. JSON sinks skip such records.
func (b *Batch) AddRaw(encode func(dst []byte) []byte, meta Meta) {
	start := len(b.Buf)
	b.Buf = encode(b.Buf)
	meta.Start, meta.End = uint32(start), uint32(len(b.Buf))
	b.Buf = append(b.Buf, '\n')
	if b.Enc&EncProto != 0 {
		b.pbuf = append(b.pbuf, b.Buf[start:meta.End]...)
		b.addProto()
	}
	if b.Enc&EncTyped != 0 {
		b.addValue(nil)
	}
	b.Recs = append(b.Recs, meta)
}

// Size is the number of bytes of encoded records (JSON and protobuf).
func (b *Batch) Size() int { return len(b.Buf) + len(b.pbuf) }
