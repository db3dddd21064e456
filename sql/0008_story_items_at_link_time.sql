-- Story rows are written once, by the linker (issues 3 and 7: clustering
-- cost). Forward-only.
--
-- Until now ingest queued each new item in its own transaction: a
-- story_items row with story_id NULL ("pending") and its story_keys rows,
-- and the linker then UPDATEd the row with its story. Every item's story
-- row was written twice (a second heap tuple, its index entries, a dead
-- tuple for vacuum) and ingest's transaction carried nine extra rows per
-- item. Now ingest writes no story rows: it hands the items' features to
-- the linker in memory, and the linker inserts each item's story_items row
-- (with its story) and its keys in one statement per batch.
--
-- What a crashed process never linked is found by the linker's sweep:
-- recent items without a story_items row. Every item first seen before
-- story_clock.linked_through is linked (a sweep that found nothing left sets
-- it to its own start less a margin), so a sweep reads only the items stored
-- since, not the whole window; items_first_seen_idx finds them. (A BRIN
-- index would be cheaper to keep, but its block ranges widen wherever rows
-- are updated or space is reused, and the bench's store of a million
-- backdated items made it read the whole table.)

-- Rows still pending from the old queue go back to being unlinked items,
-- and the sweep starts early enough to find every one of them.
ALTER TABLE story_clock ADD COLUMN linked_through timestamptz;
UPDATE story_clock SET linked_through = (
  SELECT min(i.first_seen_at) FROM story_items si JOIN items i ON i.id = si.item_id WHERE si.story_id IS NULL);
DELETE FROM story_keys k USING story_items si WHERE si.item_id = k.item_id AND si.story_id IS NULL;
DELETE FROM story_items WHERE story_id IS NULL;

ALTER TABLE story_items ALTER COLUMN story_id SET NOT NULL;
DROP INDEX story_items_pending_idx;
CREATE INDEX items_first_seen_idx ON items (first_seen_at);
