-- bmpstream PostgreSQL schema, version 1.
-- Table and column names follow OpenBMP's obmp-psql where they fit; docs/postgres.md lists
-- every difference. Time columns are timestamptz; "timestamp" is the collector's receive
-- time (the partition key of the time-based tables), "router_timestamp" the router's
-- per-peer header time. Time-based tables are partitioned by day (RANGE on timestamp);
-- the collector creates partitions ahead and drops those older than the retention.

CREATE TYPE opstate AS ENUM ('up', 'down', '');

-- Monitored routers: one row per router (BMP session source address), current state.
CREATE TABLE routers (
    hash_id             uuid        NOT NULL PRIMARY KEY,
    name                text        NOT NULL DEFAULT '',
    ip_address          inet        NOT NULL,
    router_as           bigint,
    timestamp           timestamptz NOT NULL DEFAULT now(),
    description         text,
    state               opstate     DEFAULT 'down',
    ispassive           boolean     DEFAULT false,
    term_reason_code    int,
    term_reason_text    text,
    term_data           text,
    init_data           text,
    geo_ip_start        inet,
    collector_hash_id   uuid,
    bgp_id              inet,
    router_port         int,
    bmp_version         smallint,
    session_id          bigint
);
CREATE INDEX ON routers (name);
CREATE INDEX ON routers (ip_address);

-- Peers of each router, current state (hash_id is the per-peer header hash, the
-- "peer_hash" of the JSON records; the same peer seen by two routers has two rows).
CREATE TABLE bgp_peers (
    hash_id             uuid        NOT NULL,
    router_hash_id      uuid        NOT NULL,
    peer_rd             text        NOT NULL DEFAULT '',
    isipv4              boolean     NOT NULL DEFAULT true,
    peer_addr           inet        NOT NULL,
    name                text,
    peer_bgp_id         inet,
    peer_as             bigint      NOT NULL,
    state               opstate     NOT NULL DEFAULT 'down',
    isl3vpnpeer         boolean     NOT NULL DEFAULT false,
    timestamp           timestamptz NOT NULL DEFAULT now(),
    isprepolicy         boolean     DEFAULT true,
    geo_ip_start        inet,
    local_ip            inet,
    local_bgp_id        inet,
    local_port          int,
    local_hold_time     int,
    local_asn           bigint,
    remote_port         int,
    remote_hold_time    int,
    sent_capabilities   text,
    recv_capabilities   text,
    bmp_reason          smallint,
    bgp_err_code        smallint,
    bgp_err_subcode     smallint,
    error_text          text,
    islocrib            boolean     NOT NULL DEFAULT false,
    islocribfiltered    boolean     NOT NULL DEFAULT false,
    table_name          text,
    peer_type           smallint,
    PRIMARY KEY (router_hash_id, hash_id)
);
CREATE INDEX ON bgp_peers (peer_addr);
CREATE INDEX ON bgp_peers (peer_as);
CREATE INDEX ON bgp_peers (hash_id);

-- Every Peer Up and Peer Down, in stream order per session (session_id, seq).
CREATE TABLE peer_event_log (
    state               opstate     NOT NULL,
    peer_hash_id        uuid        NOT NULL,
    router_hash_id      uuid        NOT NULL,
    peer_addr           inet,
    peer_as             bigint,
    peer_bgp_id         inet,
    peer_rd             text,
    local_ip            inet,
    local_bgp_id        inet,
    local_port          int,
    local_hold_time     int,
    geo_ip_start        inet,
    local_asn           bigint,
    remote_port         int,
    remote_hold_time    int,
    sent_capabilities   text,
    recv_capabilities   text,
    bmp_reason          smallint,
    bmp_reason_text     text,
    bgp_err_code        smallint,
    bgp_err_subcode     smallint,
    error_text          text,
    synthesized         boolean     NOT NULL DEFAULT false,
    timestamp           timestamptz NOT NULL,
    router_timestamp    timestamptz,
    session_id          bigint      NOT NULL,
    seq                 bigint      NOT NULL
) PARTITION BY RANGE (timestamp);
CREATE INDEX ON peer_event_log (peer_hash_id, timestamp);
CREATE INDEX ON peer_event_log (router_hash_id, timestamp);

