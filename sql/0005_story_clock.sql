-- The story step's commit order (issue 3: cold ingest speed). Forward-only.
--
-- The story step used to hold one global advisory lock from its candidate
-- lookup to its commit, so every feed's lookup ran one after another. Now
-- the lookup runs before the lock, and the lock is the row lock on
-- story_clock: each story step bumps epoch (UPDATE … RETURNING, which waits
-- for the previous holder to commit) and stamps its story_items rows with
-- the new value. Epochs are therefore in commit order, and a step that
-- looked candidates up at epoch E only has to re-check the rows with
-- epoch > E once it holds the lock (story_items_epoch_idx): those are the
-- few committed meanwhile by concurrent workers.
CREATE TABLE story_clock (
  id     integer PRIMARY KEY CHECK (id = 1),
  epoch  bigint NOT NULL
);
INSERT INTO story_clock (id, epoch) VALUES (1, 0);

-- Rows stored before this migration were committed before any lookup that
-- reads epoch 0 or later.
ALTER TABLE story_items ADD COLUMN epoch bigint NOT NULL DEFAULT 0;
CREATE INDEX story_items_epoch_idx ON story_items (epoch);
