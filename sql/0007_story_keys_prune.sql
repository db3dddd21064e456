-- Story keys older than the window are pruned (issue 7: cost flat as the
-- store grows). Forward-only.
--
-- Lookups only read keys within dedup.window of a new item's publication, but
-- story_keys kept every key forever: 8 rows per item, with random keys, so
-- its lookup index outgrew memory (about 700 MB at a million items) and every
-- insert became a random page read. The story linker's sweep now deletes,
-- in chunks, the keys of items published and stored more than a day before
-- the window (src/store/stories.ts, pruneStoryKeys); this BRIN
-- index finds them (rows arrive roughly in publication order, so it stays a
-- few pages, and it costs almost nothing to maintain).
CREATE INDEX story_keys_published_brin ON story_keys USING brin (published_at);

-- Queued rows have no story: leave them out of the story index, which then
-- gets one entry per linked row instead of two (the NULL one lingered until
-- vacuum). With source_id in it, the linker's "does this story already hold
-- one of these publishers" is an index-only scan instead of reading every
-- member of every candidate story.
DROP INDEX story_items_story_idx;
CREATE INDEX story_items_story_idx ON story_items (story_id, source_id) WHERE story_id IS NOT NULL;
