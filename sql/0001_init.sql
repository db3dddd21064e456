-- Tidings schema, version 1. Forward-only: never edit this file once landed.

-- One publisher. Synced from the YAML at start; a source removed from the
-- YAML is disabled, never deleted, so its items stay.
CREATE TABLE sources (
  id          text PRIMARY KEY,
  name        text NOT NULL,
  tags        text[] NOT NULL DEFAULT '{}',
  headers     jsonb NOT NULL DEFAULT '{}',
  enabled     boolean NOT NULL DEFAULT true,
  created_at  timestamptz NOT NULL DEFAULT now(),
  updated_at  timestamptz NOT NULL DEFAULT now()
);

-- One feed URL of a source, with its fetch state. The scheduler claims rows
-- here with FOR UPDATE SKIP LOCKED and a lease (locked_by, locked_until).
CREATE TABLE feeds (
  id                bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  source_id         text NOT NULL REFERENCES sources (id),
  url               text NOT NULL,            -- as configured: the feed's identity
  fetch_url         text,                     -- where a 301/308 moved it, if anywhere
  enabled           boolean NOT NULL DEFAULT true,
  disabled_reason   text,
  interval_seconds  integer NOT NULL,
  next_fetch_at     timestamptz NOT NULL DEFAULT now(),
  locked_by         text,
  locked_until      timestamptz,
  etag              text,
  last_modified     text,
  title             text,
  last_fetched_at   timestamptz,
  last_success_at   timestamptz,
  last_status       text,
  last_error        text,
  last_error_code   text,
  error_count       integer NOT NULL DEFAULT 0,
  CONSTRAINT feeds_source_url_key UNIQUE (source_id, url)
);
CREATE INDEX feeds_due_idx ON feeds (next_fetch_at) WHERE enabled;

-- One article of one publisher. Within a publisher an article is stored once:
-- the partial unique indexes below enforce the guid and canonical-URL layers;
-- the normalized-title layer is checked under a per-source advisory lock.
CREATE TABLE items (
  id                   bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  source_id            text NOT NULL REFERENCES sources (id),
  feed_id              bigint NOT NULL REFERENCES feeds (id),
  guid                 text,
  url                  text,
  canonical_url        text,
  title                text NOT NULL,
  title_key            text NOT NULL,
  summary              text,
  content_html         text,
  author               text,
  categories           text[] NOT NULL DEFAULT '{}',
  enclosures           jsonb NOT NULL DEFAULT '[]',
  language             text,
  content_hash         text NOT NULL,
  published_at         timestamptz NOT NULL,
  published_estimated  boolean NOT NULL DEFAULT false,
  updated_at           timestamptz,
  first_seen_at        timestamptz NOT NULL DEFAULT now(),
  last_seen_at         timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX items_source_guid_key ON items (source_id, guid) WHERE guid IS NOT NULL;
CREATE UNIQUE INDEX items_source_canonical_url_key ON items (source_id, canonical_url) WHERE canonical_url IS NOT NULL;
CREATE INDEX items_source_title_key_idx ON items (source_id, title_key);
CREATE INDEX items_published_idx ON items (published_at DESC, id DESC);
CREATE INDEX items_source_published_idx ON items (source_id, published_at DESC, id DESC);

-- Topics as configured; rule_hash tells when a rule changed.
CREATE TABLE topics (
  slug        text PRIMARY KEY,
  title       text NOT NULL,
  rule_hash   text NOT NULL,
  updated_at  timestamptz NOT NULL DEFAULT now()
);

-- Materialized topic membership, written with the item at ingest.
-- published_at is copied here so a topic feed is one index range scan.
CREATE TABLE item_topics (
  topic_slug    text NOT NULL,
  item_id       bigint NOT NULL REFERENCES items (id) ON DELETE CASCADE,
  published_at  timestamptz NOT NULL,
  PRIMARY KEY (topic_slug, item_id)
);
CREATE INDEX item_topics_feed_idx ON item_topics (topic_slug, published_at DESC, item_id DESC);
CREATE INDEX item_topics_item_idx ON item_topics (item_id);
