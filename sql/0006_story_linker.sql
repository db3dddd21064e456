-- Story linking leaves the ingest transaction (issues 3 and 7: cold ingest
-- cost). Forward-only.
--
-- Until now each feed's ingest transaction linked its new items to stories
-- under the story_clock row lock, so 16 concurrent feeds queued on one lock
-- and the critical section (re-reading what others committed meanwhile,
-- inserting the keys, committing) was most of the ingest's wall time.
-- Now ingest only queues: it inserts each new item's story_items row with
-- story_id NULL ("pending") and its story_keys rows, lock-free, in the item
-- transaction. A linker (src/ingest/story-linker.ts) then takes the
-- story_clock row lock and links every pending row, in the order they were
-- stored, in large batches: one lock, one candidate lookup and three writes
-- per batch instead of per feed. Under the lock every linked row is visible, so the
-- epoch re-check of 0005 is no longer needed.
ALTER TABLE story_items ALTER COLUMN story_id DROP NOT NULL;
-- The linker's queue.
CREATE INDEX story_items_pending_idx ON story_items (item_id) WHERE story_id IS NULL;
-- Epochs are still stamped (the clock still ticks once per batch) but no
-- longer read by the story step: their index was an index write per item.
DROP INDEX story_items_epoch_idx;
-- The canonical URL's 64-bit key (the url layer compares keys, not URLs), so
-- neither the linker's queue nor its candidates need a join to items. Rows
-- linked before this migration have none, so as candidates they match by
-- title or near-duplicate only.
ALTER TABLE story_items ADD COLUMN url_key bigint;
