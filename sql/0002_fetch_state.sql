-- Tidings schema, version 2: fetch counters and the adaptive schedule's index.
-- Forward-only: never edit this file once landed.

-- Every fetch and every 304, per feed: the 304 ratio shows conditional GET working.
ALTER TABLE feeds ADD COLUMN fetch_count bigint NOT NULL DEFAULT 0;
ALTER TABLE feeds ADD COLUMN not_modified_count bigint NOT NULL DEFAULT 0;

-- The feed's own "come back in" hint (max of <ttl> and sy:updatePeriod, seconds) from its
-- last 200, so a 304, which carries no body, still honours it.
ALTER TABLE feeds ADD COLUMN feed_hint_seconds integer;

-- schedule.adaptive counts a feed's new items of the last 7 days at every fetch.
CREATE INDEX items_feed_first_seen_idx ON items (feed_id, first_seen_at);

-- Leases are looked up by holder at shutdown (releaseLeases).
CREATE INDEX feeds_locked_by_idx ON feeds (locked_by) WHERE locked_by IS NOT NULL;
