-- Withdrawals the collector synthesizes (--synthesize-withdrawals: one per route a Peer
-- Down or the end of a router session removed) are marked, so history queries can tell
-- them from the withdrawals the router sent.
ALTER TABLE ip_rib_log ADD COLUMN synthesized boolean NOT NULL DEFAULT false;
