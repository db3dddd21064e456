-- Story band keys move from 6 bands of 3 rows to 8 bands of 4
-- (src/dedup/minhash.ts: with three rows, bands of a few common words
-- collide across unrelated items, and candidate rows were most of the
-- linker's cost). Forward-only.
--
-- Keys stored before this migration are 6 × 3 keys, which new items' keys
-- never meet. The story linker re-keys the stored items once, in batches,
-- from their stored shingles: story_items with item_id in
-- [rekey_from, rekey_below) still have old band keys (those whose keys were
-- pruned have none, and get none). Items linked after this migration have
-- new keys already.
ALTER TABLE story_clock ADD COLUMN rekey_from bigint, ADD COLUMN rekey_below bigint;
UPDATE story_clock SET
  rekey_from = (SELECT min(item_id) FROM story_keys),
  rekey_below = (SELECT max(item_id) + 1 FROM story_items);
