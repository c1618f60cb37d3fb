package postgres

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/netip"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/bmpstream/bmpstream/pkg/record"
)

// applier writes items to the database, one transaction per call. It belongs to the
// sink's writer goroutine.
type applier struct {
	conn *pgx.Conn

	// knownAttrs are base_attrs hashes known to be stored (committed), so that an
	// attribute set is sent once.
	knownAttrs map[[16]byte]struct{}

	log, rib, attrs, peers, stats, other copyBuf
	ribIdx                               map[ribKey]int
	ribRows                              []*item
	newAttrs                             map[[16]byte]*attrsRow
	js                                   []byte
}

// applyResult says what one transaction did.
type applyResult struct {
	applied, skipped int
	attrs            [][16]byte  // base_attrs rows inserted (to remember once committed)
	hours            []time.Time // hours (UTC) of applied route and peer rows
}

type ribKey struct {
	router, peer [16]byte
	rib          uint8
	prefix       netip.Prefix
	pathID       int64
}

const maxKnownAttrs = 1 << 20

func newApplier() *applier {
	return &applier{knownAttrs: map[[16]byte]struct{}{}, ribIdx: map[ribKey]int{}, newAttrs: map[[16]byte]*attrsRow{}}
}

// stageSQL creates the per-connection staging table of the ip_rib upsert.
const stageSQL = `CREATE TEMP TABLE IF NOT EXISTS ip_rib_stage (LIKE ip_rib INCLUDING DEFAULTS) ON COMMIT DELETE ROWS`

// attrsStageSQL creates the per-connection staging table of the base_attrs insert.
const attrsStageSQL = `CREATE TEMP TABLE IF NOT EXISTS base_attrs_stage (LIKE base_attrs) ON COMMIT DELETE ROWS`

const ribCols = `hash_id, base_attr_hash_id, router_hash_id, peer_hash_id, rib, isipv4, origin_as, prefix,
	prefix_len, timestamp, first_added_timestamp, iswithdrawn, path_id, labels, isprepolicy, isadjribin,
	islocrib, nexthop, session_id, seq`

const ribUpsert = `INSERT INTO ip_rib AS r (` + ribCols + `) SELECT ` + ribCols + ` FROM ip_rib_stage
	ON CONFLICT (router_hash_id, peer_hash_id, rib, prefix, path_id) DO UPDATE SET
	hash_id = EXCLUDED.hash_id,
	base_attr_hash_id = coalesce(EXCLUDED.base_attr_hash_id, r.base_attr_hash_id),
	origin_as = coalesce(EXCLUDED.origin_as, r.origin_as),
	timestamp = EXCLUDED.timestamp,
	iswithdrawn = EXCLUDED.iswithdrawn,
	labels = coalesce(EXCLUDED.labels, r.labels),
	nexthop = coalesce(EXCLUDED.nexthop, r.nexthop),
	session_id = EXCLUDED.session_id, seq = EXCLUDED.seq`

const logCols = `base_attr_hash_id, timestamp, router_timestamp, router_hash_id, peer_hash_id, rib, prefix,
	prefix_len, origin_as, iswithdrawn, path_id, labels, nexthop, session_id, seq, synthesized`

const attrsCols = `hash_id, peer_hash_id, origin, as_path, as_path_count, origin_as, next_hop, med, local_pref,
	aggregator, community_list, ext_community_list, large_community_list, cluster_list, isatomicagg,
	nexthop_isipv4, timestamp, originator_id, otc`

const peerCols = `state, peer_hash_id, router_hash_id, peer_addr, peer_as, peer_bgp_id, peer_rd, local_ip,
	local_bgp_id, local_port, local_hold_time, local_asn, remote_port, remote_hold_time, sent_capabilities,
	recv_capabilities, bmp_reason, bmp_reason_text, bgp_err_code, bgp_err_subcode, error_text, synthesized,
	timestamp, router_timestamp, session_id, seq`

const statsCols = `peer_hash_id, router_hash_id, prefixes_rejected, known_dup_prefixes, known_dup_withdraws,
	updates_invalid_by_cluster_list, updates_invalid_by_as_path_loop, updates_invalid_by_originagtor_id,
	updates_invalid_by_as_confed_loop, num_routes_adj_rib_in, num_routes_local_rib, updates_as_withdraw,
	prefixes_as_withdraw, duplicate_updates, pre_policy_adj_rib_out, post_policy_adj_rib_out, per_afi,
	timestamp, router_timestamp, session_id, seq`