-- Statistics Reports (obmp's columns plus the counters obmp does not keep).
CREATE TABLE stat_reports (
    peer_hash_id                        uuid        NOT NULL,
    router_hash_id                      uuid        NOT NULL,
    prefixes_rejected                   bigint,
    known_dup_prefixes                  bigint,
    known_dup_withdraws                 bigint,
    updates_invalid_by_cluster_list     bigint,
    updates_invalid_by_as_path_loop     bigint,
    updates_invalid_by_originagtor_id   bigint,
    updates_invalid_by_as_confed_loop   bigint,
    num_routes_adj_rib_in               bigint,
    num_routes_local_rib                bigint,
    updates_as_withdraw                 bigint,
    prefixes_as_withdraw                bigint,
    duplicate_updates                   bigint,
    pre_policy_adj_rib_out              bigint,
    post_policy_adj_rib_out             bigint,
    per_afi                             jsonb,
    timestamp                           timestamptz NOT NULL,
    router_timestamp                    timestamptz,
    session_id                          bigint      NOT NULL,
    seq                                 bigint      NOT NULL
) PARTITION BY RANGE (timestamp);
CREATE INDEX ON stat_reports (peer_hash_id, timestamp);

-- Every distinct path attribute set, once, keyed by its hash (base_attr_hash).
CREATE TABLE base_attrs (
    hash_id                 uuid        NOT NULL PRIMARY KEY,
    peer_hash_id            uuid,
    origin                  text        NOT NULL DEFAULT '',
    as_path                 bigint[]    NOT NULL DEFAULT '{}',
    as_path_count           smallint    DEFAULT 0,
    origin_as               bigint,
    next_hop                inet,
    med                     bigint,
    local_pref              bigint,
    aggregator              text,
    community_list          text[],
    ext_community_list      text[],
    large_community_list    text[],
    cluster_list            text[],
    isatomicagg             boolean     DEFAULT false,
    nexthop_isipv4          boolean     DEFAULT true,
    timestamp               timestamptz NOT NULL DEFAULT now(),
    originator_id           inet,
    otc                     bigint
);
CREATE INDEX ON base_attrs USING gin (as_path);
CREATE INDEX ON base_attrs USING gin (community_list);
CREATE INDEX ON base_attrs USING gin (large_community_list);

-- Current IPv4/IPv6 unicast and labelled unicast routes, per router, peer, RIB view
-- (rib: 0 Adj-RIB-In pre-policy, 1 Adj-RIB-In post-policy, 2 Adj-RIB-Out pre-policy,
-- 3 Adj-RIB-Out post-policy, 4 Loc-RIB), prefix and ADD-PATH path id.
CREATE TABLE ip_rib (
    hash_id                 uuid,
    base_attr_hash_id       uuid,
    router_hash_id          uuid        NOT NULL,
    peer_hash_id            uuid        NOT NULL,
    rib                     smallint    NOT NULL,
    isipv4                  boolean     NOT NULL,
    origin_as               bigint,
    prefix                  inet        NOT NULL,
    prefix_len              smallint    NOT NULL,
    timestamp               timestamptz NOT NULL,
    first_added_timestamp   timestamptz NOT NULL,
    iswithdrawn             boolean     NOT NULL DEFAULT false,
    path_id                 bigint      NOT NULL DEFAULT 0,
    labels                  text,
    isprepolicy             boolean     NOT NULL DEFAULT true,
    isadjribin              boolean     NOT NULL DEFAULT true,
    islocrib                boolean     NOT NULL DEFAULT false,
    nexthop                 inet,
    session_id              bigint,
    seq                     bigint,
    PRIMARY KEY (router_hash_id, peer_hash_id, rib, prefix, path_id)
);
CREATE INDEX ON ip_rib USING gist (prefix inet_ops);
CREATE INDEX ON ip_rib (origin_as);

-- Every announcement and withdrawal of ip_rib's families.
CREATE TABLE ip_rib_log (
    base_attr_hash_id       uuid,
    timestamp               timestamptz NOT NULL,
    router_timestamp        timestamptz,
    router_hash_id          uuid        NOT NULL,
    peer_hash_id            uuid        NOT NULL,
    rib                     smallint    NOT NULL,
    prefix                  inet        NOT NULL,
    prefix_len              smallint    NOT NULL,
    origin_as               bigint,
    iswithdrawn             boolean     NOT NULL,
    path_id                 bigint      NOT NULL DEFAULT 0,
    labels                  text,
    nexthop                 inet,
    session_id              bigint      NOT NULL,
    seq                     bigint      NOT NULL
) PARTITION BY RANGE (timestamp);
CREATE INDEX ON ip_rib_log USING gist (prefix inet_ops);
CREATE INDEX ON ip_rib_log (peer_hash_id, timestamp);
CREATE INDEX ON ip_rib_log (origin_as);

-- Every other record (L3VPN, EVPN, BGP-LS, FlowSpec, SR Policy, VPLS, MVPN, RTC,
-- multicast, route mirroring, unknown NLRI, router Initiation/Termination, End-of-RIB
-- markers): its key columns plus the record as JSONB (the JSON output's object).
CREATE TABLE record_log (
    type                    text        NOT NULL,
    action                  text,
    timestamp               timestamptz NOT NULL,
    router_timestamp        timestamptz,
    router_hash_id          uuid        NOT NULL,
    peer_hash_id            uuid,
    rib                     smallint,
    prefix                  inet,
    rd                      text,
    labels                  text,
    hash_id                 uuid,
    base_attr_hash_id       uuid,
    data                    jsonb       NOT NULL,
    session_id              bigint      NOT NULL,
    seq                     bigint      NOT NULL
) PARTITION BY RANGE (timestamp);
CREATE INDEX ON record_log (type, timestamp);
CREATE INDEX ON record_log USING gist (prefix inet_ops);

-- Hourly aggregates per router and peer, maintained by the collector.
CREATE TABLE stats_peer_hourly (
    interval_time           timestamptz NOT NULL,
    router_hash_id          uuid        NOT NULL,
    peer_hash_id            uuid        NOT NULL,
    announcements           bigint      NOT NULL DEFAULT 0,
    withdrawals             bigint      NOT NULL DEFAULT 0,
    unique_prefixes         bigint      NOT NULL DEFAULT 0,
    peers_up                bigint      NOT NULL DEFAULT 0,
    PRIMARY KEY (interval_time, router_hash_id, peer_hash_id)
) PARTITION BY RANGE (interval_time);

-- Per router session, the sequence number of the last record committed: a batch applied
-- again after a reconnect skips what is already stored (at-least-once delivery,
-- idempotent writes).
CREATE TABLE bmpstream_progress (
    session_id              bigint      NOT NULL PRIMARY KEY,
    router_hash_id          uuid,
    seq                     bigint      NOT NULL,
    updated_at              timestamptz NOT NULL DEFAULT now()
);
