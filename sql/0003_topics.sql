-- Topic membership bookkeeping (issue 6). Forward-only.

-- members_hash: the rule_hash the stored membership was computed with. When
-- it differs from rule_hash, a background backfill is due (or under way).
-- backfill_cursor: the last item id an unfinished backfill of rule_hash has
-- done, so a restart resumes instead of starting over.
-- changed_at: the last time a backfill moved items in or out; it feeds the
-- topic feed's Last-Modified, since no item row changes when that happens.
ALTER TABLE topics ADD COLUMN members_hash text;
ALTER TABLE topics ADD COLUMN backfill_cursor bigint;
ALTER TABLE topics ADD COLUMN changed_at timestamptz NOT NULL DEFAULT now();

-- Until now membership was recomputed before the app started, so it is complete.
UPDATE topics SET members_hash = rule_hash;