const otherCols = `type, action, timestamp, router_timestamp, router_hash_id, peer_hash_id, rib, prefix, rd,
	labels, hash_id, base_attr_hash_id, data, session_id, seq`

// apply writes items in one transaction: records already stored (per session, sequence
// numbers up to bmpstream_progress.seq) are skipped, so applying a batch again after a
// reconnect neither loses nor duplicates rows.
func (a *applier) apply(ctx context.Context, items []item) (applyResult, error) {
	var res applyResult
	tx, err := a.conn.Begin(ctx)
	if err != nil {
		return res, err
	}
	defer tx.Rollback(ctx) //nolint:errcheck // no-op after Commit

	// Progress of the sessions in items.
	hwm := map[uint64]uint64{}
	var sids []int64
	for i := range items {
		if _, ok := hwm[items[i].session]; !ok {
			hwm[items[i].session] = 0
			sids = append(sids, int64(items[i].session))
		}
	}
	rows, err := tx.Query(ctx, `SELECT session_id, seq FROM bmpstream_progress WHERE session_id = ANY($1)`, sids)
	if err != nil {
		return res, err
	}
	for rows.Next() {
		var sid, seq int64
		if err := rows.Scan(&sid, &seq); err != nil {
			rows.Close()
			return res, err
		}
		hwm[uint64(sid)] = uint64(seq)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return res, err
	}

	a.log.reset()
	a.peers.reset()
	a.stats.reset()
	a.other.reset()
	a.attrs.reset()
	clear(a.newAttrs)
	a.resetRIB()
	last := map[uint64]uint64{}
	hours := map[int64]struct{}{}
	for i := range items {
		it := &items[i]
		if it.seq <= hwm[it.session] {
			res.skipped++
			continue
		}
		res.applied++
		last[it.session] = max(last[it.session], it.seq)
		switch it.kind {
		case kindRoute:
			a.addRoute(it)
			hours[it.ts.Unix()/3600] = struct{}{}
		case kindPeer:
			if err := a.peerEvent(ctx, tx, it); err != nil {
				return res, err
			}
			hours[it.ts.Unix()/3600] = struct{}{}
		case kindRouter:
			if err := a.routerEvent(ctx, tx, it); err != nil {
				return res, err
			}
			a.addOther(it)
		case kindStats:
			a.addStats(it)
		case kindOther:
			a.addOther(it)
		}
	}
	if err := a.flushRIB(ctx, tx); err != nil {
		return res, err
	}
	for _, r := range a.newAttrs {
		a.addAttrs(r)
		res.attrs = append(res.attrs, r.hash)
	}
	if a.attrs.rows > 0 {
		// Another collector (or an earlier run) may have stored the set already.
		if err := copyIn(ctx, tx, &a.attrs, `base_attrs_stage (`+attrsCols+`)`); err != nil {
			return res, err
		}
		if _, err := tx.Exec(ctx, `INSERT INTO base_attrs (`+attrsCols+`) SELECT `+attrsCols+
			` FROM base_attrs_stage ON CONFLICT (hash_id) DO NOTHING`); err != nil {
			return res, err
		}
	}
	for _, c := range []struct {
		buf   *copyBuf
		table string
	}{{&a.log, `ip_rib_log (` + logCols + `)`}, {&a.peers, `peer_event_log (` + peerCols + `)`},
		{&a.stats, `stat_reports (` + statsCols + `)`}, {&a.other, `record_log (` + otherCols + `)`}} {
		if err := copyIn(ctx, tx, c.buf, c.table); err != nil {
			return res, err
		}
	}
	if len(last) > 0 {
		ids := make([]int64, 0, len(last))
		seqs := make([]int64, 0, len(last))
		for sid, seq := range last {
			ids = append(ids, int64(sid))
			seqs = append(seqs, int64(seq))
		}
		if _, err := tx.Exec(ctx, `INSERT INTO bmpstream_progress (session_id, seq)
			SELECT * FROM unnest($1::bigint[], $2::bigint[])
			ON CONFLICT (session_id) DO UPDATE SET seq = greatest(bmpstream_progress.seq, EXCLUDED.seq), updated_at = now()`,
			ids, seqs); err != nil {
			return res, err
		}
	}
	if err := tx.Commit(ctx); err != nil {
		return res, err
	}
	for h := range hours {
		res.hours = append(res.hours, time.Unix(h*3600, 0).UTC())
	}
	return res, nil
}

