-- Tidings schema, version 2: fetch counters and the adaptive schedule's index.
-- Forward-only: never edit this file once landed.

-- Every fetch and every 304, per feed: the 304 ratio shows conditional GET working.
ALTER TABLE feeds ADD COLUMN fetch_count bigint NOT NULL DEFAULT 0;
ALTER TABLE feeds ADD COLUMN not_modified_count bigint NOT NULL DEFAULT 0;

-- schedule.adaptive counts a feed's new items of the last 7 days at every fetch.
CREATE INDEX items_feed_first_seen_idx ON items (feed_id, first_seen_at);

-- Leases are looked up by holder at shutdown (releaseLeases).
CREATE INDEX feeds_locked_by_idx ON feeds (locked_by) WHERE locked_by IS NOT NULL;
