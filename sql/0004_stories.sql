-- Stories: one event reported by several publishers (issue 7).
-- Forward-only: never edit this file once landed.

-- A story keeps its id as it grows. The representative is the member with
-- the lowest (rank, published_at, item_id); see story_items.rank.
CREATE TABLE stories (
  id                      bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  representative_item_id  bigint REFERENCES items (id) ON DELETE SET NULL,
  created_at              timestamptz NOT NULL DEFAULT now(),
  updated_at              timestamptz NOT NULL DEFAULT now()
);
-- max(updated_at) versions the collapsed topic feeds' cache.
CREATE INDEX stories_updated_idx ON stories (updated_at);

-- Each item's story, and why it is there: the layer ('seed' for the item
-- that opened the story, else 'url', 'title' or 'minhash'), the score and
-- the item it matched. rank is the source priority at ingest time (lower
-- wins; opted-out sources rank last). shingles are the item's word-set
-- hashes, for the exact Jaccard check of later candidates.
CREATE TABLE story_items (
  item_id          bigint PRIMARY KEY REFERENCES items (id) ON DELETE CASCADE,
  story_id         bigint NOT NULL REFERENCES stories (id),
  source_id        text NOT NULL,
  layer            text NOT NULL,
  score            real NOT NULL,
  matched_item_id  bigint,
  rank             integer NOT NULL,
  published_at     timestamptz NOT NULL,
  title_key        text NOT NULL,
  shingles         integer[] NOT NULL
);
CREATE INDEX story_items_story_idx ON story_items (story_id);

-- Candidate lookup: canonical-URL, title and LSH band keys (64-bit hashes).
-- story_keys_lookup_idx makes "items sharing a key within the window" one
-- index range scan per key, however many items are stored.
-- No foreign key and no item_id index, on purpose: they cost a lookup and an
-- index write per key row (about 18 per item), the bulk of the story step.
-- Keys of a deleted item are harmless: the lookup joins story_items, whose
-- row went with the item. Keys older than the window are never read again.
CREATE TABLE story_keys (
  key           bigint NOT NULL,
  published_at  timestamptz NOT NULL,
  item_id       bigint NOT NULL
);
CREATE INDEX story_keys_lookup_idx ON story_keys (key, published_at);

-- A deleted item leaves its story (cascade above); if it was the
-- representative, the next member by (rank, published_at, item_id) takes over.
CREATE FUNCTION story_items_hand_over() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE stories s
     SET representative_item_id = (
           SELECT si.item_id FROM story_items si
            WHERE si.story_id = s.id
            ORDER BY si.rank, si.published_at, si.item_id
            LIMIT 1),
         updated_at = now()
   WHERE s.id = OLD.story_id
     AND (s.representative_item_id IS NULL OR s.representative_item_id = OLD.item_id);
  RETURN NULL;
END
$$;
CREATE TRIGGER story_items_hand_over AFTER DELETE ON story_items
  FOR EACH ROW EXECUTE FUNCTION story_items_hand_over();