// remember records committed attribute sets.
func (a *applier) remember(hashes [][16]byte) {
	if len(a.knownAttrs)+len(hashes) > maxKnownAttrs {
		clear(a.knownAttrs)
	}
	for _, h := range hashes {
		a.knownAttrs[h] = struct{}{}
	}
}

func copyIn(ctx context.Context, tx pgx.Tx, buf *copyBuf, target string) error {
	if buf.rows == 0 {
		return nil
	}
	_, err := tx.Conn().PgConn().CopyFrom(ctx, bytes.NewReader(buf.bytes()), `COPY `+target+` FROM STDIN (FORMAT binary)`)
	if err != nil {
		return fmt.Errorf("copy %s: %w", target, err)
	}
	return nil
}

func (a *applier) resetRIB() {
	clear(a.ribIdx)
	a.ribRows = a.ribRows[:0]
}

// addRoute queues the ip_rib_log row and the ip_rib upsert (the last state of a key
// within one segment wins).
func (a *applier) addRoute(it *item) {
	r := &it.route
	c := &a.log
	c.row(16)
	c.uuid(r.attrHash)
	c.timestamptz(it.ts)
	c.timestamptz(it.rts)
	c.uuid(it.routerHash)
	c.uuid(it.peerHash)
	c.int2(int16(r.rib))
	c.inet(r.prefix)
	c.int2(int16(r.prefix.Bits()))
	c.optInt8(r.originAS, r.hasOrigin)
	c.boolean(r.withdrawn)
	c.int8(r.pathID)
	c.text(r.labels, true)
	c.addr(r.nexthop)
	c.int8(int64(it.session))
	c.int8(int64(it.seq))
	c.boolean(r.synth)
	if r.attrs != nil {
		if _, ok := a.knownAttrs[r.attrHash]; !ok {
			a.newAttrs[r.attrHash] = r.attrs
		}
	}
	k := ribKey{it.routerHash, it.peerHash, r.rib, r.prefix, r.pathID}
	if i, ok := a.ribIdx[k]; ok {
		if prev := &a.ribRows[i].route; r.withdrawn {
			// As the upsert does: a withdrawal keeps the route's last attributes.
			cp := *it
			w := &cp.route
			if w.attrHash == ([16]byte{}) {
				w.attrHash = prev.attrHash
			}
			if !w.hasOrigin {
				w.originAS, w.hasOrigin = prev.originAS, prev.hasOrigin
			}
			if !w.nexthop.IsValid() {
				w.nexthop = prev.nexthop
			}
			if w.labels == "" {
				w.labels = prev.labels
			}
			it = &cp
		}
		a.ribRows[i] = it
		return
	}
	a.ribIdx[k] = len(a.ribRows)
	a.ribRows = append(a.ribRows, it)
}

// flushRIB upserts the queued ip_rib rows.
func (a *applier) flushRIB(ctx context.Context, tx pgx.Tx) error {
	if len(a.ribRows) == 0 {
		return nil
	}
	c := &a.rib
	c.reset()
	for _, it := range a.ribRows {
		r := &it.route
		c.row(20)
		c.uuid(r.hash)
		c.uuid(r.attrHash)
		c.uuid(it.routerHash)
		c.uuid(it.peerHash)
		c.int2(int16(r.rib))
		c.boolean(r.isIPv4)
		c.optInt8(r.originAS, r.hasOrigin)
		c.inet(r.prefix)
		c.int2(int16(r.prefix.Bits()))
		c.timestamptz(it.ts)
		c.timestamptz(it.ts)
		c.boolean(r.withdrawn)
		c.int8(r.pathID)
		c.text(r.labels, true)
		c.boolean(r.rib == ribAdjInPre || r.rib == ribAdjOutPre)
		c.boolean(r.rib == ribAdjInPre || r.rib == ribAdjInPost)
		c.boolean(r.rib == ribLoc)
		c.addr(r.nexthop)
		c.int8(int64(it.session))
		c.int8(int64(it.seq))
	}
	if err := copyIn(ctx, tx, c, `ip_rib_stage (`+ribCols+`)`); err != nil {
		return err
	}
	if _, err := tx.Exec(ctx, ribUpsert); err != nil {
		return err
	}
	if _, err := tx.Exec(ctx, `DELETE FROM ip_rib_stage`); err != nil {
		return err
	}
	a.resetRIB()
	return nil
}

