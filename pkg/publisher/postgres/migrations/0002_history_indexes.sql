-- Cheaper history inserts (measured with bmppgbench): ip_rib_log's prefix index becomes
-- SP-GiST (inet_ops; the same operators as GiST: >>=, <<=, &&, =, so longest-match and
-- more-specific searches stay index scans) at about a quarter of GiST's insert cost, and
-- the per-row origin_as index goes (origin-AS questions are per prefix and use the
-- prefix index). ip_rib leaves room on its pages for HOT updates of routes re-announced
-- with the same key.
DROP INDEX IF EXISTS ip_rib_log_prefix_idx;
DROP INDEX IF EXISTS ip_rib_log_origin_as_idx;
CREATE INDEX ip_rib_log_prefix_spgist ON ip_rib_log USING spgist (prefix);
ALTER TABLE ip_rib SET (fillfactor = 80);