func (a *applier) addAttrs(r *attrsRow) {
	c := &a.attrs
	c.row(19)
	c.uuid(r.hash)
	c.uuid(r.peerHash)
	c.text(r.origin, false)
	c.int8Array(r.asPath, false)
	c.int2(int16(min(len(r.asPath), 32767)))
	c.optInt8(r.originAS, r.hasOrigin)
	c.addr(r.nexthop)
	optU32(c, r.med)
	optU32(c, r.lp)
	c.text(r.aggregator, true)
	c.textArray(len(r.comms), func(dst []byte, i int) []byte { b, _ := r.comms[i].AppendText(dst); return b })
	c.textArray(len(r.ext), func(dst []byte, i int) []byte { return append(dst, r.ext[i]...) })
	c.textArray(len(r.large), func(dst []byte, i int) []byte { b, _ := r.large[i].AppendText(dst); return b })
	c.textArray(len(r.cluster), func(dst []byte, i int) []byte { return append(dst, r.cluster[i]...) })
	c.boolean(r.atomicAgg)
	c.boolean(r.nhIPv4)
	c.timestamptz(r.ts)
	c.addr(r.originator)
	optU32(c, r.otc)
}

func optU32(c *copyBuf, v *uint32) {
	if v == nil {
		c.null()
		return
	}
	c.int8(int64(*v))
}

func optU8(c *copyBuf, v *uint8) {
	if v == nil {
		c.null()
		return
	}
	c.int2(int16(*v))
}

func optU16(c *copyBuf, v *uint16) {
	if v == nil {
		c.null()
		return
	}
	c.int4(int32(*v))
}

func optU64(c *copyBuf, v *uint64) {
	if v == nil {
		c.null()
		return
	}
	c.int8(int64(*v))
}

func state(up bool) string {
	if up {
		return "up"
	}
	return "down"
}

// peerEvent logs a Peer Up or Down, updates bgp_peers and, on a down, marks the peer's
// routes withdrawn (after upserting the routes queued before it).
func (a *applier) peerEvent(ctx context.Context, tx pgx.Tx, it *item) error {
	pr := it.peer
	p := pr.p
	c := &a.peers
	c.row(26)
	c.text(state(pr.up), false)
	c.uuid(it.peerHash)
	c.uuid(it.routerHash)
	c.addr(p.RemoteIP)
	c.int8(int64(p.RemoteASN))
	c.addr(p.RemoteBGPID)
	c.text(p.PeerRD, true)
	c.addr(p.LocalIP)
	c.addr(p.LocalBGPID)
	optU16(c, p.LocalPort)
	optU16(c, p.AdvHoldTime)
	optU32(c, p.LocalASN)
	optU16(c, p.RemotePort)
	optU16(c, p.RemoteHoldTime)
	sent, recv := capText(p.AdvCap), capText(p.RecvCap)
	c.text(sent, true)
	c.text(recv, true)
	optU8(c, p.Reason)
	reasonText := p.ReasonText
	if reasonText == "" {
		reasonText = sessionEndText(pr.synthesized, p.EndReason)
	}
	c.text(reasonText, true)
	optU8(c, p.ErrorCode)
	optU8(c, p.ErrorSub)
	c.text(p.ErrorText, true)
	c.boolean(pr.synthesized)
	c.timestamptz(it.ts)
	c.timestamptz(it.rts)
	c.int8(int64(it.session))
	c.int8(int64(it.seq))

	ts := it.ts
	if ts.IsZero() {
		ts = time.Now()
	}
	if pr.up {
		_, err := tx.Exec(ctx, `INSERT INTO bgp_peers (hash_id, router_hash_id, peer_rd, isipv4, peer_addr, peer_bgp_id,
			peer_as, state, isl3vpnpeer, timestamp, isprepolicy, local_ip, local_bgp_id, local_port, local_hold_time,
			local_asn, remote_port, remote_hold_time, sent_capabilities, recv_capabilities, islocrib,
			islocribfiltered, table_name, peer_type)
			VALUES ($1, $2, $3, $4, $5, $6, $7, 'up', $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23)
			ON CONFLICT (router_hash_id, hash_id) DO UPDATE SET peer_rd = EXCLUDED.peer_rd, isipv4 = EXCLUDED.isipv4,
			peer_addr = EXCLUDED.peer_addr, peer_bgp_id = EXCLUDED.peer_bgp_id, peer_as = EXCLUDED.peer_as,
			state = 'up', isl3vpnpeer = EXCLUDED.isl3vpnpeer, timestamp = EXCLUDED.timestamp,
			isprepolicy = EXCLUDED.isprepolicy, local_ip = EXCLUDED.local_ip, local_bgp_id = EXCLUDED.local_bgp_id,
			local_port = EXCLUDED.local_port, local_hold_time = EXCLUDED.local_hold_time,
			local_asn = EXCLUDED.local_asn, remote_port = EXCLUDED.remote_port,
			remote_hold_time = EXCLUDED.remote_hold_time, sent_capabilities = EXCLUDED.sent_capabilities,
			recv_capabilities = EXCLUDED.recv_capabilities, islocrib = EXCLUDED.islocrib,
			islocribfiltered = EXCLUDED.islocribfiltered, table_name = EXCLUDED.table_name,
			peer_type = EXCLUDED.peer_type, bmp_reason = NULL, bgp_err_code = NULL, bgp_err_subcode = NULL,
			error_text = NULL`,
			it.peerHash, it.routerHash, p.PeerRD, p.IsIPv4, addrOrZero(p.RemoteIP), addrPtr(p.RemoteBGPID),
			int64(p.RemoteASN), p.PeerType == 1, ts, !p.IsAdjRIBInPostPolicy, addrPtr(p.LocalIP), addrPtr(p.LocalBGPID),
			p.LocalPort, p.AdvHoldTime, p.LocalASN, p.RemotePort, p.RemoteHoldTime, nullText(sent), nullText(recv),
			p.PeerType == 3, p.IsLocRIBFiltered, nullText(p.TableName), int16(p.PeerType))
		return err
	}
	if err := a.flushRIB(ctx, tx); err != nil {
		return err
	}
	if _, err := tx.Exec(ctx, `INSERT INTO bgp_peers (hash_id, router_hash_id, peer_rd, isipv4, peer_addr, peer_bgp_id,
		peer_as, state, timestamp, bmp_reason, bgp_err_code, bgp_err_subcode, error_text, peer_type)
		VALUES ($1, $2, $3, $4, $5, $6, $7, 'down', $8, $9, $10, $11, $12, $13)
		ON CONFLICT (router_hash_id, hash_id) DO UPDATE SET state = 'down', timestamp = EXCLUDED.timestamp,
		bmp_reason = EXCLUDED.bmp_reason, bgp_err_code = EXCLUDED.bgp_err_code,
		bgp_err_subcode = EXCLUDED.bgp_err_subcode, error_text = EXCLUDED.error_text`,
		it.peerHash, it.routerHash, p.PeerRD, p.IsIPv4, addrOrZero(p.RemoteIP), addrPtr(p.RemoteBGPID),
		int64(p.RemoteASN), ts, p.Reason, p.ErrorCode, p.ErrorSub, nullText(p.ErrorText), int16(p.PeerType)); err != nil {
		return err
	}
	_, err := tx.Exec(ctx, `UPDATE ip_rib SET iswithdrawn = true, timestamp = $3
		WHERE router_hash_id = $1 AND peer_hash_id = $2 AND NOT iswithdrawn`, it.routerHash, it.peerHash, ts)
	return err
}

// routerEvent updates routers; a Termination marks the router's peers down and their
// routes withdrawn.
func (a *applier) routerEvent(ctx context.Context, tx pgx.Tx, it *item) error {
	r := it.router.r
	ts := it.ts
	if ts.IsZero() {
		ts = time.Now()
	}
	if r.Action == record.ActionTerm {
		if err := a.flushRIB(ctx, tx); err != nil {
			return err
		}
		termText := r.TermReasonText
		if termText == "" {
			termText = sessionEndText(r.Synthesized, r.EndReason)
		}
		var code *int32
		if r.TermReason != nil {
			v := int32(*r.TermReason)
			code = &v
		}
		if _, err := tx.Exec(ctx, `INSERT INTO routers (hash_id, name, ip_address, timestamp, state, term_reason_code,
			term_reason_text, router_port, bmp_version, session_id) VALUES ($1, $2, $3, $4, 'down', $5, $6, $7, $8, $9)
			ON CONFLICT (hash_id) DO UPDATE SET state = 'down', timestamp = EXCLUDED.timestamp,
			term_reason_code = EXCLUDED.term_reason_code, term_reason_text = EXCLUDED.term_reason_text`,
			it.routerHash, r.RouterName, addrOrZero(r.RouterIP), ts, code, nullText(termText),
			int32(r.RouterPort), int16(r.BMPVersion), int64(it.session)); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE bgp_peers SET state = 'down', timestamp = $2
			WHERE router_hash_id = $1 AND state <> 'down'`, it.routerHash, ts); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `UPDATE ip_rib SET iswithdrawn = true, timestamp = $2
			WHERE router_hash_id = $1 AND NOT iswithdrawn`, it.routerHash, ts)
		return err
	}
	name := r.SysName
	if name == "" {
		name = r.RouterName
	}
	if name == "" && r.RouterIP.IsValid() {
		name = r.RouterIP.String()
	}
	a.js = a.js[:0]
	if len(r.InfoStrings) > 0 {
		a.js, _ = json.Marshal(r.InfoStrings)
	}
	_, err := tx.Exec(ctx, `INSERT INTO routers (hash_id, name, ip_address, timestamp, description, state, init_data,
		router_port, bmp_version, session_id) VALUES ($1, $2, $3, $4, $5, 'up', $6, $7, $8, $9)
		ON CONFLICT (hash_id) DO UPDATE SET name = EXCLUDED.name, ip_address = EXCLUDED.ip_address,
		timestamp = EXCLUDED.timestamp, description = EXCLUDED.description, state = 'up',
		init_data = EXCLUDED.init_data, router_port = EXCLUDED.router_port, bmp_version = EXCLUDED.bmp_version,
		session_id = EXCLUDED.session_id, term_reason_code = NULL, term_reason_text = NULL`,
		it.routerHash, name, addrOrZero(r.RouterIP), ts, nullText(r.SysDescr), nullText(string(a.js)),
		int32(r.RouterPort), int16(r.BMPVersion), int64(it.session))
	return err
}

func (a *applier) addStats(it *item) {
	s := it.stats
	c := &a.stats
	c.row(21)
	c.uuid(it.peerHash)
	c.uuid(it.routerHash)
	for _, v := range []*uint64{s.RejectedInbound, s.DuplicatePrefix, s.DuplicateWithdraws, s.InvalidatedCluster,
		s.InvalidatedASPath, s.InvalidatedOriginatorID, s.InvalidatedASConfed, s.AdjRIBIn, s.LocRIB,
		s.UpdatesAsWithdraw, s.PrefixesAsWithdraw, s.DuplicateUpdates, s.PrePolicyAdjRIBOut, s.PostPolicyAdjRIBOut} {
		optU64(c, v)
	}
	if len(s.PerAFIAdjRIBIn)+len(s.PerAFILocRIB)+len(s.PerAFIPrePolicyAdjRIBOut)+len(s.PerAFIPostPolicyAdjRIBOut)+len(s.Unknown) == 0 {
		c.null()
	} else {
		js, _ := json.Marshal(map[string]any{
			"per_afi_adj_ribs_in": s.PerAFIAdjRIBIn, "per_afi_loc_rib": s.PerAFILocRIB,
			"per_afi_pre_policy_adj_rib_out":  s.PerAFIPrePolicyAdjRIBOut,
			"per_afi_post_policy_adj_rib_out": s.PerAFIPostPolicyAdjRIBOut, "unknown_stats": s.Unknown})
		c.jsonb(js)
	}
	c.timestamptz(it.ts)
	c.timestamptz(it.rts)
	c.int8(int64(it.session))
	c.int8(int64(it.seq))
}

func (a *applier) addOther(it *item) {
	o := it.other
	c := &a.other
	c.row(15)
	c.text(o.typ, false)
	c.text(o.action, true)
	c.timestamptz(it.ts)
	c.timestamptz(it.rts)
	c.uuid(it.routerHash)
	c.uuid(it.peerHash)
	if o.hasRIB {
		c.int2(o.rib)
	} else {
		c.null()
	}
	c.inet(o.prefix)
	c.text(o.rd, true)
	c.text(o.labels, true)
	c.uuid(o.hash)
	c.uuid(o.attrHash)
	c.jsonb(o.data)
	c.int8(int64(it.session))
	c.int8(int64(it.seq))
}

func addrPtr(a netip.Addr) *netip.Prefix {
	if !a.IsValid() {
		return nil
	}
	a = a.Unmap()
	p := netip.PrefixFrom(a, a.BitLen())
	return &p
}

func addrOrZero(a netip.Addr) netip.Prefix {
	if !a.IsValid() {
		a = netip.IPv4Unspecified()
	}
	a = a.Unmap()
	return netip.PrefixFrom(a, a.BitLen())
}

func nullText(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}
